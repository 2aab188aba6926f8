"""The dialer worker: threads that claim due deliveries and create calls at the account's pace,
plus a reconciler thread. `run_worker` (for `ivr worker`) also serves the RQ queues, running
the jobs in the same process without forking; a heartbeat and a watchdog make a frozen or
stalled dialer seen (dialer.heartbeat).

Per call: find a campaign with due work (emergency first, calling window respected) ->
claim one delivery and commit its attempt -> `pacing.acquire` a slot of the account-wide CPS
limit -> mark the attempt requested if the claim is still its own (dispatch.mark_requested)
-> `calls.create` at once -> record the SID. Twilio's own queue is never relied on: a call is
only requested when its slot has come. 429 / 20429 answers back off and retry; a lost answer
(timeout, 5xx) makes the attempt ambiguous, for the reconciler to resolve before that number is
dialled again; a 4xx refusal fails that number. A claim that gets no slot before its lease
ends, or meets a connection error (Redis, the database), is given back at once; on a
connection error the thread backs off and claims nothing until both answer (dialer.outage).
"""

import gc
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask
from rq import Queue, SimpleWorker
from rq.job import Job as RQJob
from rq.timeouts import TimerDeathPenalty
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from models import (
    UNCONFIRMED,
    AttemptStatus,
    CallAttempt,
    Campaign,
    CampaignStatus,
    Delivery,
    Outcome,
    Priority,
    utcnow,
)
from runtime import metrics
from runtime.db import sessionmaker_for
from runtime.logs import ids
from runtime.outbox_relay import Relay, relay_once
from runtime.pacing import (
    PacingTimeout,
    acquire,
    acquire_message,
    emergency_waiting,
    mps,
    redis_for,
)
from runtime.pacing import cps as pacing_cps
from runtime.queue import QUEUES, get_queue, set_job_app

from . import defaults, dispatch, heartbeat, outage, reconcile, settle
from .calls import client_for, hang_up_or_redirect, is_definite_refusal, is_rate_limited, place_call
from .dispatch import CampaignView, Job
from .gauges import StateCollector
from .texts import LANDLINE_ERRORS, OPTED_OUT_ERROR, error_code, send_text

log = logging.getLogger(__name__)


