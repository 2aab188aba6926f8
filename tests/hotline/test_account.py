"""A registered caller: password, lockout, forgotten password, and the account menu."""

import re
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import select

from hotline.callbacks import token_for
from models import AuditEntry, OneTimeCode, PhoneNumber, Residence, utcnow
from models.passwords import verify_secret
from runtime.i18n import spoken_digits
from runtime.redis_conn import get_redis
from tests.fixtures.hotline import add_residence
from tests.fixtures.outbox import queued

NUMBER = "+14185550188"


def fresh(session, model, **where):
    session.expire_all()
    return session.scalar(select(model).filter_by(**where))


@pytest.fixture
def registered(session):
    return add_residence(session, NUMBER, pin="258036", language="fr")


def test_a_registered_caller_is_greeted_in_their_language_and_asked_the_password(
    registered, caller, session
):
    session.execute(Residence.__table__.update().values(language="en"))
    session.commit()
    session.expire_all()
    heard = caller(NUMBER).dial()
    assert "City of Saguenay" in heard and "Enter your PIN" in heard
    assert heard.gather.get("finishOnKey") == "#"
    assert heard.xml.find("Gather/Say").get("language") in ("en-US", "en-CA")


def test_right_password_gives_the_status_and_the_account_menu(registered, caller):
    heard = caller(NUMBER).keys("258036")
    assert "Votre numéro est inscrit. Les appels d'alerte sont activés." in heard
    assert (
        "Pour désactiver les appels d'alerte, appuyez sur 1." in heard and "appuyez sur 5" in heard
    )


