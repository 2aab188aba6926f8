"""A threaded WSGI server that keeps HTTP/1.1 connections alive, as Twilio's edge does.

Werkzeug's development server closes every connection after one response, so a client
that keeps its connection (the official `twilio` client does, through `requests`) would
pay a TCP handshake and a new server thread for each API request: at 200 calls a second
that alone eats a core. Here a connection is served by one thread for as long as the
client keeps it; requests are framed by Content-Length (or chunked), responses always
carry their Content-Length. Headers are read with plain byte operations: the standard
library's `http.server` parses them with the e-mail package, several times slower.
"""

import io
import logging
import socket
import socketserver
import sys
import threading
from email.utils import formatdate
from http import HTTPStatus
from urllib.parse import unquote

log = logging.getLogger(__name__)

IDLE_TIMEOUT_S = 120.0
"""Real seconds a kept-alive connection may stay idle before the server closes it."""

MAX_LINE = 65536
MAX_HEADERS = 100
_NO_BODY = {204, 304}
_HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "keep-alive"}


class BadRequest(Exception):
    """The request cannot be read: answered 400 and the connection closed."""


class KeepAliveServer(socketserver.ThreadingTCPServer):
    """Serve `app` (WSGI) on host:port (0 = a free port); `server_port` tells which."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, host: str, port: int, app):
        self.app = app
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__((host, port), _Handler)
        self.server_port = self.server_address[1]

    def process_request(self, request, client_address):
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def server_close(self):
        """Stop listening and close the connections clients still keep open."""
        super().server_close()
        with self._open_lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(socketserver.StreamRequestHandler):
    timeout = IDLE_TIMEOUT_S
    disable_nagle_algorithm = True
    server: KeepAliveServer

    def handle(self):
        try:
            while self._one():
                pass
        except (ConnectionError, TimeoutError, OSError):
            pass  # the client went away, or stayed idle too long

    def _one(self) -> bool:
        """Serve one request; False when the connection must close."""
        line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            return False
        try:
            method, target, version = line.decode("latin-1").split()
            headers = self._headers()
            if version not in ("HTTP/1.1", "HTTP/1.0"):
                raise BadRequest(f"unsupported version {version}")
            keep = version == "HTTP/1.1" and "close" not in headers.get("connection", "").lower()
            if headers.get("expect", "").lower() == "100-continue":
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            body = self._body(headers)
        except (BadRequest, ValueError, UnicodeDecodeError) as exc:
            self._reply("GET", "400 Bad Request", [], str(exc).encode(), keep=False)
            return False
        status, out_headers, data = self._call_app(method, target, version, headers, body)
        self._reply(method, status, out_headers, data, keep)
        return keep

    def _headers(self) -> "_Headers":
        headers = _Headers()
        for _ in range(MAX_HEADERS):
            line = self.rfile.readline(MAX_LINE + 1)
            if line in (b"\r\n", b"\n", b""):
                return headers
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep or not name.strip():
                raise BadRequest(f"malformed header line {line[:40]!r}")
            headers.add(name.strip(), value.strip())
        raise BadRequest("too many headers")

    def _body(self, headers) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            return read_chunked(self.rfile)
        length = int(headers.get("content-length", "0") or 0)
        if length < 0:
            raise BadRequest("negative Content-Length")
        body = self.rfile.read(length)
        if len(body) < length:
            raise ConnectionError("the client closed mid-body")
        return body

    def _call_app(self, method, target, version, headers, body):
        path, _, query = target.partition("?")
        host, port = self.server.server_address[:2]
        environ = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "CONTENT_TYPE": headers.get("content-type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": version,
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_PORT": str(self.client_address[1]),
        }
        for name, value in headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in (
                "HTTP_CONTENT_TYPE",
                "HTTP_CONTENT_LENGTH",
                "HTTP_TRANSFER_ENCODING",
            ):  # the body is read whole: it has a length
                environ[key] = value
        reply: list = []

        def start_response(status, response_headers, exc_info=None):
            reply[:] = [status, response_headers]
            return lambda data: None  # the legacy write(): our apps return their body

        try:
            result = self.server.app(environ, start_response)
            try:
                data = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
            return reply[0], reply[1], data
        except Exception:  # noqa: BLE001 - one bad request must not kill the thread
            log.exception("%s %s failed", method, target)
            return "500 Internal Server Error", [("Content-Type", "text/plain")], b"error"

    def _reply(self, method, status: str, headers: list, data: bytes, keep: bool):
        code = int(status.split(None, 1)[0])
        if " " not in status:
            status = f"{code} {HTTPStatus(code).phrase}"
        lines = [
            f"HTTP/1.1 {status}",
            f"Date: {formatdate(usegmt=True)}",
            "Server: carrier-simulator",
        ]
        lines += [f"{name}: {value}" for name, value in headers if name.lower() not in _HOP_BY_HOP]
        if code not in _NO_BODY:
            lines.append(f"Content-Length: {len(data)}")
        if not keep:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head if code in _NO_BODY or method == "HEAD" else head + data)


def read_chunked(rfile) -> bytes:
    """A body in chunked transfer encoding, whole (trailers skipped)."""
    chunks = []
    while True:
        size = int(rfile.readline(MAX_LINE).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while rfile.readline(MAX_LINE) not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        chunks.append(rfile.read(size))
        rfile.readline(MAX_LINE)


class _Headers:
    """Request headers, looked up by lower-case name; repeated ones joined with commas."""

    def __init__(self):
        self._items: dict[str, tuple[str, str]] = {}

    def add(self, name: str, value: str):
        key = name.lower()
        if key in self._items:
            value = f"{self._items[key][1]},{value}"
        self._items[key] = (name, value)

    def get(self, key: str, default: str = "") -> str:
        item = self._items.get(key)
        return item[1] if item else default

    def items(self):
        return self._items.values()
