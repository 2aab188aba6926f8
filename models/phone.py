"""Turn what people type into E.164, the only form numbers are stored in.

The seed's rules: area code required; spaces and dashes optional; a leading 1 (long
distance) accepted; numbers that cannot exist refused. Each refusal is an InvalidPhone whose
reason is said in French or in English at the edge (runtime.i18n.explain).
"""

import re

import phonenumbers

from .refusal import Refusal

REGION = "CA"
_ALLOWED = re.compile(r"^\+?[\d\s\-.()]+$")


class InvalidPhone(Refusal):
    """A number that cannot be stored; `code` says why (empty, characters, area_code,
    too_long, foreign, invalid), the catalogues' `phone.<code>` says it to a person."""

    def __init__(self, code: str):
        super().__init__("phone." + code)
        self.code = code


REFUSALS = ("empty", "characters", "area_code", "too_long", "foreign", "invalid")
"""Every `InvalidPhone.code` (each has its `phone.<code>` text in both catalogues)."""


def _refuse(code: str) -> InvalidPhone:
    return InvalidPhone(code)


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
