"""The outbox: jobs the system promised (a call-back, an import, a test call), written in the
same database transaction as the state that promised them, handed to RQ after the commit, and
handed again by a relay thread in every worker until RQ took them and they ran once.

- `promise(session, func, *args)` adds the row; the caller commits it with its own state.
- `hand_over(app, rows)` is the fast path after that commit; it never raises.
- `run(outbox_id)` is the RQ job. It claims its row (pending or handed -> running) in one
  conditional UPDATE, so a promise handed to RQ twice runs once; then it calls the promised
  function and marks the row done (or, when it raised, due again, or failed after
  OUTBOX_MAX_RUNS runs).
- `Relay(app).start()` hands the due rows: pending ones (Redis was down: bounded backoff up to
  OUTBOX_BACKOFF_MAX_S), handed ones that RQ no longer holds (Redis was flushed; looked up
  OUTBOX_REHAND_AFTER_S after the hand-off), and running ones whose worker died.

A promise is kept at least once; it runs twice only when a worker dies in the middle of it.
"""
import logging
import threading
import time
from datetime import timedelta

from rq.job import Job, JobStatus
from sqlalchemy import delete, select, update
from werkzeug.utils import import_string

from models import OutboxJob, utcnow
from models.outbox import OPEN_STATES

from .config import OUTBOX_DEFAULTS
from .db import sessionmaker_for
from .queue import QUEUE_ERRORS, current_job_app, enqueue
from .redis_conn import get_redis

log = logging.getLogger(__name__)
JOB = "ivr.outbox.run"
HANDOFF_GRACE = timedelta(seconds=10)  # the fast path's head start before relays look
CLAIM_LEASE = timedelta(seconds=30)    # a relay's hold on the rows it claimed
RUN_MARGIN_S = 60                      # past the job's timeout, a run counts as lost
BATCH = 50
PURGE_EVERY_S = 3600
IN_RQ = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


def setting(app, name: str):
    """An OUTBOX_* setting: the app's config, else its default in ivr/config.py."""
    default = OUTBOX_DEFAULTS[name]
    value = app.config.get(name)
    return default if value in (None, "") else type(default)(value)


def job_id(outbox_id: int) -> str:
    """The RQ job id of a promise: the same on every hand-off."""
    return f"outbox-{outbox_id}"


def promise(session, func: str, *args, queue: str = "default", job_timeout: int = 180,
            key: str | None = None) -> OutboxJob:
    """Promise FUNC(*ARGS) (a dotted path, JSON arguments) in SESSION's transaction."""
    now = utcnow()
    row = OutboxJob(func=func, args=list(args), queue=queue, job_timeout=job_timeout, key=key,
                    state="pending", attempts=0, runs=0, created_at=now,
                    next_try_at=now + HANDOFF_GRACE)
    session.add(row)
    return row


def hand_over(app, rows) -> bool:
    """After the commit, hand ROWS to RQ at once; True when RQ took them all. When it did not,
    the rows wait for a relay: the promise is safe in the database, so this never raises."""
    for index, row in enumerate(rows):
        try:
            _enqueue(app, row.id, row.queue, row.job_timeout)
        except Exception as error:  # noqa: BLE001 - Redis down: the relay hands them later
            log.warning("outbox: could not hand job %s (%s) to RQ, a relay will: %s",
                        row.id, row.func, error)
            _handoff_failed(app, [r.id for r in rows[index:]], error)
            return False
        _mark_handed(app, row.id, runs=0)
    return True


def _enqueue(app, outbox_id: int, queue: str, job_timeout: int) -> None:
    enqueue(app, JOB, outbox_id, queue=queue, job_id=job_id(outbox_id),
            job_timeout=job_timeout)


def _write(app, statement) -> int:
    """Run one UPDATE/DELETE in its own transaction; its rowcount (0 when the database failed)."""
    try:
        with sessionmaker_for(app)() as session:
            count = session.execute(statement.execution_options(synchronize_session=False))
            session.commit()
            return count.rowcount or 0
    except Exception:  # noqa: BLE001 - logged; the row stays due for a relay
        log.exception("outbox: could not update the outbox")
        return 0


