"""Signed, form-encoded webhooks from a bounded pool of keep-alive HTTP connections."""

import base64
import hashlib
import hmac
import logging
import queue
import re
import socket
import ssl
import threading
from urllib.parse import quote_plus, urlsplit

from . import defaults
from .httpserver import MAX_LINE, read_chunked

log = logging.getLogger(__name__)


class Webhooks:
    """Post (or get) Twilio-style requests, signed for the account's auth token.

    One kept-alive connection per host and pool thread, spoken to by `_Connection`: a
    webhook costs a fraction of what `requests` would, which matters at 200 calls a second.
    """

    def __init__(self, auth_token: str, workers: int = defaults.HTTP_WORKERS):
        self.token = auth_token.encode("utf-8")
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._workers = workers
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()
        self._local = threading.local()

    def signed(self, method: str, url: str, params: dict) -> tuple[str, bytes | None, dict]:
        """The URL, body and headers of a request as Twilio would send it."""
        method = (method or "POST").upper()
        headers = {"User-Agent": "TwilioProxy/1.1", "Accept": "*/*"}
        if method == "GET":
            full = url + ("&" if "?" in url else "?") + form_encode(params) if params else url
            headers["X-Twilio-Signature"] = signature(self.token, full, {})
            return full, None, headers
        headers["X-Twilio-Signature"] = signature(self.token, url, params)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return url, form_encode(params).encode(), headers

    def send(self, method: str, url: str, params: dict, on_done=None):
        """Send in the pool; on_done(status_code or None, body bytes or error) runs there."""
        if not self._threads:
            self._start()
        self._queue.put(((method or "POST").upper(), url, params, on_done))

    def _start(self):
        """The pool's threads, started with the first webhook (idle ones cost nothing)."""
        with self._start_lock:
            while len(self._threads) < self._workers:
                thread = threading.Thread(
                    target=self._work, daemon=True, name=f"sim-http-{len(self._threads)}"
                )
                thread.start()
                self._threads.append(thread)

    def _work(self):
        while (job := self._queue.get()) is not None:
            self._send(*job)

    def _connection(self, parts, fresh=False) -> "_Connection":
        connections = getattr(self._local, "connections", None)
        if connections is None:
            connections = self._local.connections = {}
        key = (parts.scheme, parts.hostname, parts.port)
        conn = connections.get(key)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            conn = connections[key] = _Connection(parts)
        return conn

    def _send(self, method, url, params, on_done):
        try:
            result = self._exchange(method, url, params)
        except Exception as exc:  # noqa: BLE001 - the call must hear about it
            log.exception("webhook %s %s could not be sent", method, url)
            result = (None, str(exc).encode())
        if on_done:
            try:
                on_done(*result)
            except Exception:
                log.exception("handling the answer of %s failed", url)

    def _exchange(self, method, url, params) -> tuple[int | None, bytes]:
        full, body, headers = self.signed(method, url, params)
        parts = urlsplit(full)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        result = (None, b"")
        for attempt in (0, 1):
            conn = self._connection(parts, fresh=attempt > 0)
            reused = conn.used  # a kept-alive connection the app may have shut
            try:
                result = conn.exchange(method, path, headers, body)
                break
            except (OSError, ValueError, ConnectionError) as exc:
                conn.close()
                result = (None, str(exc).encode())
                if not reused or isinstance(exc, TimeoutError):
                    log.warning("webhook %s %s failed: %s", method, url, exc)
                    break
        return result

    def close(self):
        """Let the pool's threads end once what they are sending is out."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        for _ in self._threads:
            self._queue.put(None)


def signature(token: bytes, url: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 of the URL, then each parameter's name and
    value in the order of the names. Twilio's algorithm, as `RequestValidator` checks it
    (tests compare the two), without its generality: one value per name here."""
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token, data.encode("utf-8"), hashlib.sha1).digest()).decode(
        "ascii"
    )


_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")


def form_encode(params: dict[str, str]) -> str:
    """application/x-www-form-urlencoded, as urlencode() would write it, quoting only the
    values that need it."""
    return "&".join(f"{_quote(name)}={_quote(value)}" for name, value in params.items())


def _quote(text: str) -> str:
    return text if _PLAIN.fullmatch(text) else quote_plus(text)


class _Connection:
    """One HTTP/1.1 connection, kept alive while the server allows.

    `http.client` parses each response's headers with the e-mail package; at a thousand
    webhooks a second that was a third of the simulator's time. Responses are framed by
    Content-Length, chunked encoding, or the connection's end.
    """

    def __init__(self, parts):
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.https = parts.scheme == "https"
        self.sock = None
        self.rfile = None
        self.used = False

    def _open(self):
        sock = socket.create_connection((self.host, self.port), timeout=defaults.HTTP_TIMEOUT)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.https:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        self.sock, self.rfile, self.used = sock, sock.makefile("rb"), False

    def exchange(self, method, path, headers, body) -> tuple[int, bytes]:
        if self.sock is None:
            self._open()
        host = self.host if self.port in (80, 443) else f"{self.host}:{self.port}"
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        self.used = True
        status_line = self.rfile.readline(MAX_LINE + 1)
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split(None, 2)[1])
        length, chunked, close = None, False, status_line.startswith(b"HTTP/1.0")
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            data = b""
        elif chunked:
            data = read_chunked(self.rfile)
        elif length is not None:
            data = self.rfile.read(length)
        else:
            data, close = self.rfile.read(), True
        if close:
            self.close()
        return status, data

    def close(self):
        for part in (self.rfile, self.sock):
            if part is not None:
                try:
                    part.close()
                except OSError:
                    pass
        self.sock = self.rfile = None
