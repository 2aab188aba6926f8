"""A keyed-in registration nobody confirmed holds neither a number nor an address against the
number's owner, and is dropped 24 h after it was made."""

from collections import namedtuple
from datetime import timedelta

from sqlalchemy import select, update

from hotline.callbacks import token_for
from models import AuditEntry, OneTimeCode, PhoneNumber, Residence, utcnow
from tests.fixtures.hotline import add_addresses

OWNER, PIN = "+14185550166", "739164"
Taken = namedtuple("Taken", "id address_id password_hash")


def residences(session):
    session.expire_all()
    return list(session.scalars(select(Residence).order_by(Residence.id)))


def dropped(session):
    """The drops audited (the staff's only trace of a registration deleted without history):
    (who, entity, residence id, reason, its numbers, its address)."""
    return [
        (
            e.actor,
            e.entity,
            e.entity_id,
            e.details["reason"],
            e.details["numbers"],
            e.details["address_id"],
        )
        for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "hotline.unverified_dropped")
        )
    ]


def stranger_takes(caller, session, number=OWNER[2:]):
    """Caller ID withheld, keys in NUMBER and registers it at 110 boulevard Harvey."""
    heard = caller("anonymous").keys("1", number, "1", "1", "1", "110", "", "1", "", PIN, PIN)
    assert "Nous allons appeler le" in heard and "110 boulevard Harvey" in heard
    [res] = residences(session)
    assert res.phones[0].verified_at is None
    return Taken(res.id, res.address_id, res.password_hash)


def test_the_owner_calling_from_a_number_keyed_in_by_a_stranger_registers_it(caller, session):
    add_addresses(session, [("110", "boulevard Harvey", "JONQUIÈRE")])
    taken = stranger_takes(caller, session)
    owner = caller(OWNER)
    heard = owner.dial()
    assert "Pour le français, appuyez sur 1." in heard and "NIP" not in heard
    assert "Le numéro 4 1 8, 5 5 5, 0 1 6 6 n'est pas inscrit." in owner.press("1")
    heard = owner.keys("1", "1", "110", "")
    assert "Pour le 110 boulevard Harvey, Jonquière, appuyez sur 1." in heard
    heard = owner.keys("1", "", "482916")
    assert "déjà un numéro inscrit" not in " ".join(h.text for h in owner.heard)
    heard = owner.press("482916")
    assert (
        "C'est fait. Le numéro 4 1 8, 5 5 5, 0 1 6 6 est inscrit pour 110 boulevard Harvey" in heard
    )
    [res] = residences(session)
    assert res.address_id == taken.address_id and res.password_hash != taken.password_hash
    [number] = res.phones
    assert number.e164 == OWNER and number.verified_at is not None and number.active
    assert dropped(session) == [
        (
            f"hotline:{OWNER}",
            "residence",
            str(taken.id),
            "number_registered_by_its_owner",
            [OWNER],
            taken.address_id,
        )
    ]
    assert (
        session.scalar(select(OneTimeCode).where(OneTimeCode.purpose == "number_verification"))
        is None
    )


def test_an_unconfirmed_registration_does_not_hold_the_address(caller, session, app):
    add_addresses(session, [("110", "boulevard Harvey", "JONQUIÈRE")])
    taken = stranger_takes(caller, session)
    code_id = session.scalar(select(OneTimeCode.id))
    resident = caller("+14185550177")  # lives there, calls from their own line
    heard = resident.keys("1", "1", "1", "110", "", "1")
    assert "déjà un numéro inscrit" not in heard and "dites votre nom" in heard
    assert "C'est fait" in resident.keys("", "482916", "482916")
    [res] = residences(session)
    assert [p.e164 for p in res.phones] == ["+14185550177"] and res.address_id == taken.address_id
    assert dropped(session) == [
        (
            "hotline:+14185550177",
            "residence",
            str(taken.id),
            "address_taken_by_verified",
            [OWNER],
            taken.address_id,
        )
    ]
    # the stranger's pending call-back, if it still rings, confirms nothing
    heard = caller("+14185550000").post(f"/voice/callback/{token_for(app.config, code_id)}")
    assert "appuyez sur 1" not in heard and heard.hangup
    assert session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == OWNER)) is None


def test_a_confirmed_registration_still_holds_its_address(caller, session):
    add_addresses(session, [("110", "boulevard Harvey", "JONQUIÈRE")])
    caller("+14185550177").keys("1", "1", "1", "110", "", "1", "", "482916", "482916")
    heard = caller("+14185550178").keys("1", "1", "1", "110", "", "1")
    assert "déjà un numéro inscrit" in heard
    assert len(residences(session)) == 1


def test_unconfirmed_registrations_expire_after_24_hours(caller, session):
    add_addresses(session, [("110", "boulevard Harvey", "JONQUIÈRE")])
    stale = stranger_takes(caller, session)
    caller("+14185550177").keys("1", "1", "1", "12", "", "REC", "", "482916", "482916")
    heard = caller("anonymous").keys(
        "1", "4185550199", "1", "1", "1", "12", "", "REC", "", PIN, PIN
    )
    assert "Nous allons appeler le" in heard
    day_ago = utcnow() - timedelta(hours=24, minutes=1)
    session.execute(
        update(Residence)
        .where(Residence.id.in_([stale.id, stale.id + 1]))
        .values(created_at=day_ago)
    )  # the stale one and a confirmed one
    session.commit()
    caller("+14185550123").dial()  # any call purges
    left = residences(session)
    assert [r.id for r in left] == [stale.id + 1, stale.id + 2]
    assert dropped(session) == [
        ("system", "residence", str(stale.id), "expired", [OWNER], stale.address_id)
    ]
    # the number and the address are free again
    heard = caller("anonymous").keys("1", OWNER[2:], "1")
    assert "n'est pas inscrit" in heard
    assert "Pour le 110 boulevard Harvey" in caller(OWNER).keys("1", "1", "1", "110", "")
