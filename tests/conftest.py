"""Fixtures: a fresh database per test (SQLite, or PostgreSQL when DATABASE_URL is set),
Redis (fakeredis, or the real one when REDIS_URL is set), the app, its clients, a live server.
"""

import os
import shutil

import pytest
from sqlalchemy import text

from ivr import create_app
from models import Base, CampaignTemplate, make_engine, migrate
from models.template import builtin_rows
from runtime.db import get_session
from runtime.redis_conn import get_redis

pytest_plugins = [
    "tests.fixtures.live",
    "tests.fixtures.simulator",
    "tests.fixtures.hotline",
    "tests.fixtures.dialer",
    "tests.fixtures.console",
]

EXTERNAL_DB = os.environ.get("DATABASE_URL", "")
EXTERNAL_REDIS = os.environ.get("REDIS_URL", "")
AUTH_TOKEN = "test-auth-token"
ACCOUNT_SID = "AC" + "1" * 32


def pytest_report_header(config):
    return [
        f"database: {EXTERNAL_DB or 'SQLite (temporary files)'}",
        f"redis: {EXTERNAL_REDIS or 'fakeredis (in-process)'}",
    ]


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory):
    """Migrate once per session: a SQLite template file, or the external database."""
    if EXTERNAL_DB:
        engine = make_engine(EXTERNAL_DB)
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        migrate.upgrade(EXTERNAL_DB)
        return EXTERNAL_DB
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def db_url(_migrated_template, tmp_path):
    """A migrated, empty database for this test."""
    if EXTERNAL_DB:
        engine = make_engine(EXTERNAL_DB)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            # as a fresh migration leaves it: the built-in campaign templates (issue 15)
            conn.execute(CampaignTemplate.__table__.insert(), builtin_rows())
        engine.dispose()
        return EXTERNAL_DB
    path = tmp_path / "test.sqlite3"
    shutil.copy(_migrated_template, path)
    return f"sqlite:///{path}"


def make_test_config(db_url, tmp_path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "ENV_NAME": "development",
        "DATABASE_URL": db_url,
        "REDIS_URL": EXTERNAL_REDIS,
        "SECRET_KEY": "test-secret-key",
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
        "TWILIO_CALLER_ID": "+14185550000",
        "HOTLINE_NUMBER": "+14185550001",
        "DIALER_CPS": 5.0,
        "STAFF_TRANSFER_NUMBER": "",
        "WEBHOOK_SIGNATURE_CHECK": True,
        "USE_SIMULATOR": True,
        "VOICE_FR": "Polly.Chantal",
        "VOICE_EN": "Polly.Joanna",
        "STAFF_HOURS": "00:00-23:59",
        "TIMEZONE": "America/Toronto",
        "SKIP_ENVIRON": True,
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_config(db_url, tmp_path):
    """The test configuration; a test may change it before asking for `app`."""
    return make_test_config(db_url, tmp_path)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    redis = get_redis(app)
    redis.flushdb()
    yield app
    redis.flushdb()
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A database session bound to the test's app (outside any request)."""
    with app.app_context():
        yield get_session()
