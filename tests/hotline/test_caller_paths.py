"""What issue 18's callers tripped on, walked through signed webhook requests: a number with no
PIN, the confirmation before alerts off, what to do after too many tries, a taken address, a
slip in the street letters, the address said as registered, a keyed-in number said pending, and
hesitant callers (a silent name, * one step back, no preamble repeated after a miss)."""

from sqlalchemy import select

from models import OneTimeCode, PhoneNumber, Residence
from tests.fixtures.hotline import add_addresses, add_residence

NUMBER = "+14185550188"
STREETS = [
    "rue Racine Est",
    "boulevard Talbot",
    "rue Bagot",
    "rue Victoria",
    "boulevard Harvey",
    "rue Albert",
    "rue Riverin",
    "rue Saint-Dominique",
    "chemin Sainte-Famille",
]


def residences(session):
    session.expire_all()
    return list(session.scalars(select(Residence)))


def imported(session, e164=NUMBER):
    """A resident loaded by an import: registered, never chose a PIN."""
    residence = add_residence(session, e164)
    residence.password_hash = None
    session.commit()
    return residence


# --- 1. a registered number without a PIN ------------------------------------------------------


def test_a_number_without_a_pin_is_told_so_and_offered_a_temporary_one(caller, session):
    imported(session)
    phone = caller(NUMBER)
    heard = phone.dial()
    assert "Ce numéro est inscrit, mais il n'a pas encore de NIP." in heard
    assert "Pour recevoir un NIP temporaire par un appel, appuyez sur 1." in heard
    assert "Composez votre NIP" not in heard
    heard = phone.press("1")
    assert "Nous allons vous rappeler au 4 1 8, 5 5 5, 0 1 8 8" in heard and heard.hangup
    [code] = session.scalars(select(OneTimeCode)).all()
    assert code.purpose == "password_reset" and code.phone_e164 == NUMBER
    session.expire_all()
    phone_row = session.scalar(select(PhoneNumber))
    assert not phone_row.failed_auth_count and not phone_row.residence.failed_auth_count


def test_a_number_without_a_pin_gets_three_temporary_ones_a_day(caller, session):
    imported(session)
    for _ in range(3):
        assert "Nous allons vous rappeler" in caller(NUMBER).keys("1")
    heard = caller(NUMBER).keys("1")
    assert "déjà demandé 3 NIP temporaires aujourd'hui" in heard
    assert len(session.scalars(select(OneTimeCode)).all()) == 3


def test_once_the_temporary_pin_is_said_the_caller_keys_it_and_chooses_one(caller, session, app):
    from hotline.callbacks import callback_twiml, token_for

    imported(session)
    caller(NUMBER).keys("1")
    code = session.scalar(select(OneTimeCode))
    said = callback_twiml(session, app.config, token_for(app.config, code.id))
    clear = "".join(ch for ch in str(said).split("est : ")[1].split(".")[0] if ch.isdigit())
    phone = caller(NUMBER)
    assert "Composez votre NIP" in phone.dial()  # a temporary one waits: asked as usual
    assert "Choisissez maintenant un nouveau NIP." in phone.press(clear)


# --- 3. alerts off needs a confirmation; the menu names what it turns off ---------------------


def test_alerts_off_waits_for_the_confirmation_and_2_keeps_them(caller, session):
    add_residence(session, NUMBER)
    phone = caller(NUMBER)
    heard = phone.keys("258036", "1")
    assert "Pour confirmer, appuyez sur 1." in heard
    assert "Pour garder les appels d'alerte, appuyez sur 2." in heard
    heard = phone.press("2")
    assert "Pour désactiver les appels d'alerte, appuyez sur 1." in heard
    assert residences(session)[0].active is True


def test_turning_alerts_back_on_needs_no_confirmation(caller, session):
    add_residence(session, NUMBER, active=False)
    heard = caller(NUMBER).keys("258036", "1")
    assert "Les appels d'alerte sont maintenant activés." in heard
    assert residences(session)[0].active is True


def test_the_repeated_account_menu_says_what_it_turns_off(caller, session):
    add_residence(session, NUMBER)
    heard = caller(NUMBER).keys("258036", "9")
    assert heard.text.startswith("Pour désactiver les appels d'alerte, appuyez sur 1.")


