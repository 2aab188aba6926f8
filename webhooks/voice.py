"""The one error wrapper of every /voice/... route: an error is logged with the route and the
CallSid, counted (`ivr_webhook_errors_total{route}`), and the request's transaction rolled back
(nothing half-written); then

- a TwiML route (`@twiml(...)`) answers its spoken apology and a hang-up, in the call's language,
  HTTP 200: never an HTTP error, which Twilio would read to the caller in its own English;
- a status or AMD callback route (`@callback(...)`) answers 204, empty. Twilio retries no status
  callback whatever the answer (no connection overrides are set on our URLs), so a 5xx would
  only add an entry to Twilio's debugger; what the lost callback carried is not lost: the
  reconciler fetches, from the REST API, every call whose final status or AMD verdict has not
  come past its grace period (dialer/reconcile.py), and settles it as the callback would have.
  The log line and the counter are the alarm.
"""

import functools
import logging
from collections.abc import Callable

from flask import Response, current_app, request
from sqlalchemy.exc import SQLAlchemyError
from twilio.twiml.voice_response import VoiceResponse

from runtime import metrics
from runtime.db import get_session
from runtime.i18n import DEFAULT_LANGUAGE, t, voice

log = logging.getLogger(__name__)


def _failed(what: str) -> None:
    """Log the error being handled, count it, roll the request's transaction back."""
    log.exception("%s error on %s (call %s)", what, request.path, request.form.get("CallSid"))
    metrics.webhook_error(what)
    try:
        get_session().rollback()
    except Exception:  # noqa: BLE001 - e.g. the database is gone; the answer still goes out
        log.exception("%s: rollback failed too", what)


def xml(response: VoiceResponse) -> Response:
    return Response(str(response), status=200, mimetype="text/xml")


def _last_resort() -> VoiceResponse:
    response = VoiceResponse()
    response.say(t(DEFAULT_LANGUAGE, "common.error"), **voice(current_app.config, DEFAULT_LANGUAGE))
    response.hangup()
    return response


def twiml(what: str, apology: Callable[[Exception], VoiceResponse]):
    """A TwiML route: the view returns a VoiceResponse, answered HTTP 200 as text/xml; any error
    is WHAT's, logged and rolled back, and answered APOLOGY(error) (a spoken apology, then hang
    up; should the apology fail too, the French one)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            try:
                return xml(view(*args, **kwargs))
            except Exception as error:  # noqa: BLE001 - the caller must hear us, whatever broke
                _failed(what)
                try:
                    return xml(apology(error))
                except Exception:  # noqa: BLE001
                    log.exception("%s: the apology failed too", what)
                    return xml(_last_resort())

        return wrapper

    return decorate


def callback(what: str):
    """A status or AMD callback route: the view's answer; any error is WHAT's, logged, counted
    and rolled back, and answered 204 (see above: the reconciler repairs what it loses)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except Exception:  # noqa: BLE001 - answered 204: a 5xx would bring no retry
                _failed(what)
                return "", 204

        return wrapper

    return decorate


def call_language(error: Exception, lookup: Callable[[], str]) -> str:
    """The language to apologise in: LOOKUP()'s (the call's, from the database) unless the
    database itself failed (no second wait on it), or the lookup fails: French then."""
    if isinstance(error, SQLAlchemyError):
        return DEFAULT_LANGUAGE
    try:
        return lookup()
    except Exception:  # noqa: BLE001 - the apology is said whatever the lookup meets
        log.warning("the call's language is unknown: the apology is said in French", exc_info=True)
        return DEFAULT_LANGUAGE
