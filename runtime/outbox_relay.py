"""The outbox relay: a thread in every worker process that hands due promises to RQ (see
`runtime.outbox`): pending ones (Redis was away), handed ones that RQ no longer holds (Redis was
flushed), and running ones whose worker died."""

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from rq.job import Job, JobStatus
from sqlalchemy import Row, delete, select, update

from models import OutboxJob, utcnow
from models.outbox import OPEN_STATES

from . import outbox
from .db import sessionmaker_for
from .queue import QUEUE_ERRORS
from .redis_conn import get_redis

log = logging.getLogger(__name__)
CLAIM_LEASE = timedelta(seconds=30)  # a relay's hold on the rows it claimed
BATCH = 50
PURGE_EVERY_S = 3600
_Claimed = Row[int, str, str, str, int, int]  # id, func, state, queue, job_timeout, runs
IN_RQ = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


def _claim(app: Flask, now: datetime) -> list[_Claimed]:
    """Take the due rows for this relay, atomically: no other relay gets the same ones."""
    due = (OutboxJob.state.in_(OPEN_STATES), OutboxJob.next_try_at <= now)
    with sessionmaker_for(app)() as session:
        if session.scalar(select(OutboxJob.id).where(*due).limit(1)) is None:
            return []  # nothing due: no write (SQLite's single write lock stays free)
        pick = (
            select(OutboxJob.id)
            .where(*due)
            .order_by(OutboxJob.next_try_at, OutboxJob.id)
            .limit(BATCH)
        )
        if session.get_bind().dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        # On SQLite there is no SKIP LOCKED, and none is needed: this one UPDATE holds the
        # database's single write lock, so concurrent relays claim one after the other (they
        # wait on the busy timeout rather than work side by side).
        rows = session.execute(
            update(OutboxJob)
            .where(OutboxJob.id.in_(pick.scalar_subquery()), *due)
            .values(next_try_at=now + CLAIM_LEASE)
            .returning(
                OutboxJob.id,
                OutboxJob.func,
                OutboxJob.state,
                OutboxJob.queue,
                OutboxJob.job_timeout,
                OutboxJob.runs,
            )
            .execution_options(synchronize_session=False)
        ).all()
        session.commit()
    return sorted(rows, key=lambda r: r.id)


def _rq_status(app: Flask, outbox_id: int) -> JobStatus | None:
    """What RQ knows of the promise's job: its status, or None when RQ does not hold it."""
    redis, name = get_redis(app), outbox.job_id(outbox_id)
    if not Job.exists(name, connection=redis):
        return None
    return Job.fetch(name, connection=redis).get_status(refresh=False)


def _update(app: Flask, row: _Claimed, **values: Any) -> int:
    """Change ROW unless it moved on since the claim (a worker started or finished it)."""
    return outbox.write(
        app,
        update(OutboxJob)
        .where(OutboxJob.id == row.id, OutboxJob.state == row.state, OutboxJob.runs == row.runs)
        .values(**values),
    )


def _relay_row(app: Flask, row: _Claimed, now: datetime) -> None:
    """Hand ROW (claimed) to RQ, unless RQ still holds it. Redis errors propagate."""
    rehand_at = now + timedelta(seconds=outbox.setting(app, "OUTBOX_REHAND_AFTER_S"))
    if row.state != "pending":
        status = _rq_status(app, row.id)
        if status == JobStatus.STARTED:  # still running: look again after its timeout
            _update(
                app, row, next_try_at=now + timedelta(seconds=row.job_timeout + outbox.RUN_MARGIN_S)
            )
            return
        if status in IN_RQ:  # waiting in its queue behind others: look again later
            _update(app, row, next_try_at=rehand_at)
            return
        if row.state == "running":  # its worker died in the middle of it
            if row.runs >= outbox.setting(app, "OUTBOX_MAX_RUNS"):
                _update(
                    app,
                    row,
                    state="failed",
                    finished_at=now,
                    last_error=f"run {row.runs}: lost with its worker",
                )
                log.error("outbox job %s (%s) lost with its worker, given up", row.id, row.func)
                return
            if not _update(app, row, state="pending", handed_at=None):
                return
        log.warning(
            "outbox job %s (%s) was %s but RQ does not hold it (%s): handing it again",
            row.id,
            row.func,
            row.state,
            status or "gone",
        )
    outbox.enqueue_job(app, row.id, row.queue, row.job_timeout)
    if row.state == "handed":
        _update(app, row, handed_at=now, next_try_at=rehand_at)
    else:
        outbox.mark_handed(app, row.id, row.runs)


def relay_once(app: Flask) -> int:
    """Hand the due promises to RQ; the number of rows this relay claimed."""
    now = utcnow()
    rows = _claim(app, now)
    for index, row in enumerate(rows):
        try:
            _relay_row(app, row, now)
        except QUEUE_ERRORS as error:  # Redis still away: all the rest wait their backoff
            log.warning(
                "outbox relay: Redis unavailable, %s job(s) wait: %s", len(rows) - index, error
            )
            outbox.handoff_failed(app, [r.id for r in rows[index:]], error)
            break
    return len(rows)


def purge(app: Flask) -> int:
    """Delete the promises kept (done) longer than OUTBOX_KEEP_DAYS; failed ones stay."""
    before = utcnow() - timedelta(days=outbox.setting(app, "OUTBOX_KEEP_DAYS"))
    return outbox.write(
        app, delete(OutboxJob).where(OutboxJob.state == "done", OutboxJob.finished_at < before)
    )


class Relay:
    """A thread that hands due promises to RQ; `.start()`, `.stop()`. It also stops when
    STOPPING (an event shared with the worker that runs it) is set."""

    def __init__(self, app: Flask, stopping: threading.Event | None = None) -> None:
        self.app = app
        self.stopping = stopping or threading.Event()
        self.thread = threading.Thread(target=self._loop, name="outbox-relay", daemon=True)

    def start(self) -> "Relay":
        self.thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self.stopping.set()
        self.thread.join(timeout)

    def _loop(self) -> None:
        interval = outbox.setting(self.app, "OUTBOX_RELAY_INTERVAL_S")
        next_purge = time.monotonic()
        while not self.stopping.is_set():
            claimed = 0
            try:
                with self.app.app_context():  # jobs run here with RQ_SYNC
                    claimed = relay_once(self.app)
                    if time.monotonic() >= next_purge:
                        purge(self.app)
                        next_purge = time.monotonic() + PURGE_EVERY_S
            except Exception:  # noqa: BLE001 - the database may be away too: try again
                log.exception("outbox relay error")
            if claimed < BATCH:
                self.stopping.wait(interval)
