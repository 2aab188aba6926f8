"""Promised jobs (the outbox): written in the same transaction as what promised them, then
handed to RQ; a relay in every worker hands over again whatever Redis did not take or lost."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

# pending: not (yet) in RQ; handed: RQ took it; running: a worker runs it;
# done: it ran to the end; failed: it raised on each of its runs (see last_error).
OPEN_STATES = ("pending", "handed", "running")


class OutboxJob(Base):
    """One job the system promised (a call-back, an import, a test call)."""

    __tablename__ = "outbox_jobs"
    __table_args__ = (Index("ix_outbox_jobs_due", "state", "next_try_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    func: Mapped[str] = mapped_column(String(200))  # dotted path, imported by the job
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)  # its positional arguments
    queue: Mapped[str] = mapped_column(String(16), default="default")
    job_timeout: Mapped[int] = mapped_column(Integer, default=180)  # seconds, as RQ's
    key: Mapped[str | None] = mapped_column(String(80), unique=True)  # e.g. import:<id>
    state: Mapped[str] = mapped_column(String(8), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # hand-offs that failed
    runs: Mapped[int] = mapped_column(Integer, default=0)  # runs started
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)  # when a relay looks again
    last_error: Mapped[str | None] = mapped_column(Text)
    handed_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
