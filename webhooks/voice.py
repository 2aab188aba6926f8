"""What every TwiML route shares: an error becomes a spoken apology and a hang-up, never an
HTTP error Twilio would read to the caller."""
import logging

from flask import request
from twilio.twiml.voice_response import VoiceResponse

from runtime.db import get_session

log = logging.getLogger(__name__)


def spoken(answer, apology, what: str) -> VoiceResponse:
    """ANSWER()'s TwiML; if it raises (logged as WHAT's error), the request's session is rolled
    back and APOLOGY()'s."""
    try:
        return answer()
    except Exception:  # noqa: BLE001 - Twilio must never read its own error to a caller
        log.exception("%s error on %s (call %s)", what, request.path,
                      request.form.get("CallSid"))
        try:
            get_session().rollback()
        except Exception:  # noqa: BLE001 - e.g. the database is gone; the caller still hears us
            log.exception("%s: rollback failed too", what)
        return apology()
