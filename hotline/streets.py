"""Street names as callers key and hear them: the usual abbreviations (ST, STE, BOUL, CH, AV)
on the keypad, and a stored street said in normal case ("BOUL ST-DOMINIQUE" -> "boulevard
Saint-Dominique")."""

import re

from phonenumbers import convert_alpha_characters_in_number

SAINTS = {"ST": "SAINT", "STE": "SAINTE"}
"""A saint's abbreviation and its full word, either of which a caller or the registry uses."""
TYPES = {
    "BOUL": "boulevard",
    "BD": "boulevard",
    "CH": "chemin",
    "AV": "avenue",
    "RUE": "rue",
    "BOULEVARD": "boulevard",
    "CHEMIN": "chemin",
    "AVENUE": "avenue",
}
"""Street types a caller may key before the name (the registry's keypad key leaves them out),
and how each is said."""
SMALL_WORDS = {"de", "du", "des", "la", "le", "les", "et"}


def keypad(word: str) -> str:
    return convert_alpha_characters_in_number(word)


def letter_variants(digits: str) -> list[str]:
    """The keypad prefixes DIGITS may stand for: as keyed, without a street type keyed first
    (BOUL, CH, AV ...), and with a saint's name abbreviated or written out (the registry's key
    leaves a bare ST out, as a generic word: then the name after it is tried alone)."""
    found = [digits]
    for word in TYPES:
        key = keypad(word)
        if digits.startswith(key) and len(digits) >= len(key) + 2:  # a letter alone is too vague
            found.append(digits[len(key) :])
    for prefix in list(found):
        for short, full in SAINTS.items():
            for keyed, other in ((keypad(short), keypad(full)), (keypad(full), keypad(short))):
                if prefix.startswith(keyed):
                    rest = prefix[len(keyed) :]
                    found.append(other + rest)
                    if short == "ST" and len(rest) >= 2:
                        found.append(rest)
    return list(dict.fromkeys(found))


def spoken_street(street: str) -> str:
    """A street as said at registration: 'BOUL ST-DOMINIQUE' -> 'boulevard Saint-Dominique';
    a name already in mixed case is kept."""
    if street != street.upper():
        return street
    words = street.replace(".", " ").split()
    said = []
    for position, word in enumerate(words):
        if position == 0 and word in TYPES:
            said.append(TYPES[word])
            continue
        parts = re.split(r"(-)", word)
        said.append(
            "".join(SAINTS.get(part, part).capitalize() if part != "-" else part for part in parts)
        )
        if position and said[-1].lower() in SMALL_WORDS:
            said[-1] = said[-1].lower()
    return " ".join(said)


def spoken_city(city: str) -> str:
    return city.title() if city == city.upper() else city
