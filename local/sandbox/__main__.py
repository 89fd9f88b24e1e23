"""``python -m local.sandbox``: run every sandbox CRM in the foreground.

Environment: ``SANDBOX_PORT`` (default 8100), ``SANDBOX_HOST`` (default 127.0.0.1), ``SANDBOX_VERBOSE=1``
(one line per request: method, path, status).
"""

from __future__ import annotations

import os
import sys

from local.sandbox.server import SandboxServer


def main() -> int:
    port = int(os.environ.get("SANDBOX_PORT", "8100"))
    host = os.environ.get("SANDBOX_HOST", "127.0.0.1")
    server = SandboxServer(host=host, port=port, verbose=os.environ.get("SANDBOX_VERBOSE", "") == "1").bind()
    print(f"Sandbox CRMs on {server.url} (control API: {server.url}/__sandbox)")
    for name, url in server.urls().items():
        print(f"  {name:<12} {url}")
    print("Environment for the connector server:")
    for key, value in server.connector_env().items():
        print(f"  {key}={value}")
    print("Sandbox logins:")
    for name, fields in server.login_hints().items():
        print(f"  {name:<12} " + ", ".join(f"{k}={v}" for k, v in fields.items()))
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
