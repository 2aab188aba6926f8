"""The outbox: jobs the system promised (a call-back, an import, a test call), written in the
same database transaction as the state that promised them, handed to RQ after the commit, and
handed again by a relay thread in every worker until RQ took them and they ran once.

- `promise(session, func, *args)` adds the row; the caller commits it with its own state.
- `hand_over(app, rows)` is the fast path after that commit; it never raises.
- `run(outbox_id)` is the RQ job. It claims its row (pending or handed -> running) in one
  conditional UPDATE, so a promise handed to RQ twice runs once; then it calls the promised
  function and marks the row done (or, when it raised, due again, or failed after
  OUTBOX_MAX_RUNS runs).
- `runtime.outbox_relay.Relay` (a thread in every worker) hands the due rows: pending ones
  (Redis was down: bounded backoff up to OUTBOX_BACKOFF_MAX_S), handed ones that RQ no longer
  holds (Redis was flushed; looked up OUTBOX_REHAND_AFTER_S after the hand-off), and running
  ones whose worker died.

A promise is kept at least once; it runs twice only when a worker dies in the middle of it.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any, cast

from flask import Flask
from sqlalchemy import CursorResult, Delete, Update, select, update
from sqlalchemy.orm import Session
from werkzeug.utils import import_string

from models import OutboxJob, utcnow

from .config import OUTBOX_DEFAULTS
from .db import sessionmaker_for
from .queue import current_job_app, enqueue

log = logging.getLogger(__name__)
JOB = "runtime.outbox.run"
MOVED = {"ivr.hotline.": "hotline."}
"""Old paths of promised functions (issue 12 moved them): a promise written before the move
still runs. (An RQ job still named `ivr.outbox.run` fails to import; the relay hands its
promise again under JOB after OUTBOX_REHAND_AFTER_S.)"""
HANDOFF_GRACE = timedelta(seconds=10)  # the fast path's head start before relays look
RUN_MARGIN_S = 60  # past the job's timeout, a run counts as lost


def setting(app: Flask, name: str) -> float:
    """An OUTBOX_* setting: the app's config, else its default in runtime/config.py."""
    default = OUTBOX_DEFAULTS[name]
    value = app.config.get(name)
    return default if value in (None, "") else type(default)(value)


def job_id(outbox_id: int) -> str:
    """The RQ job id of a promise: the same on every hand-off."""
    return f"outbox-{outbox_id}"


def promise(
    session: Session,
    func: str,
    *args: Any,
    queue: str = "default",
    job_timeout: int = 180,
    key: str | None = None,
) -> OutboxJob:
    """Promise FUNC(*ARGS) (a dotted path, JSON arguments) in SESSION's transaction."""
    now = utcnow()
    row = OutboxJob(
        func=func,
        args=list(args),
        queue=queue,
        job_timeout=job_timeout,
        key=key,
        state="pending",
        attempts=0,
        runs=0,
        created_at=now,
        next_try_at=now + HANDOFF_GRACE,
    )
    session.add(row)
    return row


def hand_over(app: Flask, rows: Sequence[OutboxJob]) -> bool:
    """After the commit, hand ROWS to RQ at once; True when RQ took them all. When it did not,
    the rows wait for a relay: the promise is safe in the database, so this never raises."""
    for index, row in enumerate(rows):
        try:
            enqueue_job(app, row.id, row.queue, row.job_timeout)
        except Exception as error:  # noqa: BLE001 - Redis down: the relay hands them later
            log.warning(
                "outbox: could not hand job %s (%s) to RQ, a relay will: %s",
                row.id,
                row.func,
                error,
            )
            handoff_failed(app, [r.id for r in rows[index:]], error)
            return False
        mark_handed(app, row.id, runs=0)
    return True


def enqueue_job(app: Flask, outbox_id: int, queue: str, job_timeout: int) -> None:
    """Hand promise OUTBOX_ID to RQ under its one job id (raises when Redis is away)."""
    enqueue(app, JOB, outbox_id, queue=queue, job_id=job_id(outbox_id), job_timeout=job_timeout)


def write(app: Flask, statement: Update | Delete) -> int:
    """Run one UPDATE/DELETE in its own transaction; its rowcount (0 when the database failed)."""
    try:
        with sessionmaker_for(app)() as session:
            count = cast(
                "CursorResult[Any]",
                session.execute(statement.execution_options(synchronize_session=False)),
            )
            session.commit()
            return count.rowcount or 0
    except Exception:  # noqa: BLE001 - logged; the row stays due for a relay
        log.exception("outbox: could not update the outbox")
        return 0


