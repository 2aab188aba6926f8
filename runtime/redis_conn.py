"""Redis: the real server when REDIS_URL is set, otherwise one in-process stand-in."""

import threading

import redis
from flask import Flask

_fake_server = None
_lock = threading.Lock()


def connect(url: str | None) -> redis.Redis:
    """A Redis client for URL; without one, a client of the process-wide fakeredis server."""
    global _fake_server
    if url:
        return redis.Redis.from_url(url)
    import fakeredis  # local: a development stand-in, loaded only by a process without Redis

    with _lock:
        if _fake_server is None:
            _fake_server = fakeredis.FakeServer()
    return fakeredis.FakeRedis(server=_fake_server)


def get_redis(app: Flask) -> redis.Redis:
    conn: redis.Redis | None = app.extensions.get("redis")
    if conn is None:
        conn = app.extensions["redis"] = connect(app.config.get("REDIS_URL"))
    return conn
