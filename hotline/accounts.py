"""What the hotline changes: passwords and lockout, registration, one-time codes, daily caps,
and keyed-in registrations that nobody confirmed."""

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select

from models import (
    Address,
    Channel,
    NumberKind,
    OneTimeCode,
    PhoneNumber,
    Residence,
    audit,
    lockout,
    remove_residence,
    utcnow,
)
from models.lockout import Lockout
from models.passwords import verify_secret

from . import quotas

LOCK_AFTER = 5  # wrong passwords for one number, or for one residence ...
LOCK_WINDOW = timedelta(minutes=15)  # ... within this time ...
LOCK_FOR = timedelta(minutes=15)  # ... lock its phone access this long
RESETS_PER_DAY = 3  # temporary passwords per number
VERIFY_CALLS_PER_NUMBER = 3  # verification call-backs to one keyed-in number, per day
VERIFY_CALLS_PER_CALLER = 5  # verification call-backs asked by one calling number, per day
VERIFY_CALLS_WITHHELD = 20  # ... by all callers whose caller ID is withheld, together
CODE_LIFETIME = timedelta(days=1)
UNVERIFIED_FOR = timedelta(hours=24)  # a keyed-in registration never confirmed is then dropped


def lock_left(phone: PhoneNumber) -> timedelta | None:
    """How long the number's phone access stays locked (its own lock or its residence's)."""
    now = utcnow()
    ends = [u for u in (phone.locked_until, phone.residence.locked_until) if u and u > now]
    return max(ends) - now if ends else None


def locked(phone: PhoneNumber) -> bool:
    return lock_left(phone) is not None


BY_RESIDENCE = Lockout(
    Residence.id,
    Residence.failed_auth_count,
    Residence.failed_auth_since,
    Residence.locked_until,
    LOCK_AFTER,
    LOCK_WINDOW,
    LOCK_FOR,
)
BY_NUMBER = Lockout(
    PhoneNumber.id,
    PhoneNumber.failed_auth_count,
    PhoneNumber.failed_auth_since,
    PhoneNumber.locked_until,
    LOCK_AFTER,
    LOCK_WINDOW,
    LOCK_FOR,
)
"""The PIN attempts counted per residence and per number (models/lockout.py)."""


def _refresh(session, phone: PhoneNumber) -> None:
    for row in (phone, phone.residence):
        session.expire(row, ["failed_auth_count", "failed_auth_since", "locked_until"])


def has_pin(session, phone: PhoneNumber) -> bool:
    """True when the number's residence has a PIN, or a temporary one waits to be used."""
    if phone.residence.password_hash:
        return True
    return (
        session.scalar(
            select(
                exists().where(
                    OneTimeCode.phone_e164 == phone.e164,
                    OneTimeCode.purpose == "password_reset",
                    OneTimeCode.used_at.is_(None),
                    OneTimeCode.code_hash.is_not(None),
                    OneTimeCode.expires_at > utcnow(),
                )
            )
        )
        or False
    )


