"""The SMS webhooks (issue 14): an alert text's status callback, and the city number's
Messaging webhook (what residents text back). Both signed (403 otherwise); the first hands the
MessageStatus to dialer.settle, the second the text to dialer.replies and answers TwiML through
MessagingResponse.

Routes: POST /sms/status/<token> (given by the dialer with each text), POST /sms/incoming (to
set as the number's "A message comes in" webhook at Twilio).
"""

import logging
import re

from flask import Blueprint, current_app, request
from sqlalchemy.exc import IntegrityError
from twilio.twiml.messaging_response import MessagingResponse

from dialer import replies, settle
from models.phone import try_e164
from runtime.db import get_session, relaxed_commit

from .params import BadParameter, bad_request, check
from .signature import twilio_signed
from .voice import callback

bp = Blueprint("sms", __name__, url_prefix="/sms")
log = logging.getLogger(__name__)

MAX_BODY = 1600
"""The longest text Twilio carries (10 segments); a longer Body is cut, never refused."""
_ERROR_CODE = re.compile(r"\d{1,6}")
_STATUS = re.compile(r"[a-z_]{1,32}")
_SID = re.compile(r"[A-Z]{2}[0-9A-Za-z]{1,32}")
_LOOSE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _valid() -> bool:
    """The path, query and form pass the webhooks' rules (the Body apart: checked below)."""
    try:
        check((request.view_args or {}).items())
        check(request.args.items(multi=True))
        check((name, value) for name, value in request.form.items(multi=True) if name != "Body")
    except BadParameter as error:
        log.warning("refused SMS webhook %s: %s", request.path[:80], error)
        return False
    for name, rule in (
        ("MessageStatus", _STATUS),
        ("SmsStatus", _STATUS),
        ("MessageSid", _SID),
        ("SmsSid", _SID),
        ("SmsMessageSid", _SID),
    ):
        value = request.form.get(name)
        if value and not rule.fullmatch(value):
            log.warning("refused SMS webhook %s: %s is not valid", request.path[:80], name)
            return False
    return _ERROR_CODE.fullmatch(request.form.get("ErrorCode", "0") or "0") is not None


def _twiml(response: MessagingResponse):
    return str(response), 200, {"Content-Type": "text/xml"}


@bp.post("/status/<token>")
@twilio_signed
@callback("text status callback")
def status(token):
    """A text's MessageStatus: idempotent, in any order (dialer.settle.record_message)."""
    if not _valid():
        return bad_request()
    form = request.form
    message_status = form.get("MessageStatus") or form.get("SmsStatus") or ""
    sid = form.get("MessageSid") or form.get("SmsSid") or None
    code = form.get("ErrorCode") or ""
    session = get_session()
    if message_status not in ("delivered", "undelivered", "failed"):
        relaxed_commit(session)  # progress only: the next report or the fetch says the same
    outcome = settle.record_message(
        session, token, message_status, sid=sid, error_code=int(code) if code else None
    )
    session.commit()
    if outcome:
        log.info("text %s: %s", sid, outcome)
    return "", 204


@bp.post("/incoming")
@twilio_signed
@callback("inbound text")
def incoming():
    """A resident's text: ARRÊT / REPRISE / AIDE answered, anything else kept for staff."""
    response = MessagingResponse()
    if not _valid():
        return _twiml(response)
    form = request.form
    sender = try_e164(form.get("From"))
    body = _LOOSE.sub("", form.get("Body", ""))[:MAX_BODY]
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    if sender is None or not sid:
        log.warning("inbound text without a usable From or MessageSid")
        return _twiml(response)
    session = get_session()
    try:
        answer = replies.handle(session, current_app.config, sender, body, sid)
        session.commit()
    except IntegrityError:  # the same text posted twice at once: stored once
        session.rollback()
        answer = replies.Answer("reply", None)
    if answer.text:
        response.message(answer.text)
    log.info("inbound text from %s: %s", sender[-4:], answer.kind)
    return _twiml(response)
