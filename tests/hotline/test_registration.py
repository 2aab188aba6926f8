"""Registering by telephone, branch by branch, through signed webhook requests."""

from sqlalchemy import select

from hotline.callbacks import token_for
from models import AuditEntry, OneTimeCode, PhoneNumber, Residence, utcnow
from models.passwords import verify_secret
from tests.fixtures.hotline import add_addresses, add_residence
from tests.fixtures.outbox import queued


def residences(session):
    session.expire_all()
    return list(session.scalars(select(Residence)))


def test_full_registration_in_french_without_registry(caller, session):
    before = utcnow()
    phone = caller("+14185550123")
    heard = phone.dial()
    assert "Pour le français, appuyez sur 1." in heard
    assert "For English, press 2." in heard
    assert heard.xml.find("Redirect").text.endswith("/voice/hotline?timeout=1")
    heard = phone.press("1")
    assert "Le numéro 4 1 8, 5 5 5, 0 1 2 3 n'est pas inscrit." in heard
    assert "consent" not in heard.text
    assert "avis d'ébullition" in phone.press("1")
    assert "numéro civique" in phone.press("1")
    assert "appartement" in phone.press("1234")
    heard = phone.press("")
    assert "dites votre adresse" in heard and heard.record is not None
    assert heard.record.get("maxLength") == "30"
    heard = phone.say_recording("https://api.twilio.com/rec/RE-address")
    assert "dites votre nom" in heard and heard.record.get("maxLength") == "10"
    assert "de 4 à 8 chiffres" in phone.say_recording("https://api.twilio.com/rec/RE-name")
    assert "de nouveau" in phone.press("482916")
    assert residences(session) == []  # nothing stored before the end
    heard = phone.press("482916")
    assert "C'est fait. Le numéro 4 1 8, 5 5 5, 0 1 2 3 est inscrit" in heard
    assert "Conservez votre NIP" in heard and heard.hangup
    after = utcnow()
    [res] = residences(session)
    assert res.registered_via == "hotline" and res.consent_channel == "hotline"
    assert before <= res.consent_at <= after  # the time of this call, not a fixed date
    assert res.language == "fr" and res.active
    assert res.address_needs_review and res.name_needs_review
    assert res.address_recording_url == "https://api.twilio.com/rec/RE-address"
    assert res.name_recording_url == "https://api.twilio.com/rec/RE-name"
    assert res.civic_number == "1234" and res.apartment == ""
    assert verify_secret(res.password_hash, "482916") and not res.password_temporary
    [number] = res.phones
    assert number.e164 == "+14185550123" and number.active and number.verified_at is not None
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "hotline.registered"))
    assert (entry.actor, entry.entity, entry.entity_id) == (
        "hotline:+14185550123",
        "residence",
        str(res.id),
    )
    assert entry.details == {"keyed_number": False, "address_from_registry": False}


def test_full_registration_in_english_with_registry_narrowed_by_street_letters(caller, session):
    streets = [
        "rue Racine Est",
        "boulevard Talbot",
        "rue Bagot",
        "rue Victoria",
        "boulevard Harvey",
        "rue Albert",
        "rue Riverin",
    ]
    add_addresses(session, [("120", street, "CHICOUTIMI") for street in streets])
    phone = caller("+15815550177")
    phone.dial()
    assert "The number 5 8 1, 5 5 5, 0 1 7 7 is not registered." in phone.press("2")
    assert "boil-water" in phone.press("1")
    phone.press("1")
    phone.press("120")
    heard = phone.press("")
    assert "first letters of the street" in heard
    heard = phone.press("7")  # R: Racine, Riverin
    assert "For 120 rue Racine Est, Chicoutimi, press 1." in heard
    assert "For 120 rue Riverin, Chicoutimi, press 2." in heard
    assert "press 0" in heard
    assert "say your full name" in phone.press("2")
    assert "I did not hear anything." in phone.silence()  # no name said: asked once more
    assert "say your full name" in phone.heard[-1]
    assert "Choose a PIN" in phone.silence()  # still nothing: skipped
    phone.press("40718")
    heard = phone.press("40718")
    assert "is registered for 120 rue Riverin, Chicoutimi" in heard
    [res] = residences(session)
    assert res.language == "en" and res.street == "rue Riverin" and res.city == "CHICOUTIMI"
    assert not res.address_needs_review and res.address_id is not None
    assert res.name_recording_url is None and res.name_needs_review


def test_a_short_list_is_offered_at_once_and_0_leads_to_a_recording(caller, session):
    add_addresses(session, [("55", "rue Bagot", "LA BAIE"), ("55", "rue Albert", "LA BAIE")])
    phone = caller()
    phone.keys("1", "1", "1", "55")
    heard = phone.press("")
    assert "Pour le 55 rue Albert, La Baie, appuyez sur 1." in heard
    assert "Pour le 55 rue Bagot, La Baie, appuyez sur 2." in heard
    assert "dites votre adresse" in phone.press("0")


