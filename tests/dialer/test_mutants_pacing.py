"""The account's rate limit (runtime/pacing.py) where mutation testing found it unchecked
(docs/mutants.md): the check at the instant of sending (the spaced schedule alone kept the
other tests within the limit), collisions with another process's reservations or sends,
the timeout and the seconds waited."""

from contextlib import contextmanager

import pytest

from runtime import pacing


def test_a_send_waits_while_the_last_window_already_holds_the_limit(app):
    """Two sends just recorded (another process's, say) under a limit of two a second: the
    next one is recorded only once the first of them has left the 1.01 s window."""
    app.config["DIALER_CPS"] = 2
    conn = pacing.redis_for(app)
    seconds, micros = conn.time()
    now = seconds + micros / 1e6
    conn.zadd(pacing.LOG_KEY, {repr(now): now, repr(now + 0.001): now + 0.001})
    pacing.acquire(app, "normal", timeout=30)
    sends = [score for _, score in conn.zrange(pacing.LOG_KEY, 0, -1, withscores=True)]
    assert sends[-1] - now >= pacing.GUARD_WINDOW_S  # recorded after the first one left


@contextmanager
def another_process_acts_once(app, command, key, act):
    """For the block, the pacing's transactions see another process act once: right after
    their read COMMAND of KEY (after WATCH, before EXEC), ACT(client) runs on the pacing's own
    client, and so on another pooled connection than the one holding the WATCH. Yields the
    list that holds KEY once it acted. Afterwards the pacing's own client is back and its
    pool's sockets closed (a client borrowing a pool never closes it)."""
    conn = pacing.redis_for(app)
    acted: list[str] = []

    class ActingOnce(type(conn)):  # type: ignore[misc]
        def pipeline(self, transaction=True, shard_hint=None):
            pipe = super().pipeline(transaction, shard_hint)
            read = getattr(pipe, command)

            def reading(name, *args, **kwargs):
                value = read(name, *args, **kwargs)
                if name == key and not acted:
                    act(conn)
                    acted.append(name)
                return value

            setattr(pipe, command, reading)
            return pipe

    app.extensions["pacing_redis"] = ActingOnce(connection_pool=conn.connection_pool)
    try:
        yield acted
    finally:
        app.extensions["pacing_redis"] = conn
        conn.connection_pool.disconnect()


def _last_send(conn):
    """The instant of the latest send recorded in the calls' log (Redis's clock)."""
    return conn.zrange(pacing.LOG_KEY, -1, -1, withscores=True)[0][1]


def test_our_own_sends_are_held_to_the_limit_when_the_schedule_is_lost(app):
    """The schedule key lost (Redis flushed, say) before each of three sends under a limit of
    two a second: the check at sending time alone holds the third send back until the first
    one has left the 1.01 s window (mutation testing: every send recorded under one member
    made the log hold one send at most, so the check never held back our own sends)."""
    app.config["DIALER_CPS"] = 2
    conn = pacing.redis_for(app)
    sends = []
    for _ in range(3):
        conn.delete(pacing.TAT_KEY)
        pacing.acquire(app, "normal", timeout=30)
        sends.append(_last_send(conn))
    assert sends[2] - sends[0] >= pacing.GUARD_WINDOW_S


def test_a_reservation_colliding_with_another_process_s_is_retried_after_it(app):
    """Another process reserves a slot (moves the schedule key, from its own connection)
    between this process's WATCH and EXEC: the transaction fails, and the reservation is
    tried again and lands after the other process's slot instead of failing the send
    (mutation testing: a collision made `acquire` raise)."""
    app.config["DIALER_CPS"] = 2
    conn = pacing.redis_for(app)
    seconds, micros = conn.time()
    theirs = seconds + micros / 1e6 + 0.1  # the next free instant after the other's slot

    def reserve(other):
        other.set(pacing.TAT_KEY, repr(theirs), ex=60)

    with another_process_acts_once(app, "get", pacing.TAT_KEY, reserve) as acted:
        pacing.acquire(app, "service", timeout=30)
    assert acted  # the other process did move the key mid-transaction
    assert float(conn.get(pacing.TAT_KEY)) >= theirs + pacing.interval(app) - 1e-6


