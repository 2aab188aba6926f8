"""Is the dialer alive and placing calls? Each worker's heartbeat, and the verdicts that
/healthz, `ivr worker status` and the worker's own watchdog give from it.

A worker rewrites its row of `worker_heartbeats` every DIALER_HEARTBEAT_S (5 s): its sender
and reconciler threads alive, when it last claimed a delivery and last placed a call. A worker
is *stalled* when deliveries have been due for more than DIALER_STALL_S (60 s) and it placed
no call for that long (since it started, if it never placed one); *gone* when its row is older
than three heartbeats (at least 15 s). Due work counts only when a call may be placed now: a
running campaign inside its window, and the optional in-progress cap not reached; a delivery
claimed but whose call was never requested is still due (since its `next_attempt_at`).
"""

import os
import socket
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from flask import Flask
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from models import CallAttempt, Delivery, Outcome, WorkerHeartbeat, utcnow

from . import defaults, dispatch

STALE_AFTER_BEATS, MIN_STALE_S = 3, 15.0
FORGET_AFTER = timedelta(days=1)  # rows of workers gone this long are deleted


def stall_after(app: Flask) -> float:
    return float(defaults.setting(app, "DIALER_STALL_S", defaults.STALL_S))


def beat_every(app: Flask) -> float:
    return float(defaults.setting(app, "DIALER_HEARTBEAT_S", defaults.HEARTBEAT_S))


def stale_after(app: Flask) -> float:
    return max(MIN_STALE_S, STALE_AFTER_BEATS * beat_every(app))


class DueWork(NamedTuple):
    count: int  # type: ignore[assignment]  # shadows tuple.count, read as `due.count`
    oldest: datetime | None

    def age_s(self, now: datetime) -> float:
        return (now - self.oldest).total_seconds() if self.oldest else 0.0


def due_work(session: Session, app: Flask, now: datetime | None = None) -> DueWork:
    """Deliveries that a dialer may call now, and since when the oldest one is due."""
    now = now or utcnow()
    campaigns = [c.id for c in dispatch.eligible_campaigns(session, app.config["TIMEZONE"], now)]
    if not campaigns:
        return DueWork(0, None)
    cap = int(defaults.setting(app, "DIALER_MAX_IN_PROGRESS", defaults.MAX_IN_PROGRESS))
    if cap > 0 and cast(int, session.scalar(dispatch._live_calls())) >= cap:  # a COUNT(*)
        return DueWork(0, None)  # the cap holds calls back, by design
    # a claim still waiting for its call slot is due work too: a dialer that claims and gives
    # claims back without ever placing a call (no slot before the lease) is stalled all the same
    waiting_for_slot = (
        select(CallAttempt.id)
        .where(
            CallAttempt.delivery_id == Delivery.id,
            CallAttempt.outcome.is_(None),
            CallAttempt.requested_at.is_(None),
        )
        .exists()
    )
    count, oldest = session.execute(
        select(func.count(Delivery.id), func.min(Delivery.next_attempt_at)).where(
            Delivery.campaign_id.in_(campaigns),
            Delivery.next_attempt_at <= now,
            or_(
                Delivery.status == Outcome.PENDING.value,
                and_(Delivery.status == Outcome.IN_PROGRESS.value, waiting_for_slot),
            ),
        )
    ).one()
    if oldest is not None and oldest.tzinfo is None:  # SQLite's min() forgets the type
        oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=now.tzinfo)
    return DueWork(count or 0, oldest)


def stall(
    due: DueWork,
    started_at: datetime,
    last_placed_at: datetime | None,
    now: datetime,
    stall_s: float,
) -> str | None:
    """Why a worker counts as stalled, or None."""
    since = max(started_at, last_placed_at) if last_placed_at else started_at
    idle = (now - since).total_seconds()
    if due.count and due.age_s(now) > stall_s and idle > stall_s:
        return (
            f"{due.count} deliveries due (oldest for {due.age_s(now):.0f} s) "
            f"but no call placed for {idle:.0f} s"
        )
    return None


def worker_name() -> str:
    return f"{socket.gethostname()[:80]}:{os.getpid()}"


def write(session: Session, name: str, **fields: Any) -> None:
    """Rewrite this worker's row; committed."""
    row = session.get(WorkerHeartbeat, name)
    if row is None:
        host, _, pid = name.rpartition(":")
        row = WorkerHeartbeat(name=name, host=host, pid=int(pid))
        session.add(row)
    for key, value in fields.items():
        setattr(row, key, value)
    session.commit()


def remove(session: Session, name: str) -> None:
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.name == name))
    session.commit()


class WorkerState(NamedTuple):
    row: WorkerHeartbeat
    alive: bool
    problem: str | None  # None when healthy


def assess(
    session: Session, app: Flask, now: datetime | None = None
) -> tuple[list[WorkerState], DueWork]:
    """Every recent worker's state, and the due work they face."""
    now = now or utcnow()
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER))
    rows = session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.name)).all()
    due = due_work(session, app, now)
    stale_s, stall_s = stale_after(app), stall_after(app)
    states = []
    for row in rows:
        age = (now - row.beat_at).total_seconds()
        if age > stale_s:
            states.append(WorkerState(row, False, f"no heartbeat for {age:.0f} s"))
            continue
        problem = row.problem
        if not problem and row.threads_alive < row.threads_expected:
            problem = f"{row.threads_expected - row.threads_alive} of its threads died"
        problem = problem or stall(due, row.started_at, row.last_placed_at, now, stall_s)
        states.append(WorkerState(row, True, problem))
    return states, due


def dialer_verdict(
    states: list[WorkerState], due: DueWork, now: datetime, stall_s: float
) -> str | None:
    """The whole dialer's problem for /healthz, or None: a live worker in trouble, or work
    due for longer than DIALER_STALL_S with no live worker to place it."""
    troubled = [s for s in states if s.alive and s.problem]
    if troubled:
        return "; ".join(f"worker {s.row.name}: {s.problem}" for s in troubled)
    if due.count and due.age_s(now) > stall_s and not any(s.alive for s in states):
        return (
            f"{due.count} deliveries due (oldest for {due.age_s(now):.0f} s) "
            "and no live dialer worker"
        )
    return None
