"""The app's seam to the database: one engine per app, one session per request."""
from flask import Flask, current_app, g

from models import make_engine, make_sessionmaker


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = make_sessionmaker(engine)
    app.teardown_appcontext(close_session)


def get_session():
    """The session of this request or CLI command, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    return g.db_session


def sessionmaker_for(app: Flask):
    """For threads and jobs that live outside a request."""
    return app.extensions["db_sessionmaker"]


def close_session(exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()
