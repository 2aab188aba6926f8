"""The rules a portal password must follow (NIST SP 800-63B): length first, no composition
rule, and refused when it is a common password, the phone number, or the city's name.

The common passwords are the 20 000 of Royce Williams' list as Django ships them
(django/contrib/auth/common-passwords.txt.gz, BSD licence: data/common-passwords.LICENSE),
kept here from PASSWORD_MIN_LENGTH characters up (shorter ones are refused by length anyway).
"""

import functools
import gzip
import re
from pathlib import Path

from .defaults import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

COMMON_FILE = Path(__file__).parent / "data" / "common-passwords.txt.gz"
CONTEXT_WORDS = ("saguenay", "portail", "portal")
"""Words of this service (NIST: 'context-specific words'): a password that is one of them,
around digits or punctuation only, is refused."""


@functools.cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def refusal(password: str, phone_digits: str = "") -> str | None:
    """None when PASSWORD is acceptable, else the catalogue key saying why it is refused."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return "portal.password.too_short"
    if len(password) > PASSWORD_MAX_LENGTH:
        return "portal.password.too_long"
    folded = password.strip().lower()
    if folded in common_passwords():
        return "portal.password.common"
    digits = re.sub(r"\D", "", password)
    if phone_digits and phone_digits[-7:] in digits:
        return "portal.password.phone"
    if len(set(folded)) == 1:
        return "portal.password.repeated"
    letters = re.sub(r"[\W\d_]", "", folded)
    if letters in CONTEXT_WORDS:
        return "portal.password.context"
    return None
