"""Every default of the resident portal, each settable from the environment (runtime/config.py
reads the text; `setting` gives it its type here)."""

from datetime import timedelta

ALTCHA_COST = 5000
"""PBKDF2 iterations of one ALTCHA proof-of-work guess (ALTCHA_COST). About 256 guesses are
needed on average (a one-byte key prefix): a second or two on a phone, a cost per form that
a bot sending thousands of them feels."""

ALTCHA_HMAC_KEY = ""
"""The secret that signs ALTCHA challenges (ALTCHA_HMAC_KEY); empty: derived from SECRET_KEY."""

ALTCHA_LIFETIME = timedelta(minutes=10)
"""How long a challenge may be solved and sent back; each is accepted once."""

PORTAL_CLIENT_LIMIT = "10 per minute;30 per hour"
"""Refused sign-ins per client address (Flask-Limiter's notation), as on the console."""

PORTAL_SEND_CLIENT_LIMIT = "5 per hour;20 per day"
"""Forms that send a temporary password or notice (new user, forgotten password) per client
address."""

PORTAL_SEND_DAILY_LIMIT = "500 per day"
"""The same forms, all clients together: a bound on what a distributed attack can send."""

PORTAL_SENDS_PER_NUMBER = 3
"""Temporary passwords or notices sent to one number per day by the portal (atomic counter in
the database)."""

LOCK_AFTER = 5
"""Wrong portal passwords for one residence within LOCK_WINDOW before it is locked."""
LOCK_WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)

PASSWORD_MIN_LENGTH = 10
"""NIST SP 800-63B asks for at least 8 characters; the portal asks 10 (a passphrase is easy
to type on a phone), with no composition rule."""
PASSWORD_MAX_LENGTH = 128
"""Long passphrases are welcome (NIST: allow at least 64)."""

CONSENT_VERSION = "2026-12-01"
"""The version of the conditions text (catalogue 'portal.new.conditions'), stored with each
consent; change it with the text."""

MAX_CONTACTS = 5
"""Rows of the contacts table (the seed: more numbers are useless, calling stops at the first
one reached)."""


def setting(app, name: str):
    """A portal setting: the app's config when set, else its default here (typed alike)."""
    default = globals()[name]
    value = app.config.get(name)
    return default if value in (None, "") else type(default)(value)