def test_a_send_colliding_with_another_process_s_sends_is_checked_again(app):
    """Another process records two sends (from its own connection) between this process's
    WATCH and EXEC of the check at sending time, under a limit of two a second: the check is
    run again, so this send waits for the first of them to leave the 1.01 s window and is
    recorded (mutation testing: a collision let the send through unchecked and unrecorded)."""
    app.config["DIALER_CPS"] = 2
    conn = pacing.redis_for(app)
    theirs: list[float] = []

    def send_twice(other):
        seconds, micros = other.time()
        now = seconds + micros / 1e6
        theirs.extend([now, now + 0.001])
        other.zadd(pacing.LOG_KEY, {repr(t): t for t in theirs})

    with another_process_acts_once(app, "zrangebyscore", pacing.LOG_KEY, send_twice):
        pacing.acquire(app, "normal", timeout=30)
    assert _last_send(conn) - theirs[0] >= pacing.GUARD_WINDOW_S  # ours, recorded after


def test_under_a_limit_of_one_a_second_a_send_waits_for_the_last_one_to_leave_the_window(app):
    """A send just recorded (another process's, say) under a limit of one a second: the next
    one is recorded only once it has left the 1.01 s window (mutation testing: a limit of at
    least two at sending time let two sends through in one second)."""
    app.config["DIALER_CPS"] = 1
    conn = pacing.redis_for(app)
    seconds, micros = conn.time()
    now = seconds + micros / 1e6
    conn.zadd(pacing.LOG_KEY, {repr(now): now})
    pacing.acquire(app, "normal", timeout=30)
    assert _last_send(conn) - now >= pacing.GUARD_WINDOW_S


def test_acquire_reports_the_seconds_it_waited_never_more_than_its_timeout(app):
    """The seconds waited (the dialer's pacing-wait metric) lie between zero and the timeout
    (mutation testing: an instant of the monotonic clock was reported instead)."""
    app.config["DIALER_CPS"] = 2
    assert 0 <= pacing.acquire(app, "normal", timeout=30) <= 30


def test_a_normal_caller_held_back_by_an_emergency_gives_up_at_its_timeout(app):
    """An emergency waits (its flag up for 3 s): a normal caller with a timeout of half a
    second raises PacingTimeout instead of waiting for the flag to drop (the dialer's worker
    then checks its claim's lease and stop; mutation testing: the timeout was never
    applied)."""
    app.config["DIALER_CPS"] = 2
    pacing.redis_for(app).set(pacing.EMERGENCY_FLAG, 1, px=3000)
    with pytest.raises(pacing.PacingTimeout):
        pacing.acquire(app, "normal", timeout=0.5)


def test_a_normal_text_held_back_by_an_emergency_gives_up_at_its_timeout(app):
    """The same for texts: an emergency text waits (the messages' flag up for 3 s), a normal
    text with a timeout of half a second raises PacingTimeout (mutation testing: the
    messages' wrapper dropped the caller's timeout)."""
    app.config["DIALER_MPS"] = 2
    pacing.redis_for(app).set(pacing.MESSAGES.flag_key, 1, px=3000)
    with pytest.raises(pacing.PacingTimeout):
        pacing.acquire_message(app, "normal", timeout=0.5)


def test_a_service_caller_is_not_held_back_by_a_waiting_emergency(app):
    """An emergency waits (its flag up for 3 s): a hotline call-back or test call ("service")
    still gets its slot within half a second (mutation testing: service treated as normal)."""
    app.config["DIALER_CPS"] = 2
    pacing.redis_for(app).set(pacing.EMERGENCY_FLAG, 1, px=3000)
    assert pacing.acquire(app, "service", timeout=0.5) <= 0.5


def test_each_send_waits_for_its_slot_in_the_spaced_schedule(app):
    """Three sends in a row under a limit of four a second: each goes out no sooner than the
    next free instant the schedule held when it asked (a quarter of a second after the
    previous slot), whatever the load (a late sender only goes later). The check at sending
    time alone would let the four of a second go out at once. Mutation testing: a slot less
    than a second away was not waited for."""
    app.config["DIALER_CPS"] = 4
    conn = pacing.redis_for(app)
    for _ in range(3):
        next_free = float(conn.get(pacing.TAT_KEY) or 0.0)
        pacing.acquire(app, "normal", timeout=30)
        assert _last_send(conn) >= next_free - 0.005, (_last_send(conn), next_free)
