"""Keypad menus of every voice conversation (the hotline, its call-backs, the alert call).

An option is a key, the catalogue key of its label and what the key leads to. The option says
itself: its label, then its key, through its language's one pattern (`keypad.offer` in the
catalogues: "{label}, appuyez sur {key}." / "{label}, press {key}."); the star and pound keys
are named as the caller hears them ("l'étoile", "le carré"). So the digits a caller hears come
from the menu that accepts them, never from a catalogue text.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .i18n import t

STAR, POUND = "*", "#"
KEY_NAMES = {STAR: "keypad.star", POUND: "keypad.pound"}
"""The catalogue key of each key said by name; a digit is said as itself."""


@dataclass(frozen=True)
class Option:
    key: str  # the key pressed: "1", "0", "*"
    label: str  # catalogue key: what the key does ("Pour le français")
    target: str  # a menu or an action, named by the conversation
    language: str | None = None  # said only in this language (a menu said in both)


def key_name(language: str, key: str) -> str:
    """KEY as said in LANGUAGE: a digit as itself, * and # by their names."""
    return t(language, KEY_NAMES[key]) if key in KEY_NAMES else key


def offer(language: str, option: Option, values: Mapping[str, Any] | None = None) -> str:
    """One option said: "Pour inscrire ce numéro, appuyez sur 1." (VALUES fill its label)."""
    label = t(language, option.label, **dict(values or {}))
    return t(language, "keypad.offer", label=label, key=key_name(language, option.key))


def offers(
    language: str, options: Iterable[Option], values: Mapping[str, Mapping[str, Any]] | None = None
) -> list[str]:
    """Every option said in LANGUAGE, in order (those said only in another language left out);
    VALUES: each option's label values, by key."""
    return [
        offer(language, option, (values or {}).get(option.key))
        for option in options
        if option.language in (None, language)
    ]


def by_key(options: Iterable[Option]) -> dict[str, Option]:
    return {option.key: option for option in options}
