"""Campaigns: create (validated, with defaults), launch, pause, resume, cancel, status, test call.

States: draft -> running <-> paused -> completed | cancelled | expired. Launch snapshots the
targets with one set-based INSERT ... SELECT: one delivery per active residence (the unique
(campaign, residence) pair), `failed` at once when the residence has no callable number.
A number is never shared by two residences: `phone_numbers.e164` is unique city-wide, so one
number belongs to one delivery and is called at most once per round.
"""

import logging
import re
import secrets
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import CursorResult, case, func, insert, literal, select, text, update
from sqlalchemy.orm import Session

from models import (
    DELIVERY_STATUSES,
    FINISHED,
    REACHED,
    AttemptStatus,
    CallAttempt,
    Campaign,
    CampaignStatus,
    Delivery,
    Outcome,
    Priority,
    Residence,
    audit,
    campaign_settings,
    utcnow,
)
from models.base import UTCDateTime
from models.phone import InvalidPhone, to_e164
from runtime import outbox
from runtime.config import DEFAULTS as CONFIG_DEFAULTS
from runtime.db import sessionmaker_for
from runtime.pacing import acquire
from runtime.queue import current_job_app

from . import approval, defaults, eta, targeting, zones
from .calls import cancel_queued_calls, place_call
from .exceptions import CampaignError

log = logging.getLogger(__name__)
_HHMM = re.compile(campaign_settings.WINDOW_PATTERN)
EDITABLE = (
    "title",
    "message_fr",
    "message_en",
    "audio_url_fr",
    "audio_url_en",
    "priority",
    "target",
    "rounds",
    "retry_delay_s",
    "ring_timeout_s",
    "leave_voicemail",
    "ask_confirmation",
    "window_start",
    "window_end",
    "expires_at",
    "sms_fr",
    "sms_en",
)
TRANSITIONS = {
    "launch": ({CampaignStatus.DRAFT.value}, CampaignStatus.RUNNING.value),
    "pause": ({CampaignStatus.RUNNING.value}, CampaignStatus.PAUSED.value),
    "resume": ({CampaignStatus.PAUSED.value}, CampaignStatus.RUNNING.value),
    "cancel": (
        {CampaignStatus.DRAFT.value, CampaignStatus.RUNNING.value, CampaignStatus.PAUSED.value},
        CampaignStatus.CANCELLED.value,
    ),
}

__all__ = [
    "CampaignError",
    "create_campaign",
    "update_draft",
    "delete_draft",
    "launch",
    "pause",
    "resume",
    "cancel",
    "status",
    "test_call",
]


