"""Resident CSV imports from the console: an RQ job whose progress the page polls in Redis."""
import io
import json
import secrets

from flask import current_app, has_app_context

from ivr.db import sessionmaker_for
from ivr.queue import enqueue, job_app
from ivr.redis_conn import get_redis
from ivr.residents import import_residents
from ivr.csv_import import RowError
from ivr.i18n import LANGUAGES

KEY = "console:import:{}"
KEEP_S = 24 * 3600  # how long a finished import's report stays readable
MAX_BYTES = 20 * 1024 * 1024


def start_import(app, text: str, actor: str, filename: str) -> str:
    """Queue the import of TEXT (a CSV); returns the id its progress is read under."""
    import_id = secrets.token_urlsafe(12)
    _save(app, import_id, {"state": "queued", "done": 0, "total": 0, "actor": actor,
                           "filename": filename})
    enqueue(app, "ivr.console.imports.run_import_job", import_id, text, actor, queue="low",
            job_timeout=3600)
    return import_id


def read_progress(app, import_id: str, language: str = "fr") -> dict | None:
    """The import's state, its refusals and error in LANGUAGE."""
    raw = get_redis(app).get(KEY.format(import_id))
    if not raw:
        return None
    state = json.loads(raw)
    for name in ("refused", "error"):
        if isinstance(state.get(name), dict):
            state[name] = state[name].get(language, state[name]["fr"])
    return state


def _save(app, import_id: str, data: dict) -> None:
    get_redis(app).set(KEY.format(import_id), json.dumps(data), ex=KEEP_S)


def run_import_job(import_id: str, text: str, actor: str) -> dict:
    """The job: import, storing progress every few rows and the per-line report at the end."""
    app = current_app._get_current_object() if has_app_context() else job_app()
    state = read_progress(app, import_id) or {"actor": actor, "filename": ""}
    session = sessionmaker_for(app)()

    def progress(done, total):
        if done == total or done % 25 == 0:
            _save(app, import_id, {**state, "state": "running", "done": done, "total": total})

    try:
        report = import_residents(session, io.StringIO(text), actor=actor, progress=progress)
    except RowError as exc:
        session.rollback()
        result = {**state, "state": "failed", "done": 0, "total": 0,
                  "error": {lang: exc.message(lang) for lang in LANGUAGES}}
    else:
        result = {**state, "state": "finished", "done": report.total, "total": report.total,
                  "accepted": report.accepted,
                  "refused": {lang: report.reasons(lang) for lang in LANGUAGES}}
    finally:
        session.close()
    _save(app, import_id, result)
    return result
