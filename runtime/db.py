"""The app's seam to the database: one engine per app, one session per request."""

from typing import cast

from flask import Flask, current_app, g
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from models import make_engine, make_sessionmaker


def init_app(app: Flask) -> None:
    engine = make_engine(
        app.config["DATABASE_URL"],
        pool_size=app.config["DATABASE_POOL_SIZE"],
        connect_timeout=app.config["DATABASE_CONNECT_TIMEOUT_S"],
        pool_timeout=app.config["DATABASE_POOL_TIMEOUT_S"],
    )
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = make_sessionmaker(engine)
    app.teardown_appcontext(close_session)


def get_session() -> Session:
    """The session of this request or CLI command, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    return cast(Session, g.db_session)


def relaxed_commit(session: Session) -> None:
    """Let this transaction's commit return before its WAL reaches the disk (PostgreSQL's
    `synchronous_commit = off`, for this transaction only): for writes that a crash may lose
    because a later report repeats them (a call's ringing, say). Never for outcomes. The
    database stays consistent either way; elsewhere this does nothing."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit = off"))


def sessionmaker_for(app: Flask) -> sessionmaker[Session]:
    """For threads and jobs that live outside a request."""
    return cast("sessionmaker[Session]", app.extensions["db_sessionmaker"])


def close_session(exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()