def is_audio_url(url: str) -> bool:
    """A recording the provider can fetch for <Play>: an absolute http(s) URL, 500 chars at most."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (
        len(url) <= 500
        and parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(c.isspace() for c in url)
    )


def _validate(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise CampaignError("campaign.error.unknown_field", name=", ".join(sorted(unknown)))
    title = (fields.get("title") or "").strip()
    if not title:
        raise CampaignError("campaign.error.title")
    fields["title"] = title[:200]
    for key in ("sms_fr", "sms_en"):  # the SMS texts (issue 14): at most Twilio's 1,600
        fields[key] = (fields.get(key) or "").strip()[:1600]
    for key in ("message_fr", "message_en", "audio_url_fr", "audio_url_en"):
        fields[key] = (fields.get(key) or "").strip() or ("" if key.startswith("message") else None)
    if not (
        fields["message_fr"]
        or fields["message_en"]
        or fields["audio_url_fr"]
        or fields["audio_url_en"]
    ):
        raise CampaignError("campaign.error.message")
    for key in ("audio_url_fr", "audio_url_en"):
        if fields[key] and not is_audio_url(fields[key]):
            raise CampaignError("campaign.error.audio_url", value=fields[key][:100])
    priority = fields.get("priority") or Priority.NORMAL.value
    if priority not in {p.value for p in Priority}:
        raise CampaignError("campaign.error.priority", value=priority)
    fields["priority"] = priority
    emergency = priority == Priority.EMERGENCY.value
    for setting in campaign_settings.SETTINGS:
        key, low, high = setting.name, setting.low, setting.high
        if fields.get(key) is None:
            fields[key] = setting.default_for(emergency)
        try:
            fields[key] = int(fields[key])
        except (TypeError, ValueError):
            raise CampaignError("campaign.error.range", name=key, low=low, high=high) from None
        if not setting.accepts(fields[key]):
            raise CampaignError("campaign.error.range", name=key, low=low, high=high)
    for key, default in (
        ("leave_voicemail", defaults.LEAVE_VOICEMAIL),
        ("ask_confirmation", defaults.ASK_CONFIRMATION),
    ):
        fields[key] = default if fields.get(key) is None else bool(fields[key])
    for key, hhmm in (("window_start", defaults.WINDOW_START), ("window_end", defaults.WINDOW_END)):
        fields[key] = fields.get(key) or hhmm
        if not _HHMM.match(fields[key]):
            raise CampaignError("campaign.error.window", value=fields[key])
    if fields["window_start"] >= fields["window_end"]:
        raise CampaignError("campaign.error.window", value=fields["window_start"])
    expires_at = fields.get("expires_at")
    if expires_at is not None:
        if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
            raise CampaignError("campaign.error.expiry")
        if expires_at <= utcnow():
            raise CampaignError("campaign.error.expiry")
    target = fields.get("target") or {}
    if targeting.is_empty(target):
        raise CampaignError("campaign.error.target")
    if zones.has_geometry(target):
        target = zones.checked(target)  # ZoneError, a CampaignError, names a bad zone
    fields["target"] = target
    return fields


def _draft(session: Session, campaign_id: int | str) -> Campaign:
    campaign = session.get(Campaign, int(campaign_id))
    if campaign is None or campaign.status != CampaignStatus.DRAFT.value:
        raise CampaignError("campaign.error.not_draft")
    return campaign


def update_draft(session: Session, campaign_id: int | str, actor: str, **fields: Any) -> Campaign:
    """Change a draft's FIELDS (validated as at creation); committed. CampaignError when the
    campaign is no longer a draft."""
    campaign = _draft(session, campaign_id)
    fields = _validate(dict(fields))
    for name, value in fields.items():
        setattr(campaign, name, value)
    audit(
        session,
        actor,
        "campaign.edit",
        "campaign",
        campaign.id,
        title=campaign.title,
        priority=campaign.priority,
        target=campaign.target,
    )
    session.commit()
    return campaign


def delete_draft(session: Session, campaign_id: int | str, actor: str) -> None:
    """Delete a draft (it never called anyone); committed, audited. Its id is not reused."""
    campaign = _draft(session, campaign_id)
    audit(session, actor, "campaign.delete", "campaign", campaign.id, title=campaign.title)
    session.delete(campaign)
    session.commit()


def create_campaign(session: Session, actor: str, **fields: Any) -> Campaign:
    """A draft campaign from FIELDS (Campaign columns), validated, defaults filled; committed."""
    fields = _validate(dict(fields))
    campaign = Campaign(created_by=actor, status=CampaignStatus.DRAFT.value, **fields)
    session.add(campaign)
    session.flush()
    audit(
        session,
        actor,
        "campaign.create",
        "campaign",
        campaign.id,
        title=campaign.title,
        priority=campaign.priority,
        target=campaign.target,
    )
    session.commit()
    log.info("campaign %s created by %s: %r", campaign.id, actor, campaign.title)
    return campaign


def _load(session: Session, campaign_id: int | str) -> Campaign:
    campaign = session.get(Campaign, int(campaign_id), populate_existing=True)
    if campaign is None:
        raise CampaignError("campaign.error.not_found", id=campaign_id)
    return campaign


def _transition(session: Session, campaign_id: int | str, action: str) -> tuple[Campaign, str]:
    """Move the campaign by ACTION with a conditional UPDATE (safe between processes)."""
    campaign = _load(session, campaign_id)
    allowed, new_status = TRANSITIONS[action]
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(Campaign)
            .where(Campaign.id == campaign.id, Campaign.status.in_(allowed))
            .values(status=new_status)
        ),
    )
    if result.rowcount != 1:
        session.rollback()
        session.refresh(campaign)
        raise CampaignError("campaign.error.transition", action=action, status=campaign.status)
    old = campaign.status
    session.refresh(campaign)
    return campaign, old


def launch(app: Flask, campaign_id: int | str, actor: str, reason: str | None = None) -> int:
    """Snapshot the targets into deliveries and start calling; returns how many residences.
    REASON: why an emergency is launched without a second person (dialer/approval.py)."""
    with sessionmaker_for(app)() as session:
        approval.check_launch(app, _load(session, campaign_id), actor, reason)
        campaign, _ = _transition(session, campaign_id, "launch")
        if session.get_bind().dialect.name == "postgresql":
            # JIT compiling this one big statement costs more than it saves (~0.2 s at 100k)
            session.execute(text("SET LOCAL jit = off"))
        now = utcnow()
        has_number = targeting.callable_number_exists()
        status = case(
            (has_number, literal(Outcome.PENDING.value)), else_=literal(Outcome.FAILED.value)
        )
        when = literal(now, UTCDateTime())
        rows = select(
            literal(campaign.id),
            Residence.id,
            status,
            literal(False),
            literal(1),
            literal(0),
            when,
            when,
        ).where(targeting.condition(session, campaign.target))
        result = cast(
            "CursorResult[Any]",
            session.execute(
                insert(Delivery).from_select(
                    [
                        "campaign_id",
                        "residence_id",
                        "status",
                        "confirmed",
                        "round",
                        "number_index",
                        "next_attempt_at",
                        "updated_at",
                    ],
                    rows,
                )
            ),
        )
        count = result.rowcount
        if count is None or count < 0:  # some drivers do not count INSERT ... SELECT rows
            count = cast(
                int,
                session.scalar(  # a COUNT(*) is never NULL
                    select(func.count()).where(Delivery.campaign_id == campaign.id)
                ),
            )
        session.execute(
            update(Delivery)
            .where(  # residences with no number to call (few)
                Delivery.campaign_id == campaign.id, Delivery.status == Outcome.FAILED.value
            )
            .values(best_outcome=Outcome.FAILED.value)
        )
        session.execute(update(Campaign).where(Campaign.id == campaign.id).values(launched_at=now))
        audit(
            session,
            actor,
            "campaign.launch",
            "campaign",
            campaign.id,
            residences=count,
            **({"reason": reason} if reason else {}),
        )
        session.commit()
    log.info("campaign %s launched by %s: %d residences", campaign_id, actor, count)
    return count


def pause(app: Flask, campaign_id: int | str, actor: str) -> None:
    """Stop placing new calls; calls under way finish and are recorded."""
    with sessionmaker_for(app)() as session:
        _transition(session, campaign_id, "pause")
        audit(session, actor, "campaign.pause", "campaign", campaign_id)
        session.commit()
    log.info("campaign %s paused by %s", campaign_id, actor)


def resume(app: Flask, campaign_id: int | str, actor: str) -> None:
    with sessionmaker_for(app)() as session:
        _transition(session, campaign_id, "resume")
        audit(session, actor, "campaign.resume", "campaign", campaign_id)
        session.commit()
    log.info("campaign %s resumed by %s", campaign_id, actor)


def finalize_pending(session: Session, campaign_id: int) -> int:
    """Residences not yet called again keep their best outcome, or `cancelled`."""
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(Delivery)
            .where(Delivery.campaign_id == campaign_id, Delivery.status == Outcome.PENDING.value)
            .values(
                status=func.coalesce(Delivery.best_outcome, Outcome.CANCELLED.value),
                lease_until=None,
                updated_at=utcnow(),
            )
        ),
    )
    return result.rowcount


def cancel(app: Flask, campaign_id: int | str, actor: str) -> int:
    """Stop new calls and cancel those still queued at the provider; returns how many."""
    with sessionmaker_for(app)() as session:
        campaign, old = _transition(session, campaign_id, "cancel")
        session.execute(
            update(Campaign).where(Campaign.id == campaign.id).values(finished_at=utcnow())
        )
        finalized = finalize_pending(session, campaign.id)
        audit(
            session,
            actor,
            "campaign.cancel",
            "campaign",
            campaign.id,
            was=old,
            residences_not_called=finalized,
        )
        session.commit()
    cancelled = cancel_queued_calls(app, int(campaign_id))
    log.info(
        "campaign %s cancelled by %s: %d residences not called, %d queued calls cancelled",
        campaign_id,
        actor,
        finalized,
        cancelled,
    )
    return cancelled


def status(session: Session, campaign_id: int | str, timezone: str | None = None) -> dict[str, Any]:
    """Live counts per outcome, share reached, recent calls per second and time left (the
    rounds, retry delays and calling window counted: dialer/eta.py; `eta_at` the expected end,
    ISO 8601 UTC). TIMEZONE: the city's (its calling window), the configured default if None."""
    campaign = _load(session, campaign_id)
    counts = dict(
        session.execute(
            select(Delivery.status, func.count())
            .where(Delivery.campaign_id == campaign.id)
            .group_by(Delivery.status)
        ).all()
    )
    confirmed = session.scalar(
        select(func.count()).where(
            Delivery.campaign_id == campaign.id, Delivery.confirmed.is_(True)
        )
    )
    since = utcnow() - timedelta(seconds=10)
    recent = cast(
        int,
        session.scalar(
            select(func.count()).where(  # a COUNT(*): never NULL
                CallAttempt.campaign_id == campaign.id, CallAttempt.requested_at >= since
            )
        ),
    )
    result: dict[str, Any] = {
        "id": campaign.id,
        "status": campaign.status,
        "total": sum(counts.values()),
        "pending": counts.get(Outcome.PENDING.value, 0),
        "in_progress": counts.get(Outcome.IN_PROGRESS.value, 0),
    }
    sms = Outcome.SMS_DELIVERED.value  # issue 14: after the keys the status JSON had before
    result.update(
        {key: counts.get(key, 0) for key in DELIVERY_STATUSES if key not in result and key != sms}
    )
    result["confirmed"] = confirmed
    result[sms] = counts.get(sms, 0)
    result["reached"] = sum(result[key] for key in REACHED)
    result["calls_per_second"] = round(recent / 10.0, 2)
    left = result["pending"] + result["in_progress"]
    result["eta_seconds"] = (
        round(left / result["calls_per_second"])
        if left and result["calls_per_second"]
        else (0 if not left else None)
    )
    result["eta_at"] = None
    if left and campaign.status not in FINISHED:
        now = utcnow()
        finish = eta.for_campaign(
            session,
            campaign,
            result["calls_per_second"],
            timezone or CONFIG_DEFAULTS["TIMEZONE"],
            now,
        )
        if finish is not None:
            result["eta_at"] = finish.isoformat()
            result["eta_seconds"] = max(0, round((finish - now).total_seconds()))
    return result


