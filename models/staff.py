"""Staff accounts of the console."""

from datetime import datetime
from enum import Enum

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Role(str, Enum):
    ADMIN = "admin"
    OPERATOR = "operator"


class StaffUser(Base):
    __tablename__ = "staff_users"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (the audit log)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.OPERATOR.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    phone: Mapped[str | None] = mapped_column(String(16))  # for test calls
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    # Stored in each signed-in session; bumped by logout and password resets, which thereby
    # end every session opened before (a stolen cookie included).
    # a password someone else chose (generated, reset): changed at the next sign-in
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
