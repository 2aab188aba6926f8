"""The check at the instant of sending (mutation testing found it unchecked: the spaced
schedule alone kept the other tests within the limit, docs/mutants.md)."""

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
