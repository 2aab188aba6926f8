"""Issue 15: every caller to the hotline first hears the alerts in force (hotline/
announcement_menu.py): a registered caller those of their residence and the city-wide ones, in
their language; anyone else the city-wide ones in French then in English. 9 repeats, 1 (or 2:
in English) goes on to the usual menus; no alert: the call is exactly as before.

Heard through signed webhook requests, the carrier simulator and `ivr phone`; the setting
through `ivr campaign announce`."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from dialer import campaigns, followup
from models import Campaign, Delivery, utcnow
from runtime.i18n import t
from tests.fixtures.dialer import add_residence as add_targeted
from tests.fixtures.hotline import add_residence

HOTLINE = "+14185550001"
PIN = "258036"
BOIL_FR = "Faites bouillir l'eau avant de la boire."
BOIL_EN = "Boil your water before drinking it."
PREAMBLE_FR = "Avis en vigueur de la Ville de Saguenay, diffusé"
PREAMBLE_EN = "City of Saguenay notice in effect, issued"
WELCOME_FR = t("fr", "hotline.welcome")
WELCOME_EN = t("en", "hotline.welcome")
GO_ON_FR = "Pour continuer, appuyez sur 1."
REPEAT_FR = "Pour réécouter, appuyez sur 9."
LANGUAGE_MENU = "Pour le français, appuyez sur 1. For English, press 2."


def launched(
    app, session, target, message_fr=BOIL_FR, message_en=BOIL_EN, title="Eau", **recordings
):
    campaign = campaigns.create_campaign(
        session,
        "t",
        title=title,
        message_fr=message_fr,
        message_en=message_en,
        target=target,
        priority="emergency",
        **recordings,
    )
    campaigns.launch(app, campaign.id, "t")
    return session.get(Campaign, campaign.id, populate_existing=True)


def chicoutimi_resident(session, e164="+14185550101", language="fr"):
    """A registered resident (with a PIN) at a CHICOUTIMI address."""
    residence = add_residence(session, e164, pin=PIN, language=language)
    residence.city = "CHICOUTIMI"
    session.commit()
    return residence


# --- who hears what -------------------------------------------------------------------------


def test_a_resident_of_the_sector_hears_its_alert_first_one_outside_does_not(app, session, caller):
    chicoutimi_resident(session, "+14185550101")
    add_residence(session, "+14185550102", pin=PIN)  # JONQUIÈRE
    launched(app, session, {"cities": ["CHICOUTIMI"]})
    heard = caller("+14185550101").dial()
    assert heard.text.startswith(PREAMBLE_FR + " aujourd'hui à "), heard
    assert BOIL_FR in heard and GO_ON_FR in heard and REPEAT_FR in heard
    assert "NIP" not in heard and heard.gather is not None
    outside = caller("+14185550102").dial()
    assert BOIL_FR not in outside and PREAMBLE_FR not in outside
    assert outside.text.startswith(WELCOME_FR) and "Composez votre NIP" in outside


def test_a_resident_hears_it_in_their_language(app, session, caller):
    chicoutimi_resident(session, "+14185550101", language="en")
    launched(app, session, {"cities": ["CHICOUTIMI"]})
    heard = caller("+14185550101").dial()
    assert heard.text.startswith(PREAMBLE_EN + " today at "), heard
    assert BOIL_EN in heard and BOIL_FR not in heard
    assert "To continue, press 1. To hear this again, press 9." in heard
    assert "Enter your PIN" in caller("+14185550101").keys("1")


def test_an_unknown_caller_hears_the_city_wide_alert_in_french_then_english(app, session, caller):
    add_targeted(session, ["+14185550101"])
    launched(app, session, {"cities": ["CHICOUTIMI"]}, message_fr="Secteur", message_en="Sector")
    launched(app, session, {"all": True})
    heard = caller("+14185550123").dial()
    french, english = heard.xml.iter("Say")
    assert french.get("language") == "fr-CA" and english.get("language").startswith("en")
    assert french.text.startswith(PREAMBLE_FR) and BOIL_FR in french.text
    assert "Pour continuer en français, appuyez sur 1. Pour réécouter, appuyez sur 9." in (
        french.text
    )
    assert english.text.startswith(PREAMBLE_EN) and BOIL_EN in english.text
    assert "To continue in English, press 2. To hear this again, press 9." in english.text
    assert "Secteur" not in heard and "Sector" not in heard  # a sector's alert: not to them
    # the key that goes on chooses the language: no language menu after it
    assert "pas inscrit" in caller("+14185550123").keys("1")
    heard = caller("+14185550124").keys("2")
    assert heard.text.startswith(WELCOME_EN) and "is not registered" in heard
    assert LANGUAGE_MENU not in heard


def test_a_registered_caller_also_hears_the_city_wide_alerts(app, session, caller):
    launched(app, session, {"all": True})
    add_residence(session, "+14185550102", pin=PIN)  # registered after the launch: not called
    assert BOIL_FR in caller("+14185550102").dial()
    launched(app, session, {"all": True}, message_fr="Deuxième avis.", title="Deux")
    heard = caller("+14185550102").dial()
    assert "2 avis de la Ville sont en vigueur." in heard
    assert heard.text.index("Deuxième avis.") < heard.text.index(BOIL_FR)  # newest first


def test_the_time_it_was_sent_is_said_in_city_time(app, session, caller):
    campaign = launched(app, session, {"all": True})
    session.execute(
        update(Campaign).values(
            launched_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),  # 7 h 00 in Saguenay
            announce_until=utcnow() + timedelta(hours=1),
        )
    )
    session.commit()
    heard = caller("+14185550123").dial()
    assert re.search(r"diffusé le 1er mars( 2026)? à 7 h 00 : " + re.escape(BOIL_FR), heard.text)
    assert re.search(r"issued on March 1( 2026)? at 7:00 a\.m\.: " + re.escape(BOIL_EN), heard.text)
    assert campaign.id


# --- the keys -------------------------------------------------------------------------------


def test_nine_repeats_the_alert_one_goes_on_to_the_password(app, session, caller):
    chicoutimi_resident(session)
    launched(app, session, {"all": True})
    phone = caller("+14185550101")
    first = phone.dial()
    again = phone.press("9")
    assert again.text == first.text and BOIL_FR in again
    heard = phone.press("1")
    assert heard.text.startswith(WELCOME_FR) and "Composez votre NIP" in heard
    assert BOIL_FR not in heard
    assert "Les appels d'alerte sont activés" in phone.press(PIN)  # the account menu, as usual


def test_a_silence_or_a_wrong_key_is_said_then_the_call_goes_on_never_hangs_up(
    app, session, caller
):
    chicoutimi_resident(session)
    launched(app, session, {"all": True})
    phone = caller("+14185550101")
    phone.dial()
    heard = phone.press("5")
    assert heard.text == f"Ce choix n'est pas valide. {GO_ON_FR} {REPEAT_FR}"
    heard = phone.silence()
    assert heard.text == f"Je n'ai rien entendu. {GO_ON_FR} {REPEAT_FR}"
    heard = phone.silence()  # the third miss: on to the password
    assert not heard.hangup and "Composez votre NIP" in heard
    unknown = caller("+14185550123")
    heard = unknown.keys("-", "-", "-")
    assert not heard.hangup and "Le numéro 4 1 8, 5 5 5, 0 1 2 3 n'est pas inscrit." in heard


def test_without_an_alert_the_call_is_as_before(app, session, caller):
    add_residence(session, "+14185550102", pin=PIN)
    heard = caller("+14185550102").dial()
    assert heard.text == f"{WELCOME_FR} Composez votre NIP, puis le carré. " + (
        "Si vous l'avez oublié, appuyez sur l'étoile."
    )
    heard = caller("+14185550123").dial()
    assert heard.text == f"{WELCOME_FR} {LANGUAGE_MENU}"


# --- until when -----------------------------------------------------------------------------


def test_staff_set_until_when_it_is_said_with_ivr_campaign_announce(app, session, caller, runner):
    campaign = launched(app, session, {"all": True})
    result = runner.invoke(args=["campaign", "announce", str(campaign.id)])
    assert result.exit_code == 0, result.output
    assert "annoncée à la ligne info pendant la campagne et 24 h après" in result.output
    assert "announced on the info line during the campaign and 24 h after" in result.output

    result = runner.invoke(args=["campaign", "announce", str(campaign.id), "--off"])
    assert result.exit_code == 0 and "non annoncée" in result.output, result.output
    assert PREAMBLE_FR not in caller().dial()

    past = "2020-01-01 08:00"
    result = runner.invoke(args=["campaign", "announce", str(campaign.id), "--until", past])
    assert result.exit_code == 0 and "est passée" in result.output, result.output
    assert PREAMBLE_FR not in caller().dial()  # expired

    later = (utcnow() + timedelta(days=2)).astimezone().strftime("%Y-%m-%d %H:%M")
    result = runner.invoke(args=["campaign", "announce", str(campaign.id), "--until", later])
    assert result.exit_code == 0 and "jusqu'à" in result.output, result.output
    assert BOIL_FR in caller().dial()

    session.execute(update(Campaign).values(status="completed", finished_at=utcnow()))
    session.commit()
    assert BOIL_FR in caller().dial()  # ended, still within the date staff chose
    result = runner.invoke(args=["campaign", "announce", str(campaign.id), "--default"])
    assert result.exit_code == 0, result.output
    assert BOIL_FR in caller().dial()  # ended less than 24 h ago
    session.execute(update(Campaign).values(finished_at=utcnow() - timedelta(hours=25)))
    session.commit()
    assert PREAMBLE_FR not in caller().dial()


def test_ivr_campaign_announce_refuses_bad_input_clearly(app, session, runner):
    campaign = launched(app, session, {"all": True})
    result = runner.invoke(args=["campaign", "announce", str(campaign.id), "--until", "demain"])
    assert result.exit_code == 2 and "must look like 2026-12-03 18:00" in result.output
    result = runner.invoke(args=["campaign", "announce", str(campaign.id), "--off", "--default"])
    assert result.exit_code == 2 and "choose one of" in result.output
    result = runner.invoke(args=["campaign", "announce", "999", "--off"])
    assert result.exit_code == 1 and "999" in result.output
    assert "Traceback" not in result.output


# --- the lifting notice -----------------------------------------------------------------------


def test_the_lifting_notice_replaces_the_advisory_for_every_caller(app, session, caller):
    reached = add_targeted(session, ["+14185550101"])
    unreached = add_targeted(session, ["+14185550102"], civic="2")
    advisory = launched(app, session, {"all": True})
    session.execute(
        update(Delivery).where(Delivery.residence_id == reached.id).values(status="human")
    )
    session.execute(
        update(Delivery).where(Delivery.residence_id == unreached.id).values(status="no_answer")
    )
    session.commit()
    lifting = followup.create_followup(
        session,
        "t",
        advisory.id,
        followup.LIFTING,
        message_fr="L'avis d'ébullition est levé.",
        message_en="The boil-water advisory is lifted.",
    )
    assert BOIL_FR in caller("+14185550101").dial()  # the lifting notice is not launched yet
    campaigns.launch(app, lifting.id, "t")
    for number in ("+14185550101", "+14185550102", "+14185550123"):
        heard = caller(number).dial()
        assert "Fin de l'avis de la Ville de Saguenay, diffusée aujourd'hui" in heard, number
        assert "L'avis d'ébullition est levé." in heard, number
        assert BOIL_FR not in heard and PREAMBLE_FR not in heard, number
    assert "The boil-water advisory is lifted." in caller("+14185550123").dial()


# --- through the carrier simulator and `ivr phone` -------------------------------------------


def said(record) -> str:
    return " ".join(item["text"] for item in record["said"])


def test_heard_through_the_simulator_then_the_usual_menus(stack, session):
    chicoutimi_resident(session, "+14185550101")
    launched(stack.live.app, session, {"all": True})
    sid = stack.sim.place_call("+14185550101", to=HOTLINE, keys=["9", "1", PIN + "#", "-"])
    record = stack.sim.wait_for_call(sid)
    text = said(record)
    assert not record["twiml_errors"]
    assert text.count(BOIL_FR) == 2  # said, then repeated with 9
    assert "Composez votre NIP" in text and "Les appels d'alerte sont activés" in text
    sid = stack.sim.place_call("+14185550123", to=HOTLINE, keys=["2", "-"])
    text = said(stack.sim.wait_for_call(sid))
    assert BOIL_FR in text and BOIL_EN in text and "is not registered" in text


def test_ivr_phone_hears_the_alert_in_both_languages(stack, session):
    launched(stack.live.app, session, {"all": True})
    result = stack.live.app.test_cli_runner().invoke(
        args=["phone", "--from", "418 555-0142", "--keys", "9 1"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count(BOIL_FR) == 2 and result.output.count(BOIL_EN) == 2
    assert "To continue in English, press 2." in result.output
    assert "Le numéro 4 1 8, 5 5 5, 0 1 4 2 n'est pas inscrit." in result.output


def test_a_recorded_alert_is_played_to_the_caller_as_the_alert_call_played_it(app, session, caller):
    recording = "https://ville.saguenay.ca/avis/ebullition-fr.mp3"
    chicoutimi_resident(session, "+14185550101")
    campaign = launched(
        app,
        session,
        {"cities": ["CHICOUTIMI"]},
        message_fr="",
        message_en="",
        audio_url_fr=recording,
    )
    heard = caller("+14185550101").dial()
    assert heard.text.startswith(PREAMBLE_FR), heard
    assert [p.text for p in heard.gather.iter("Play")] == [recording]
    assert GO_ON_FR in heard and "message enregistré" not in heard
    # staff text cannot smuggle a recording into the prompt
    campaign.audio_url_fr, campaign.message_fr = None, "Voir [[play:https://x.example/a.mp3]]"
    session.commit()
    heard = caller("+14185550101").dial()
    assert heard.gather.find("Play") is None and "Voir [ [play:" in heard
