"""Engines and sessions, with the SQLite settings a concurrent app needs.

Fork safety (SQLAlchemy's "Using Connection Pools with Multiprocessing or os.fork()"): every
engine made here is remembered, and a child process forked after it was made (gunicorn's
workers, RQ's work-horses, anything) drops the pool it inherited without touching its
connections (`dispose(close=False)`): those sockets belong to the parent, whose threads may be
using them. A pool event also refuses a connection checked out in another process than the
one that opened it, should a fork happen some other way.
"""

import os
import weakref
from typing import Any

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

POOL_SIZE = 10
"""Connections each process keeps open to PostgreSQL (DATABASE_POOL_SIZE). All of them stay
open: a thread that finds none free waits for one, rather than opening a short-lived extra
connection (each costs PostgreSQL a process start: under load those were three new
connections per alert call)."""


CONNECT_TIMEOUT_S = 10
"""Seconds to open a PostgreSQL connection before giving up (DATABASE_CONNECT_TIMEOUT_S)."""

POOL_TIMEOUT_S = 30.0
"""Seconds a thread waits for a free pooled connection before an error (DATABASE_POOL_TIMEOUT_S)."""

TCP_KEEPALIVE = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 60000,
}
"""libpq's TCP keepalives: a connection whose server or network went away errors out within
about a minute, instead of a thread waiting on its socket forever."""

_engines: "weakref.WeakSet[Engine]" = weakref.WeakSet()


def _forget_inherited_pools() -> None:
    """In a freshly forked child: new pools, the parent's connections left alone."""
    for engine in list(_engines):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_pools)


def _guard_against_forks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _remember_pid(_dbapi_conn: Any, record: Any) -> None:
        record.info["pid"] = os.getpid()

    @event.listens_for(engine, "checkout")
    def _same_process(_dbapi_conn: Any, record: Any, proxy: Any) -> None:
        pid = os.getpid()
        if record.info.get("pid", pid) != pid:
            record.dbapi_connection = proxy.dbapi_connection = None
            raise exc.DisconnectionError(
                f"connection opened by process {record.info['pid']}, used in {pid}"
            )


def normalize_url(url: str) -> str:
    """Accept Heroku-style postgres:// URLs and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(
    url: str,
    pool_size: int | None = None,
    connect_timeout: int | None = None,
    pool_timeout: float | None = None,
    **kwargs: Any,
) -> Engine:
    """An engine for URL; SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL a fixed
    pool of POOL_SIZE connections (default: the module's), each checked before use, a connect
    timeout, TCP keepalives and a pool timeout. Either way the engine is fork-safe."""
    engine = _make_engine(normalize_url(url), pool_size, connect_timeout, pool_timeout, **kwargs)
    _guard_against_forks(engine)
    _engines.add(engine)
    return engine


def _make_engine(
    url: str,
    pool_size: int | None,
    connect_timeout: int | None,
    pool_timeout: float | None,
    **kwargs: Any,
) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            # PostgreSQL's translate(text, from, to), for queries that read alike on both
            dbapi_conn.create_function("translate", 3, _translate, deterministic=True)

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    connect_args = kwargs.setdefault("connect_args", {})
    connect_args.setdefault("connect_timeout", connect_timeout or CONNECT_TIMEOUT_S)
    for name, value in TCP_KEEPALIVE.items():
        connect_args.setdefault(name, value)
    if kwargs.get("poolclass") is None:
        kwargs.setdefault("pool_size", pool_size or POOL_SIZE)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", pool_timeout or POOL_TIMEOUT_S)
    return create_engine(url, **kwargs)


def _translate(text: str | None, source: str | None, target: str | None) -> str | None:
    """SQLite's stand-in for PostgreSQL's translate(): each character of SOURCE in TEXT becomes
    the one at its place in TARGET (dropped when TARGET is shorter)."""
    if text is None or source is None or target is None:
        return None
    table = {ord(c): (target[i] if i < len(target) else None) for i, c in enumerate(source)}
    return text.translate(table)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
