"""Sandbox CRMs: stateful local emulators of Pipedrive, Bullhorn, Insightly, Redtail and RingCentral.

``SandboxServer`` hosts all of them on one port, each under its own path prefix, with a control API under
``/__sandbox`` (see docs/sandbox.md)::

    from local.sandbox import SandboxServer

    server = SandboxServer(port=0).start()
    print(server.urls()["pipedrive"])
    server.stop()
"""

from local.sandbox.server import SandboxServer

__all__ = ["SandboxServer"]
