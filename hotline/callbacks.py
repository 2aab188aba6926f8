"""Outbound call-backs of the hotline (jobs), and the TwiML those calls hear.

- verify_number: calls a keyed-in number; the person who answers presses
  menus.CALLBACK_CONFIRM_KEY to confirm it (menus.CALLBACK_MENU: what they hear).
- password_reset: calls the registered number (or texts a mobile) with a temporary password.

The call's URL carries an opaque signed token naming a OneTimeCode, never a code: the
temporary password is drawn when Twilio fetches the TwiML, stored hashed at once, and said.
"""

import logging
import secrets
import time

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from twilio.base.exceptions import TwilioException
from twilio.twiml.voice_response import Gather, VoiceResponse

from models import FINAL_CALL_STATUSES, OneTimeCode, PhoneNumber, audit, utcnow
from models.passwords import hash_secret
from runtime import pacing, urls
from runtime.db import sessionmaker_for
from runtime.i18n import DEFAULT_LANGUAGE, spoken_digits, t, voice
from runtime.queue import current_job_app
from runtime.twilio_client import get_client

from .menus import CALLBACK_MENU
from .twiml import apology, menu_text

log = logging.getLogger(__name__)
CODE_DIGITS = 6
# What a call-back or SMS of each purpose says: (SMS text, spoken text). The purposes in
# DRAWN carry a fresh temporary password ({code}); the others are a notice. The resident
# portal (portal/) sends its temporary passwords and notices through these same jobs.
MESSAGES = {
    "password_reset": ("sms.temporary_password", "hotline.callback.password"),
    "web_password": ("portal.sms.password", "portal.call.password"),
    "web_registered": ("portal.sms.registered", "portal.call.registered"),
}
DRAWN = {"password_reset", "web_password"}
HANGUP_WAIT_S, HANGUP_POLL_S = 60, 2


def _serializer(config) -> URLSafeSerializer:
    return URLSafeSerializer(config["SECRET_KEY"], salt="hotline-callback")


def token_for(config, code_id: int) -> str:
    return _serializer(config).dumps(code_id)


def code_from_token(session, config, token: str) -> OneTimeCode | None:
    try:
        code_id = _serializer(config).loads(token)
    except BadSignature:
        return None
    code = session.get(OneTimeCode, code_id)
    if code is None or code.used_at is not None or code.expires_at < utcnow():
        return None
    return code


def language_of(session, config, token: str) -> str:
    """The language of the person a call-back's TOKEN calls (French when it names no code)."""
    try:
        code = session.get(OneTimeCode, _serializer(config).loads(token))
    except BadSignature:
        code = None
    return _language(session, code.phone_e164) if code is not None else DEFAULT_LANGUAGE


def _language(session, e164: str) -> str:
    phone = session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))
    return phone.residence.language if phone is not None else DEFAULT_LANGUAGE


def _take_cps_slot(app) -> None:
    """Share the account's calls-per-second with the dialer."""
    pacing.acquire(app, priority="service")


def _place_call(app, code: OneTimeCode) -> str:
    url = urls.callback(app.config, token_for(app.config, code.id))
    _take_cps_slot(app)
    created = get_client(app).calls.create(
        to=code.phone_e164, from_=app.config["HOTLINE_NUMBER"], url=url, method="POST"
    )
    return created.sid


def verify_number(code_id: int) -> str | None:
    """Job: call a keyed-in number so its owner confirms it."""
    app = current_job_app()
    with sessionmaker_for(app)() as session:
        code = session.get(OneTimeCode, code_id)
        if code is None or code.used_at is not None:
            return None
        sid = _place_call(app, code)
        log.info("verification call %s placed for code %s", sid, code_id)
        return sid


