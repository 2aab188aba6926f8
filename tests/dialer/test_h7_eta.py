"""Issue 15: the expected end counts the rounds still to come, their retry delay and the
calling window (dialer/eta.py), on campaigns whose rounds are known in advance."""

from datetime import UTC, datetime, timedelta

from dialer.eta import Window, finish_time

ZONE = "America/Toronto"
NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # 12:00 in Saguenay


def test_one_round_is_the_residences_over_the_rate():
    assert finish_time(
        NOON, [(NOON, 1, 60)], rounds=1, retry_delay_s=600, rate=2.0
    ) == NOON + timedelta(seconds=30)


def test_nobody_answers_three_rounds_ten_minutes_apart():
    """60 residences at 1 call a second, nobody reached: round 1 from 0 to 60 s, each
    residence called again 600 s after its first call (600-660 s), then 1200-1260 s."""
    end = finish_time(NOON, [(NOON, 1, 60)], rounds=3, retry_delay_s=600, rate=1.0)
    assert end == NOON + timedelta(seconds=1260)
    # the naive pending / rate would have said one minute
    assert end - NOON > timedelta(seconds=60) * 20


def test_half_reached_each_round_halves_the_next():
    end = finish_time(
        NOON, [(NOON, 1, 100)], rounds=3, retry_delay_s=300, rate=1.0, retry_share=0.5
    )
    assert end == NOON + timedelta(seconds=600 + 25)  # 100, then 50 at 300 s, 25 at 600 s


def test_residences_waiting_for_their_retry_are_counted_from_their_due_time():
    later = NOON + timedelta(minutes=8)
    end = finish_time(NOON, [(later, 2, 30)], rounds=2, retry_delay_s=600, rate=1.0, ring_s=30)
    assert end == later + timedelta(seconds=30 + 30)


def test_the_calling_window_stops_a_normal_campaign_overnight():
    """20:50: 20 minutes of calls left, 10 of them before 21:00; the rest tomorrow at 8:00."""
    evening = datetime(2026, 12, 2, 1, 50, tzinfo=UTC)  # 20:50 on Dec 1 in Saguenay
    window = Window("08:00", "21:00", ZONE)
    end = finish_time(
        evening, [(evening, 1, 1200)], rounds=1, retry_delay_s=600, rate=1.0, window=window
    )
    assert end == datetime(2026, 12, 2, 13, 10, tzinfo=UTC)  # 8:10 on Dec 2
    # an emergency ignores the window
    assert finish_time(
        evening, [(evening, 1, 1200)], rounds=1, retry_delay_s=600, rate=1.0
    ) == evening + timedelta(minutes=20)


def test_a_retry_due_at_night_waits_for_the_morning():
    evening = datetime(2026, 12, 2, 1, 55, tzinfo=UTC)  # 20:55
    window = Window("08:00", "21:00", ZONE)
    end = finish_time(
        evening, [(evening, 1, 60)], rounds=2, retry_delay_s=600, rate=1.0, window=window
    )
    assert end == datetime(2026, 12, 2, 13, 1, tzinfo=UTC)  # 8:00 + 60 s


def test_nothing_left_is_now():
    assert finish_time(NOON, [], rounds=3, retry_delay_s=600, rate=1.0) == NOON
