"""What mutation testing of hotline/accounts.py found untested (docs/mutants.md): a temporary
PIN counts, and opens the account, only when said to that number, unused, unexpired and the
line's own; a right PIN clears the wrong ones; the audit log of PIN attempts; a keyed-in
number's call-backs are counted against the caller's own daily cap; an unconfirmed keyed-in
registration is dropped only for its own number or address, and only it expires."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from hotline import accounts
from models import AuditEntry, OneTimeCode, PhoneNumber, Residence, utcnow
from models.hotline import HotlineQuota
from tests.fixtures.hotline import add_addresses, add_residence

NUMBER, OTHER = "+14185550188", "+14185550177"
NO_PIN = "Ce numéro est inscrit, mais il n'a pas encore de NIP."


def _imported(session, e164):
    residence = add_residence(session, e164)
    residence.password_hash = None
    session.commit()


def _said_code(session, app, e164):
    """E164 asks a temporary PIN (1) and the call-back says it: its code gets its hash."""
    from hotline.callbacks import callback_twiml, token_for

    code = session.scalar(select(OneTimeCode).where(OneTimeCode.phone_e164 == e164))
    callback_twiml(session, app.config, token_for(app.config, code.id))
    session.expire_all()
    return session.get(OneTimeCode, code.id)


def test_another_numbers_temporary_pin_does_not_count(caller, session, app):
    _imported(session, NUMBER)
    _imported(session, OTHER)
    caller(OTHER).keys("1")
    _said_code(session, app, OTHER)
    assert "Composez votre NIP" in caller(OTHER).dial()
    assert NO_PIN in caller(NUMBER).dial()


@pytest.mark.parametrize(
    "change",
    [
        {"used_at": "now"},
        {"expires_at": "past"},
        {"code_hash": None},
        {"purpose": "number_verification"},
    ],
    ids=["used", "expired", "never_said", "not_a_pin"],
)
def test_a_temporary_pin_that_cannot_be_used_does_not_count(caller, session, app, change):
    _imported(session, NUMBER)
    caller(NUMBER).keys("1")
    code = _said_code(session, app, NUMBER)
    assert "Composez votre NIP" in caller(NUMBER).dial()
    values = {
        key: {"now": utcnow(), "past": utcnow() - timedelta(minutes=1)}.get(value, value)
        for key, value in change.items()
    }
    session.execute(update(OneTimeCode).where(OneTimeCode.id == code.id).values(**values))
    session.commit()
    assert NO_PIN in caller(NUMBER).dial()


def _said_pin(session, app, e164):
    """The temporary PIN the call-back says to E164 (the latest one asked): (code id, digits)."""
    from hotline.callbacks import callback_twiml, token_for

    code = session.scalar(
        select(OneTimeCode)
        .where(OneTimeCode.phone_e164 == e164)
        .order_by(OneTimeCode.id.desc())
        .limit(1)
    )
    said = callback_twiml(session, app.config, token_for(app.config, code.id))
    clear = "".join(ch for ch in str(said).split("est : ")[1].split(".")[0] if ch.isdigit())
    return code.id, clear


def test_a_temporary_pin_opens_only_its_own_number(caller, session, app):
    add_residence(session, NUMBER, pin="258036")
    _imported(session, OTHER)
    caller(OTHER).keys("1")
    _, clear = _said_pin(session, app, OTHER)
    assert "n'est pas le bon" in caller(NUMBER).keys(clear)
    assert "Choisissez maintenant un nouveau NIP." in caller(OTHER).keys(clear)


@pytest.mark.parametrize(
    "change",
    [{"expires_at": "past"}, {"purpose": "web_password"}],
    ids=["expired", "the_portals"],
)
def test_a_temporary_pin_that_cannot_be_used_does_not_open_the_account(
    caller, session, app, change
):
    """An expired temporary PIN, or the portal's temporary web password sent to the same
    number, keyed in as the PIN: refused, and the residence's own PIN still opens it."""
    add_residence(session, NUMBER, pin="258036")
    assert "Nous allons vous rappeler" in caller(NUMBER).keys("*")
    code_id, clear = _said_pin(session, app, NUMBER)
    values = {
        key: utcnow() - timedelta(minutes=1) if value == "past" else value
        for key, value in change.items()
    }
    session.execute(update(OneTimeCode).where(OneTimeCode.id == code_id).values(**values))
    session.commit()
    assert "n'est pas le bon" in caller(NUMBER).keys(clear)
    assert "Les appels d'alerte sont activés" in caller(NUMBER).keys("258036")