def _wait_for_hangup(app, call_sid: str | None) -> None:
    """Let the resident hang up the hotline call first: their line would be busy."""
    if not call_sid or app.config.get("RQ_SYNC"):
        return
    deadline = time.monotonic() + HANGUP_WAIT_S
    while time.monotonic() < deadline:
        try:
            status = get_client(app).calls(call_sid).fetch().status
        except TwilioException:
            return
        if status in FINAL_CALL_STATUSES:
            return
        time.sleep(HANGUP_POLL_S)


def password_reset(code_id: int, hotline_call_sid: str | None = None) -> str | None:
    """Job: give a temporary password by a call-back (once the hotline call is over), or by
    SMS to a mobile."""
    app = current_job_app()
    with sessionmaker_for(app)() as session:
        code = session.get(OneTimeCode, code_id)
        if code is None or code.used_at is not None:
            return None
        if code.channel != "sms":
            _wait_for_hangup(app, hotline_call_sid)
            sid = _place_call(app, code)
            log.info("password call-back %s placed for code %s", sid, code_id)
            return sid
        values = {"code": _draw(session, code)} if code.purpose in DRAWN else _spend(session, code)
        body = t(_language(session, code.phone_e164), MESSAGES[code.purpose][0], **values)
        pacing.acquire_message(app, priority="service")  # the account's texts a second
        message = get_client(app).messages.create(
            to=code.phone_e164, from_=app.config["TWILIO_CALLER_ID"], body=body
        )
        log.info("temporary password sent by SMS %s for code %s", message.sid, code_id)
        return message.sid


def _draw(session, code: OneTimeCode) -> str:
    """A fresh temporary password: its hash is stored, the clear value only returned."""
    clear = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    code.code_hash = hash_secret(clear)
    audit(
        session,
        "system",
        "hotline.temporary_password",
        "phone",
        code.phone_e164,
        channel=code.channel,
    )
    session.commit()
    return clear


def _spend(session, code: OneTimeCode) -> dict:
    """A notice carries no password: its row is used once said or sent."""
    code.used_at = utcnow()
    session.commit()
    return {}


def callback_twiml(session, config, token: str) -> VoiceResponse:
    """What the called person hears: the temporary password, or the confirmation question."""
    code = code_from_token(session, config, token)
    if code is None:
        return apology(config)
    language = _language(session, code.phone_e164)
    response = VoiceResponse()
    if code.purpose in MESSAGES:
        values = (
            {"code": spoken_digits(_draw(session, code))}
            if code.purpose in DRAWN
            else _spend(session, code)
        )
        response.say(t(language, MESSAGES[code.purpose][1], **values), **voice(config, language))
        response.hangup()
        return response
    gather = Gather(
        input="dtmf",
        action=urls.callback_answer(config, token),
        method="POST",
        num_digits=1,
        timeout=8,
    )
    gather.say(menu_text(language, CALLBACK_MENU, {}), **voice(config, language))
    response.append(gather)
    response.redirect(urls.callback_answer(config, token, silence=True), method="POST")
    return response


def callback_answer(session, config, token: str, digits: str) -> VoiceResponse:
    """The person called to confirm a keyed-in number pressed DIGITS (the confirming option of
    CALLBACK_MENU; any other key, or silence, leaves it unconfirmed)."""
    code = code_from_token(session, config, token)
    if code is None or code.purpose != "number_verification":
        return apology(config)
    language = _language(session, code.phone_e164)
    response = VoiceResponse()
    phone = session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == code.phone_e164))
    option = CALLBACK_MENU.option(digits)
    if option is not None and option.target == "number_confirmed" and phone is not None:
        now = utcnow()
        phone.active, phone.verified_at, code.used_at = True, now, now
        audit(
            session,
            f"hotline:{phone.e164}",
            "hotline.number_confirmed",
            "residence",
            phone.residence_id,
        )
        session.commit()
        log.info("keyed-in number confirmed by its owner (residence %s)", phone.residence_id)
        key = "hotline.callback.verify.done"
    else:
        key = "hotline.callback.verify.not_done"
    response.say(t(language, key), **voice(config, language))
    response.hangup()
    return response
