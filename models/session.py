"""Engines and sessions, with the SQLite settings a concurrent app needs."""
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

POOL_SIZE = 10
"""Connections each process keeps open to PostgreSQL (DATABASE_POOL_SIZE). All of them stay
open: a thread that finds none free waits for one, rather than opening a short-lived extra
connection (each costs PostgreSQL a process start: under load those were three new
connections per alert call)."""


def normalize_url(url: str) -> str:
    """Accept Heroku-style postgres:// URLs and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str, pool_size: int | None = None, **kwargs) -> Engine:
    """An engine for URL; SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL a fixed
    pool of POOL_SIZE connections (default: the module's), each checked before use."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if kwargs.get("poolclass") is None:
        kwargs.setdefault("pool_size", pool_size or POOL_SIZE)
        kwargs.setdefault("max_overflow", 0)
    return create_engine(url, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)