def test_a_right_pin_forgets_the_wrong_ones_before_it(caller, session):
    """Four wrong PINs, the right one, four wrong again: not locked (the right PIN cleared
    the count of the number and of its residence)."""
    add_residence(session, NUMBER, pin="258036")
    for _ in range(2):
        assert "Trop d'essais." in caller(NUMBER).keys("111222", "111223", "111224")
        phone = caller(NUMBER)
        assert "n'est pas le bon" in phone.keys("111225")
        assert "Les appels d'alerte sont activés" in phone.press("258036")


REGISTER_KEYED = ["1", "12", "", "REC", "", "739164"]  # consent .. the first PIN entry
TARGET = "4185550166"
CALLER_CAP_SPENT = "déjà demandé 5 appels de confirmation"


def _spent(session, key, count):
    session.add(HotlineQuota(key=key, count=count, since=utcnow() - timedelta(hours=1)))
    session.commit()


def test_the_early_call_back_check_reads_the_callers_own_cap_not_the_withheld_callers(
    caller, session
):
    _spent(session, "verify-from:withheld", accounts.VERIFY_CALLS_WITHHELD)
    heard = caller("+14185550123").keys("1", "2", TARGET, "1")
    assert "n'est pas inscrit" in heard  # withheld callers spent theirs, not this caller
    _spent(session, "verify-from:+14185550124", accounts.VERIFY_CALLS_PER_CALLER)
    heard = caller("+14185550124").keys("1", "2", TARGET, "1")
    assert CALLER_CAP_SPENT in heard  # told at once, not after the whole registration
    assert heard.hangup


def test_a_keyed_registration_not_made_gives_the_caller_back_their_call_back(caller, session):
    """The keyed number is registered by another call meanwhile: this registration is not
    made, and the call-back it took from the caller's cap is given back to that caller."""
    _spent(session, "verify-from:+14185550123", accounts.VERIFY_CALLS_PER_CALLER - 1)
    phone = caller("+14185550123")
    assert "n'est pas inscrit" in phone.keys("1", "2", TARGET, "1")
    assert "de nouveau" in phone.keys("1", *REGISTER_KEYED)
    add_residence(session, "+1" + TARGET, pin="258036")
    assert "Composez votre NIP" in phone.press("739164")  # registered meanwhile: not made
    assert "n'est pas inscrit" in caller("+14185550123").keys("1", "2", "4185550155", "1")


def test_the_audit_log_records_each_pin_attempt_against_its_residence(caller, session):
    """Staff read the hotline's sign-ins in the console's audit log: a right PIN, each wrong
    one, a lock (of the residence, or of the number and its residence), each against the
    residence, from the calling number."""
    residence = add_residence(session, NUMBER, pin="258036")
    residence.phones.append(PhoneNumber(e164=OTHER, position=1, verified_at=utcnow()))
    session.commit()
    rid = str(residence.id)

    def fifteen_minutes_later():
        for model in (Residence, PhoneNumber):
            ended = utcnow() - timedelta(seconds=1)
            session.execute(
                update(model).values(
                    locked_until=ended, failed_auth_count=0, failed_auth_since=None
                )
            )
        session.commit()

    assert "Les appels d'alerte sont activés" in caller(NUMBER).keys("258036")
    assert "Trop d'essais." in caller(NUMBER).keys("111222", "111223", "111224")
    heard = caller(OTHER).keys("111225", "111226")  # the residence's fifth: it is locked
    assert "bloqué pour 15 minutes" in heard
    fifteen_minutes_later()
    assert "Trop d'essais." in caller(NUMBER).keys("111222", "111223", "111224")
    assert "bloqué pour 15 minutes" in caller(NUMBER).keys("111225", "111226")
    session.expire_all()
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("hotline.lo%")).order_by(AuditEntry.id)
    )
    mine, other = f"hotline:{NUMBER}", f"hotline:{OTHER}"
    failed = ("hotline.login_failed", "residence", rid, {})
    locked = ("hotline.locked", "residence", rid)
    assert [(e.actor, e.action, e.entity, e.entity_id, e.details) for e in entries] == [
        (mine, "hotline.login", "residence", rid, {"temporary": False}),
        *[(mine, *failed)] * 3,
        *[(other, *failed)] * 2,
        (other, *locked, {"minutes": 15, "scope": "residence"}),
        *[(mine, *failed)] * 5,
        (mine, *locked, {"minutes": 15, "scope": "number"}),
    ]


