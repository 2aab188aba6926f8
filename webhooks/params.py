"""Twilio's parameters checked at the edge, before any handler or the database sees them.

Every value a webhook gets (path, query and form) must be text without control characters
(a NUL byte breaks PostgreSQL), of a sane length; the parameters the project reads have their
own shape: a SID is two letters and up to 32 letters or digits, a count (CallDuration,
SequenceNumber...) fits a 32-bit integer, AnsweredBy and CallStatus are short lower-case words,
Digits are keypad keys. A request that breaks a rule is logged and refused with REFUSE's
answer: 400 for a status callback, the spoken apology (HTTP 200) for a TwiML route, so that a
caller never hears Twilio's own error message.
"""

import functools
import logging
import re
from collections.abc import Callable, Iterable

from flask import request

log = logging.getLogger(__name__)

MAX_VALUE_LENGTH = 1024
"""Any parameter's longest value (Twilio's are far shorter; RecordingUrl is stored in 500)."""

_SID = re.compile(r"[A-Z]{2}[0-9A-Za-z]{1,32}")
_COUNT = re.compile(r"\d{1,9}")  # below 2**31: every INTEGER column holds it
_WORD = re.compile(r"[a-z][a-z_-]{0,31}")
_DIGITS = re.compile(r"[0-9*#a-z]{0,64}")  # keys, or `hangup` after a <Record>
_TOKEN = re.compile(r"[A-Za-z0-9_.:-]{1,200}")  # our opaque tokens (URL-safe, itsdangerous)
_URL = re.compile(r"https?://\S{1,490}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

RULES: dict[str, re.Pattern] = {
    "CallSid": _SID,
    "AccountSid": _SID,
    "ParentCallSid": _SID,
    "RecordingSid": _SID,
    "CallDuration": _COUNT,
    "Duration": _COUNT,
    "SequenceNumber": _COUNT,
    "RecordingDuration": _COUNT,
    "silences": _COUNT,
    "CallStatus": _WORD,
    "AnsweredBy": _WORD,
    "Digits": _DIGITS,
    "FinishedOnKey": _DIGITS,
    "RecordingUrl": _URL,
    "token": _TOKEN,
}
"""The shape of each parameter the project reads, wherever it comes (path, query, form)."""


class BadParameter(ValueError):
    """NAME's value breaks its rule (the value itself is not logged: it may be huge)."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name, self.reason = name, reason


def check(items: Iterable[tuple[str, object]]) -> None:
    """Raise BadParameter for the first (name, value) pair that breaks a rule."""
    for name, value in items:
        if not isinstance(value, str):
            continue  # a path converter's int: Werkzeug has bounded it
        if _CONTROL.search(name) or len(name) > 100:
            raise BadParameter(name[:40], "a parameter name with control characters")
        if len(value) > MAX_VALUE_LENGTH:
            raise BadParameter(name, f"{len(value)} characters")
        if _CONTROL.search(value):
            raise BadParameter(name, "control characters")
        rule = RULES.get(name)
        if rule is not None and value != "" and not rule.fullmatch(value):
            raise BadParameter(name, f"not a valid {name} ({len(value)} characters)")


def check_request() -> None:
    """Check this request's path arguments, query and form."""
    check((request.view_args or {}).items())
    check(request.args.items(multi=True))
    check(request.form.items(multi=True))


def checked(refuse: Callable[[], object]):
    """Run the view only when its parameters pass `check`; else log and answer REFUSE()."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            try:
                check_request()
            except BadParameter as error:
                log.warning("refused webhook %s %s: %s", request.method, request.path[:80], error)
                return refuse()
            return view(*args, **kwargs)

        return wrapper

    return decorate


def bad_request():
    """A callback's refusal: 400, nothing changed (Twilio logs it in the console's debugger)."""
    return "", 400