def check_password(session, phone: PhoneNumber, pin: str, actor: str) -> str:
    """'ok', 'temporary' (must choose a new one), 'wrong' or 'locked'.

    The attempt is counted (per number and per residence) BEFORE the password is checked, so
    no more than LOCK_AFTER passwords are ever checked per window, however many calls try at
    once; while locked, even the right password is refused."""
    now, residence = utcnow(), phone.residence
    # the residence's row first, then the number's: the order in which the ORM flushes them
    counted = lockout.take_attempt(
        session, BY_RESIDENCE, residence.id, now
    ) and lockout.take_attempt(session, BY_NUMBER, phone.id, now)
    _refresh(session, phone)
    if not counted:
        audit(session, actor, "hotline.login_refused", "residence", residence.id)
        return "locked"
    result = None
    if verify_secret(residence.password_hash, pin):
        result = "temporary" if residence.password_temporary else "ok"
    else:
        for code in session.scalars(
            select(OneTimeCode)
            .where(
                OneTimeCode.phone_e164 == phone.e164,
                OneTimeCode.purpose == "password_reset",
                OneTimeCode.used_at.is_(None),
                OneTimeCode.code_hash.is_not(None),
                OneTimeCode.expires_at > now,
            )
            .order_by(OneTimeCode.id.desc())
        ):
            if verify_secret(code.code_hash, pin):
                code.used_at = now
                residence.password_hash, residence.password_temporary = code.code_hash, True
                result = "temporary"
                break
    if result:
        lockout.clear(session, BY_RESIDENCE, residence.id)
        lockout.clear(session, BY_NUMBER, phone.id)
        _refresh(session, phone)
        audit(session, actor, "hotline.login", "residence", residence.id, temporary=result != "ok")
        return result
    audit(session, actor, "hotline.login_failed", "residence", residence.id)
    by_residence = lockout.lock_if_spent(session, BY_RESIDENCE, residence.id, now)
    by_number = lockout.lock_if_spent(session, BY_NUMBER, phone.id, now)
    _refresh(session, phone)
    if by_residence or by_number:
        audit(
            session,
            actor,
            "hotline.locked",
            "residence",
            residence.id,
            minutes=int(LOCK_FOR.total_seconds() // 60),
            scope="number" if by_number else "residence",
        )
        return "locked"
    return "wrong"


def set_password(session, residence: Residence, pin_hash: str, actor: str) -> None:
    residence.password_hash, residence.password_temporary = pin_hash, False
    audit(session, actor, "hotline.password_changed", "residence", residence.id)


def take_reset(session, e164: str) -> bool:
    """Count a temporary password for E164; False when it had RESETS_PER_DAY today."""
    return quotas.take(session, f"reset:{e164}", RESETS_PER_DAY)


def _verify_keys(target: str, caller: str | None) -> list[tuple[str, int, str]]:
    """(quota key, cap, refusal) of a verification call-back to TARGET asked by CALLER."""
    return [
        (f"verify-to:{target}", VERIFY_CALLS_PER_NUMBER, "hotline.verify.limit_number"),
        (f"verify-from:{caller}", VERIFY_CALLS_PER_CALLER, "hotline.verify.limit_caller")
        if caller
        else ("verify-from:withheld", VERIFY_CALLS_WITHHELD, "hotline.verify.limit_withheld"),
    ]


REFUSAL_LIMITS = {
    "hotline.verify.limit_number": VERIFY_CALLS_PER_NUMBER,
    "hotline.verify.limit_caller": VERIFY_CALLS_PER_CALLER,
    "hotline.verify.limit_withheld": VERIFY_CALLS_WITHHELD,
}


def verification_refusal(session, target: str, caller: str | None) -> str | None:
    """Early check (binding only in `take_verification`): the refusal key when a cap is spent."""
    for key, cap, refusal in _verify_keys(target, caller):
        if quotas.used(session, key) >= cap:
            return refusal
    return None


def take_verification(session, target: str, caller: str | None) -> str | None:
    """Count a verification call-back to TARGET asked by CALLER (its caller ID, None when
    withheld) against both daily caps, atomically; the refusal key when one is spent."""
    taken = []
    for key, cap, refusal in _verify_keys(target, caller):
        if not quotas.take(session, key, cap):
            for done in taken:
                quotas.give_back(session, done)
            return refusal
        taken.append(key)
    return None


def give_back_verification(session, target: str, caller: str | None) -> None:
    """Undo `take_verification` in this transaction (the registration was not made)."""
    for key, _cap, _refusal in _verify_keys(target, caller):
        quotas.give_back(session, key)


def new_code(session, e164: str, purpose: str, channel: str = "voice") -> OneTimeCode:
    """A one-time code row; its hash is set only when the code is said or sent."""
    code = OneTimeCode(
        phone_e164=e164,
        purpose=purpose,
        channel=channel,
        code_hash=None,
        expires_at=utcnow() + CODE_LIFETIME,
    )
    session.add(code)
    session.flush()
    return code


def register(session, data: dict, language: str, actor: str) -> Residence:
    """Create the residence and its number from a finished call, in the caller's transaction."""
    now = utcnow()
    keyed = bool(data.get("keyed"))
    residence = Residence(
        language=language,
        civic_number=data.get("civic", ""),
        apartment=data.get("apt", ""),
        active=True,
        password_hash=data["pin_hash"],
        password_temporary=False,
        consent_at=datetime.fromisoformat(data["consent_at"]),
        consent_channel=Channel.HOTLINE.value,
        registered_via=Channel.HOTLINE.value,
        name_needs_review=True,
        name_recording_url=data.get("name_recording"),
        address_recording_url=data.get("address_recording"),
    )
    address = session.get(Address, data["address_id"]) if data.get("address_id") else None
    if address is not None:
        residence.address_id, residence.street = address.id, address.street
        residence.city, residence.postal_code = address.city, address.postal_code
        residence.civic_number = address.civic_number
    else:
        residence.address_needs_review = True
    residence.phones.append(
        PhoneNumber(
            e164=data["phone"],
            position=0,
            kind=NumberKind.VOICE.value,
            active=not keyed,
            verified_at=None if keyed else now,
        )
    )
    session.add(residence)
    session.flush()
    audit(
        session,
        actor,
        "hotline.registered",
        "residence",
        residence.id,
        keyed_number=keyed,
        address_from_registry=address is not None,
    )
    return residence


def unregister(session, residence: Residence, actor: str) -> None:
    """The caller unregisters: history kept anonymised (models/removal.py)."""
    remove_residence(session, residence, actor, "hotline.unregistered")


def unverified():
    """SQL condition: a residence none of whose numbers was ever confirmed (a keyed-in
    registration awaiting its call-back). Such a registration holds no address nor number
    against a confirmed one, and is dropped after UNVERIFIED_FOR."""
    return (Residence.registered_via == Channel.HOTLINE.value) & ~exists().where(
        PhoneNumber.residence_id == Residence.id, PhoneNumber.verified_at.is_not(None)
    )


def is_unverified(residence: Residence) -> bool:
    return residence.registered_via == Channel.HOTLINE.value and all(
        p.verified_at is None for p in residence.phones
    )


def drop_unverified(session, residence: Residence, actor: str, reason: str) -> None:
    """Delete an unconfirmed registration (and its pending confirmation codes), audited."""
    numbers = [p.e164 for p in residence.phones]
    audit(
        session,
        actor,
        "hotline.unverified_dropped",
        "residence",
        residence.id,
        reason=reason,
        numbers=numbers,
        address_id=residence.address_id,
    )
    session.execute(
        delete(OneTimeCode).where(
            OneTimeCode.phone_e164.in_(numbers),
            OneTimeCode.purpose == "number_verification",
            OneTimeCode.used_at.is_(None),
        )
    )
    session.delete(residence)  # never targeted (no confirmed number): no history to keep
    session.flush()  # before a new row takes its number or address


def drop_unverified_at(session, address_id: int, apartment: str, actor: str) -> None:
    """A confirmed registration takes this address: unconfirmed ones there give it up."""
    for residence in session.scalars(
        select(Residence).where(
            Residence.address_id == address_id, Residence.apartment == apartment, unverified()
        )
    ):
        drop_unverified(session, residence, actor, "address_taken_by_verified")


def purge_unverified(session) -> int:
    """Drop the keyed-in registrations never confirmed within UNVERIFIED_FOR of creation."""
    stale = list(
        session.scalars(
            select(Residence).where(
                Residence.id.in_(
                    select(PhoneNumber.residence_id).where(PhoneNumber.verified_at.is_(None))
                ),  # indexed
                Residence.created_at < utcnow() - UNVERIFIED_FOR,
                unverified(),
            )
        )
    )
    for residence in stale:
        drop_unverified(session, residence, "system", "expired")
    return len(stale)
