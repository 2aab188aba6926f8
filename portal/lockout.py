"""Checking a resident's portal password, with a lockout that holds under simultaneous
attempts: each attempt is counted on the residence's row BEFORE the password is checked, by
one conditional UPDATE ... RETURNING (atomic on SQLite and PostgreSQL), so no more than
LOCK_AFTER passwords are ever checked per window however many requests try at once."""

from sqlalchemy import case, literal, or_, select, update

from models import OneTimeCode, PhoneNumber, Residence, audit, utcnow
from models.audit import audit_repeated
from models.base import UTCDateTime
from models.passwords import hash_secret, verify_secret

from .defaults import LOCK_AFTER, LOCK_FOR, LOCK_WINDOW

TEMPORARY = "web_password"
"""The OneTimeCode purpose of a portal temporary password (hotline/callbacks.py sends it)."""
_DUMMY_HASH = hash_secret("not-a-real-password")


def _at(value):
    return literal(value, UTCDateTime())


def _take_attempt(session, residence_id: int, now) -> bool:
    fresh = or_(
        Residence.web_failed_since.is_(None), Residence.web_failed_since <= _at(now - LOCK_WINDOW)
    )
    stmt = (
        update(Residence)
        .where(
            Residence.id == residence_id,
            or_(Residence.web_locked_until.is_(None), Residence.web_locked_until <= _at(now)),
            or_(fresh, Residence.web_failed_count < LOCK_AFTER),
        )
        .values(
            web_failed_count=case((fresh, 1), else_=Residence.web_failed_count + 1),
            web_failed_since=case((fresh, _at(now)), else_=Residence.web_failed_since),
        )
        .returning(Residence.id)
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).first() is not None


def _lock_if_spent(session, residence_id: int, now) -> bool:
    stmt = (
        update(Residence)
        .where(
            Residence.id == residence_id,
            Residence.web_failed_count >= LOCK_AFTER,
            Residence.web_failed_since > _at(now - LOCK_WINDOW),
        )
        .values(web_locked_until=_at(now + LOCK_FOR), web_failed_count=0, web_failed_since=None)
        .returning(Residence.id)
        .execution_options(synchronize_session=False)
    )
    return session.execute(stmt).first() is not None


def _clear(session, residence_id: int) -> None:
    session.execute(
        update(Residence)
        .where(Residence.id == residence_id)
        .values(web_failed_count=0, web_failed_since=None)
        .execution_options(synchronize_session=False)
    )


def _temporary_code(session, e164: str, password: str, now) -> OneTimeCode | None:
    for code in session.scalars(
        select(OneTimeCode)
        .where(
            OneTimeCode.phone_e164 == e164,
            OneTimeCode.purpose == TEMPORARY,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.code_hash.is_not(None),
            OneTimeCode.expires_at > now,
        )
        .order_by(OneTimeCode.id.desc())
    ):
        if verify_secret(code.code_hash, password):
            return code
    return None


def check(session, phone: PhoneNumber | None, password: str, ip: str | None) -> str:
    """'ok', 'temporary' (must choose a new one), 'wrong' or 'locked'; commits. An unknown
    number costs a hash check too and answers 'wrong', like a wrong password."""
    if phone is None:
        verify_secret(_DUMMY_HASH, password)
        return "wrong"
    now, residence_id, actor = utcnow(), phone.residence_id, f"portal:{phone.e164}"
    counted = _take_attempt(session, residence_id, now)
    session.commit()
    if not counted:
        verify_secret(_DUMMY_HASH, password)
        audit_repeated(
            session,
            f"{actor}|{ip}",
            actor,
            "portal.login_refused",
            "residence",
            residence_id,
            ip=ip,
        )
        return "locked"
    residence = session.get(Residence, residence_id)
    session.refresh(residence)
    result = None
    if verify_secret(residence.web_password_hash, password):
        result = "temporary" if residence.web_password_temporary else "ok"
    else:
        code = _temporary_code(session, phone.e164, password, now)
        if code is not None:
            code.used_at = now
            residence.web_password_hash, residence.web_password_temporary = code.code_hash, True
            if phone.verified_at is None:  # the code reached this number: it is its owner's
                phone.verified_at, phone.active = now, True
            result = "temporary"
    if result:
        _clear(session, residence_id)
        audit(
            session,
            actor,
            "portal.login",
            "residence",
            residence_id,
            ip=ip,
            temporary=result != "ok",
        )
        session.commit()
        return result
    audit_repeated(
        session, f"{actor}|{ip}", actor, "portal.login_failed", "residence", residence_id, ip=ip
    )
    locked_now = _lock_if_spent(session, residence_id, now)
    if locked_now:
        audit(
            session,
            actor,
            "portal.locked",
            "residence",
            residence_id,
            ip=ip,
            minutes=int(LOCK_FOR.total_seconds() // 60),
        )
    session.commit()
    return "locked" if locked_now else "wrong"
