"""Server-side state of hotline calls, and one-time codes (temporary passwords, confirmations)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class HotlineCall(Base):
    """One hotline call's state, keyed by Twilio's CallSid; expires."""

    __tablename__ = "hotline_calls"

    call_sid: Mapped[str] = mapped_column(String(34), primary_key=True)
    from_number: Mapped[str] = mapped_column(String(32), default="")
    language: Mapped[str] = mapped_column(String(2), default="fr")
    step: Mapped[str] = mapped_column(String(40), default="language")
    strikes: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # never a clear PIN
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime]


class OneTimeCode(Base):
    """A temporary password or confirmation code, stored hashed."""

    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_e164: Mapped[str] = mapped_column(String(16), index=True)
    purpose: Mapped[str] = mapped_column(String(24))  # password_reset, number_verification
    channel: Mapped[str] = mapped_column(String(8), default="voice")  # voice, sms
    code_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class HotlineQuota(Base):
    """How many times KEY (say 'reset:+14185550123') was used since SINCE: a daily cap's counter,
    changed only by one atomic statement (hotline/quotas.py)."""

    __tablename__ = "hotline_quotas"

    key: Mapped[str] = mapped_column(String(48), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    since: Mapped[datetime]