class Dialer:
    """Sender threads and a reconciler thread for one app; `.start()`, `.stop()`."""

    def __init__(
        self,
        app: Flask,
        threads: int | None = None,
        reconcile_interval: float | None = None,
        on_failure: Callable[[str], object] | None = None,
    ) -> None:
        self.app = app
        cps = max(pacing_cps(app), mps(app))
        self.threads = threads or defaults.setting(
            app, "DIALER_THREADS", max(2, min(64, int(cps * 0.6) + 2))
        )
        self.reconcile_interval = reconcile_interval or defaults.setting(
            app, "DIALER_RECONCILE_INTERVAL_S", defaults.RECONCILE_INTERVAL_S
        )
        self.poll = defaults.setting(app, "DIALER_POLL_INTERVAL_S", defaults.POLL_INTERVAL_S)
        self.lease = defaults.setting(app, "DIALER_CLAIM_LEASE_S", defaults.CLAIM_LEASE_S)
        self.max_in_progress = defaults.setting(
            app, "DIALER_MAX_IN_PROGRESS", defaults.MAX_IN_PROGRESS
        )
        self.Session = sessionmaker_for(app)
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._campaigns: list[CampaignView] = []
        self._campaigns_at = 0.0
        self._lock = threading.Lock()
        self.placed = 0
        # liveness (dialer.heartbeat): the watchdog calls ON_FAILURE(reason) once if a thread
        # dies or the dialer stalls; `ivr worker` exits then, for its supervisor to restart it
        self.on_failure = on_failure
        self.failure: str | None = None
        self.name = heartbeat.worker_name()
        self.started_at = utcnow()
        self.last_claim_at: datetime | None = None
        self.last_placed_at: datetime | None = None
        self._beat_ok = time.monotonic()
        self._stall: str | None = None
        self.outages = outage.Outages()

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> "Dialer":
        client_for(self.app)  # build the HTTP client once, before the threads share it
        # Everything built so far (Flask, SQLAlchemy's mappers, the twilio client...) lives as
        # long as the process: out of the collector's sight, a full collection no longer
        # walks it and stalls every sender thread for a quarter of a second, losing the
        # call slots they held.
        gc.collect()
        gc.freeze()
        self.started_at = utcnow()
        for i in range(self.threads):
            self._spawn(self._send_loop, f"dialer-send-{i}")
        self._spawn(self._reconcile_loop, "dialer-reconcile")
        self._spawn(self._heartbeat_loop, "dialer-heartbeat")
        self._spawn(self._watchdog_loop, "dialer-watchdog")
        log.info(
            "dialer started: %d sender threads, %.1f calls/s for the account%s",
            self.threads,
            pacing_cps(self.app),
            f", at most {self.max_in_progress} calls in progress" if self.max_in_progress else "",
        )
        return self

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 15.0) -> None:
        self.stopping.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.1, deadline - time.monotonic()))
        if not self.failure:  # a failed worker's row stays, for `ivr worker status` to show
            try:
                with self.Session() as session:
                    heartbeat.remove(session, self.name)
            except Exception:  # noqa: BLE001 - the row then just ages out
                log.warning("could not remove this worker's heartbeat", exc_info=True)
        log.info("dialer stopped")

    # -- liveness -------------------------------------------------------------------------
    def threads_alive(self) -> tuple[int, int]:
        """(alive, expected) among the threads that do the work (senders, reconciler)."""
        workers = [t for t in self._threads if t.name.startswith(("dialer-send", "dialer-rec"))]
        return sum(t.is_alive() for t in workers), len(workers)

    def _heartbeat_loop(self) -> None:
        """Write this worker's heartbeat, with the stall verdict (it needs the database)."""
        every, stall_s = heartbeat.beat_every(self.app), heartbeat.stall_after(self.app)
        while not self.stopping.is_set():
            try:
                with self.Session() as session:
                    now = utcnow()
                    due = heartbeat.due_work(session, self.app, now)
                    session.rollback()
                    self._stall = heartbeat.stall(
                        due, self.started_at, self.last_placed_at, now, stall_s
                    )
                    alive, expected = self.threads_alive()
                    heartbeat.write(
                        session,
                        self.name,
                        started_at=self.started_at,
                        beat_at=now,
                        threads_alive=alive,
                        threads_expected=expected,
                        last_claim_at=self.last_claim_at,
                        last_placed_at=self.last_placed_at,
                        calls_placed=self.placed,
                        problem=self.failure,
                    )
                self._beat_ok = time.monotonic()
            except Exception:  # noqa: BLE001 - the watchdog notices if this lasts
                log.exception("dialer heartbeat failed")
            self.stopping.wait(every)

    def _watchdog_loop(self) -> None:
        """Never touches the database: a frozen database cannot freeze the watchdog too."""
        stall_s = heartbeat.stall_after(self.app)
        while not self.stopping.wait(min(1.0, heartbeat.beat_every(self.app))):
            reason: str | None
            alive, expected = self.threads_alive()
            silent = time.monotonic() - self._beat_ok
            if alive < expected:
                dead = [t.name for t in self._threads if not t.is_alive()]
                reason = f"{expected - alive} of {expected} dialer threads died ({', '.join(dead)})"
            elif silent > stall_s:
                reason = f"no heartbeat written for {silent:.0f} s (database unreachable?)"
            else:
                reason = self._stall
            if reason:
                self._fail(reason)
                return

    def _note_placed(self, job: Job, sid: str) -> None:
        self.last_placed_at = utcnow()
        metrics.call_placed(job.priority)
        log.info(
            "call placed",
            extra=ids(
                campaign=job.campaign_id, delivery=job.delivery_id, attempt=job.attempt_id, call=sid
            ),
        )

    def _fail(self, reason: str) -> None:
        self.failure = reason
        log.critical("dialer stalled: %s", reason, extra=ids(worker=self.name))
        try:
            with self.Session() as session:
                heartbeat.write(session, self.name, problem=reason[:255], beat_at=utcnow())
        except Exception:  # noqa: BLE001 - best effort: the row goes stale anyway
            pass
        if self.on_failure is not None:
            self.on_failure(reason)

    # -- sending --------------------------------------------------------------------------
    def _eligible(self, session: Session) -> list[CampaignView]:
        with self._lock:
            if time.monotonic() - self._campaigns_at > min(self.poll, 0.5):
                self._campaigns = dispatch.eligible_campaigns(session, self.app.config["TIMEZONE"])
                session.rollback()
                self._campaigns_at = time.monotonic()
            return self._campaigns

    def _send_loop(self) -> None:
        session = self.Session()
        failures = 0  # connection errors in a row, for this thread's backoff
        # a claim not given back yet: the database did not answer
        unreleased: tuple[Job, str] | None = None
        try:
            while not self.stopping.is_set():
                job = None
                try:
                    if failures or unreleased or self.outages.active:
                        self._probe(session)  # claim nothing while Redis or the database is down
                        if unreleased:
                            self._release(session, *unreleased)
                            unreleased = None
                        failures = 0
                        self.outages.ended()
                    job = self._next_job(session)
                    if job is None:
                        self.stopping.wait(self.poll)
                        continue
                    self._place(session, job)
                except Exception as error:
                    down = outage.unreachable(error)
                    if job is not None:
                        reason = f"not placed: {error.__class__.__name__}"
                        if not self._give_back(session, job, reason):
                            unreleased = (job, reason)
                    else:
                        self._rollback(session)
                    if down:
                        failures += 1
                        self.outages.began(down, error)
                        self.stopping.wait(outage.backoff(failures))
                    else:
                        log.exception("dialer thread error; continuing")
                        self.stopping.wait(self.poll)
        finally:
            session.close()

    def _probe(self, session: Session) -> None:
        """Raise unless Redis (the pacing's) and the database both answer."""
        redis_for(self.app).ping()
        session.execute(select(1))
        session.rollback()

    @staticmethod
    def _rollback(session: Session) -> None:
        try:
            session.rollback()
        except Exception:  # the connection is gone; the pool replaces it
            log.debug("rollback failed", exc_info=True)

    def _release(self, session: Session, job: Job, reason: str) -> None:
        """The claim ends without a call: its attempt does not count and the residence is due
        again at once, on the same number (unless the call was requested meanwhile, or the
        claim was already taken back). Raises if the database cannot be reached."""
        self._rollback(session)
        if settle.void_attempt(session, job.attempt_id, reason, unrequested=True):
            log.debug("claim of delivery %s given back: %s", job.delivery_id, reason)
        session.commit()

    def _give_back(self, session: Session, job: Job, reason: str) -> bool:
        """`_release`; False if the database did not answer (the thread tries again before
        it claims anything; were it to die, the claim's lease frees the residence)."""
        try:
            self._release(session, job, reason)
            return True
        except Exception:
            self._rollback(session)
            log.debug("claim of delivery %s not given back yet", job.delivery_id, exc_info=True)
            return False

    def _next_job(self, session: Session) -> Job | None:
        campaigns = self._eligible(session)
        if not campaigns:
            return None
        for campaign in campaigns:  # emergency first
            if campaign.priority != Priority.EMERGENCY.value and emergency_waiting(self.app):
                return None  # emergency calls take every slot: a normal claim would only wait
            job = dispatch.claim(session, campaign, self.lease, self.max_in_progress)
            if job is not None:
                self.last_claim_at = utcnow()
                return job
        return None

    def _wait_for_slot(self, job: Job) -> str | None:
        """Take a slot of the account's CPS (MPS for a text), right before the request (so the
        provider sees the same spacing); None when taken, else why not (stopping, or no slot
        before the claim's deadline). Redis's connection errors go up to the caller."""
        take = acquire_message if job.texts else acquire
        while not self.stopping.is_set():
            left = job.deadline - time.monotonic()
            if left <= 0:
                return "no call slot within the claim's lease"
            try:
                metrics.pacing_waited(
                    job.priority, take(self.app, job.priority, timeout=min(2.0, left))
                )
                return None
            except PacingTimeout:
                continue
        return "worker stopping"

    def _running(self, session: Session, job: Job) -> bool:
        return job.campaign_id in {c.id for c in self._eligible(session)}

    def _create(self, job: Job) -> str:
        """The provider's create request for JOB (a call, or a text); the SID."""
        if job.texts:
            return send_text(self.app, job.token, job.to, job.body)
        return place_call(self.app, job.token, job.to, job.language, job.ring_timeout_s)

    def _refused(self, session: Session, job: Job, error: Exception, sent: datetime) -> None:
        """A definite 4xx refusal: that contact failed (a text refused as to a landline: the
        same number is called instead; 21610: the contact is opted out). Not committed."""
        code = error_code(error)
        session.execute(
            update(CallAttempt)
            .where(CallAttempt.id == job.attempt_id)
            .values(status=AttemptStatus.FAILED.value, requested_at=sent, error=str(error)[:255])
        )
        if job.texts and code == OPTED_OUT_ERROR:
            settle.opt_out(session, job.to)
        settle.settle(
            session,
            job.attempt_id,
            Outcome.FAILED.value,
            voice_fallback=job.texts and code in LANDLINE_ERRORS,
        )

    def _place(self, session: Session, job: Job) -> None:
        if not self._running(session, job):
            self._release(session, job, "campaign no longer running")
            return
        if job.texts and job.opted_out:  # texted STOP: never texted until REPRISE / START
            session.execute(
                update(CallAttempt)
                .where(CallAttempt.id == job.attempt_id)
                .values(status=AttemptStatus.FAILED.value, error=f"opted out ({OPTED_OUT_ERROR})")
            )
            settle.settle(session, job.attempt_id, Outcome.FAILED.value)
            session.commit()
            return
        backoffs = list(
            defaults.setting(self.app, "DIALER_RATE_LIMIT_BACKOFF_S", defaults.RATE_LIMIT_BACKOFF_S)
        )
        while True:
            missed = self._wait_for_slot(job)
            if missed is None and not self._running(session, job):
                missed = "campaign no longer running"
            if missed:
                self._release(session, job, missed)
                return
            sent = utcnow()
            if not dispatch.mark_requested(session, job.attempt_id, sent):
                # the reconciler took the claim back (its lease ran out): never dial it now
                log.warning(
                    "attempt %s to %s: claim lost before its call slot; not placed",
                    job.attempt_id,
                    job.to,
                )
                self._release(session, job, "claim lost before its call slot")
                return
            try:
                sid = self._create(job)
                break
            except Exception as error:  # noqa: BLE001 - refused, rate limited or ambiguous
                if is_rate_limited(error):
                    dispatch.unmark_requested(session, job.attempt_id)
                    if backoffs and not self.stopping.is_set():
                        wait = backoffs.pop(0)
                        log.warning(
                            "provider says too many requests (429); retrying in %.2f s", wait
                        )
                        time.sleep(wait)
                        continue
                    settle.void_attempt(session, job.attempt_id, "rate limited (429)")
                elif is_definite_refusal(error):
                    log.warning("%s to %s refused by the provider: %s", job.channel, job.to, error)
                    self._refused(session, job, error, sent)
                else:
                    log.warning(
                        "%s to %s: create answer lost (%s); ambiguous until resolved",
                        job.channel,
                        job.to,
                        error.__class__.__name__,
                    )
                    session.execute(
                        update(CallAttempt)
                        .where(
                            CallAttempt.id == job.attempt_id,
                            CallAttempt.status == AttemptStatus.CREATING.value,
                        )
                        .values(status=AttemptStatus.AMBIGUOUS.value, error=str(error)[:255])
                    )
                session.commit()
                return
        self._record_sid(session, job, sid, sent)

    def _record_sid(self, session: Session, job: Job, sid: str, sent: datetime) -> None:
        outcome = session.execute(
            update(CallAttempt)
            .where(CallAttempt.id == job.attempt_id)
            .values(
                requested_at=sent,
                sid=func.coalesce(CallAttempt.sid, sid),
                status=case(
                    (CallAttempt.status.in_(UNCONFIRMED), AttemptStatus.QUEUED.value),
                    else_=CallAttempt.status,
                ),
            )
            .returning(CallAttempt.outcome)
        ).scalar()
        session.execute(
            update(Delivery)
            .where(Delivery.id == job.delivery_id)
            .values(last_number=job.to, last_call_sid=sid, last_attempt_at=sent, lease_until=None)
        )
        session.commit()
        self.placed += 1
        self._note_placed(job, sid)
        if outcome == Outcome.VOID.value and not job.texts:
            # cannot happen since mark_requested (kept as the last safety net): never let a
            # call ring for an attempt given up
            log.error("call %s placed after its attempt was given up; hanging it up", sid)
            hang_up_or_redirect(self.app, sid)

    # -- reconciling ----------------------------------------------------------------------
    def _reconcile_loop(self) -> None:
        session = self.Session()
        try:
            while not self.stopping.wait(self.reconcile_interval):
                try:
                    reconcile.run_once(self.app, session)
                except Exception as error:
                    down = outage.unreachable(error)
                    if down:  # the sender threads log the outage once; no traceback per pass
                        self.outages.began(down, error)
                    else:
                        log.exception("reconciler error; continuing")
                    self._rollback(session)
        finally:
            session.close()


