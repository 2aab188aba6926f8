"""A password lockout that holds under simultaneous attempts, on any row that keeps three
columns for it: a count of failed attempts, when the counting window began, and a lock's end.
The hotline counts PIN attempts per residence and per number (`failed_auth_*`, `locked_until`);
the portal counts web passwords per residence (`web_failed_*`, `web_locked_until`): one
implementation, each caller naming its columns and limits in a `Lockout`.

Each attempt is counted BEFORE the password is checked, by one conditional UPDATE ...
RETURNING (atomic on SQLite and PostgreSQL: the row stays locked until the counting
transaction commits), so no more than `after` passwords are ever checked per window, however
many requests try at once."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, literal, or_, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from .base import UTCDateTime


@dataclass(frozen=True)
class Lockout:
    """Where a row counts its failed attempts, and the rule: AFTER failures within WINDOW
    lock the row for LOCK_FOR."""

    id: InstrumentedAttribute[int]  # the row's key (its model's `id`)
    count: InstrumentedAttribute[int]
    since: InstrumentedAttribute[datetime | None]
    until: InstrumentedAttribute[datetime | None]
    after: int
    window: timedelta
    lock_for: timedelta

    @property
    def model(self) -> Any:
        return self.id.class_


def _at(value: datetime) -> ColumnElement[datetime]:
    return literal(value, UTCDateTime())


def take_attempt(session: Session, lockout: Lockout, row_id: int, now: datetime) -> bool:
    """Count one password attempt against the row, unless it is locked or already had
    `after` attempts in this window (then False: no password may be checked)."""
    fresh = or_(lockout.since.is_(None), lockout.since <= _at(now - lockout.window))
    stmt = (
        update(lockout.model)
        .where(
            lockout.id == row_id,
            or_(lockout.until.is_(None), lockout.until <= _at(now)),
            or_(fresh, lockout.count < lockout.after),
        )
        .values(
            {
                lockout.count: case((fresh, 1), else_=lockout.count + 1),
                lockout.since: case((fresh, _at(now)), else_=lockout.since),
            }
        )
        .returning(lockout.id)
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).first() is not None


def lock_if_spent(session: Session, lockout: Lockout, row_id: int, now: datetime) -> bool:
    """After a wrong password: lock the row when its attempts of this window are spent
    (True when this call locked it; the count starts again after the lock)."""
    stmt = (
        update(lockout.model)
        .where(
            lockout.id == row_id,
            lockout.count >= lockout.after,
            lockout.since > _at(now - lockout.window),
        )
        .values({lockout.until: _at(now + lockout.lock_for), lockout.count: 0, lockout.since: None})
        .returning(lockout.id)
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).first() is not None


def clear(session: Session, lockout: Lockout, row_id: int) -> None:
    """A right password: the row's failed attempts are forgotten."""
    session.execute(
        update(lockout.model)
        .where(lockout.id == row_id)
        .values({lockout.count: 0, lockout.since: None})
        .execution_options(synchronize_session=False)
    )
