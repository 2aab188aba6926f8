"""The alert call's TwiML, status and AMD callbacks (issue 5).

Every URL carries the attempt's opaque token (never a SID or an id); every route checks
Twilio's signature. A person hears the message at once (AMD runs asynchronously), then
1 = repeat, 2 = confirm; silence = the message once more, then goodbye. An answering machine
(AMD `machine_end_*`, after the beep) gets the call redirected to the voicemail TwiML: the
whole message once, then hang up. A fax is hung up on (that number failed).
"""
import logging

from flask import Blueprint, current_app, request
from sqlalchemy import select
from twilio.twiml.voice_response import VoiceResponse

from dialer import settle
from dialer.calls import hang_up_or_redirect
from dialer.outcome import MACHINE_ANSWERS
from runtime.db import get_session, relaxed_commit
from runtime import metrics, urls
from runtime.i18n import t, voice
from runtime.logs import ids
from models import FINAL_CALL_STATUSES, CallAttempt, Campaign

from .params import bad_request, checked
from .signature import twilio_signed

bp = Blueprint("alerts", __name__, url_prefix="/voice")
log = logging.getLogger(__name__)
REPEAT_KEY, CONFIRM_KEY = "1", "2"
GATHER_TIMEOUT_S = 6


def _twiml(response: VoiceResponse):
    return str(response), 200, {"Content-Type": "text/xml"}


def _language() -> str:
    lang = request.args.get("lang", "fr")
    return lang if lang in ("fr", "en") else "fr"


def _load(token: str):
    row = get_session().execute(select(CallAttempt, Campaign).join(
        Campaign, Campaign.id == CallAttempt.campaign_id).where(CallAttempt.token == token)).first()
    return (None, None) if row is None else (row[0], row[1])


def _say_message(node, campaign: Campaign, lang: str) -> None:
    """The city's heading, then the message in LANG: its recording, else its text; a campaign
    without that language falls back to the other one's recording, then text."""
    attributes = voice(current_app.config, lang)
    node.say(t(lang, "alert.intro"), **attributes)
    other = "fr" if lang == "en" else "en"
    for language in (lang, other):
        audio = getattr(campaign, f"audio_url_{language}")
        text = getattr(campaign, f"message_{language}")
        if audio:
            node.play(audio)
            return
        if text:
            node.say(text, **voice(current_app.config, language))
            return


def _say(node, lang: str, key: str) -> None:
    node.say(t(lang, key), **voice(current_app.config, lang))


def _say_and_hang_up(lang: str, key: str) -> VoiceResponse:
    response = VoiceResponse()
    _say(response, lang, key)
    response.hangup()
    return response


def _message_and_menu(token: str, campaign: Campaign, lang: str, silences: int) -> VoiceResponse:
    response = VoiceResponse()
    config = current_app.config
    gather = response.gather(num_digits=1, timeout=GATHER_TIMEOUT_S, method="POST",
                             action=urls.alert_keys(config, token, lang, silences))
    _say_message(gather, campaign, lang)
    _say(gather, lang, "alert.menu" if campaign.ask_confirmation else "alert.menu_repeat")
    response.redirect(urls.alert_keys(config, token, lang, silences, silence=True),
                      method="POST")
    return response


def _apology(lang: str) -> VoiceResponse:
    return _say_and_hang_up(lang, "alert.error")


def _refused():
    """A TwiML route's answer to parameters that break the rules: the apology, HTTP 200."""
    return _twiml(_apology(_language()))


@bp.post("/alert/<token>")
@twilio_signed
@checked(_refused)
def answer(token):
    """The call was answered: the message at once, then the menu."""
    lang = _language()
    try:
        attempt, campaign = _load(token)
        if attempt is None:
            log.warning("alert TwiML asked for an unknown token")
            return _twiml(_apology(lang))
        return _twiml(_message_and_menu(token, campaign, lang, silences=0))
    except Exception:
        log.exception("alert call %s: answering failed", token[:6])
        return _twiml(_apology(lang))


@bp.post("/alert/<token>/keys")
@twilio_signed
@checked(_refused)
def keys(token):
    """1 repeats, 2 confirms; silence repeats once, then goodbye."""
    lang = _language()
    try:
        attempt, campaign = _load(token)
        if attempt is None:
            return _twiml(_apology(lang))
        digit = (request.form.get("Digits") or "")[:1]
        silences = int(request.args.get("silences", "0") or 0)
        if request.args.get("timeout") or not digit:
            if silences >= 1:
                return _twiml(_say_and_hang_up(lang, "alert.goodbye"))
            return _twiml(_message_and_menu(token, campaign, lang, silences=silences + 1))
        if digit == CONFIRM_KEY and campaign.ask_confirmation:
            session = get_session()
            settle.record_confirmation(session, attempt.id)
            session.commit()
            log.info("alert call %s: receipt confirmed", attempt.sid)
            return _twiml(_say_and_hang_up(lang, "alert.confirmed"))
        return _twiml(_message_and_menu(token, campaign, lang, silences=silences))
    except Exception:
        log.exception("alert call %s: key handling failed", token[:6])
        get_session().rollback()
        return _twiml(_apology(lang))


@bp.post("/alert/<token>/voicemail")
@twilio_signed
@checked(_refused)
def voicemail(token):
    """After the answering machine's beep: the whole message, once, then hang up."""
    lang = _language()
    try:
        attempt, campaign = _load(token)
        response = VoiceResponse()
        if attempt is not None:
            _say_message(response, campaign, lang)
        response.hangup()
        return _twiml(response)
    except Exception:
        log.exception("alert call %s: voicemail TwiML failed", token[:6])
        get_session().rollback()
        return _twiml(_apology(lang))


@bp.post("/status/alert/<token>")
@twilio_signed
@checked(bad_request)
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
        outcome = settle.record_final(session, attempt_id, call_status, sid=sid,
                                      duration=int(duration) if duration and duration.isdigit()
                                      else None, answered_by=form.get("AnsweredBy") or None,
                                      sequence=sequence)
        if outcome:
            log.info("call %s to attempt %s: %s", sid, attempt_id, outcome,
                     extra=ids(attempt=attempt_id, call=sid, status=outcome))
    elif call_status:
        relaxed_commit(session)
        if not settle.record_progress(session, token, call_status, sequence, sid=sid):
            log.warning("status callback for an unknown token")
    session.commit()
    return "", 204


@bp.post("/amd/alert/<token>")
@twilio_signed
@checked(bad_request)
def amd(token):
    """AMD's verdict: a machine gets the message after its beep; a fax is hung up on."""
    session = get_session()
    row = session.execute(select(CallAttempt.id, CallAttempt.sid, CallAttempt.outcome,
                                 Campaign.leave_voicemail).join(
        Campaign, Campaign.id == CallAttempt.campaign_id).where(CallAttempt.token == token)).first()
    if row is None:
        log.warning("AMD callback for an unknown token")
        return "", 204
    answered_by = request.form.get("AnsweredBy", "unknown")
    sid = request.form.get("CallSid") or row.sid
    first, _ = settle.record_amd(session, row.id, answered_by, sid=sid)
    session.commit()
    log.info("call %s: AMD says %s%s", sid, answered_by, "" if first else " (again, ignored)")
    if first and row.outcome is None and sid:
        if answered_by in MACHINE_ANSWERS and answered_by != "machine_start":
            if row.leave_voicemail:
                hang_up_or_redirect(current_app, sid, urls.alert_voicemail(
                    current_app.config, token, _language()))
            else:
                hang_up_or_redirect(current_app, sid)
        elif answered_by == "fax":
            hang_up_or_redirect(current_app, sid)
    return "", 204