def _mark_handed(app, outbox_id: int, runs: int) -> None:
    """RQ took the promise; unless a run started meanwhile (RUNS counts them: with RQ_SYNC,
    or a quick worker, the job may have run, even failed and be pending again)."""
    now = utcnow()
    _write(app, update(OutboxJob)
           .where(OutboxJob.id == outbox_id, OutboxJob.state == "pending",
                  OutboxJob.runs == runs)
           .values(state="handed", handed_at=now,
                   next_try_at=now + timedelta(seconds=setting(app, "OUTBOX_REHAND_AFTER_S"))))


def _backoff(app, tries: int) -> timedelta:
    return timedelta(seconds=min(setting(app, "OUTBOX_BACKOFF_MAX_S"), 2.0 ** max(0, tries - 1)))


def _handoff_failed(app, ids, error) -> None:
    """Count a failed hand-off of IDS; each is due again after its backoff."""
    try:
        with sessionmaker_for(app)() as session:
            for row in session.scalars(select(OutboxJob).where(OutboxJob.id.in_(list(ids)))):
                if row.state not in OPEN_STATES:
                    continue
                row.attempts += 1
                row.last_error = f"hand-off: {error}"[:1000]
                row.next_try_at = utcnow() + _backoff(app, row.attempts)
            session.commit()
    except Exception:  # noqa: BLE001 - the rows stay due once their claim lease ends
        log.exception("outbox: could not record a failed hand-off")


# --- the job ------------------------------------------------------------------------------

def run(outbox_id: int):
    """Job: run promise OUTBOX_ID once, whatever number of times RQ was handed it."""
    app = current_job_app()
    now = utcnow()
    with sessionmaker_for(app)() as session:
        claimed = session.execute(
            update(OutboxJob)
            .where(OutboxJob.id == outbox_id, OutboxJob.state.in_(("pending", "handed")))
            .values(state="running", started_at=now, runs=OutboxJob.runs + 1,
                    next_try_at=now + timedelta(seconds=RUN_MARGIN_S))
            .returning(OutboxJob.func, OutboxJob.args, OutboxJob.runs, OutboxJob.job_timeout)
            .execution_options(synchronize_session=False)).first()
        if claimed is not None:  # the run's lease: its timeout and a margin
            session.execute(update(OutboxJob).where(OutboxJob.id == outbox_id).values(
                next_try_at=now + timedelta(seconds=claimed.job_timeout + RUN_MARGIN_S))
                .execution_options(synchronize_session=False))
        session.commit()
    if claimed is None:
        log.info("outbox job %s is already running or done: not run again", outbox_id)
        return None
    func, args, runs = claimed.func, list(claimed.args or []), claimed.runs
    try:
        result = import_string(func)(*args)
    except Exception as error:
        if _run_failed(app, outbox_id, runs, func, error):
            raise  # given up: RQ lists it as failed too
        return None
    _write(app, update(OutboxJob)
           .where(OutboxJob.id == outbox_id, OutboxJob.state == "running", OutboxJob.runs == runs)
           .values(state="done", finished_at=utcnow(), last_error=None))
    return result


def _run_failed(app, outbox_id: int, runs: int, func: str, error) -> bool:
    """Record a run that raised; True when it was the last one allowed."""
    last = runs >= setting(app, "OUTBOX_MAX_RUNS")
    now = utcnow()
    values = (dict(state="failed", finished_at=now) if last else
              dict(state="pending", handed_at=None, next_try_at=now + _backoff(app, runs)))
    _write(app, update(OutboxJob)
           .where(OutboxJob.id == outbox_id, OutboxJob.state == "running", OutboxJob.runs == runs)
           .values(last_error=f"run {runs}: {error!r}"[:1000], **values))
    (log.error if last else log.warning)(
        "outbox job %s (%s) failed on run %s%s: %r", outbox_id, func, runs,
        " and is given up" if last else ", it will be retried", error)
    return last


# --- the relay ----------------------------------------------------------------------------

