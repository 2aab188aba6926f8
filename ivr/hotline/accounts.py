"""What the hotline changes: passwords and lockout, registration, one-time codes."""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from models import (Address, Channel, NumberKind, OneTimeCode, PhoneNumber, Residence, audit,
                    utcnow)
from models.passwords import verify_secret

LOCK_AFTER = 5                      # failed passwords for one number ...
LOCK_WINDOW = timedelta(minutes=15)  # ... within this time ...
LOCK_FOR = timedelta(minutes=15)     # ... lock its phone access this long
RESETS_PER_DAY = 3
CODE_LIFETIME = timedelta(days=1)


def locked(phone: PhoneNumber) -> bool:
    return phone.locked_until is not None and phone.locked_until > utcnow()


def _failed(phone: PhoneNumber, now: datetime) -> None:
    if phone.failed_auth_since is None or now - phone.failed_auth_since > LOCK_WINDOW:
        phone.failed_auth_since, phone.failed_auth_count = now, 0
    phone.failed_auth_count += 1
    if phone.failed_auth_count >= LOCK_AFTER:
        phone.locked_until = now + LOCK_FOR
        phone.failed_auth_count, phone.failed_auth_since = 0, None


def check_password(session, phone: PhoneNumber, pin: str, actor: str) -> str:
    """'ok', 'temporary' (must choose a new one), 'wrong' or 'locked'."""
    now, residence = utcnow(), phone.residence
    result = None
    if verify_secret(residence.password_hash, pin):
        result = "temporary" if residence.password_temporary else "ok"
    else:
        for code in session.scalars(select(OneTimeCode).where(
                OneTimeCode.phone_e164 == phone.e164, OneTimeCode.purpose == "password_reset",
                OneTimeCode.used_at.is_(None), OneTimeCode.code_hash.is_not(None),
                OneTimeCode.expires_at > now).order_by(OneTimeCode.id.desc())):
            if verify_secret(code.code_hash, pin):
                code.used_at = now
                residence.password_hash, residence.password_temporary = code.code_hash, True
                result = "temporary"
                break
    if result:
        phone.failed_auth_count, phone.failed_auth_since = 0, None
        audit(session, actor, "hotline.login", "residence", residence.id, temporary=result != "ok")
        return result
    _failed(phone, now)
    audit(session, actor, "hotline.login_failed", "residence", residence.id)
    if locked(phone):
        audit(session, actor, "hotline.locked", "residence", residence.id,
              minutes=int(LOCK_FOR.total_seconds() // 60))
        return "locked"
    return "wrong"


def set_password(session, residence: Residence, pin_hash: str, actor: str) -> None:
    residence.password_hash, residence.password_temporary = pin_hash, False
    audit(session, actor, "hotline.password_changed", "residence", residence.id)


def resets_today(session, e164: str) -> int:
    return session.scalar(select(func.count(OneTimeCode.id)).where(
        OneTimeCode.phone_e164 == e164, OneTimeCode.purpose == "password_reset",
        OneTimeCode.created_at > utcnow() - timedelta(days=1))) or 0


def new_code(session, e164: str, purpose: str, channel: str = "voice") -> OneTimeCode:
    """A one-time code row; its hash is set only when the code is said or sent."""
    code = OneTimeCode(phone_e164=e164, purpose=purpose, channel=channel, code_hash=None,
                       expires_at=utcnow() + CODE_LIFETIME)
    session.add(code)
    session.flush()
    return code


def register(session, data: dict, language: str, actor: str) -> Residence:
    """Create the residence and its number from a finished call, in the caller's transaction."""
    now = utcnow()
    keyed = bool(data.get("keyed"))
    residence = Residence(
        language=language, civic_number=data.get("civic", ""), apartment=data.get("apt", ""),
        active=True, password_hash=data["pin_hash"], password_temporary=False,
        consent_at=datetime.fromisoformat(data["consent_at"]),
        consent_channel=Channel.HOTLINE.value, registered_via=Channel.HOTLINE.value,
        name_needs_review=True, name_recording_url=data.get("name_recording"),
        address_recording_url=data.get("address_recording"))
    address = session.get(Address, data["address_id"]) if data.get("address_id") else None
    if address is not None:
        residence.address_id, residence.street = address.id, address.street
        residence.city, residence.postal_code = address.city, address.postal_code
        residence.civic_number = address.civic_number
    else:
        residence.address_needs_review = True
    residence.phones.append(PhoneNumber(
        e164=data["phone"], position=0, kind=NumberKind.VOICE.value,
        active=not keyed, verified_at=None if keyed else now))
    session.add(residence)
    session.flush()
    audit(session, actor, "hotline.registered", "residence", residence.id,
          keyed_number=keyed, address_from_registry=address is not None)
    return residence


def unregister(session, residence: Residence, actor: str) -> None:
    audit(session, actor, "hotline.unregistered", "residence", residence.id)
    session.delete(residence)
