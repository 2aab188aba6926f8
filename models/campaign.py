"""Alert campaigns, one delivery per targeted residence, and each call attempt."""

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import campaign_settings as settings
from .base import Base, utcnow


class Priority(str, Enum):
    EMERGENCY = "emergency"
    NORMAL = "normal"


class CampaignStatus(str, Enum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


FINISHED = (
    CampaignStatus.COMPLETED.value,
    CampaignStatus.CANCELLED.value,
    CampaignStatus.EXPIRED.value,
)
"""A campaign in one of these statuses places no more calls."""


class Outcome(str, Enum):
    """Per call and per residence; the meaning of each is in dialer/outcome.py."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    HUMAN = "human"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    CANCELLED = "cancelled"
    VOID = "void"  # an attempt given up before its call was placed (never a residence's)
    SMS_DELIVERED = "sms_delivered"  # an SMS contact's message was delivered


REACHED = (Outcome.HUMAN.value, Outcome.VOICEMAIL.value, Outcome.SMS_DELIVERED.value)
"""The outcomes that count a residence as reached."""
DELIVERY_STATUSES = (
    Outcome.HUMAN.value,
    Outcome.VOICEMAIL.value,
    Outcome.SMS_DELIVERED.value,
    Outcome.NO_ANSWER.value,
    Outcome.BUSY.value,
    Outcome.FAILED.value,
    Outcome.CANCELLED.value,
    Outcome.PENDING.value,
    Outcome.IN_PROGRESS.value,
)
"""What a residence's delivery can show, in the order the console lists them."""


class AttemptStatus(str, Enum):
    """Where a call attempt stands: ours until the provider has the call, then its CallStatus."""

    CREATING = "creating"  # claimed; the create request not yet answered
    AMBIGUOUS = "ambiguous"  # the create request's answer was lost: resolved by listing calls
    QUEUED = "queued"
    INITIATED = "initiated"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"
    CANCELED = "canceled"
    VOID = "void"  # given up before its call was placed
    # a message's own statuses (Twilio's MessageStatus); queued and failed are shared
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"


class Channel(str, Enum):
    """What an attempt is: a voice call or an SMS."""

    VOICE = "voice"
    SMS = "sms"


FINAL_CALL_STATUSES = (
    AttemptStatus.COMPLETED.value,
    AttemptStatus.BUSY.value,
    AttemptStatus.NO_ANSWER.value,
    AttemptStatus.FAILED.value,
    AttemptStatus.CANCELED.value,
)
"""A call's final CallStatus (an alert call's, a call-back's)."""
UNCONFIRMED = (AttemptStatus.CREATING.value, AttemptStatus.AMBIGUOUS.value)
"""A call whose create request has no answer (yet): the provider may or may not have it."""
QUEUED_AT_PROVIDER = UNCONFIRMED + (AttemptStatus.QUEUED.value, AttemptStatus.INITIATED.value)
"""A call not yet ringing: cancelling it at the provider stops it."""
LIVE_CALL_STATUSES = QUEUED_AT_PROVIDER + (
    AttemptStatus.RINGING.value,
    AttemptStatus.IN_PROGRESS.value,
)
"""A call in progress: claimed and not yet over (what the optional cap counts)."""
FINAL_MESSAGE_STATUSES = (
    AttemptStatus.DELIVERED.value,
    AttemptStatus.UNDELIVERED.value,
    AttemptStatus.FAILED.value,
)
"""A message's final MessageStatus."""
MESSAGE_PROGRESS = {
    AttemptStatus.CREATING.value: -1,
    AttemptStatus.AMBIGUOUS.value: -1,
    AttemptStatus.QUEUED.value: 0,
    AttemptStatus.SENDING.value: 1,
    AttemptStatus.SENT.value: 2,
}
"""A message's non-final statuses in the order they come (an older one never overwrites)."""


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        Index("ix_campaigns_scheduled", "status", "scheduled_at"),
        {"sqlite_autoincrement": True},
    )  # ids are never reused (the audit log)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    message_fr: Mapped[str] = mapped_column(Text, default="")
    message_en: Mapped[str] = mapped_column(Text, default="")
    audio_url_fr: Mapped[str | None] = mapped_column(String(500))
    audio_url_en: Mapped[str | None] = mapped_column(String(500))
    sms_fr: Mapped[str] = mapped_column(Text, default="")  # the short text for SMS contacts
    sms_en: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str] = mapped_column(String(16), default=Priority.NORMAL.value)
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.DRAFT.value, index=True)
    # cities, streets, postal prefixes, list
    target: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # defaults, bounds and units: models/campaign_settings.py
    rounds: Mapped[int] = mapped_column(Integer, default=settings.ROUNDS.default)
    retry_delay_s: Mapped[int] = mapped_column(Integer, default=settings.RETRY_DELAY_S.default)
    ring_timeout_s: Mapped[int] = mapped_column(Integer, default=settings.RING_TIMEOUT_S.default)
    leave_voicemail: Mapped[bool] = mapped_column(Boolean, default=settings.LEAVE_VOICEMAIL)
    ask_confirmation: Mapped[bool] = mapped_column(Boolean, default=settings.ASK_CONFIRMATION)
    window_start: Mapped[str] = mapped_column(String(5), default=settings.WINDOW_START)
    window_end: Mapped[str] = mapped_column(String(5), default=settings.WINDOW_END)
    expires_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    launched_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # issue 15: a launch at a given time (the reconciler launches it: dialer/schedule.py)
    scheduled_at: Mapped[datetime | None]
    scheduled_by: Mapped[str | None] = mapped_column(String(254))
    # issue 15: a follow-up of another campaign (dialer/followup.py): "unreached" or "lifting"
    follows_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    follow_kind: Mapped[str | None] = mapped_column(String(16))
    # issue 15: the second staff member's approval (CAMPAIGN_APPROVAL: dialer/approval.py)
    approved_by: Mapped[str | None] = mapped_column(String(254))
    approved_at: Mapped[datetime | None]
    # issue 15: said to hotline callers while it runs and until then (hotline/announcements.py)
    announce: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    announce_until: Mapped[datetime | None]

    deliveries: Mapped[list["Delivery"]] = relationship(back_populates="campaign")


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "residence_id"),
        Index("ix_deliveries_due", "campaign_id", "status", "next_attempt_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    # NULL once its residence was removed: the row stays, anonymised (models/removal.py)
    residence_id: Mapped[int | None] = mapped_column(
        ForeignKey("residences.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=Outcome.PENDING.value)
    best_outcome: Mapped[str | None] = mapped_column(String(16))
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    round: Mapped[int] = mapped_column(Integer, default=1)
    number_index: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]  # a worker holds it until then
    reached_number: Mapped[str | None] = mapped_column(String(16))
    last_number: Mapped[str | None] = mapped_column(String(16))
    last_attempt_at: Mapped[datetime | None]
    last_call_sid: Mapped[str | None] = mapped_column(String(34))
    # an SMS to the current contact could not reach a mobile (30006): call that number instead
    voice_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="deliveries")
    attempts: Mapped[list["CallAttempt"]] = relationship(
        back_populates="delivery", order_by="CallAttempt.id"
    )


class CallAttempt(Base):
    __tablename__ = "call_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    to_number: Mapped[str] = mapped_column(String(16), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    number_index: Mapped[int] = mapped_column(Integer, default=0)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # opaque, carried in webhook URLs
    sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    purpose: Mapped[str] = mapped_column(String(24), default="alert")  # alert, test, verify, reset
    channel: Mapped[str] = mapped_column(String(8), default=Channel.VOICE.value)  # voice, sms
    status: Mapped[str] = mapped_column(
        String(16), default=AttemptStatus.CREATING.value, index=True
    )
    answered_by: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(16))
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    sequence_number: Mapped[int] = mapped_column(Integer, default=-1)
    duration_s: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    delivery: Mapped[Delivery | None] = relationship(back_populates="attempts")


class SmsReply(Base):
    """A text a resident sent to the city's number that was not a keyword (kept for staff)."""

    __tablename__ = "sms_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(34), unique=True)
    from_number: Mapped[str] = mapped_column(String(16), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    residence_id: Mapped[int | None] = mapped_column(
        ForeignKey("residences.id", ondelete="SET NULL"), index=True
    )
    # the last campaign that texted this number, if any (shown on that campaign's page)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
