"""Worker heartbeats: each dialer worker's row, rewritten every few seconds (dialer.heartbeat)."""

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class WorkerHeartbeat(Base):
    """One worker process: is it alive (beat_at), are its threads, is it placing calls."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)  # host:pid
    host: Mapped[str] = mapped_column(String(100))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    threads_alive: Mapped[int] = mapped_column(Integer, default=0)
    threads_expected: Mapped[int] = mapped_column(Integer, default=0)
    last_claim_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    calls_placed: Mapped[int] = mapped_column(Integer, default=0)
    problem: Mapped[str | None] = mapped_column(String(255), nullable=True)