def test_call(app: Flask, campaign_id: int | str, number_e164: str, language: str = "fr") -> bool:
    """Promise a call saying the campaign's alert message to one number before launch (kept
    in the outbox even with Redis away); True when the job queue took it at once."""
    try:
        number = to_e164(number_e164)
    except InvalidPhone as error:
        raise CampaignError.because(error) from None
    language = language if language in ("fr", "en") else "fr"
    with sessionmaker_for(app)() as session:
        campaign = _load(session, campaign_id)
        audit(session, "system", "campaign.test_call", "campaign", campaign.id, to=number)
        job = outbox.promise(
            session, "dialer.campaigns.place_test_call", campaign.id, number, language
        )
        session.commit()
    return outbox.hand_over(app, [job])


def place_test_call(campaign_id: int, number: str, language: str) -> str:
    """Job: place the test call of `test_call`; returns the call SID."""
    app = current_job_app()
    # the slot first: an attempt waiting up to 60 s for it, unmarked, would outlive the claim
    # lease and be taken back as never placed by the reconciler, then placed all the same
    acquire(app, "service", timeout=60)
    with sessionmaker_for(app)() as session:
        campaign = _load(session, campaign_id)
        attempt = CallAttempt(
            campaign_id=campaign.id,
            to_number=number,
            purpose="test",
            token=secrets.token_urlsafe(24),
            status=AttemptStatus.CREATING.value,
        )
        session.add(attempt)
        session.commit()
        ring = campaign.ring_timeout_s
        token = attempt.token
    sid = place_call(app, token, number, language, ring)
    with sessionmaker_for(app)() as session:
        session.execute(
            update(CallAttempt)
            .where(CallAttempt.token == token)
            .values(sid=sid, status=AttemptStatus.QUEUED.value, requested_at=utcnow())
        )
        session.commit()
    return sid
