"""Which deliveries are due, and claiming one so no other worker dials it.

A claim is one transaction: the delivery moves `pending -> in_progress` with a lease, and its
CallAttempt (status `creating`, a fresh opaque token) is inserted; only then is the call
created at the provider. A crash after the commit leaves an attempt that the reconciler
resolves (was the call placed?) before the number is dialled again.

PostgreSQL: the candidate row is picked with `SELECT ... FOR UPDATE SKIP LOCKED`, so workers
never wait on each other's rows. SQLite has no row locks (one writer at a time): the claim is
the same conditional `UPDATE ... WHERE status = 'pending'` and SQLite's database lock makes it
atomic; concurrent claimers simply take turns (fine for one machine, documented).

A claim is held under its lease only until its call is requested. A sender thread that gets no
call slot within the lease (minus a margin, defaults.CLAIM_MARGIN_S) gives the claim back.
Right before the create request, `mark_requested` checks and marks the attempt in one
conditional UPDATE: still `creating`, never requested, its residence still in progress on it
and under a lease not over. Only then is the call created; a thread whose claim was taken back
meanwhile (the reconciler re-queues an unrequested attempt once its lease is over) never
places it, and a marked attempt is no longer re-queued on lease expiry (it is resolved like a
lost answer instead). So one claim is one call at most, and no number rings twice in a round.

The optional cap on calls in progress (`DIALER_MAX_IN_PROGRESS`) is a condition of the same
UPDATE: the count of live attempts must be under it. On PostgreSQL, claims under a cap first
take a transaction-scoped advisory lock, so two workers never both see the last free place;
on SQLite the database lock already serializes them.
"""

import secrets
import time
from datetime import datetime, timedelta
from datetime import time as dtime
from typing import Any, NamedTuple, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, Select, case, func, insert, select, text, update
from sqlalchemy.orm import Session

from models import (
    LIVE_CALL_STATUSES,
    AttemptChannel,
    AttemptStatus,
    CallAttempt,
    Campaign,
    CampaignStatus,
    Delivery,
    Outcome,
    Priority,
    Residence,
    utcnow,
)
from runtime.db import relaxed_commit

from . import defaults
from .contacts import contacts_of

CAP_LOCK_KEY = 4181  # pg_advisory_xact_lock key of claims under the in-progress cap


def in_window(campaign: Campaign, now: datetime, timezone: str) -> bool:
    """Normal campaigns call only within their window (local time); emergency ones always."""
    if campaign.priority == Priority.EMERGENCY.value:
        return True
    local = now.astimezone(ZoneInfo(timezone)).time()
    start = dtime.fromisoformat(campaign.window_start)
    end = dtime.fromisoformat(campaign.window_end)
    return start <= local < end


class CampaignView(NamedTuple):
    """What a sender thread needs of a campaign (a plain value, safe to share across threads)."""

    id: int
    priority: str
    ring_timeout_s: int
    has_fr: bool
    has_en: bool
    texts: tuple[str, str] = ("", "")
    """The SMS body in French and in English (the short text, else the voice message)."""


def eligible_campaigns(
    session: Session, timezone: str, now: datetime | None = None
) -> list[CampaignView]:
    """Running campaigns that may call now, emergency first, then oldest launch first."""
    now = now or utcnow()
    campaigns = session.scalars(
        select(Campaign)
        .where(Campaign.status == CampaignStatus.RUNNING.value)
        .order_by(
            case((Campaign.priority == Priority.EMERGENCY.value, 0), else_=1),
            Campaign.launched_at,
            Campaign.id,
        )
    ).all()
    return [
        view_of(c)
        for c in campaigns
        if in_window(c, now, timezone) and (c.expires_at is None or c.expires_at > now)
    ]


def view_of(c: Campaign) -> CampaignView:
    fr = c.sms_fr or c.sms_en or c.message_fr or c.message_en or c.title
    en = c.sms_en or c.sms_fr or c.message_en or c.message_fr or c.title
    return CampaignView(
        c.id,
        c.priority,
        c.ring_timeout_s,
        bool(c.message_fr or c.audio_url_fr),
        bool(c.message_en or c.audio_url_en),
        (fr, en),
    )


def claim_margin(lease_s: float) -> float:
    """How long before its lease ends a claim without a call slot is given back."""
    return min(defaults.CLAIM_MARGIN_S, lease_s / 4)


class Job:
    """One claimed call (or text, CHANNEL `sms`, with its BODY) to place; `deadline`
    (time.monotonic) is when, still without a slot, the claim must be given back. OPTED_OUT: an
    SMS contact that texted STOP: settled without being texted."""

    def __init__(
        self,
        attempt_id: int,
        token: str,
        delivery_id: int,
        campaign_id: int,
        to: str,
        language: str,
        ring: int,
        priority: str,
        deadline: float = float("inf"),
        channel: str = AttemptChannel.VOICE.value,
        body: str = "",
        opted_out: bool = False,
    ) -> None:
        self.attempt_id, self.token, self.delivery_id = attempt_id, token, delivery_id
        self.campaign_id, self.to, self.language = campaign_id, to, language
        self.ring_timeout_s, self.priority, self.deadline = ring, priority, deadline
        self.channel, self.body, self.opted_out = channel, body, opted_out

    @property
    def texts(self) -> bool:
        return self.channel == AttemptChannel.SMS.value


