"""Every prompt and page text, looked up by key in one catalogue per language (fr-CA first)."""

from collections.abc import Mapping
from typing import Any

from models.refusal import Refusal

from .catalogue import en, fr

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
CATALOGUES = {"fr": fr.MESSAGES, "en": en.MESSAGES}


def t(language: str | None, key: str, /, **values: object) -> str:
    """The text KEY in LANGUAGE (French when unknown), with {placeholders} filled."""
    catalogue = CATALOGUES.get(language or DEFAULT_LANGUAGE, CATALOGUES[DEFAULT_LANGUAGE])
    text = catalogue[key]
    return text.format(**values) if values else text


def explain(refusal: Refusal, language: str | None) -> str:
    """What REFUSAL says in LANGUAGE: its key's text, with any value that is itself a Refusal
    said in the same language (the one translation of every refusal, used at the edges)."""
    values = {
        name: explain(value, language) if isinstance(value, Refusal) else value
        for name, value in refusal.values.items()
    }
    return t(language, refusal.key, **values)


def spoken_digits(digits: str) -> str:
    """Digits read one by one, a pause between groups: '418 698 3200' -> '4 1 8, 6 9 8, ...'."""
    groups = [digits[:3], digits[3:6], digits[6:]] if len(digits) == 10 else [digits]
    return ", ".join(" ".join(g) for g in groups if g)


def voice(config: Mapping[str, Any], language: str) -> dict[str, str]:
    """The <Say> attributes of LANGUAGE: fr-CA with VOICE_FR, en-US/en-CA with VOICE_EN."""
    if language == "en":
        name = config["VOICE_EN"]
        return {"language": "en-CA" if "en-CA" in name else "en-US", "voice": name}
    return {"language": "fr-CA", "voice": config["VOICE_FR"]}
