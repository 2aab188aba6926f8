"""The rules that hold on every prompt: silence, invalid keys, 3 strikes, 9, *, 0, errors."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import HotlineCall, Residence, utcnow
from tests.fixtures.hotline import Caller

TO_PIN = ("1", "1", "1", "12", "", "REC", "")  # French, register, consent, address, no name


def test_every_gather_is_followed_by_a_redirect_marking_silence(caller):
    heard = caller().dial()
    children = list(heard.xml)
    gather_at = [el.tag for el in children].index("Gather")
    assert children[gather_at + 1].tag == "Redirect"
    assert children[gather_at + 1].text == "http://127.0.0.1:5000/voice/hotline?timeout=1"
    assert heard.gather.get("timeout") == "6" and heard.gather.get("input") == "dtmf"
    assert heard.gather.get("action") == "http://127.0.0.1:5000/voice/hotline"


def test_french_voice_and_english_voice_are_configurable(caller, app):
    app.config.update(VOICE_FR="Google.fr-CA-Standard-A", VOICE_EN="Google.en-CA-Standard-B")
    says = caller().dial().xml.findall("Gather/Say")
    assert [(s.get("language"), s.get("voice")) for s in says] == [
        ("fr-CA", "Google.fr-CA-Standard-A"),
        ("en-CA", "Google.en-CA-Standard-B"),
    ]


def test_three_silences_at_the_language_choose_french(caller):
    phone = caller()
    phone.dial()
    assert "Je n'ai rien entendu." in phone.silence()
    phone.silence()
    heard = phone.silence()
    assert "Le numéro 4 1 8, 5 5 5, 0 1 2 3 n'est pas inscrit." in heard


@pytest.mark.parametrize(
    "keys, first_complaint",
    [
        (["-", "-", "-"], "Je n'ai rien entendu."),
        (["7", "8", "#"], "Ce choix n'est pas valide."),
        (["-", "7", "-"], "Je n'ai rien entendu."),
    ],
)
def test_three_strikes_on_a_prompt_say_goodbye(caller, keys, first_complaint):
    phone = caller()
    phone.keys("1")  # the unregistered menu
    heard = phone.keys(keys[0])
    assert first_complaint in heard and not heard.hangup
    assert "n'est pas inscrit" not in heard and "Pour inscrire ce numéro, appuyez sur 1." in heard
    phone.keys(keys[1])
    heard = phone.keys(keys[2])
    assert "Désolé, nous n'avons pas pu continuer. Rappelez quand vous voulez." in heard
    assert heard.hangup


def test_three_strikes_transfer_to_staff_when_configured(caller, app):
    app.config["STAFF_TRANSFER_NUMBER"] = "+14186983200"
    heard = caller().keys("1", "-", "-", "-")
    assert "je vous transfère" in heard and heard.dial.text == "+14186983200"


def test_a_valid_key_resets_the_strikes(caller):
    phone = caller()
    phone.keys("1", "1", "-", "-")  # two silences at the consent
    assert "numéro civique" in phone.press("1")
    phone.keys("-", "-")
    assert "Nous n'avons" not in phone.press("12") and "appartement" in phone.heard[-1]


def test_9_repeats_the_menu(caller):
    phone = caller()
    first = phone.keys("1")
    again = phone.press("9")
    assert again.text == first.text and not again.hangup


def test_star_goes_back_one_step(caller):
    """* leads back to the menu just heard: its question, not its preamble again (9 says it)."""
    phone = caller()
    phone.keys("1", "1", "1")
    heard = phone.press("*")  # civic number -> consent
    assert heard.text == "Pour accepter, appuyez sur 1. Pour annuler, appuyez sur 2."
    assert "avis d'ébullition" in phone.press("9")
    heard = phone.press("*")  # consent -> unregistered menu
    assert heard.text.startswith("Pour inscrire ce numéro, appuyez sur 1.")
    assert "n'est pas inscrit" not in heard
    assert "n'est pas inscrit" in phone.press("9")


def test_0_reaches_staff_only_when_configured(caller, app):
    phone = caller()
    heard = phone.keys("1")
    assert "employé" not in heard
    assert "Ce choix n'est pas valide." in phone.press("0")
    app.config["STAFF_TRANSFER_NUMBER"] = "+14186983200"
    heard = phone.press("9")
    assert "Pour parler à un employé, appuyez sur 0." in heard
    heard = phone.press("0")
    assert heard.dial.text == "+14186983200" and "je vous transfère" in heard


def test_outside_office_hours_staff_is_not_dialled_and_the_hours_are_said(caller, app):
    app.config.update(STAFF_TRANSFER_NUMBER="+14186983200", STAFF_HOURS="00:00-00:00")
    phone = caller()
    phone.keys("1")
    heard = phone.press("0")
    assert "Nos employés répondent de 0 h à 0 h." in heard and heard.dial is None
    assert "n'est pas inscrit" in heard and not heard.hangup


@pytest.mark.parametrize(
    "pin, refusal",
    [
        ("1111", "Un seul chiffre répété n'est pas permis."),
        ("1234", "Une suite de chiffres, comme 1 2 3 4, n'est pas permise."),
        ("98765", "Une suite de chiffres"),
        ("0193", "Les derniers chiffres du numéro de téléphone ne sont pas permis."),
        ("5550193", "Les derniers chiffres du numéro"),
        ("482", "de 4 à 8 chiffres"),
        ("482917305", "de 4 à 8 chiffres"),
    ],
)
def test_pin_rules(caller, session, pin, refusal):
    phone = caller("+14185550193")
    heard = phone.keys(*TO_PIN, pin)
    assert refusal in heard and "Choisissez un NIP" in heard
    assert session.scalar(select(func.count(Residence.id))) == 0


@pytest.mark.parametrize("pin", ["4829", "48291730"])
def test_pins_of_four_and_of_eight_digits_are_accepted(caller, session, pin):
    phone = caller("+14185550193")
    heard = phone.keys(*TO_PIN, pin)
    assert "de nouveau" in heard and "de 4 à 8 chiffres" not in heard
    assert "C'est fait" in phone.keys(pin)


def test_pins_that_differ_start_again(caller, session):
    phone = caller()
    heard = phone.keys(*TO_PIN, "482916", "482917")
    assert "Les deux NIP sont différents." in heard and "Choisissez un NIP" in heard
    assert session.scalar(select(func.count(Residence.id))) == 0
    assert "C'est fait" in phone.keys("482916", "482916")


@pytest.mark.parametrize(
    "digits, said",
    [
        ("418555016", "Il manque des chiffres."),
        ("41855501661", "Il y a trop de chiffres."),
        ("1234567890", "Ce numéro n'existe pas."),
    ],
)
def test_a_keyed_number_is_checked(caller, digits, said):
    phone = caller("anonymous")
    heard = phone.keys("1", digits)
    assert said in heard and "Composez le numéro de téléphone à 10 chiffres" in heard


def test_a_leading_1_is_accepted_and_2_enters_it_again(caller):
    phone = caller("anonymous")
    assert "Vous avez composé le 4 1 8, 5 5 5, 0 1 6 6." in phone.keys("1", "14185550166")
    assert "10 chiffres" in phone.press("2")


def test_a_bad_signature_gets_403_and_changes_nothing(client, session, app):
    caller = Caller(client, app, token="not-the-auth-token")
    response = client.post(
        "/voice/incoming",
        data={"CallSid": caller.sid, "From": "+14185550123"},
        headers={"X-Twilio-Signature": "bm9wZQ=="},
    )
    assert response.status_code == 403
    with pytest.raises(AssertionError, match="403"):
        caller.dial()
    assert session.scalar(select(func.count(HotlineCall.call_sid))) == 0


def test_an_internal_error_is_an_apology_and_a_hangup_not_a_500(caller, session, caplog):
    phone = caller()
    phone.dial()
    row = session.get(HotlineCall, phone.sid)
    row.step = "a-step-from-an-older-version"
    session.commit()
    heard = phone.press("1")
    assert (
        heard.text == "Désolé, une erreur s'est produite. Veuillez rappeler plus tard. Au revoir."
    )
    assert heard.hangup
    assert "hotline error on /voice/hotline" in caplog.text


def test_expired_state_starts_the_call_over(caller, session):
    phone = caller()
    phone.keys("1", "1")
    row = session.get(HotlineCall, phone.sid)
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    heard = phone.press("1")
    assert "Pour le français, appuyez sur 1." in heard


def test_state_lives_on_the_server_keyed_by_callsid_with_an_expiry(caller, session):
    phone = caller()
    phone.keys("1", "1")
    session.expire_all()
    row = session.get(HotlineCall, phone.sid)
    assert row.step == "consent" and row.language == "fr"
    assert utcnow() + timedelta(minutes=50) < row.expires_at <= utcnow() + timedelta(hours=1)
    assert all("Digits" not in url and "step" not in url for url in phone.urls)