def _live_calls() -> "Select[int]":
    """How many calls are in progress for the whole account: claimed and not yet over."""
    return select(func.count(CallAttempt.id)).where(
        CallAttempt.status.in_(LIVE_CALL_STATUSES),
        CallAttempt.outcome.is_(None),
        CallAttempt.channel == AttemptChannel.VOICE.value,
    )


def claim(
    session: Session, campaign: "CampaignView | Campaign", lease_s: float, max_in_progress: int = 0
) -> Job | None:
    """Claim the campaign's most overdue delivery and write its attempt; committed. None when
    nothing is due, or when MAX_IN_PROGRESS (if > 0) calls are already in progress."""
    if isinstance(campaign, Campaign):
        campaign = view_of(campaign)
    now, started = utcnow(), time.monotonic()
    postgresql = session.get_bind().dialect.name == "postgresql"
    conditions = []
    if max_in_progress > 0:
        if postgresql:
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CAP_LOCK_KEY})
        conditions.append(_live_calls().scalar_subquery() < max_in_progress)
    candidate = (
        select(Delivery.id)
        .where(
            Delivery.campaign_id == campaign.id,
            Delivery.status == Outcome.PENDING.value,
            Delivery.next_attempt_at <= now,
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(1)
    )
    if postgresql:
        candidate = candidate.with_for_update(skip_locked=True)  # held until our commit
    # one statement: pick the candidate and take it (the status test makes it safe on SQLite)
    row = session.execute(
        update(Delivery)
        .where(
            Delivery.id == candidate.scalar_subquery(),
            Delivery.status == Outcome.PENDING.value,
            *conditions,
        )
        .values(
            status=Outcome.IN_PROGRESS.value,
            lease_until=now + timedelta(seconds=lease_s),
            updated_at=now,
        )
        .returning(
            Delivery.id,
            Delivery.residence_id,
            Delivery.round,
            Delivery.number_index,
            Delivery.voice_fallback,
        )
    ).first()
    if row is None:
        session.rollback()
        return None
    contacts = contacts_of(session, row.residence_id)
    if row.number_index >= len(contacts):
        # the residence lost its numbers since launch: nothing left to try
        session.execute(
            update(Delivery)
            .where(Delivery.id == row.id)
            .values(
                status=Outcome.FAILED.value, best_outcome=Outcome.FAILED.value, lease_until=None
            )
        )
        session.commit()
        return None
    contact = contacts[row.number_index]
    texts = contact.texts and not row.voice_fallback
    language = resident_language = session.scalar(
        select(Residence.language).where(Residence.id == row.residence_id)
    )
    if not texts:
        if not campaign.has_en:
            language = "fr"
        elif not campaign.has_fr:
            language = "en"
    language = language if language in ("fr", "en") else "fr"
    channel = AttemptChannel.SMS.value if texts else AttemptChannel.VOICE.value
    token, to = secrets.token_urlsafe(24), contact.e164
    attempt_id = session.execute(
        insert(CallAttempt)
        .values(
            delivery_id=row.id,
            campaign_id=campaign.id,
            to_number=to,
            round=row.round,
            number_index=row.number_index,
            token=token,
            purpose="alert",
            channel=channel,
            status=AttemptStatus.CREATING.value,
        )
        .returning(CallAttempt.id)
    ).scalar_one()  # a plain INSERT: no unit of work to flush
    session.commit()
    body = campaign.texts[1 if resident_language == "en" else 0] if texts else ""
    return Job(
        attempt_id,
        token,
        row.id,
        campaign.id,
        to,
        language,
        campaign.ring_timeout_s,
        campaign.priority,
        started + lease_s - claim_margin(lease_s),
        channel=channel,
        body=body,
        opted_out=texts and contact.opted_out,
    )


def mark_requested(session: Session, attempt_id: int, at: datetime) -> bool:
    """Right before its create request: mark the attempt as requested AT if it is still its
    claim's own (`creating`, not requested nor given up, its residence in progress on it under
    a lease not over); committed. False: the claim was taken back, place no call.

    The commit may skip the disk flush (runtime.db.relaxed_commit): a crash that lost the mark
    leaves an unrequested attempt, which the reconciler resolves by listing the provider's
    calls once its lease is over (adopting the call if it was placed)."""
    relaxed_commit(session)
    held = (
        select(Delivery.id)
        .where(
            Delivery.id == CallAttempt.delivery_id,
            Delivery.status == Outcome.IN_PROGRESS.value,
            Delivery.round == CallAttempt.round,
            Delivery.number_index == CallAttempt.number_index,
            Delivery.lease_until > utcnow(),
        )
        .exists()
    )
    marked = cast(
        "CursorResult[Any]",
        session.execute(
            update(CallAttempt)
            .where(
                CallAttempt.id == attempt_id,
                CallAttempt.status == AttemptStatus.CREATING.value,
                CallAttempt.outcome.is_(None),
                CallAttempt.sid.is_(None),
                CallAttempt.requested_at.is_(None),
                held,
            )
            .values(requested_at=at)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    session.commit()
    return marked == 1


def unmark_requested(session: Session, attempt_id: int) -> None:
    """The marked request was refused without placing a call (429): not requested after all
    (it is marked again, under the same conditions, before it is retried); committed."""
    session.execute(
        update(CallAttempt)
        .where(
            CallAttempt.id == attempt_id,
            CallAttempt.sid.is_(None),
            CallAttempt.outcome.is_(None),
            CallAttempt.status == AttemptStatus.CREATING.value,
        )
        .values(requested_at=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