def test_turning_alerts_off_and_on(registered, caller, session):
    phone = caller(NUMBER)
    heard = phone.keys("258036", "1")
    assert "Vous ne recevrez plus les appels d'alerte" in heard
    assert "Pour confirmer, appuyez sur 1." in heard
    assert fresh(session, Residence).active is True  # not before the confirmation
    heard = phone.press("1")
    assert "Les appels d'alerte sont maintenant désactivés." in heard
    assert "Pour activer les appels d'alerte, appuyez sur 1." in heard
    assert fresh(session, Residence).active is False
    assert "maintenant activés" in phone.press("1")
    assert fresh(session, Residence).active is True
    actions = [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["hotline.alerts_off", "hotline.alerts_on"]


def test_hearing_the_information_and_changing_the_language(registered, caller, session):
    phone = caller(NUMBER)
    heard = phone.keys("258036", "3")
    assert "Numéro : 4 1 8, 5 5 5, 0 1 8 8." in heard and "boulevard Harvey" in heard
    assert "Langue : français." in heard
    assert "Pour l'anglais, appuyez sur 2." in phone.press("4")
    heard = phone.press("2")
    assert "Alert calls and this line will be in English." in heard
    assert "To turn off alert calls, press 1." in heard
    assert fresh(session, Residence).language == "en"


def test_changing_the_password(registered, caller, session):
    phone = caller(NUMBER)
    assert "de 4 à 8 chiffres" in phone.keys("258036", "2")
    phone.press("604175")
    heard = phone.press("604175")
    assert "Votre nouveau NIP est enregistré." in heard
    assert verify_secret(fresh(session, Residence).password_hash, "604175")


def test_unregistering_needs_a_confirmation(registered, caller, session):
    phone = caller(NUMBER)
    phone.keys("258036", "5")
    assert "Pour désactiver les appels" in phone.press("2")  # kept: back to the menu
    phone.press("5")
    heard = phone.press("1")
    assert "Votre résidence est désinscrite." in heard and heard.hangup
    assert fresh(session, Residence) is None and fresh(session, PhoneNumber) is None


def test_three_wrong_passwords_end_the_call(registered, caller, session):
    phone = caller(NUMBER)
    assert "n'est pas le bon" in phone.keys("111222")
    phone.press("111223")
    heard = phone.press("111224")
    assert "Trop d'essais." in heard and heard.hangup
    assert fresh(session, PhoneNumber).failed_auth_count == 3


def test_five_failures_lock_the_number_for_15_minutes_then_it_opens_again(
    registered, caller, session
):
    caller(NUMBER).keys("111222", "111223", "111224")
    phone = caller(NUMBER)
    phone.keys("111225")
    heard = phone.press("111226")
    assert "bloqué pour 15 minutes" in heard and heard.hangup
    number = fresh(session, PhoneNumber)
    assert number.locked_until > utcnow() + timedelta(minutes=14)
    heard = caller(NUMBER).dial()  # the right password is not even asked
    assert "bloqué pour 15 minutes" in heard and heard.hangup and heard.gather is None
    # 15 minutes later (the number and its residence were locked together)
    number.locked_until = number.residence.locked_until = utcnow() - timedelta(seconds=1)
    session.commit()
    assert "Les appels d'alerte sont activés" in caller(NUMBER).keys("258036")


def test_wrong_passwords_count_against_that_number_and_residence_only(registered, caller, session):
    other = add_residence(session, "+14185550177", pin="369147")
    caller(NUMBER).keys("111222", "111223")
    assert fresh(session, PhoneNumber, e164=NUMBER).failed_auth_count == 2
    assert fresh(session, Residence, id=registered.id).failed_auth_count == 2
    assert fresh(session, PhoneNumber, e164="+14185550177").failed_auth_count == 0
    assert fresh(session, Residence, id=other.id).failed_auth_count == 0


def test_wrong_passwords_older_than_the_window_are_forgotten(registered, caller, session):
    """Four failures 16 minutes ago (the window is 15): a fifth now starts a new count and
    locks nothing."""
    number = fresh(session, PhoneNumber, e164=NUMBER)
    long_ago = utcnow() - timedelta(minutes=16)
    for row in (number, number.residence):
        row.failed_auth_count, row.failed_auth_since = 4, long_ago
    session.commit()
    phone = caller(NUMBER)
    heard = phone.keys("111222")
    assert "bloqué" not in heard and not heard.hangup
    number = fresh(session, PhoneNumber, e164=NUMBER)
    assert (number.failed_auth_count, number.locked_until) == (1, None)
    assert number.failed_auth_since > long_ago + timedelta(minutes=15)
    assert "Les appels d'alerte sont activés" in phone.keys("258036")


def test_locked_caller_is_offered_staff_when_configured(registered, caller, session, app):
    app.config["STAFF_TRANSFER_NUMBER"] = "+14186983200"
    number = fresh(session, PhoneNumber)
    number.locked_until = utcnow() + timedelta(minutes=10)
    session.commit()
    phone = caller(NUMBER)
    heard = phone.dial()
    assert "bloqué pour 10 minutes" in heard and "Pour parler à un employé, appuyez sur 0." in heard
    heard = phone.press("0")
    assert heard.dial is not None and heard.dial.text == "+14186983200"


def _forgotten(app, caller, session):
    """Press * at the password, then play the call-back; returns the temporary password."""
    heard = caller(NUMBER).keys("*")
    [job] = queued(app)
    assert job.func == "hotline.callbacks.password_reset"
    token = token_for(app.config, job.args[0])
    said = caller("+14185550001").post(f"/voice/callback/{token}")
    spoken = re.search(r"temporaire est : ([\d ,]+)\.", said.text).group(1)
    return heard, said, re.sub(r"\D", "", spoken)


def test_forgotten_password_by_callback_then_forced_change(registered, caller, session, app):
    heard, said, code = _forgotten(app, caller, session)
    assert "Nous allons vous rappeler au 4 1 8, 5 5 5, 0 1 8 8" in heard and heard.hangup
    assert len(code) == 6 and said.text.count(spoken_digits(code)) == 2 and said.hangup
    stored = fresh(session, OneTimeCode)
    assert stored.code_hash and code not in stored.code_hash
    phone = caller(NUMBER)
    heard = phone.keys(code)
    assert "Choisissez maintenant un nouveau NIP." in heard
    assert fresh(session, Residence).password_temporary is True
    phone.press("730418")
    assert "nouveau NIP est enregistré" in phone.press("730418")
    res = fresh(session, Residence)
    assert not res.password_temporary and verify_secret(res.password_hash, "730418")
    assert "n'est pas le bon" in caller(NUMBER).keys(code)  # used once only


def test_temporary_password_still_forces_a_change_on_the_next_call(
    registered, caller, session, app
):
    _, _, code = _forgotten(app, caller, session)
    caller(NUMBER).keys(code)  # hangs up without choosing a new one
    heard = caller(NUMBER).keys(code)
    assert "Choisissez maintenant un nouveau NIP." in heard


def test_at_most_three_temporary_passwords_a_day(registered, caller, session, app):
    for _ in range(3):
        assert caller(NUMBER).keys("*").hangup
    heard = caller(NUMBER).keys("*")
    assert "déjà demandé 3 NIP temporaires" in heard and not heard.hangup
    assert len(Queue("default", connection=get_redis(app)).jobs) == 3


def test_a_mobile_gets_a_text_message_instead(session, caller, app):
    add_residence(session, NUMBER, kind="sms")
    heard = caller(NUMBER).keys("*")
    assert "par texto au 4 1 8, 5 5 5, 0 1 8 8" in heard
    assert fresh(session, OneTimeCode).channel == "sms"


def test_a_lock_set_by_another_call_stops_this_one_too(registered, caller, session):
    phone = caller(NUMBER)
    phone.dial()
    number = fresh(session, PhoneNumber)
    number.locked_until = utcnow() + timedelta(minutes=15)
    session.commit()
    heard = phone.press("258036")
    assert "bloqué pour 15 minutes" in heard and heard.hangup
    assert "Les appels d'alerte" not in heard
