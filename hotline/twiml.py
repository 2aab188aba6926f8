"""Turning a handled call into TwiML, only through VoiceResponse."""
from twilio.twiml.voice_response import Gather, VoiceResponse

from runtime import urls
from runtime.i18n import t, voice

from . import staff
from .menus import MENUS

GATHER_TIMEOUT = 6  # seconds of silence before the "no input" redirect
RECORD_SILENCE = 5


def say_all(response, config, said) -> None:
    for language, text in said:
        response.say(text, **voice(config, language))


def prompt_texts(call, values) -> list[tuple[str, str]]:
    menu = MENUS[call.step]
    if call.step == "language":  # bilingual by nature
        return [(lang, t(lang, menu.prompt)) for lang in ("fr", "en")]
    texts = [call.t(menu.prompt, **values)]
    if menu.staff and staff.configured(call.config) and menu.prompt != "hotline.option.staff":
        texts.append(call.t("hotline.option.staff"))
    if menu.repeat:
        texts.append(call.t("hotline.option.repeat"))
    return [(call.language, " ".join(texts))]


def render(call, values: dict | None = None) -> VoiceResponse:
    """What was said, then the end of the call or the current step's prompt."""
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
    texts = prompt_texts(call, values or {})
    if menu.record:
        say_all(response, config, texts)
        response.record(action=resume_url, method="POST", max_length=menu.record,
                        finish_on_key="#", play_beep=True, timeout=RECORD_SILENCE)
    else:
        options = {"finish_on_key": "#"} if menu.entry else {"num_digits": 1}
        if menu.empty_ok:
            options["action_on_empty_result"] = True
        gather = Gather(input="dtmf", action=resume_url, method="POST",
                        timeout=GATHER_TIMEOUT, **options)
        say_all(gather, config, texts)
        response.append(gather)
    response.redirect(urls.hotline_resume(config, silence=True), method="POST")  # an event
    return response


def apology(config, language: str = "fr") -> VoiceResponse:
    """An internal error still gets a spoken apology and a clean hang-up."""
    response = VoiceResponse()
    response.say(t(language, "common.error"), **voice(config, language))
    response.hangup()
    return response
