"""The alerts in force, said first to every caller (issue 15; which ones: announcements.py).

A registered caller hears them in the residence's language ("announcement": 1 goes on to the
password). Anyone else has not chosen a language yet: the alerts are said in French, then in
English, and the key that goes on chooses the language ("announcement_language": 1 French, 2
English), so the alert costs them no extra key. 9 repeats the alerts; after a silence or a wrong
key only the keys are said again; after the misses allowed the call goes on (in French when no
language was chosen): a caller in an emergency is never hung up on here.

Each alert: the catalogue's preamble ("Avis en vigueur de la Ville de Saguenay, diffusé
aujourd'hui à 7 h 00 :", a lifting notice "Fin de l'avis ...") then the campaign's own text, in
the caller's language, else the other one; or its recording, played (<Play>), where the alert
call played one in that language (a recording in place of the text, as the dialer does).
"""

from models import Campaign, utcnow
from runtime.i18n import LANGUAGES, t
from runtime.when import moment

from . import identify
from .announcements import LIFTING, current_alerts, message_for, recording_for
from .handlers import action, prompt_values
from .twiml import PerLanguage, played, unmarked

REGISTERED, UNKNOWN = "announcement", "announcement_language"


def start(call, residence_id: int | None) -> bool:
    """Before the usual flow: when alerts are in force for the caller (of RESIDENCE_ID, None:
    unknown), go to the menu that says them; False when there is none."""
    alerts = current_alerts(call.session, residence_id)
    if not alerts:
        return False
    call.data["alerts"] = [campaign.id for campaign in alerts]
    call.goto(REGISTERED if residence_id is not None else UNKNOWN)
    return True


def alerts_text(call, language: str) -> str:
    """Every alert of the call said in LANGUAGE, each after its preamble."""
    campaigns = [call.session.get(Campaign, cid) for cid in call.data.get("alerts", [])]
    campaigns = [c for c in campaigns if c is not None]
    texts = [t(language, "hotline.h1_announce.several", count=len(campaigns))]
    texts = texts if len(campaigns) > 1 else []
    for campaign in campaigns:
        when = moment(
            campaign.launched_at or campaign.created_at,
            utcnow(),
            call.config["TIMEZONE"],
            language,
        )
        lifting = campaign.follow_kind == LIFTING
        texts.append(
            t(
                language,
                "hotline.h1_announce.lifting" if lifting else "hotline.h1_announce.alert",
                when=when,
            )
        )
        message = unmarked(message_for(campaign, language).strip())
        recording = recording_for(campaign, language)
        if recording:  # the recording the alert call played, played here too
            message = played(recording)
        elif not message:
            message = t(language, "hotline.h1_announce.recorded")
        elif message[-1] not in ".!?":
            message += "."
        texts.append(message)
    return " ".join(texts)


@prompt_values(REGISTERED)
@prompt_values(UNKNOWN)
def announcement_values(call):
    """The prompt of both menus: the alerts, in each language the menu is said in."""
    languages = LANGUAGES if call.step == UNKNOWN else (call.language,)
    return {
        "alerts": PerLanguage({language: alerts_text(call, language) for language in languages})
    }


@action("announce_go_on")
def go_on(call, _digit=None):
    """A registered caller goes on to the password, as without an alert."""
    call.say("hotline.welcome")
    call.goto("auth")


@action("announce_french")
def go_on_in_french(call, _digit=None):
    call.language = "fr"
    call.say("hotline.welcome")
    identify.after_language(call)


@action("announce_english")
def go_on_in_english(call, _digit=None):
    call.language = "en"
    call.say("hotline.welcome")
    identify.after_language(call)


def out_of_misses(call) -> None:
    """After the misses allowed: go on, never hang up (no language chosen: French)."""
    if call.step == REGISTERED:
        go_on(call)
    else:
        go_on_in_french(call)
