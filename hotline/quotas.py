"""Daily caps of the hotline (temporary passwords, verification call-backs), each counter
taken by ONE atomic statement, so simultaneous calls cannot all pass a read-then-write check.

A counter row per key counts the uses since the start of its window (the first use after the
previous window ended). `take` is an INSERT ... ON CONFLICT DO UPDATE ... WHERE count < limit
RETURNING count (PostgreSQL and SQLite): it returns nothing when the cap is reached. It runs in
the caller's transaction, so a call that fails later gives its use back with its rollback.
"""

from datetime import timedelta

from sqlalchemy import case, delete, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from models import utcnow
from models.base import UTCDateTime
from models.hotline import HotlineQuota

DAY = timedelta(days=1)
LONGEST_WINDOW = DAY
"""No counter's window is longer: a row whose window began before that counts nothing any
more (its next `take` starts again at 1), so `purge_ended` may delete it."""
_table = HotlineQuota.__table__


def _at(value):
    return literal(value, UTCDateTime())


def take(session, key: str, limit: int, window: timedelta = DAY) -> bool:
    """Count one use of KEY; False (and nothing counted) when LIMIT uses were already made
    within WINDOW."""
    if window > LONGEST_WINDOW:
        raise ValueError(f"a quota window of at most {LONGEST_WINDOW} (purge_ended relies on it)")
    now = utcnow()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    over = _table.c.since <= _at(now - window)
    stmt = (
        insert(_table)
        .values(key=key, count=1, since=now)
        .on_conflict_do_update(
            index_elements=[_table.c.key],
            set_={
                "count": case((over, 1), else_=_table.c.count + 1),
                "since": case((over, _at(now)), else_=_table.c.since),
            },
            where=or_(over, _table.c.count < limit),
        )
        .returning(_table.c.count)
    )
    return session.execute(stmt).first() is not None


def give_back(session, key: str) -> None:
    """Undo one `take` of KEY in this same transaction (another cap refused the action)."""
    session.execute(
        update(_table)
        .where(_table.c.key == key, _table.c.count > 0)
        .values(count=_table.c.count - 1)
    )


def used(session, key: str, window: timedelta = DAY) -> int:
    """How many uses KEY has in its current window (for a early, non-binding check)."""
    row = session.execute(select(_table.c.count, _table.c.since).where(_table.c.key == key)).first()
    if row is None or row.since <= utcnow() - window:
        return 0
    return row.count


def purge_ended(session) -> int:
    """Delete the counters whose window has ended: yesterday's caps, and the ALTCHA challenges
    accepted once (portal/human_check.py: `altcha:<nonce>` rows, whose challenges expired long
    before). What they counted is over: deleting them changes no answer."""
    stmt = delete(_table).where(_table.c.since <= _at(utcnow() - LONGEST_WINDOW))
    return session.execute(stmt).rowcount or 0