def test_an_unknown_civic_number_is_said_and_recorded(caller, session):
    add_addresses(session, [("55", "rue Bagot", "LA BAIE")])
    phone = caller()
    phone.keys("1", "1", "1", "77")
    heard = phone.press("")
    assert "Je ne trouve pas cette adresse" in heard and heard.record is not None


def test_an_address_with_a_registered_number_is_refused(caller, session):
    [address] = add_addresses(session, [("55", "rue Bagot", "LA BAIE")])
    add_residence(session, "+14185550188", address=address)
    session.execute(Residence.__table__.update().values(apartment=""))
    session.commit()
    phone = caller()
    phone.keys("1", "1", "1", "55", "")
    heard = phone.press("1")
    assert "déjà un numéro inscrit" in heard and "un seul numéro par résidence" in heard
    assert "numéro civique" in phone.press("1")
    assert len(residences(session)) == 1


def test_keyed_number_is_confirmed_by_the_callback(caller, session, app, client):
    phone = caller("anonymous")
    phone.dial()
    assert "10 chiffres" in phone.press("1")
    heard = phone.press("4185550166")
    assert "Vous avez composé le 4 1 8, 5 5 5, 0 1 6 6." in heard
    assert "n'est pas inscrit" in phone.press("1")
    phone.keys("1", "1", "12", "", "REC", "", "739164")
    heard = phone.press("739164")
    assert "Nous allons appeler le 4 1 8, 5 5 5, 0 1 6 6" in heard
    [res] = residences(session)
    [number] = res.phones
    assert number.e164 == "+14185550166" and not number.active and number.verified_at is None
    code = session.scalar(select(OneTimeCode).where(OneTimeCode.purpose == "number_verification"))
    assert code is not None and code.code_hash is None


def test_the_verification_callback_activates_the_number_when_1_is_pressed(caller, session, app):
    phone = caller("anonymous")
    phone.keys("1", "4185550166", "1", "1", "1", "12", "", "REC", "", "739164", "739164")
    [job] = queued(app)
    assert job.func == "hotline.callbacks.verify_number"
    [code_id] = job.args
    answerer = caller("+14185550000")  # the City's number calling out; the path is what counts
    token = token_for(app.config, code_id)
    heard = answerer.post(f"/voice/callback/{token}")
    assert "Pour confirmer, appuyez sur 1" in heard
    assert heard.gather.get("action").endswith(f"/voice/callback/{token}/answer")
    assert "Ce numéro n'est pas confirmé" in answerer.post(
        f"/voice/callback/{token}/answer", query="timeout=1"
    )
    session.expire_all()
    assert not session.scalar(select(PhoneNumber)).active
    heard = answerer.post(f"/voice/callback/{token}/answer", Digits="1")
    assert "ce numéro est confirmé" in heard
    session.expire_all()
    number = session.scalar(select(PhoneNumber))
    assert number.active and number.verified_at is not None
    assert "Désolé" in answerer.post(f"/voice/callback/{token}")  # a used code says nothing more


def test_cancelling_the_consent_stores_nothing(caller, session):
    heard = caller().keys("1", "1", "2")
    assert "L'inscription est annulée." in heard and heard.hangup
    assert residences(session) == []


def test_an_imported_registry_is_what_the_hotline_offers(caller, runner, tmp_path, session):
    registry = tmp_path / "addresses.csv"
    registry.write_text(
        "civic_number,street,city,postal_code,latitude,longitude\n"
        "2450,boulevard Saint-Paul,CHICOUTIMI,G7H 5H8,,\n"
        "2450,rue Racine Est,CHICOUTIMI,G7H 1S1,,\n"
        "24x,rue Bagot,LA BAIE,,,\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["addresses", "import", str(registry)])
    assert result.exit_code == 0, result.output
    heard = caller().keys("1", "1", "1", "2450", "")
    assert "Pour le 2450 boulevard Saint-Paul, Chicoutimi, appuyez sur 1." in heard
    assert "Pour le 2450 rue Racine Est, Chicoutimi, appuyez sur 2." in heard


def test_apartment_pound_alone_means_none_but_silence_is_asked_again(caller, session):
    phone = caller()
    heard = phone.keys("1", "1", "1", "12")
    assert heard.gather.get("actionOnEmptyResult") == "true"
    heard = phone.post("/voice/hotline", Digits="")  # posted on timeout: no FinishedOnKey
    assert "Je n'ai rien entendu." in heard and "appartement" in heard
    heard = phone.post("/voice/hotline", Digits="", FinishedOnKey="#")
    assert "dites votre adresse" in heard
