"""When a campaign should be done (issue 15): not pending ÷ rate, but the rounds still to come,
the delay before each retry and, for a normal campaign, the calling window.

`finish_time` is pure: it plays the remaining work forward at RATE calls a second, as
amounts of residences ("buckets": due time, round, count). After each attempt, the share of
residences still unreached (RETRY_SHARE, observed so far; all of them before any result)
comes back RETRY_DELAY_S later for the next round, up to ROUNDS; a normal campaign calls only
inside its window, so work left at the window's end resumes at its next start.
`for_campaign` reads the buckets, the rate and the share from the database.
"""

import heapq
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import REACHED, CallAttempt, Campaign, Delivery, Outcome, Priority, utcnow

SPREAD_BUCKETS = 10
"""A round's residences due over a stretch of time are split into this many buckets."""
MIN_SETTLED = 10
"""Results needed before the observed share of retries replaces "all of them"."""
RATE_WINDOW_S = 300
"""The campaign's own recent rate, when nothing was placed in the last seconds."""


class Window:
    """A daily calling window in a time zone (None in `finish_time`: an emergency's all day)."""

    def __init__(self, start: str, end: str, timezone: str):
        self.zone = ZoneInfo(timezone)
        self.start = time.fromisoformat(start)
        self.end = time.fromisoformat(end)

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.zone)

    def open_at(self, when: datetime) -> datetime:
        """WHEN if the window is open then, else its next opening."""
        here = when.astimezone(self.zone)
        if here.time() < self.start:
            return self._at(here.date(), self.start)
        if here.time() >= self.end:
            return self._at(here.date() + timedelta(days=1), self.start)
        return when

    def advance(self, start: datetime, seconds: float) -> datetime:
        """When SECONDS of calling that begin at START end, pausing while the window is shut."""
        now = self.open_at(start)
        while True:
            closes = self._at(now.astimezone(self.zone).date(), self.end)
            room = (closes - now).total_seconds()
            if seconds <= room:
                return now + timedelta(seconds=seconds)
            seconds -= room
            now = self.open_at(closes)


def finish_time(
    now: datetime,
    buckets: Iterable[tuple[datetime, int, int]],
    rounds: int,
    retry_delay_s: float,
    rate: float,
    window: Window | None = None,
    retry_share: float = 1.0,
    ring_s: float = 0.0,
) -> datetime:
    """When the last call of BUCKETS ((due, round, count) of residences still to call) ends."""
    queue = [(max(due, now), rnd, float(count)) for due, rnd, count in buckets if count > 0]
    heapq.heapify(queue)
    clock = now
    last = None
    while queue:
        due, rnd, count = heapq.heappop(queue)
        start = max(clock, due)
        if window is not None:
            start = window.open_at(start)
        seconds = count / rate
        clock = (
            window.advance(start, seconds)
            if window is not None
            else start + timedelta(seconds=seconds)
        )
        last = clock
        again = count * retry_share
        if rnd < rounds and again >= 0.5:
            heapq.heappush(queue, (start + timedelta(seconds=retry_delay_s), rnd + 1, again))
    return (last or now) + timedelta(seconds=ring_s if last else 0)


def _buckets(session: Session, campaign_id: int, now: datetime) -> list[tuple[datetime, int, int]]:
    """The residences still to call, as (due, round, count), a round spread over time split."""
    rows = session.execute(
        select(
            Delivery.round,
            func.count(),
            func.min(Delivery.next_attempt_at),
            func.max(Delivery.next_attempt_at),
        )
        .where(
            Delivery.campaign_id == campaign_id,
            Delivery.status.in_((Outcome.PENDING.value, Outcome.IN_PROGRESS.value)),
        )
        .group_by(Delivery.round)
    ).all()
    buckets = []
    for rnd, count, first, last in rows:
        first, last = first or now, last or now
        parts = min(SPREAD_BUCKETS, count) if last > first else 1
        step = (last - first) / parts
        for i in range(parts):
            share = count // parts + (1 if i < count % parts else 0)
            buckets.append((first + step * i, rnd, share))
    return buckets


def _rate(session: Session, campaign_id: int, recent: float, now: datetime) -> float | None:
    if recent:
        return recent
    since = now - timedelta(seconds=RATE_WINDOW_S)
    placed, first = session.execute(
        select(func.count(), func.min(CallAttempt.requested_at)).where(
            CallAttempt.campaign_id == campaign_id, CallAttempt.requested_at >= since
        )
    ).one()
    if not placed or first is None:
        return None
    return placed / max(1.0, (now - first).total_seconds())


def _retry_share(session: Session, campaign_id: int) -> float:
    settled = dict(
        session.execute(
            select(CallAttempt.outcome, func.count())
            .where(
                CallAttempt.campaign_id == campaign_id,
                CallAttempt.outcome.is_not(None),
                CallAttempt.purpose == "alert",
            )
            .group_by(CallAttempt.outcome)
        ).all()
    )
    settled.pop(Outcome.VOID.value, None)
    total = sum(settled.values())
    if total < MIN_SETTLED:
        return 1.0
    return 1.0 - sum(settled.get(o, 0) for o in REACHED) / total


def for_campaign(
    session: Session,
    campaign: Campaign,
    recent_rate: float,
    timezone: str,
    now: datetime | None = None,
) -> datetime | None:
    """The expected end of CAMPAIGN's calls, or None when no rate is known yet."""
    now = now or utcnow()
    buckets = _buckets(session, campaign.id, now)
    if not buckets:
        return now
    rate = _rate(session, campaign.id, recent_rate, now)
    if not rate:
        return None
    window = (
        None
        if campaign.priority == Priority.EMERGENCY.value
        else Window(campaign.window_start, campaign.window_end, timezone)
    )
    return finish_time(
        now,
        buckets,
        campaign.rounds,
        campaign.retry_delay_s,
        rate,
        window,
        _retry_share(session, campaign.id),
        campaign.ring_timeout_s,
    )
