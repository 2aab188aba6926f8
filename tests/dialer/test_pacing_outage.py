"""The pacing's signals that a sender thread acts on: a Redis that stops answering costs a
call slot an error, never a hang (the pacing has its own client with socket timeouts, and the
thread gives its claim back at once); an emergency caller raises the flag that holds normal
notices back."""

import socket
import threading

import redis

from runtime import pacing


def test_a_redis_that_accepts_but_never_answers_fails_the_slot_instead_of_hanging(app):
    silent = socket.socket()  # the kernel accepts connections; nobody ever reads or answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    try:
        app.config["REDIS_URL"] = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        app.extensions.pop("pacing_redis", None)
        outcome: dict = {}

        def take_a_slot():
            try:
                outcome["waited"] = pacing.acquire(app, "emergency", timeout=30)
            except Exception as error:  # noqa: BLE001 - asserted below
                outcome["error"] = error

        thread = threading.Thread(target=take_a_slot, daemon=True)
        thread.start()
        thread.join(120)  # a hang guard, not a timing: the client's timeouts are 2 s
        assert not thread.is_alive(), "acquire hung on a silent Redis"
        assert isinstance(outcome.get("error"), (redis.ConnectionError, redis.TimeoutError)), (
            outcome
        )
    finally:
        silent.close()


def test_an_emergency_caller_holds_normal_callers_back(app):
    """An emergency caller raises the flag that normal notices read before they claim
    (tests/dialer/test_claim_rules.py: they claim nobody while it is up)."""
    assert not pacing.emergency_waiting(app)
    pacing.acquire(app, "emergency")
    assert pacing.emergency_waiting(app)
    pacing.acquire(app, "normal", timeout=30)  # not refused for good: held back a moment
