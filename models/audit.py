"""The audit log: who changed what, when."""

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import JSON, Integer, String, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, utcnow

# Repeated events (failed sign-ins) are counted on one row per key and window.
AGGREGATE_WINDOW = timedelta(minutes=15)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254))  # staff email, "hotline:+1...", "system"
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32), default="")
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # never secrets
    # An aggregated row: how many times it happened, the last time, and its key (unique).
    count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_at: Mapped[datetime | None]
    aggregate_key: Mapped[str | None] = mapped_column(String(400), unique=True)


def audit(
    session: Session,
    actor: str,
    action: str,
    entity: str = "",
    entity_id: object = None,
    **details: Any,
) -> AuditEntry:
    """Add an audit entry to the session (committed with the change it records)."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        entity=entity,
        entity_id="" if entity_id is None else str(entity_id),
        details=details,
    )
    session.add(entry)
    return entry


def audit_repeated(
    session: Session,
    key: str,
    actor: str,
    action: str,
    entity: str = "",
    entity_id: object = None,
    now: datetime | None = None,
    **details: Any,
) -> None:
    """Count one more ACTION on the row of KEY for the current window (adding the row when it
    is the window's first) and commit. One statement, `INSERT ... ON CONFLICT (aggregate_key)
    DO UPDATE SET count = count + 1`: simultaneous calls each count once."""
    now = now or utcnow()
    window = int(now.timestamp() // AGGREGATE_WINDOW.total_seconds())
    full_key = f"{action}|{key}|{window}"[:400]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, AuditEntry.__table__)
    statement = insert(table).values(
        at=now,
        last_at=now,
        count=1,
        aggregate_key=full_key,
        actor=actor[:254],
        action=action,
        entity=entity,
        entity_id="" if entity_id is None else str(entity_id),
        details=details,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.aggregate_key], set_={"count": table.c.count + 1, "last_at": now}
    )
    session.execute(statement)
    session.commit()


def latest_entries(
    session: Session,
    page: int,
    per_page: int,
    action: str = "",
    actor: str = "",
    entity: str = "",
    entity_id: str = "",
) -> tuple[list[AuditEntry], int]:
    """Page PAGE (1 = newest) of the log, newest first, and the number of pages; only the
    entries of ACTION, of an actor containing ACTOR (case ignored), on ENTITY, ENTITY_ID when
    given."""
    conditions = []
    if action:
        conditions.append(AuditEntry.action == action)
    if actor:
        escaped = actor.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(func.lower(AuditEntry.actor).like(f"%{escaped}%", escape="\\"))
    if entity:
        conditions.append(AuditEntry.entity == entity)
    if entity_id:
        conditions.append(AuditEntry.entity_id == entity_id)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    entries = session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(entries), pages
