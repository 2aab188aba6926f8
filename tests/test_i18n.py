"""Both catalogues hold the same texts, with the same placeholders."""

import string

from runtime.i18n import CATALOGUES, spoken_digits, t


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_french_and_english_have_the_same_keys_and_placeholders():
    fr, en = CATALOGUES["fr"], CATALOGUES["en"]
    assert set(fr) == set(en), set(fr) ^ set(en)
    for key in fr:
        assert placeholders(fr[key]) == placeholders(en[key]), key


def test_unknown_language_falls_back_to_french():
    assert t("de", "common.city") == "Ville de Saguenay"
    assert t("en", "common.city") == "City of Saguenay"


def test_numbers_are_read_digit_by_digit():
    assert spoken_digits("4186983200") == "4 1 8, 6 9 8, 3 2 0 0"
