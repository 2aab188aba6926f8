"""Turn what people type into E.164, the only form numbers are stored in.

The seed's rules: area code required; spaces and dashes optional; a leading 1 (long
distance) accepted; numbers that cannot exist refused. Each refusal has a reason in French
and in English.
"""
import re

import phonenumbers

REGION = "CA"
_ALLOWED = re.compile(r"^\+?[\d\s\-.()]+$")


class InvalidPhone(ValueError):
    """A number that cannot be stored; `reason` maps a language to a sentence."""

    def __init__(self, code: str, reason: dict[str, str]):
        super().__init__(reason["en"])
        self.code = code
        self.reason = reason

    def message(self, language: str = "fr") -> str:
        return self.reason.get(language, self.reason["fr"])


REASONS = {
    "empty": {"fr": "Inscrivez un numéro de téléphone.",
              "en": "Enter a telephone number."},
    "characters": {"fr": "Le numéro ne peut contenir que des chiffres, des espaces et des tirets.",
                   "en": "The number may only contain digits, spaces and dashes."},
    "area_code": {"fr": "Inscrivez le numéro avec l'indicatif régional (ex. : 418, 581).",
                  "en": "Enter the number with its area code (e.g. 418, 581)."},
    "too_long": {"fr": "Le numéro a trop de chiffres : 10 chiffres, ou 11 avec le 1 devant.",
                 "en": "The number has too many digits: 10 digits, or 11 with a leading 1."},
    "foreign": {"fr": "Seuls les numéros nord-américains (indicatif +1) peuvent être inscrits.",
                "en": "Only North American numbers (+1) can be registered."},
    "invalid": {"fr": "Ce numéro n'existe pas : vérifiez l'indicatif et les trois chiffres "
                      "suivants.",
                "en": "This number does not exist: check the area code and the next three digits."},
}


def _refuse(code: str) -> InvalidPhone:
    return InvalidPhone(code, REASONS[code])


def to_e164(text: str | None) -> str:
    """Return the E.164 form of TEXT, or raise InvalidPhone with the reason."""
    text = (text or "").strip()
    if not text:
        raise _refuse("empty")
    if not _ALLOWED.match(text):
        raise _refuse("characters")
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") and not digits.startswith("1"):
        raise _refuse("foreign")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) < 10:
        raise _refuse("area_code")
    if len(digits) > 10:
        raise _refuse("too_long")
    number = phonenumbers.parse(digits, REGION)
    if not phonenumbers.is_valid_number(number):
        raise _refuse("invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_e164(text: str | None) -> str | None:
    """The E.164 form of TEXT, or None (for caller IDs that may be withheld)."""
    try:
        return to_e164(text)
    except InvalidPhone:
        return None


def national_digits(e164: str) -> str:
    """The 10 digits of a North American E.164 number, as a keypad would give them."""
    return e164[2:] if e164.startswith("+1") else e164.lstrip("+")


def display(e164: str) -> str:
    """418 698-3200: how staff and residents read a number."""
    d = national_digits(e164)
    return f"{d[:3]} {d[3:6]}-{d[6:]}" if len(d) == 10 else e164
