"""Turning a handled call into TwiML, only through VoiceResponse."""

import re

from twilio.twiml.voice_response import Gather, VoiceResponse

from runtime import urls
from runtime.i18n import DEFAULT_LANGUAGE, LANGUAGES, t, voice
from runtime.keypad import key_name, offers

from . import staff
from .menus import END_KEY, MENUS, REPEAT_OPTION, STAFF_OPTION, Menu

GATHER_TIMEOUT = 6  # seconds of silence before the "no input" redirect
RECORD_SILENCE = 5


_PLAYED = re.compile(r"\[\[play:(https://[^\]\s]+)\]\]")


def played(url: str) -> str:
    """A recording (an https:// MP3 or WAV) to play in the middle of what is said: `say_all`
    turns the mark into <Play>."""
    return f"[[play:{url}]]"


def unmarked(text: str) -> str:
    """TEXT that cannot carry a play mark (staff-written text said inside a prompt)."""
    return text.replace("[[", "[ [")


def say_all(response, config, said) -> None:
    """Each (language, text) said, a `played` mark in it played where it stands."""
    for language, text in said:
        for index, part in enumerate(_PLAYED.split(text)):
            if index % 2:
                response.play(part)
            elif part.strip():
                response.say(part.strip(), **voice(config, language))


class PerLanguage(dict):
    """A prompt value said differently in each language (language -> text): the values of a
    menu said in both languages (Menu.bilingual)."""


def menu_text(
    language: str,
    menu: Menu,
    values: dict,
    offered: dict[str, dict] | None = None,
    extra=(),
    preamble: bool = True,
) -> str:
    """MENU said in LANGUAGE: its prompt (a `preamble` prompt only when PREAMBLE), the options
    OFFERED (key -> label values; all of them by default, with VALUES), its outro, then the
    EXTRA options (staff, repeat)."""
    values = {k: v[language] if isinstance(v, PerLanguage) else v for k, v in values.items()}
    if offered is None:
        offered = {option.key: values for option in menu.options}
    said_prompt = menu.prompt and (preamble or not menu.preamble)
    texts = (
        [t(language, menu.prompt, end_key=key_name(language, END_KEY), **values)]
        if said_prompt
        else []
    )
    texts += offers(language, [o for o in menu.options if o.key in offered], offered)
    if menu.outro:
        texts.append(t(language, menu.outro))
    texts += offers(language, extra)
    return " ".join(texts)


def prompt_texts(call, values, offered=None, preamble=True) -> list[tuple[str, str]]:
    menu = MENUS[call.step]
    if menu.bilingual:  # the caller has not chosen a language yet
        said = [REPEAT_OPTION] if menu.repeat else []
        return [
            (language, menu_text(language, menu, values, offered, said, preamble))
            for language in LANGUAGES
        ]
    extra = [STAFF_OPTION] if menu.staff and staff.configured(call.config) else []
    if menu.repeat:
        extra.append(REPEAT_OPTION)
    return [(call.language, menu_text(call.language, menu, values, offered, extra, preamble))]


def render(
    call, values: dict | None = None, offered: dict[str, dict] | None = None, preamble: bool = True
) -> VoiceResponse:
    """What was said, then the end of the call or the current step's prompt (with the options
    OFFERED: key -> label values; None: all of the menu's; a menu's preamble when PREAMBLE)."""
    config, response = call.config, VoiceResponse()
    resume_url = urls.hotline_resume(config)
    say_all(response, config, call.said)
    if call.end == "hangup":
        response.hangup()
        return response
    if call.end == "dial":
        response.dial(config["STAFF_TRANSFER_NUMBER"])
        response.hangup()
        return response
    menu = MENUS[call.step]
    texts = prompt_texts(call, values or {}, offered, preamble)
    if menu.record:
        say_all(response, config, texts)
        response.record(
            action=resume_url,
            method="POST",
            max_length=menu.record,
            finish_on_key=END_KEY,
            play_beep=True,
            timeout=RECORD_SILENCE,
        )
    else:
        options = {"finish_on_key": END_KEY} if menu.entry else {"num_digits": 1}
        if menu.empty_ok:
            options["action_on_empty_result"] = True
        gather = Gather(
            input="dtmf", action=resume_url, method="POST", timeout=GATHER_TIMEOUT, **options
        )
        say_all(gather, config, texts)
        response.append(gather)
    response.redirect(urls.hotline_resume(config, silence=True), method="POST")  # an event
    return response


def apology(config, language: str = DEFAULT_LANGUAGE) -> VoiceResponse:
    """An internal error still gets a spoken apology and a clean hang-up."""
    response = VoiceResponse()
    response.say(t(language, "common.error"), **voice(config, language))
    response.hangup()
    return response
