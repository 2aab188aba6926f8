"""The provider side of an alert text (SMS): send it, fetch it, find a lost one; and the error
codes that decide what happens next. Callback URLs carry the attempt's opaque token.

Rules (dialer/settle.py applies them):
- `delivered`: the residence is reached (`sms_delivered`).
- `undelivered` / `failed`: the next contact is tried; with a landline code (LANDLINE_ERRORS:
  30006 "landline or unreachable carrier", 21614 "not a mobile number") the same number gets a
  voice call instead, before the next contact.
- 21610 (the number texted STOP to the account): the contact is marked opted out, never texted
  again until it texts REPRISE / START; the next contact is tried.
"""

import logging
from datetime import datetime
from typing import Any, cast

from flask import Flask
from twilio.base.exceptions import TwilioRestException

from runtime import urls

from .calls import client_for, fetch_resource, first_unowned

log = logging.getLogger(__name__)

LANDLINE_ERRORS = frozenset({30006, 21614})
"""A number that cannot take SMS: it gets a voice call instead."""
OPTED_OUT_ERROR = 21610
"""The recipient unsubscribed (STOP) from the account's messages."""
SMS_FINAL_GRACE_S = 60.0
"""A message with no final status this long after it was sent is fetched from the API
(`DIALER_SMS_FINAL_GRACE_S`)."""


def error_code(error: Exception) -> int | None:
    return error.code if isinstance(error, TwilioRestException) else None


def send_text(app: Flask, token: str, to: str, body: str) -> str:
    """messages.create from the city's number with a token-bearing status callback; the SID."""
    config = app.config
    message = client_for(app).messages.create(
        to=to,
        from_=config["TWILIO_CALLER_ID"],
        body=body,
        status_callback=urls.sms_status(config, token),
    )
    return cast(str, message.sid)  # twilio is untyped


def fetch_text(app: Flask, sid: str) -> Any:
    """The message as the REST API sees it now, or None when it cannot be fetched."""
    return fetch_resource(client_for(app).messages, "message", sid)


def find_lost_text(app: Flask, to: str, since: datetime, taken_sids: set[str]) -> Any:
    """A message to TO created at or after SINCE that no attempt owns: the answer we lost."""
    return first_unowned(client_for(app).messages.list(to=to, limit=50), since, taken_sids)