# --- 4. what to do after too many tries --------------------------------------------------------


def test_three_wrong_pins_say_to_press_star_next_time(caller, session):
    add_residence(session, NUMBER)
    heard = caller(NUMBER).keys("111111", "222222", "333333")
    assert "Trop d'essais." in heard and heard.hangup
    assert "Au prochain appel, si vous avez oublié votre NIP, appuyez sur l'étoile." in heard


def test_out_of_hours_the_failure_goodbye_gives_the_staff_hours(caller, app):
    app.config.update(STAFF_TRANSFER_NUMBER="+14186983200", STAFF_HOURS="00:00-00:01")
    heard = caller().keys("1", "-", "-", "-")
    assert "Désolé, nous n'avons pas pu continuer." in heard and heard.hangup
    assert "Pour de l'aide, rappelez entre 0 h et 0 h 01 pour parler à un employé." in heard


def test_the_english_goodbye_is_idiomatic(caller):
    heard = caller().keys("2", "-", "-", "-")
    assert "Sorry, we could not continue. Call again any time." in heard


# --- 5. a taken address: a message for staff ---------------------------------------------------


def test_a_taken_address_can_be_left_as_a_message_for_review(caller, session):
    [address] = add_addresses(session, [("55", "rue Bagot", "LA BAIE")])
    add_residence(session, NUMBER, address=address)
    session.execute(Residence.__table__.update().values(apartment=""))
    session.commit()
    phone = caller()
    heard = phone.keys("1", "1", "1", "55", "", "1")
    assert "pour laisser un message à la Ville, appuyez sur 2." in heard
    heard = phone.press("2")
    assert "Un employé vérifiera" in heard and heard.record is not None
    heard = phone.say_recording("https://api.twilio.com/rec/RE-moved")
    assert "dites votre nom" in heard
    assert "C'est fait" in phone.keys("REC", "482916", "482916")
    new = [r for r in residences(session) if r.phones[0].e164 == "+14185550123"][0]
    assert new.address_needs_review and new.address_id is None
    assert new.address_recording_url == "https://api.twilio.com/rec/RE-moved"


def test_after_a_miss_at_the_taken_address_only_the_options_are_said_again(caller, session):
    [address] = add_addresses(session, [("55", "rue Bagot", "LA BAIE")])
    add_residence(session, NUMBER, address=address)
    session.execute(Residence.__table__.update().values(apartment=""))
    session.commit()
    heard = caller().keys("1", "1", "1", "55", "", "1", "7")
    assert "Ce choix n'est pas valide." in heard and "déjà un numéro inscrit" not in heard
    assert "Pour entrer une autre adresse, appuyez sur 1." in heard


# --- 6. street letters: one retry, the usual abbreviations -------------------------------------


def test_one_wrong_street_letter_is_asked_again(caller, session):
    add_addresses(session, [("120", street, "CHICOUTIMI") for street in STREETS])
    phone = caller()
    assert "premières lettres" in phone.keys("1", "1", "1", "120", "")
    heard = phone.press("99")  # W W: no street
    assert "Aucune rue ne commence par ces lettres. Essayez de nouveau." in heard
    assert "premières lettres" in heard and heard.record is None
    assert "Pour le 120 rue Riverin, Chicoutimi" in phone.press("74")
    assert residences(session) == []


def test_a_second_miss_in_the_street_letters_leads_to_the_recording(caller, session):
    add_addresses(session, [("120", street, "CHICOUTIMI") for street in STREETS])
    heard = caller().keys("1", "1", "1", "120", "", "99", "99")
    assert "Je ne trouve pas cette adresse" in heard and heard.record is not None


def test_abbreviations_find_the_street(caller, session):
    add_addresses(session, [("120", street, "CHICOUTIMI") for street in STREETS])
    for letters, street in [
        ("78", "rue Saint-Dominique"),  # ST
        ("783", "chemin Sainte-Famille"),  # STE
        ("268582", "boulevard Talbot"),  # BOUL TA
        ("24783", "chemin Sainte-Famille"),  # CH STE
        ("7246", "rue Saint-Dominique"),
    ]:  # SAIN (written out)
        heard = caller().keys("1", "1", "1", "120", "", letters)
        assert f"Pour le 120 {street}, Chicoutimi, appuyez sur" in heard, letters
        assert "rue Racine Est" not in heard, letters


