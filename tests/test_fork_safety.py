"""Every engine the app makes is fork-safe (gunicorn's workers, anything that forks): a child
process opens its own connections and never uses, nor closes, the ones its parent holds."""

import os

import pytest
from sqlalchemy import text

from tests.conftest import EXTERNAL_DB

pytestmark = pytest.mark.skipif(
    not EXTERNAL_DB.startswith("postgres"),
    reason="needs PostgreSQL's backend pids to tell connections apart",
)


def backend(conn) -> int:
    return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def in_child(engine) -> tuple[int, int]:
    """Fork; the child uses ENGINE twice and reports its backends."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        status = 1
        try:
            with engine.connect() as first:
                a = backend(first)
            with engine.connect() as second:
                b = backend(second)
            os.write(write, f"{a} {b}".encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    answer = os.read(read, 100).decode()
    os.close(read)
    assert status == 0, "the child could not use the database"
    a, b = answer.split()
    return int(a), int(b)


def test_a_forked_child_opens_its_own_connections_and_leaves_the_parents(app):
    engine = app.extensions["db_engine"]
    with engine.connect() as conn:
        parent = backend(conn)  # now idle in the pool, as a dialer thread's would be
        held = engine.connect()  # and one in use by "another thread" at the fork
        held_backend = backend(held)
    child_first, child_second = in_child(engine)
    assert {child_first, child_second}.isdisjoint({parent, held_backend})
    assert child_first == child_second  # the child's own pool works as a pool
    with engine.connect() as conn:  # the parent's connections still work, unharmed
        assert backend(conn) in (parent, held_backend)
        assert conn.execute(text("SELECT 1")).scalar() == 1
    assert held.execute(text("SELECT 2")).scalar() == 2
    held.close()
