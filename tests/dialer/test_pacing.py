"""The account-wide CPS limit, shared through Redis by every thread and process."""

import threading
import time

import pytest

from runtime import pacing


def run(app, plan):
    """PLAN: [(priority, count)] one thread each, started together; [(priority, instant)]."""
    taken, lock, barrier = [], threading.Lock(), threading.Barrier(len(plan))

    def caller(priority, count):
        barrier.wait()
        for _ in range(count):
            pacing.acquire(app, priority, timeout=30)
            with lock:
                taken.append((priority, time.monotonic()))

    threads = [threading.Thread(target=caller, args=step) for step in plan]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return taken


def test_no_second_ever_holds_more_calls_than_the_limit(app):
    app.config["DIALER_CPS"] = 20
    taken = run(app, [("normal", 12), ("normal", 12), ("service", 12)])
    times = sorted(t for _, t in taken)
    assert len(times) == 36
    for i, start in enumerate(times):
        in_window = [t for t in times[i:] if t - start < 1.0]
        assert len(in_window) <= 20


def test_emergency_calls_go_before_normal_ones(app):
    app.config["DIALER_CPS"] = 10
    taken = run(app, [("normal", 4), ("normal", 4), ("normal", 4), ("emergency", 4)])
    order = [priority for priority, _ in sorted(taken, key=lambda x: x[1])]
    last_emergency = max(i for i, p in enumerate(order) if p == "emergency")
    assert last_emergency <= 7, order


def test_unknown_priority_is_refused(app):
    with pytest.raises(ValueError):
        pacing.acquire(app, "vip")


def test_the_schedule_is_looser_than_the_check_at_sending_time():
    """Were slots spaced tighter than the sending-time window allows, the check would bind at
    every second and each burst it held back would echo a window later: stalls, not pace."""
    assert pacing.CPS_MARGIN > pacing.GUARD_WINDOW_S > 1.0
