"""Redis outages on demand: the in-process fakeredis is disconnected; a real Redis is reached
through a TCP proxy that the test cuts and restores. Quick relays and backoffs."""
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

import pytest

from runtime import redis_conn
from tests.conftest import EXTERNAL_REDIS


class RedisProxy:
    """A TCP relay to a real Redis: `.down()` drops every connection and refuses new ones."""

    def __init__(self, host: str, port: int):
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up_event = threading.Event()
        self.up_event.set()
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        self.closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up_event.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def down(self):
        self.up_event.clear()
        with self.lock:
            sockets, self.open = self.open, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def up(self):
        self.up_event.set()

    def close(self):
        self.closing = True
        self.down()
        self.listener.close()


class RedisSwitch:
    """Cut Redis (`.down()`) and bring it back (`.up()`), for the app under test."""

    def __init__(self, proxy: RedisProxy | None, node):
        self.proxy, self.node = proxy, node

    def down(self):
        self.node.addfinalizer(self.up)  # runs first: fixtures' teardowns find Redis back
        if self.proxy is not None:
            self.proxy.down()
        else:
            redis_conn.connect(None)  # make sure the process-wide stand-in exists
            redis_conn._fake_server.connected = False

    def up(self):
        if self.proxy is not None:
            self.proxy.up()
        else:
            redis_conn._fake_server.connected = True


@pytest.fixture(autouse=True)
def redis_switch(app_config, request):
    """Before the app exists: a real Redis is reached through a proxy the test can cut."""
    proxy = None
    if EXTERNAL_REDIS:
        url = urlsplit(EXTERNAL_REDIS)
        proxy = RedisProxy(url.hostname or "127.0.0.1", url.port or 6379)
        app_config["REDIS_URL"] = urlunsplit(url._replace(netloc=f"127.0.0.1:{proxy.port}"))
    app_config.update(OUTBOX_RELAY_INTERVAL_S=0.05, OUTBOX_BACKOFF_MAX_S=0.2,
                      OUTBOX_REHAND_AFTER_S=0.3)
    switch = RedisSwitch(proxy, request.node)
    yield switch
    switch.up()
    if proxy is not None:
        proxy.close()
