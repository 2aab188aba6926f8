"""The human check of the forms that send something (new user, forgotten password): an ALTCHA
proof-of-work, made and verified here with the `altcha` library, solved in the visitor's
browser by the vendored widget (static/altcha/). No outside service sees the visitor; each
solved challenge is accepted once (a counter row in the database)."""

import hashlib
from datetime import UTC, datetime

import altcha
from flask import current_app

from hotline import quotas

from .defaults import ALTCHA_LIFETIME, setting

ALGORITHM = "PBKDF2/SHA-256"


def _key(app) -> str:
    configured = setting(app, "ALTCHA_HMAC_KEY")
    if configured:
        return configured
    return hashlib.sha256(("altcha:" + app.config["SECRET_KEY"]).encode()).hexdigest()


def challenge() -> dict:
    """A fresh signed challenge, as the widget fetches it (JSON)."""
    app = current_app
    expires = datetime.now(UTC) + ALTCHA_LIFETIME
    made = altcha.create_challenge(
        ALGORITHM, setting(app, "ALTCHA_COST"), expires_at=expires, hmac_secret=_key(app)
    )
    return made.to_dict()


def passed(session, payload: str | None) -> bool:
    """True when PAYLOAD (the widget's form field) solves a challenge made here, unexpired and
    never used before (counted in SESSION's transaction)."""
    if not payload or len(payload) > 4096:
        return False
    try:
        result = altcha.verify_solution(payload, _key(current_app))
        parsed = altcha.Payload.from_base64(payload)
    except (ValueError, KeyError, TypeError, AttributeError):
        return False
    if not result.verified:
        return False
    nonce = parsed.challenge.parameters.nonce[:32]
    return quotas.take(session, f"altcha:{nonce}", 1, window=ALTCHA_LIFETIME * 2)
