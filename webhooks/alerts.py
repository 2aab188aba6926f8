"""The alert call's webhooks (issue 5): HTTP in, dialer.conversation calls, TwiML out; the
status and AMD callbacks handed to dialer.settle.

Every URL carries the attempt's opaque token (never a SID or an id); every route checks
Twilio's signature.
"""

import logging

from flask import Blueprint, current_app, request
from sqlalchemy import select

from dialer import conversation, settle
from dialer.calls import hang_up_or_redirect
from models import FINAL_CALL_STATUSES, CallAttempt, Campaign
from runtime import metrics, urls
from runtime.db import get_session, relaxed_commit
from runtime.logs import ids

from .params import bad_request, checked
from .signature import twilio_signed
from .voice import callback, twiml, xml

bp = Blueprint("alerts", __name__, url_prefix="/voice")
log = logging.getLogger(__name__)


def _language() -> str:
    return conversation.language(request.args.get("lang"))


def _apology(_error: Exception | None = None):
    """Any error: the spoken apology in the call's language (its URL's), then hang up."""
    return conversation.apology(current_app.config, _language())


def _refused():
    """A TwiML route's answer to parameters that break the rules: the apology, HTTP 200."""
    return xml(_apology())


@bp.post("/alert/<token>")
@twilio_signed
@checked(_refused)
@twiml("alert call", _apology)
def answer(token):
    """The call was answered: the message at once, then the menu."""
    return conversation.answer(get_session(), current_app.config, token, _language())


@bp.post("/alert/<token>/keys")
@twilio_signed
@checked(_refused)
@twiml("alert call", _apology)
def keys(token):
    """The key pressed after the message (dialer.conversation.OPTIONS); silence repeats once,
    then goodbye."""
    return conversation.keys(
        get_session(),
        current_app.config,
        token,
        _language(),
        request.form.get("Digits") or "",
        request.args.get("silences", "0"),
        bool(request.args.get("timeout")),
    )


@bp.post("/alert/<token>/voicemail")
@twilio_signed
@checked(_refused)
@twiml("alert call", _apology)
def voicemail(token):
    """After the answering machine's beep: the whole message, once, then hang up."""
    return conversation.voicemail(get_session(), current_app.config, token, _language())


@bp.post("/status/alert/<token>")
@twilio_signed
@checked(bad_request)
@callback("alert status callback")
def status(token):
    """Call status callbacks: idempotent and safe out of order. A progress event is one UPDATE,
    committed without waiting for the disk on PostgreSQL: were it lost in a crash, the next
    event or the reconciler's fetch tells the same; a final status is committed durably."""
    session = get_session()
    form = request.form
    call_status = form.get("CallStatus", "")
    sid = form.get("CallSid") or None
    metrics.callback(call_status)
    try:
        sequence = int(form.get("SequenceNumber", "0") or 0)
    except ValueError:
        sequence = 0
    if call_status in FINAL_CALL_STATUSES:
        attempt_id = session.scalar(select(CallAttempt.id).where(CallAttempt.token == token))
        if attempt_id is None:
            log.warning("status callback for an unknown token")
            return "", 204
        duration = form.get("CallDuration") or form.get("Duration")
        outcome = settle.record_final(
            session,
            attempt_id,
            call_status,
            sid=sid,
            duration=int(duration) if duration and duration.isdigit() else None,
            answered_by=form.get("AnsweredBy") or None,
            sequence=sequence,
        )
        if outcome:
            log.info(
                "call %s to attempt %s: %s",
                sid,
                attempt_id,
                outcome,
                extra=ids(attempt=attempt_id, call=sid, status=outcome),
            )
    elif call_status:
        relaxed_commit(session)
        if not settle.record_progress(session, token, call_status, sequence, sid=sid):
            log.warning("status callback for an unknown token")
    session.commit()
    return "", 204


@bp.post("/amd/alert/<token>")
@twilio_signed
@checked(bad_request)
@callback("alert AMD callback")
def amd(token):
    """AMD's verdict: a machine gets the message after its beep; a fax is hung up on."""
    session = get_session()
    row = session.execute(
        select(CallAttempt.id, CallAttempt.sid, CallAttempt.outcome, Campaign.leave_voicemail)
        .join(Campaign, Campaign.id == CallAttempt.campaign_id)
        .where(CallAttempt.token == token)
    ).first()
    if row is None:
        log.warning("AMD callback for an unknown token")
        return "", 204
    answered_by = request.form.get("AnsweredBy", "unknown")
    sid = request.form.get("CallSid") or row.sid
    first, _ = settle.record_amd(session, row.id, answered_by, sid=sid)
    session.commit()
    log.info("call %s: AMD says %s%s", sid, answered_by, "" if first else " (again, ignored)")
    action = conversation.after_amd(answered_by, row.leave_voicemail)
    if first and row.outcome is None and sid and action:
        hang_up_or_redirect(
            current_app,
            sid,
            urls.alert_voicemail(current_app.config, token, _language())
            if action == "voicemail"
            else None,
        )
    return "", 204
