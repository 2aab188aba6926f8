"""Every text a hotline caller can hear (or read in its SMS), checked as a whole against a
reviewer's list of words to avoid in each language: a keypad code is a "NIP" / "PIN" (the web
password stays "mot de passe"), the line is not an emergency number (911), the English is
idiomatic, and an option comes before its key ("Pour confirmer, appuyez sur 1")."""

import re

import pytest

from runtime.catalogue import en, fr

CALLER_TEXTS = ("hotline.", "keypad.", "sms.", "common.goodbye", "common.error")
AVOID = {
    "fr": [
        "mot de passe",
        "mots de passe",
        "ligne des appels d'urgence",
        "appels d'urgence",
        "Nous n'avons pas pu continuer. Rappelez",
    ],
    "en": [
        "We could not go on",
        "civil security actions",
        "civil security",
        "password",
        "emergency call line",
        "emergency calls",
        "Let us start",
    ],
}
KEY_BEFORE_OPTION = {
    "fr": re.compile(r"appuyez sur \{?\w+\}? pour", re.I),
    "en": re.compile(r"press \{?\w+\}? to ", re.I),
}
CATALOGUES = {"fr": fr.MESSAGES, "en": en.MESSAGES}


def caller_texts(language):
    return {key: text for key, text in CATALOGUES[language].items() if key.startswith(CALLER_TEXTS)}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_caller_text_uses_a_word_the_reviewer_struck_out(language):
    texts = caller_texts(language)
    assert len(texts) > 80  # the whole hotline, not a sample
    found = [
        (key, word)
        for key, text in texts.items()
        for word in AVOID[language]
        if word.lower() in text.lower()
    ]
    assert found == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_option_is_said_before_its_key(language):
    found = [
        key
        for key, text in caller_texts(language).items()
        if KEY_BEFORE_OPTION[language].search(text)
    ]
    assert found == []


def test_the_french_line_says_what_it_is_for_and_calls_the_code_a_nip():
    assert "inscription aux appels d'alerte" in fr.MESSAGES["hotline.welcome"]
    assert "NIP" in fr.MESSAGES["hotline.auth.prompt"]
    assert fr.MESSAGES["console.login.password"] == "Mot de passe"  # the web keeps its word


def test_the_word_lists_catch_the_old_wording():
    """The check can fail: the texts this issue replaced are caught."""
    old = {
        "fr": "Ville de Saguenay, ligne des appels d'urgence.",
        "en": "We could not go on. Call again any time.",
    }
    for language, text in old.items():
        assert any(word.lower() in text.lower() for word in AVOID[language])
    assert KEY_BEFORE_OPTION["fr"].search("devra appuyer sur 1 pour confirmer") is None
    assert KEY_BEFORE_OPTION["fr"].search("Appuyez sur 1 pour confirmer.")
