"""The outcome rules (dialer.outcome), the one place that decides: a table of cases."""

import pytest

from dialer.outcome import best, call_outcome, is_reached


@pytest.mark.parametrize(
    "outcomes, expected",
    [
        ((None, "busy"), "busy"),
        (("no_answer", "busy", "failed"), "busy"),
        (("voicemail", "human"), "human"),
        (("cancelled", "failed"), "failed"),
        ((None, None), None),
        (("void", None), None),  # nothing known: no best outcome
    ],
)
def test_best_outcome(outcomes, expected):
    assert best(*outcomes) == expected


@pytest.mark.parametrize(
    "status, answered_by, expected",
    [
        ("completed", "human", "human"),
        ("completed", "unknown", "human"),
        ("completed", None, "human"),
        ("completed", "machine_end_beep", "voicemail"),
        ("completed", "machine_start", "voicemail"),
        ("completed", "fax", "failed"),
        ("busy", None, "busy"),
        ("no-answer", None, "no_answer"),
        ("canceled", None, "cancelled"),
        ("failed", None, "failed"),
    ],
)
def test_call_outcome(status, answered_by, expected):
    assert call_outcome(status, answered_by) == expected
    assert is_reached(expected) is (expected in ("human", "voicemail"))
