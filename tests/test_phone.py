"""What people type becomes E.164, or is refused with a reason in French and English."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.phone import InvalidPhone, display, to_e164
from runtime.i18n import explain


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("418 698-3200", "+14186983200"),
        ("4186983200", "+14186983200"),
        ("418-698-3200", "+14186983200"),
        ("1 418 698-3200", "+14186983200"),
        ("1-819-698-3200", "+18196983200"),
        ("(418) 698-3200", "+14186983200"),
        ("+1 581 555 0199", "+15815550199"),
    ],
)
def test_accepted_formats(typed, stored):
    assert to_e164(typed) == stored


@pytest.mark.parametrize(
    "typed, code, words",
    [
        ("698-3200", "area_code", "indicatif"),
        ("819 123-4567", "invalid", "n'existe pas"),
        ("1 819 123-4567", "invalid", "n'existe pas"),
        ("", "empty", "Inscrivez"),
        ("418 698-320O", "characters", "chiffres"),
        ("418 698 32000", "too_long", "trop de chiffres"),
        ("+33 1 42 68 53 00", "foreign", "nord-américains"),
    ],
)
def test_refusals_say_why(typed, code, words):
    with pytest.raises(InvalidPhone) as refused:
        to_e164(typed)
    assert refused.value.code == code
    french, english = explain(refused.value, "fr"), explain(refused.value, "en")
    assert words in french
    assert english and english != french


area = st.sampled_from(["418", "581", "367", "819", "514", "450"])
exchange = st.integers(200, 999).filter(lambda n: n % 100 != 11)
line = st.integers(0, 9999)
separator = st.sampled_from(["", " ", "-", " - "])


@given(area, exchange, line, separator, separator, st.booleans())
def test_any_layout_of_a_valid_number_gives_the_same_e164(a, x, n, s1, s2, long_distance):
    if f"{a}{x:03d}" in ("418555", "581555") and not 100 <= n <= 199:
        return  # 555 lines outside 01xx are not assigned; phonenumbers knows it
    expected = to_e164(f"{a}{x:03d}{n:04d}")
    typed = f"{'1 ' if long_distance else ''}{a}{s1}{x:03d}{s2}{n:04d}"
    assert to_e164(typed) == expected
    assert expected == f"+1{a}{x:03d}{n:04d}"
    assert display(expected) == f"{a} {x:03d}-{n:04d}"
