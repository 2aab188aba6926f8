"""Checking X-Twilio-Signature on every webhook, with Twilio's RequestValidator."""

import functools
import logging

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)


def public_url() -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL plus this request's path and query."""
    base = current_app.config["PUBLIC_BASE_URL"]
    full_path = request.full_path if request.query_string else request.path
    return base + full_path


def is_signed() -> bool:
    if not current_app.config.get("WEBHOOK_SIGNATURE_CHECK", True):
        return True
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    signature = request.headers.get("X-Twilio-Signature", "")
    params = request.form.to_dict(flat=True) if request.method == "POST" else {}
    return bool(signature) and validator.validate(public_url(), params, signature)


def twilio_signed(view):
    """Refuse with 403, changing nothing, a request not signed by our Twilio account."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not is_signed():
            log.warning("refused webhook with a bad signature: %s %s", request.method, request.path)
            abort(403)
        return view(*args, **kwargs)

    return wrapper