def _claim(app, now) -> list:
    """Take the due rows for this relay, atomically: no other relay gets the same ones."""
    due = (OutboxJob.state.in_(OPEN_STATES), OutboxJob.next_try_at <= now)
    with sessionmaker_for(app)() as session:
        if session.scalar(select(OutboxJob.id).where(*due).limit(1)) is None:
            return []  # nothing due: no write (SQLite's single write lock stays free)
        pick = (select(OutboxJob.id).where(*due)
                .order_by(OutboxJob.next_try_at, OutboxJob.id).limit(BATCH))
        if session.get_bind().dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        # On SQLite there is no SKIP LOCKED, and none is needed: this one UPDATE holds the
        # database's single write lock, so concurrent relays claim one after the other (they
        # wait on the busy timeout rather than work side by side).
        rows = session.execute(
            update(OutboxJob).where(OutboxJob.id.in_(pick.scalar_subquery()), *due)
            .values(next_try_at=now + CLAIM_LEASE)
            .returning(OutboxJob.id, OutboxJob.func, OutboxJob.state, OutboxJob.queue,
                       OutboxJob.job_timeout, OutboxJob.runs)
            .execution_options(synchronize_session=False)).all()
        session.commit()
    return sorted(rows, key=lambda r: r.id)


def _rq_status(app, outbox_id: int):
    job = Job.fetch(job_id(outbox_id), connection=get_redis(app)) \
        if Job.exists(job_id(outbox_id), connection=get_redis(app)) else None
    return None if job is None else job.get_status(refresh=False)


def _relay_row(app, row, now) -> None:
    """Hand ROW (claimed) to RQ, unless RQ still holds it. Redis errors propagate."""
    if row.state != "pending":
        status = _rq_status(app, row.id)
        if status in IN_RQ:  # queued behind others, or running: look again later
            wait = (row.job_timeout + RUN_MARGIN_S if status == JobStatus.STARTED
                    else setting(app, "OUTBOX_REHAND_AFTER_S"))
            _write(app, update(OutboxJob).where(OutboxJob.id == row.id,
                                                 OutboxJob.state == row.state)
                   .values(next_try_at=now + timedelta(seconds=wait)))
            return
        if row.state == "running":  # its worker died in the middle of it
            if row.runs >= setting(app, "OUTBOX_MAX_RUNS"):
                _write(app, update(OutboxJob).where(OutboxJob.id == row.id,
                                                     OutboxJob.state == "running")
                       .values(state="failed", finished_at=now,
                               last_error=f"run {row.runs}: lost with its worker"))
                log.error("outbox job %s (%s) lost with its worker, given up", row.id, row.func)
                return
            if not _write(app, update(OutboxJob).where(OutboxJob.id == row.id,
                                                        OutboxJob.state == "running",
                                                        OutboxJob.runs == row.runs)
                          .values(state="pending", handed_at=None)):
                return
        log.warning("outbox job %s (%s) was %s but RQ does not hold it (%s): handing it again",
                    row.id, row.func, row.state, status or "gone")
    _enqueue(app, row.id, row.queue, row.job_timeout)
    if row.state == "handed":
        _write(app, update(OutboxJob).where(OutboxJob.id == row.id, OutboxJob.state == "handed")
               .values(handed_at=now, next_try_at=now + timedelta(
                   seconds=setting(app, "OUTBOX_REHAND_AFTER_S"))))
    else:
        _mark_handed(app, row.id, row.runs)


def relay_once(app) -> int:
    """Hand the due promises to RQ; the number of rows this relay claimed."""
    now = utcnow()
    rows = _claim(app, now)
    for index, row in enumerate(rows):
        try:
            _relay_row(app, row, now)
        except QUEUE_ERRORS as error:  # Redis still away: all the rest wait their backoff
            log.warning("outbox relay: Redis unavailable, %s job(s) wait: %s",
                        len(rows) - index, error)
            _handoff_failed(app, [r.id for r in rows[index:]], error)
            break
    return len(rows)


def purge(app) -> int:
    """Delete the promises kept (done) longer than OUTBOX_KEEP_DAYS; failed ones stay."""
    before = utcnow() - timedelta(days=setting(app, "OUTBOX_KEEP_DAYS"))
    return _write(app, delete(OutboxJob).where(OutboxJob.state == "done",
                                               OutboxJob.finished_at < before))


class Relay:
    """A thread that hands due promises to RQ; `.start()`, `.stop()`. It also stops when
    STOPPING (an event shared with the worker that runs it) is set."""

    def __init__(self, app, stopping: threading.Event | None = None):
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
        interval = setting(self.app, "OUTBOX_RELAY_INTERVAL_S")
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
