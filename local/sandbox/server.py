"""The HTTP server that hosts every sandbox under its own path prefix, plus the control API."""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.sandbox.control import CONTROL_PREFIX, handle_control
from local.sandbox.core import Request, Response, Sandbox

MAX_BODY = 10 * 1024 * 1024


#: the modules of local/sandbox/ that hold machinery, not an emulated system
_NOT_SYSTEMS = frozenset({"__main__", "control", "core", "oauth", "server", "bullhorn_query"})


def default_sandboxes() -> dict[str, Sandbox]:
    """Every emulated system: each module of ``local/sandbox/`` that defines a named :class:`Sandbox`
    (a connector's scaffold, ``make new-connector``, adds one without touching this file)."""
    import importlib
    import inspect
    import pkgutil

    import local.sandbox as package

    systems: dict[str, Sandbox] = {}
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module_info.name in _NOT_SYSTEMS:
            continue
        module = importlib.import_module(f"local.sandbox.{module_info.name}")
        for _, member in inspect.getmembers(module, inspect.isclass):
            if issubclass(member, Sandbox) and member.__module__ == module.__name__ and member.name:
                systems[member.name] = member()
    return systems


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: SandboxServer) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        # Without this every small response waits for the peer's delayed ACK (~40 ms per request).
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300  # idle keep-alive connections are closed after 5 minutes
    server_version = "AppConnectSandbox/1.0"
    server: _HttpServer

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.app.verbose:
            # The path only: query strings can carry credentials (Bullhorn's access_token, BhRestToken).
            sys.stderr.write(
                f"sandbox {self.command} {urlsplit(self.path).path} {args[1] if len(args) > 1 else ''}\n"
            )

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_OPTIONS(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline().strip().split(b";")[0]
                size = int(size_line or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self._send(Response.json(400, {"error": "unreadable request body"}))
            self.close_connection = True
            return
        response = self.server.app.dispatch(self.command, self.path, self._headers(), body)
        if response.drop_connection:
            self._drop()
            return
        self._send(response)

    def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for key, value in self.headers.items():
            lowered = key.lower()
            headers[lowered] = f"{headers[lowered]}, {value}" if lowered in headers else value
        return headers

    def _send(self, response: Response) -> None:
        reason = self.responses.get(response.status, ("",))[0]
        lines = [f"HTTP/1.1 {response.status} {reason}"]
        headers = dict(response.headers)
        body = b"" if self.command == "HEAD" else response.body
        headers["Content-Length"] = str(len(response.body))
        headers.setdefault("Date", self.date_time_string())
        headers.setdefault("Server", self.server_version)
        if self.close_connection:
            headers["Connection"] = "close"
        lines.extend(f"{k}: {v}" for k, v in headers.items())
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace") + body
        try:
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True

    def _drop(self) -> None:
        """Close the socket without any response (a reset, as a crashed server or a network cut looks)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            self.connection.close()


class SandboxServer:
    """All sandbox CRMs on one port: ``/pipedrive``, ``/bullhorn``, ``/insightly``, ``/redtail``,
    ``/ringcentral``, and the control API under ``/__sandbox``.

    Parameters
    ----------
    host, port:
        Where to listen; ``port=0`` picks a free port (see :attr:`url` after :meth:`start`).
    verbose:
        Print one line per request (method, path and status; never query strings or bodies).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 8100, verbose: bool = False) -> None:
        self.host = host
        self.port = port
        self.verbose = verbose
        self.sandboxes = default_sandboxes()
        self._server: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def urls(self) -> dict[str, str]:
        """System name -> base URL (e.g. ``pipedrive`` -> ``http://127.0.0.1:8100/pipedrive``)."""
        return {name: f"{self.url}/{name}" for name in self.sandboxes}

    def connector_env(self) -> dict[str, str]:
        """Environment values that point the server's RingCentral client and each connector at the sandboxes
        (the names the README's configuration table lists; the settings module decides which it reads)."""
        from local.sandbox import bullhorn, pipedrive, redtail

        urls = self.urls()
        return {
            "RINGCENTRAL_SERVER": urls["ringcentral"],
            "PIPEDRIVE_CLIENT_ID": pipedrive.CLIENT_ID,
            "PIPEDRIVE_CLIENT_SECRET": pipedrive.CLIENT_SECRET,
            "PIPEDRIVE_OAUTH_URL": urls["pipedrive"],
            "PIPEDRIVE_ACCESS_TOKEN_URI": f"{urls['pipedrive']}/oauth/token",
            "PIPEDRIVE_API_URL": urls["pipedrive"],
            "PIPEDRIVE_COMPANY_URL": f"{urls['pipedrive']}/c/{{hostname}}",
            "BULLHORN_CLIENT_ID": bullhorn.CLIENT_ID,
            "BULLHORN_CLIENT_SECRET": bullhorn.CLIENT_SECRET,
            "INSIGHTLY_API_VERSION": "v3.1",
            "REDTAIL_API_KEY": redtail.API_KEY,
            "REDTAIL_API_URL": f"{urls['redtail']}/api/public/v1",
        }

    def login_hints(self) -> dict[str, dict[str, str]]:
        """What a user types (or the extension sends) to log in to each sandbox CRM."""
        urls = self.urls()
        return {
            "pipedrive": {
                "hostname": "sandbox.pipedrive.com",
                "authorize": f"{urls['pipedrive']}/oauth/authorize",
            },
            "bullhorn": {
                "tokenUrl": f"{urls['bullhorn']}/oauth/token",
                "apiUrl": f"{urls['bullhorn']}/rest-services",
                "username": "bailey.recruiter",
                "password": "sandbox-password",
            },
            "insightly": {"apiKey": "sandbox-insightly-key-avery", "apiUrl": f"{urls['insightly']}/v3.1"},
            "redtail": {"username": "rt.agent", "password": "sandbox-password"},
            "ringcentral": {"username": "jordan.lee@sandbox.example", "password": "sandbox-password"},
        }

    def start(self) -> SandboxServer:
        """Serve in a background thread; returns once the port accepts connections."""
        if self._thread is not None:
            return self
        self.bind()
        assert self._server is not None
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="sandbox-server",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 5
        while True:
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        return self

    def bind(self) -> SandboxServer:
        """Open the listening socket (resolving ``port=0``) without serving yet."""
        if self._server is None:
            self._server = _HttpServer((self.host, self.port), self)
            self.port = self._server.server_address[1]
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self.bind()
        assert self._server is not None
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._server.server_close()
            self._server = None

    def stop(self) -> None:
        if self._server is None:
            return
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
        self._server = None
        self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        for sandbox in self.sandboxes.values():
            sandbox.reset()

    def dispatch(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        split = urlsplit(target)
        path = split.path or "/"
        query = parse_qs(split.query, keep_blank_values=True)
        origin = f"http://{headers.get('host') or f'{self.host}:{self.port}'}"
        segments = path.lstrip("/").split("/", 1)
        head = segments[0]
        rest = "/" + segments[1] if len(segments) > 1 else "/"
        if head == CONTROL_PREFIX:
            request = Request(method, rest, query, headers, body, origin, f"{origin}/{CONTROL_PREFIX}")
            request.raw_query = split.query
            return handle_control(self.sandboxes, self._urls_for(origin), request)
        sandbox = self.sandboxes.get(head)
        if sandbox is None:
            return Response.json(
                404,
                {
                    "error": f"no sandbox at /{head}",
                    "systems": self._urls_for(origin),
                    "control": f"/{CONTROL_PREFIX}",
                },
            )
        request = Request(method, rest, query, headers, body, origin, f"{origin}/{head}")
        request.raw_query = split.query
        return sandbox.handle(request)

    def _urls_for(self, origin: str) -> dict[str, str]:
        return {name: f"{origin}/{name}" for name in self.sandboxes}