def open_work(app: Flask) -> bool:
    """True while a running campaign has residences to call or calls not yet settled."""
    with sessionmaker_for(app)() as session:
        running = session.scalar(
            select(Campaign.id).where(Campaign.status == CampaignStatus.RUNNING.value).limit(1)
        )
        unsettled = session.scalar(
            select(CallAttempt.id)
            .where(CallAttempt.outcome.is_(None), CallAttempt.status != AttemptStatus.VOID.value)
            .limit(1)
        )
        return running is not None or unsettled is not None


def drain(
    app: Flask,
    until: Callable[[], bool] | None = None,
    timeout: float = 120.0,
    threads: int | None = None,
) -> bool:
    """Run a dialer in this process until UNTIL() (default: no open work) or TIMEOUT; True if
    it finished. For tests and `ivr worker --burst`."""
    until = until or (lambda: not open_work(app))
    dialer = Dialer(app, threads=threads).start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if until():
                return True
            time.sleep(0.1)
        return until()
    finally:
        dialer.stop()


def _job_worker(app: Flask, in_thread: bool = False) -> SimpleWorker:
    """An RQ worker on the project's queues that runs each job in this process (RQ's
    SimpleWorker): never a forked work-horse, which would inherit the dialer threads' open
    database connections (and locks other threads hold at the fork). IN_THREAD: for a
    background thread, where signals (and so SIGALRM job timeouts) are not available."""

    class JobWorker(SimpleWorker):
        # Any: rq's SimpleWorker.execute_job leaves its return unannotated
        def execute_job(self, job: RQJob, queue: Queue) -> Any:
            try:
                return super().execute_job(job, queue)
            finally:
                metrics.job_done(job)

    class ThreadWorker(JobWorker):
        death_penalty_class = TimerDeathPenalty  # SIGALRM only works in the main thread

        def _install_signal_handlers(self) -> None:  # signals belong to the main thread
            pass

    set_job_app(app)
    queues = [get_queue(app, name) for name in QUEUES]
    cls = ThreadWorker if in_thread else JobWorker
    return cls(queues, connection=queues[0].connection)


