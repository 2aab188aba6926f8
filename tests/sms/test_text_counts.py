"""The encoding and segment counts of SMS texts (models/sms_text.py), against known texts."""

import pytest

from models.sms_text import count, is_gsm7, to_gsm7


@pytest.mark.parametrize(
    "text, encoding, units, segments",
    [
        ("", "GSM-7", 0, 0),
        ("Avis d'ébullition", "GSM-7", 17, 1),  # é, è, à, ù, É, Ç are GSM-7
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),  # then 153 a segment
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # the extension table costs 2 septets
        ("€" * 81, "GSM-7", 162, 2),
        ("[x]{y}~^|\\", "GSM-7", 18, 1),  # 10 characters, 8 of them escaped
        ("Levée de l'avis", "GSM-7", 15, 1),
        ("Faites bouillir l'eau, même filtrée.", "UCS-2", 36, 1),  # ê forces UCS-2
        ("ç" * 70, "UCS-2", 70, 1),
        ("ç" * 71, "UCS-2", 71, 2),  # then 67 a segment
        ("ç" * 134, "UCS-2", 134, 2),
        ("ç" * 135, "UCS-2", 135, 3),
        ("« Évacuation »", "UCS-2", 14, 1),
        ("🚨" * 35, "UCS-2", 70, 1),  # a surrogate pair is 2 units
    ],
)
def test_known_texts(text, encoding, units, segments):
    counted = count(text)
    assert (counted.encoding, counted.units, counted.segments) == (encoding, units, segments)
    assert counted.cost_multiplier == segments


def test_a_segment_never_splits_an_escape_or_a_surrogate_pair():
    # 152 plain septets then a euro sign: 154 > 153, the euro goes whole to segment 2
    assert count("a" * 152 + "€" + "a" * 9).segments == 2
    assert count("a" * 152 + "€" + "a" * 152).segments == 3
    # 66 units then an emoji (2 units) cannot fit in the first 67
    assert count("ç" * 66 + "🚨" + "ç" * 66).segments == 3


def test_remaining_and_limit_say_what_is_left():
    counted = count("a" * 150)
    assert (counted.per_segment, counted.remaining) == (160, 10)
    counted = count("ô" * 80)
    assert (counted.per_segment, counted.remaining, counted.not_gsm7) == (67, 54, "ô")


def test_replacing_accents_makes_french_fit_gsm7():
    text = (
        "Avis d'ébullition : même l’eau filtrée doit être bouillie « une minute » — "
        "Ville de Saguenay. Œuvre, naïf, hôpital, août, ça."
    )
    assert count(text).encoding == "UCS-2"
    replaced = to_gsm7(text)
    assert is_gsm7(replaced)
    assert replaced.startswith(
        "Avis d'ébullition : meme l'eau filtrée doit etre bouillie \" une minute \" - Ville"
    )
    assert "OEuvre, naif, hopital, aout, ca." in replaced
    assert count(replaced).segments == 1
    assert to_gsm7("🚨 Évacuation") == "🚨 Évacuation"  # nothing to replace the emoji with