def mark_handed(app: Flask, outbox_id: int, runs: int) -> None:
    """RQ took the promise; unless a run started meanwhile (RUNS counts them: with RQ_SYNC,
    or a quick worker, the job may have run, even failed and be pending again)."""
    now = utcnow()
    write(
        app,
        update(OutboxJob)
        .where(OutboxJob.id == outbox_id, OutboxJob.state == "pending", OutboxJob.runs == runs)
        .values(
            state="handed",
            handed_at=now,
            next_try_at=now + timedelta(seconds=setting(app, "OUTBOX_REHAND_AFTER_S")),
        ),
    )


def _backoff(app: Flask, tries: int) -> timedelta:
    return timedelta(seconds=min(setting(app, "OUTBOX_BACKOFF_MAX_S"), 2.0 ** max(0, tries - 1)))


def handoff_failed(app: Flask, ids: Iterable[int], error: BaseException) -> None:
    """Count a failed hand-off of IDS; each is due again after its backoff."""
    try:
        with sessionmaker_for(app)() as session:
            for row in session.scalars(select(OutboxJob).where(OutboxJob.id.in_(list(ids)))):
                if row.state not in ("pending", "handed"):  # a run began: its own lease counts
                    continue
                row.attempts += 1
                row.last_error = f"hand-off: {error}"[:1000]
                row.next_try_at = utcnow() + _backoff(app, row.attempts)
            session.commit()
    except Exception:  # noqa: BLE001 - the rows stay due once their claim lease ends
        log.exception("outbox: could not record a failed hand-off")


# --- the job ------------------------------------------------------------------------------


def run(outbox_id: int) -> Any:
    """Job: run promise OUTBOX_ID once, whatever number of times RQ was handed it."""
    app = current_job_app()
    now = utcnow()
    with sessionmaker_for(app)() as session:
        claimed = session.execute(
            update(OutboxJob)
            .where(OutboxJob.id == outbox_id, OutboxJob.state.in_(("pending", "handed")))
            .values(
                state="running",
                started_at=now,
                runs=OutboxJob.runs + 1,
                next_try_at=now + timedelta(seconds=RUN_MARGIN_S),
            )
            .returning(OutboxJob.func, OutboxJob.args, OutboxJob.runs, OutboxJob.job_timeout)
            .execution_options(synchronize_session=False)
        ).first()
        if claimed is not None:  # the run's lease: its timeout and a margin
            session.execute(
                update(OutboxJob)
                .where(OutboxJob.id == outbox_id)
                .values(next_try_at=now + timedelta(seconds=claimed.job_timeout + RUN_MARGIN_S))
                .execution_options(synchronize_session=False)
            )
        session.commit()
    if claimed is None:
        log.info("outbox job %s is already running or done: not run again", outbox_id)
        return None
    func, args, runs = claimed.func, list(claimed.args or []), claimed.runs
    try:
        result = import_string(_moved(func))(*args)
    except Exception as error:
        if _run_failed(app, outbox_id, runs, func, error):
            raise  # given up: RQ lists it as failed too
        return None
    write(
        app,
        update(OutboxJob)
        .where(OutboxJob.id == outbox_id, OutboxJob.state == "running", OutboxJob.runs == runs)
        .values(state="done", finished_at=utcnow(), last_error=None),
    )
    return result


def _moved(func: str) -> str:
    """FUNC's path today."""
    for old, new in MOVED.items():
        if func.startswith(old):
            return new + func[len(old) :]
    return func


def _run_failed(app: Flask, outbox_id: int, runs: int, func: str, error: BaseException) -> bool:
    """Record a run that raised; True when it was the last one allowed."""
    last = runs >= setting(app, "OUTBOX_MAX_RUNS")
    now = utcnow()
    values = (
        dict(state="failed", finished_at=now)
        if last
        else dict(state="pending", handed_at=None, next_try_at=now + _backoff(app, runs))
    )
    write(
        app,
        update(OutboxJob)
        .where(OutboxJob.id == outbox_id, OutboxJob.state == "running", OutboxJob.runs == runs)
        .values(last_error=f"run {runs}: {error!r}"[:1000], **values),
    )
    (log.error if last else log.warning)(
        "outbox job %s (%s) failed on run %s%s: %r",
        outbox_id,
        func,
        runs,
        " and is given up" if last else ", it will be retried",
        error,
    )
    return last