def test_a_registration_dropped_for_its_numbers_owner_leaves_other_pending_call_backs(
    caller, session, app
):
    """Two numbers keyed in by strangers await their call-backs; the first number's owner
    registers it from their own line: only that registration's call-back goes, the other
    number can still be confirmed."""
    from hotline.callbacks import token_for

    def stranger_keys(number):
        heard = caller("anonymous").keys(
            "1", number, "1", "1", "1", "12", "", "REC", "", "739164", "739164"
        )
        assert "Nous allons appeler le" in heard
        return session.scalar(select(OneTimeCode.id).order_by(OneTimeCode.id.desc()).limit(1))

    stranger_keys(TARGET)
    other_code = stranger_keys("4185550199")
    heard = caller("+1" + TARGET).keys("1", "1", "1", "12", "", "REC", "", "482916", "482916")
    assert "C'est fait" in heard
    token = token_for(app.config, other_code)
    heard = caller("+14185550000").post(f"/voice/callback/{token}/answer", Digits="1")
    assert "ce numéro est confirmé" in heard


def test_a_number_registered_on_the_portal_and_not_yet_confirmed_is_registered_on_the_line(
    caller, session
):
    """The portal registers a number before its owner first signs in (not yet confirmed):
    the line says it is registered, not that anyone may register it."""
    residence = add_residence(session, NUMBER)
    residence.registered_via, residence.password_hash = "web", None
    residence.phones[0].verified_at = None
    session.commit()
    assert NO_PIN in caller(NUMBER).dial()


def test_a_resident_registering_drops_only_the_pending_registration_at_their_own_address(
    caller, session
):
    """A number keyed in by a stranger awaits its call-back at 110 boulevard Harvey; residents
    of 112, and of apartment 2 at 110, register from their own lines: it stays pending."""
    add_addresses(
        session,
        [("110", "boulevard Harvey", "JONQUIÈRE"), ("112", "boulevard Harvey", "JONQUIÈRE")],
    )
    heard = caller("anonymous").keys(
        "1", TARGET, "1", "1", "1", "110", "", "1", "", "739164", "739164"
    )
    assert "Nous allons appeler le" in heard and "110 boulevard Harvey" in heard
    for number, civic, apartment in [("+14185550177", "112", ""), ("+14185550178", "110", "2")]:
        heard = caller(number).keys("1", "1", "1", civic, apartment, "1", "", "482916", "482916")
        assert "C'est fait. Le numéro" in heard and f"{civic} boulevard Harvey" in heard
    session.expire_all()
    apartment = session.scalar(
        select(Residence.apartment).join(PhoneNumber).where(PhoneNumber.e164 == "+14185550178")
    )
    assert apartment == "2"  # kept: 110's apartment 2 is now taken, its ground floor is not
    assert session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+1" + TARGET))
    assert not session.scalar(
        select(AuditEntry).where(AuditEntry.action == "hotline.unverified_dropped")
    )


def test_the_purge_keeps_older_registrations_with_a_number_not_yet_confirmed(caller, session):
    """Only keyed-in registrations never confirmed expire: a residence with a second number
    added on the portal (not yet confirmed), and a portal registration whose owner never
    signed in, both two days old, are kept."""
    with_second = add_residence(session, NUMBER)
    with_second.phones.append(PhoneNumber(e164=OTHER, position=1, verified_at=None))
    on_portal = add_residence(session, "+14185550199")
    on_portal.registered_via, on_portal.phones[0].verified_at = "web", None
    session.commit()
    session.execute(update(Residence).values(created_at=utcnow() - timedelta(days=2)))
    session.commit()
    caller("+14185550123").dial()  # any call purges
    session.expire_all()
    assert len(session.scalars(select(Residence)).all()) == 2
