"""A small threaded HTTP/1.1 server that hands each request to an application object.

The application (``local.stack.LocalApi``) does the API Gateway work; this module only reads requests and
writes responses. Nagle's algorithm is disabled on every accepted socket: with it, a keep-alive client
waited ~40 ms per request for a delayed ACK.
"""

from __future__ import annotations

import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from local.apigw import MAX_REQUEST_BODY_BYTES, HttpRequest, HttpResponse, json_response


class Application(Protocol):
    def handle(self, request: HttpRequest) -> HttpResponse: ...


class _RequestTooLarge(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "appconnect-local"
    #: idle keep-alive connections are closed after this many seconds
    timeout = 120
    server: ApiServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the application writes one JSON access-log line per request instead."""

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            total = 0
            while True:
                size_line = self.rfile.readline(65537).split(b";", 1)[0].strip()
                size = int(size_line or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_REQUEST_BODY_BYTES:
                    raise _RequestTooLarge
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BODY_BYTES:
            raise _RequestTooLarge
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        raw_path, _, raw_query = self.path.partition("?")
        try:
            body = self._read_body()
        except _RequestTooLarge:
            self.close_connection = True
            self._write(json_response(413, {"message": "Request Entity Too Large"}))
            return
        except ValueError:
            self.close_connection = True
            self._write(json_response(400, {"message": "Bad Request"}))
            return
        request = HttpRequest(
            method=self.command,
            raw_path=raw_path or "/",
            raw_query=raw_query,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        try:
            response = self.server.app.handle(request)
        except Exception:
            self.server.handle_error(self.request, self.client_address)
            response = json_response(500, {"message": "Internal Server Error"})
        self._write(response)

    def _write(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    def __getattr__(self, name: str) -> Any:
        # any other method (TRACE, PROPFIND ...) goes to the router too, which answers 404 like API Gateway
        # instead of http.server's 501 "Unsupported method"
        if name.startswith("do_") and name[3:].isalpha() and name[3:].isupper():
            return self._dispatch
        raise AttributeError(name)


class ApiServer(ThreadingHTTPServer):
    """One thread per connection; :meth:`start` serves in the background."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, host: str, port: int, app: Application | None = None) -> None:
        super().__init__((host, port), _Handler)
        self.app: Application = app if app is not None else _Unready()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, name="api-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _Unready:
    def handle(self, request: HttpRequest) -> HttpResponse:
        return json_response(503, {"message": "Service Unavailable"})
