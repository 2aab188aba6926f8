"""Resident CSV imports from the console: a promised job (outbox) whose progress the page
polls in Redis; while Redis is away, the promise itself says the import is queued."""

import io
import json
import logging
import re
import secrets

from sqlalchemy import select

from ivr.csv_import import RowError
from ivr.residents import import_residents
from models import OutboxJob
from runtime import outbox
from runtime.db import sessionmaker_for
from runtime.i18n import LANGUAGES, explain
from runtime.queue import QUEUE_ERRORS, current_job_app
from runtime.redis_conn import get_redis

log = logging.getLogger(__name__)
KEY = "console:import:{}"
KEEP_S = 24 * 3600  # how long a finished import's report stays readable
MAX_BYTES = 20 * 1024 * 1024
ID_BYTES = 12
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{16}")  # what secrets.token_urlsafe(ID_BYTES) gives


def start_import(app, text: str, actor: str, filename: str) -> str:
    """Promise the import of TEXT (a CSV), even with Redis away; returns the id its progress
    is read under."""
    import_id = secrets.token_urlsafe(ID_BYTES)
    with sessionmaker_for(app)() as session:
        job = outbox.promise(
            session,
            "ivr.console.imports.run_import_job",
            import_id,
            text,
            actor,
            filename,
            queue="low",
            job_timeout=3600,
            key=_outbox_key(import_id),
        )
        session.commit()
    _save(app, import_id, _queued(actor, filename))
    outbox.hand_over(app, [job])
    return import_id


def _outbox_key(import_id: str) -> str:
    return f"import:{import_id}"


def _queued(actor: str, filename: str) -> dict:
    return {"state": "queued", "done": 0, "total": 0, "actor": actor, "filename": filename}


def _promised(app, import_id: str) -> dict | None:
    """The import's state as its promise tells it (Redis away, or not written yet)."""
    with sessionmaker_for(app)() as session:
        job = session.scalar(select(OutboxJob).where(OutboxJob.key == _outbox_key(import_id)))
    if job is None or job.state not in ("pending", "handed", "running"):
        return None
    _id, _text, actor, filename = job.args
    return _queued(actor, filename)


def read_progress(app, import_id: str, language: str = "fr") -> dict | None:
    """The import's state, its refusals and error in LANGUAGE; None for an id never given."""
    if not ID_PATTERN.fullmatch(import_id):
        return None
    try:
        raw = get_redis(app).get(KEY.format(import_id))
    except QUEUE_ERRORS as error:
        log.warning("import %s: progress unreadable, Redis away: %s", import_id, error)
        raw = None
    if not raw:
        return _promised(app, import_id)
    state = json.loads(raw)
    for name in ("refused", "error"):
        if isinstance(state.get(name), dict):
            state[name] = state[name].get(language, state[name]["fr"])
    return state


def _save(app, import_id: str, data: dict) -> None:
    """Store the import's progress for the page; with Redis away the page reads the promise."""
    try:
        get_redis(app).set(KEY.format(import_id), json.dumps(data), ex=KEEP_S)
    except QUEUE_ERRORS as error:
        log.warning("import %s: progress not stored, Redis away: %s", import_id, error)


def run_import_job(import_id: str, text: str, actor: str, filename: str = "") -> dict:
    """The job: import, storing progress every few rows and the per-line report at the end."""
    app = current_job_app()
    state = read_progress(app, import_id) or {"actor": actor, "filename": filename}
    session = sessionmaker_for(app)()

    def progress(done, total):
        if done == total or done % 25 == 0:
            _save(app, import_id, {**state, "state": "running", "done": done, "total": total})

    try:
        report = import_residents(session, io.StringIO(text), actor=actor, progress=progress)
    except RowError as exc:
        session.rollback()
        result = {
            **state,
            "state": "failed",
            "done": 0,
            "total": 0,
            "error": {lang: explain(exc, lang) for lang in LANGUAGES},
        }
    else:
        result = {
            **state,
            "state": "finished",
            "done": report.total,
            "total": report.total,
            "accepted": report.accepted,
            "refused": {lang: report.reasons(lang) for lang in LANGUAGES},
        }
    finally:
        session.close()
    _save(app, import_id, result)
    return result
