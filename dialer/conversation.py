"""The alert call's conversation, as pure functions `(session, config, token, ...) ->
VoiceResponse` (webhooks/alerts.py only turns HTTP into their calls), and AMD's decision.

A person hears the message at once (AMD runs asynchronously), then the menu OPTIONS, said from
their keys (runtime.keypad): REPEAT_KEY hears it again, CONFIRM_KEY confirms (offered when the
campaign asks for confirmation); any other key is the menu again; silence = the message once
more, then goodbye. An answering machine (AMD `machine_end_*`, after the beep) gets the call
redirected to the voicemail TwiML: the whole message once, then hang up. A fax is hung up on
(that number failed).
"""

import logging
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from models import CallAttempt, Campaign
from runtime import urls
from runtime.i18n import t, voice
from runtime.keypad import Option, by_key, offers

from . import settle
from .outcome import MACHINE_ANSWERS

log = logging.getLogger(__name__)
REPEAT_KEY, CONFIRM_KEY = "1", "2"
OPTIONS = (
    Option(REPEAT_KEY, "alert.option.repeat", "repeat"),
    Option(CONFIRM_KEY, "alert.option.confirm", "confirm"),
)
GATHER_TIMEOUT_S = 6
LANGUAGES = ("fr", "en")


def language(raw: str | None) -> str:
    """The call's language from its URL (`lang`); French when absent or unknown."""
    return raw if raw in LANGUAGES else "fr"


def _load(session: Session, token: str) -> tuple[CallAttempt | None, Campaign | None]:
    row = session.execute(
        select(CallAttempt, Campaign)
        .join(Campaign, Campaign.id == CallAttempt.campaign_id)
        .where(CallAttempt.token == token)
    ).first()
    return (None, None) if row is None else (row[0], row[1])


def _say_message(node: Any, config: Mapping[str, Any], campaign: Campaign, lang: str) -> None:
    """The city's heading, then the message in LANG: its recording, else its text; a campaign
    without that language falls back to the other one's recording, then text."""
    node.say(t(lang, "alert.intro"), **voice(config, lang))
    other = "fr" if lang == "en" else "en"
    for language_ in (lang, other):
        audio = getattr(campaign, f"audio_url_{language_}")
        text = getattr(campaign, f"message_{language_}")
        if audio:
            node.play(audio)
            return
        if text:
            node.say(text, **voice(config, language_))
            return


def offered(campaign: Campaign) -> tuple[Option, ...]:
    """The options CAMPAIGN's call offers: all, or all but confirming."""
    return tuple(o for o in OPTIONS if o.target != "confirm" or campaign.ask_confirmation)


def _say_and_hang_up(config: Mapping[str, Any], lang: str, key: str) -> VoiceResponse:
    response = VoiceResponse()
    response.say(t(lang, key), **voice(config, lang))
    response.hangup()
    return response


def _message_and_menu(
    config: Mapping[str, Any], token: str, campaign: Campaign, lang: str, silences: int
) -> VoiceResponse:
    response = VoiceResponse()
    gather = response.gather(
        num_digits=1,
        timeout=GATHER_TIMEOUT_S,
        method="POST",
        action=urls.alert_keys(config, token, lang, silences),
    )
    _say_message(gather, config, campaign, lang)
    gather.say(" ".join(offers(lang, offered(campaign))), **voice(config, lang))
    response.redirect(urls.alert_keys(config, token, lang, silences, silence=True), method="POST")
    return response


def apology(config: Mapping[str, Any], lang: str) -> VoiceResponse:
    """Any error: a spoken apology in the call's language, then hang up."""
    return _say_and_hang_up(config, lang, "alert.error")


def answer(session: Session, config: Mapping[str, Any], token: str, lang: str) -> VoiceResponse:
    """The call was answered: the message at once, then the menu."""
    attempt, campaign = _load(session, token)
    if attempt is None:
        log.warning("alert TwiML asked for an unknown token")
        return apology(config, lang)
    # _load finds both or neither: the campaign is there when the attempt is
    return _message_and_menu(config, token, cast(Campaign, campaign), lang, silences=0)


def keys(
    session: Session,
    config: Mapping[str, Any],
    token: str,
    lang: str,
    digits: str,
    silences: str,
    timeout: bool,
) -> VoiceResponse:
    """CONFIRM_KEY confirms (when offered), any other key repeats; silence (TIMEOUT, or no
    digit) repeats once, then goodbye. SILENCES: the URL's count of silences met so far."""
    attempt, campaign = _load(session, token)
    if attempt is None:
        return apology(config, lang)
    digit = (digits or "")[:1]
    met = int(silences or 0)
    if timeout or not digit:
        if met >= 1:
            return _say_and_hang_up(config, lang, "alert.goodbye")
        # _load finds both or neither: the campaign is there when the attempt is
        return _message_and_menu(config, token, cast(Campaign, campaign), lang, silences=met + 1)
    option = by_key(offered(cast(Campaign, campaign))).get(digit)
    if option is not None and option.target == "confirm":
        settle.record_confirmation(session, attempt.id)
        session.commit()
        log.info("alert call %s: receipt confirmed", attempt.sid)
        return _say_and_hang_up(config, lang, "alert.confirmed")
    return _message_and_menu(config, token, cast(Campaign, campaign), lang, silences=met)


def voicemail(session: Session, config: Mapping[str, Any], token: str, lang: str) -> VoiceResponse:
    """After the answering machine's beep: the whole message, once, then hang up."""
    attempt, campaign = _load(session, token)
    response = VoiceResponse()
    if attempt is not None:
        # _load finds both or neither: the campaign is there when the attempt is
        _say_message(response, config, cast(Campaign, campaign), lang)
    response.hangup()
    return response


def after_amd(answered_by: str, leave_voicemail: bool) -> str | None:
    """What AMD's first verdict does to a call still unsettled: `voicemail` (redirect it to the
    voicemail TwiML), `hangup`, or None (a person, or a machine still talking: nothing)."""
    if answered_by in MACHINE_ANSWERS and answered_by != "machine_start":
        return "voicemail" if leave_voicemail else "hangup"
    if answered_by == "fax":
        return "hangup"
    return None
