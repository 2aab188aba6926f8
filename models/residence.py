"""Residences (one registration each) and their telephone numbers."""

from datetime import datetime
from enum import Enum

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class Language(str, Enum):
    FR = "fr"
    EN = "en"


class Channel(str, Enum):
    """How a residence registered or gave consent."""

    WEB = "web"
    HOTLINE = "hotline"
    STAFF = "staff"
    IMPORT = "import"


class NumberKind(str, Enum):
    VOICE = "voice"
    SMS = "sms"


KIND_WORDS = {
    "voice": NumberKind.VOICE.value,
    "voix": NumberKind.VOICE.value,
    "v": NumberKind.VOICE.value,
    "sms": NumberKind.SMS.value,
    "texto": NumberKind.SMS.value,
    "text": NumberKind.SMS.value,
}
"""What a contact's type may be written as (CSV import, forms): Voix / Voice, SMS / texto."""


def parse_kind(text: str | None) -> str | None:
    """A contact type as stored (`voice` / `sms`); empty is `voice`; None when unknown."""
    word = (text or "").strip().lower()
    return NumberKind.VOICE.value if not word else KIND_WORDS.get(word)


class Residence(Base):
    __tablename__ = "residences"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (the audit log)

    id: Mapped[int] = mapped_column(primary_key=True)
    last_name: Mapped[str] = mapped_column(String(120), default="")  # Nom/Entreprise
    first_name: Mapped[str] = mapped_column(String(120), default="")  # Prénom/Responsable
    language: Mapped[str] = mapped_column(String(2), default=Language.FR.value)
    civic_number: Mapped[str] = mapped_column(String(16), default="")
    street: Mapped[str] = mapped_column(String(160), default="", index=True)
    apartment: Mapped[str] = mapped_column(String(16), default="")
    city: Mapped[str] = mapped_column(String(80), default="", index=True)
    postal_code: Mapped[str] = mapped_column(String(7), default="", index=True)
    address_id: Mapped[int | None] = mapped_column(ForeignKey("addresses.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)  # the seed's "Actif"
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_temporary: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None]
    consent_channel: Mapped[str | None] = mapped_column(String(16))
    registered_via: Mapped[str] = mapped_column(String(16), default=Channel.STAFF.value)
    address_needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    name_needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    address_recording_url: Mapped[str | None] = mapped_column(String(500))
    name_recording_url: Mapped[str | None] = mapped_column(String(500))
    # wrong hotline passwords over all of its numbers (the number's own count is on PhoneNumber)
    failed_auth_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_auth_since: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    # the resident web portal (portal/): its own password, lockout and revocable sessions;
    # the hotline's keypad PIN (NIP) stays password_hash above
    consent_version: Mapped[str | None] = mapped_column(String(16))
    web_password_hash: Mapped[str | None] = mapped_column(String(255))
    web_password_temporary: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    web_failed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    web_failed_since: Mapped[datetime | None]
    web_locked_until: Mapped[datetime | None]
    # stored in each signed-in portal session; bumped by logout and password changes
    web_session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    phones: Mapped[list["PhoneNumber"]] = relationship(
        back_populates="residence", order_by="PhoneNumber.position", cascade="all, delete-orphan"
    )

    @property
    def address_line(self) -> str:
        apt = f", app. {self.apartment}" if self.apartment else ""
        return f"{self.civic_number} {self.street}{apt}, {self.city} {self.postal_code}".strip()


class PhoneNumber(Base):
    __tablename__ = "phone_numbers"
    __table_args__ = (UniqueConstraint("residence_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    residence_id: Mapped[int] = mapped_column(
        ForeignKey("residences.id", ondelete="CASCADE"), index=True
    )
    e164: Mapped[str] = mapped_column(String(16), unique=True)  # unique across the city
    position: Mapped[int] = mapped_column(Integer, default=0)  # calling order, 0 first
    kind: Mapped[str] = mapped_column(String(8), default=NumberKind.VOICE.value)
    description: Mapped[str] = mapped_column(String(80), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # set when the contact texted ARRÊT/STOP (or the provider answered 21610): never texted
    # again until it texts REPRISE/START
    sms_opted_out_at: Mapped[datetime | None]
    # None until its owner confirmed a keyed-in number (indexed: the few such rows are purged)
    verified_at: Mapped[datetime | None] = mapped_column(index=True)
    failed_auth_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_auth_since: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]

    residence: Mapped[Residence] = relationship(back_populates="phones")