class EmbeddedWorker:
    """The dialer and an RQ job loop in background threads (for `ivr run`)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.dialer = Dialer(app)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._jobs, name="rq-embedded", daemon=True)

    def start(self) -> "EmbeddedWorker":
        Relay(self.app, stopping=self.stopping).start()  # hands promised jobs to RQ (outbox)
        self.dialer.start()
        self.thread.start()
        return self

    def _jobs(self) -> None:
        while not self.stopping.is_set():
            try:
                _job_worker(self.app, in_thread=True).work(
                    burst=True, with_scheduler=False, logging_level="WARNING"
                )
            except Exception:
                log.exception("embedded RQ worker error")
            self.stopping.wait(0.5)

    def stop(self) -> None:
        self.stopping.set()
        self.dialer.stop()
        self.thread.join(5)


def start_embedded_worker(app: Flask) -> EmbeddedWorker:
    """Start the dialer and an RQ job loop in this process; returns an object with `.stop()`."""
    return EmbeddedWorker(app).start()


EXIT_STALLED = 3
"""`ivr worker`'s exit status when its dialer stalled or lost a thread (for the supervisor)."""

FORCED_EXIT_S = 30.0
"""After a failure, how long the job in progress may take before the process exits anyway."""


def run_worker(app: Flask, burst: bool = False) -> int:
    """`ivr worker`: the dialer threads plus an RQ worker on the project's queues, whose jobs
    run in this process's main thread (no fork: see _job_worker). Returns the exit status:
    0 after SIGTERM / SIGINT or a burst, EXIT_STALLED when the dialer's watchdog fired."""
    if burst:
        drain(app, timeout=float("inf"))
        relay_once(app)  # promised jobs still waiting for Redis
        _job_worker(app).work(burst=True, with_scheduler=False)
        return 0
    status = 0

    def failed(_reason: str) -> None:
        nonlocal status
        status = EXIT_STALLED
        # a warm shutdown of the RQ loop (the job in progress ends first), then a hard exit
        # should that job, or a frozen thread, hold the process
        timer = threading.Timer(FORCED_EXIT_S, os._exit, (EXIT_STALLED,))
        timer.daemon = True
        timer.start()
        os.kill(os.getpid(), signal.SIGTERM)

    metrics.serve_worker_metrics(app, StateCollector(app))
    dialer = Dialer(app, on_failure=failed).start()
    Relay(app).start()  # a daemon thread: hands promised jobs to RQ (outbox) until exit
    try:
        _job_worker(app).work(burst=False, with_scheduler=False)
    finally:
        dialer.stop()
    return status