# --- 7. the address said as at registration ----------------------------------------------------


def test_the_information_says_the_address_as_registered(caller, session):
    residence = add_residence(session, NUMBER)
    residence.street, residence.city, residence.apartment = "BOUL ST-DOMINIQUE", "JONQUIÈRE", "3"
    session.commit()
    heard = caller(NUMBER).keys("258036", "3")
    assert "Adresse : 1234 boulevard Saint-Dominique, Jonquière, appartement 3." in heard
    assert "G7X" not in heard


# --- 9. a keyed-in number is registered once confirmed -----------------------------------------


def test_a_keyed_number_is_said_to_be_registered_once_confirmed(caller, session):
    heard = caller("anonymous").keys(
        "1", "4185550166", "1", "1", "1", "12", "", "REC", "", "739164", "739164"
    )
    assert (
        "sera inscrit pour l'adresse que vous avez dite dès que la personne aura confirmé" in heard
    )
    assert "est inscrit" not in heard and "C'est fait" not in heard
    assert "Pour confirmer, la personne qui répond devra appuyer sur 1." in heard


# --- 10. hesitant callers -----------------------------------------------------------------------


def test_a_silent_name_recording_is_asked_again_once_then_skipped(caller, session):
    phone = caller()
    assert "dites votre nom" in phone.keys("1", "1", "1", "12", "", "REC")
    heard = phone.silence()
    assert "Je n'ai rien entendu." in heard and "dites votre nom" in heard
    assert heard.record is not None
    assert "Choisissez un NIP" in phone.silence()


def test_a_name_said_after_the_second_prompt_is_kept(caller, session):
    phone = caller()
    phone.keys("1", "1", "1", "12", "", "REC", "-")
    assert "Choisissez un NIP" in phone.say_recording("https://api.twilio.com/rec/RE-name")
    phone.keys("482916", "482916")
    assert residences(session)[0].name_recording_url == "https://api.twilio.com/rec/RE-name"


def test_star_at_the_address_list_goes_back_to_the_street_letters(caller, session):
    add_addresses(session, [("120", street, "CHICOUTIMI") for street in STREETS])
    phone = caller()
    assert "Pour le 120 rue Riverin" in phone.keys("1", "1", "1", "120", "", "7")
    assert "premières lettres" in phone.press("*")
    assert "numéro d'appartement" in phone.press("*")  # the street letters -> the apartment
    assert "premières lettres" in phone.press("")  # the civic number is not asked again


def test_star_at_a_short_address_list_goes_back_to_the_apartment(caller, session):
    add_addresses(session, [("120", "rue Racine Est", "CHICOUTIMI")])
    phone = caller()
    assert "Pour le 120 rue Racine Est" in phone.keys("1", "1", "1", "120", "")
    assert "numéro d'appartement" in phone.press("*")


def test_after_a_miss_the_consent_says_its_options_not_its_preamble(caller):
    phone = caller()
    assert "avis d'ébullition" in phone.keys("1", "1")
    for miss in ("-", "7"):
        heard = phone.keys(miss)
        assert "avis d'ébullition" not in heard, miss
        assert "Pour accepter, appuyez sur 1. Pour annuler, appuyez sur 2." in heard
    assert "avis d'ébullition" in caller().keys("1", "1", "9")  # asked for: said in full


def test_why_the_street_letters_are_asked_is_said_once(caller, session):
    add_addresses(session, [("120", street, "CHICOUTIMI") for street in STREETS])
    phone = caller()
    heard = phone.keys("1", "1", "1", "120", "")
    assert "Plusieurs rues ont ce numéro. Composez les premières lettres de la rue" in heard
    for miss in ("-", ""):  # a silence, # alone: the question only
        heard = phone.keys(miss)
        assert "premières lettres" in heard and "Plusieurs rues" not in heard, miss
    phone.press("7")
    heard = phone.press("*")  # the address list -> the street letters
    assert heard.text == "Composez les premières lettres de la rue, puis le carré."
