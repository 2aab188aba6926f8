"""runtime/when.py is the one place that formats times (issue 15, h2): the console's written
forms and the spoken clock times come from it, unchanged."""

from datetime import UTC, date, datetime, timedelta

import pytest

from runtime import when

ZONE = "America/Toronto"


def hand_made_clock(moment: datetime, language: str) -> str:
    """How clock() wrote a time before it used Babel."""
    if language == "en":
        hour = moment.hour % 12 or 12
        return f"{hour}:{moment.minute:02d} {'a.m.' if moment.hour < 12 else 'p.m.'}"
    return f"{moment.hour} h {moment.minute:02d}"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_clock_says_every_minute_of_the_day_as_before(language):
    start = when.local(datetime(2026, 12, 1, 5, 0, tzinfo=UTC), ZONE)  # midnight in Saguenay
    for minute in range(24 * 60):
        moment = start + timedelta(minutes=minute)
        assert when.clock(moment, language) == hand_made_clock(moment, language)


@pytest.mark.parametrize(
    "kind, language, text",
    [
        ("datetime", "fr", "2026-07-02 09 h 05"),
        ("datetime", "en", "2026-07-02 9:05 a.m."),
        ("seconds", "fr", "2026-07-02 09:05:07"),
        ("time", "en", "09:05:07"),
        ("hour", "fr", "9 h 05"),
        ("date", "en", "2026-07-02"),
    ],
)
def test_written_times_are_in_city_time(kind, language, text):
    moment = datetime(2026, 7, 2, 13, 5, 7, tzinfo=UTC)  # 09:05:07 in Saguenay (summer)
    assert when.written(moment, kind, language, ZONE) == text
    assert when.written(None, kind, language, ZONE) == ""


def test_window_bounds_and_long_dates():
    assert (when.hour("08:00", "fr"), when.hour("21:30", "en")) == ("8 h 00", "9:30 p.m.")
    assert when.long_date(date(2026, 12, 1), "fr") == "1 décembre 2026"
    assert when.long_date(date(2026, 12, 1), "en") == "December 1, 2026"


def test_the_console_writes_times_through_it(app):
    from ivr.console import formats

    moment = datetime(2026, 1, 15, 19, 45, tzinfo=UTC)  # 14:45 in Saguenay (winter)
    with app.test_request_context("/staff/"):
        assert formats.local(moment) == "2026-01-15 14 h 45"
        assert formats.hour("14:45") == "14 h 45"
