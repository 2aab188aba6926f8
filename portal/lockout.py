"""Checking a resident's portal password, with a lockout that holds under simultaneous
attempts: each attempt is counted on the residence's row BEFORE the password is checked, by
one conditional UPDATE ... RETURNING (atomic on SQLite and PostgreSQL), so no more than
LOCK_AFTER passwords are ever checked per window however many requests try at once."""

from sqlalchemy import select

from models import OneTimeCode, PhoneNumber, Residence, audit, lockout, utcnow
from models.audit import audit_repeated
from models.lockout import Lockout
from models.passwords import hash_secret, verify_secret

from .defaults import LOCK_AFTER, LOCK_FOR, LOCK_WINDOW

TEMPORARY = "web_password"
"""The OneTimeCode purpose of a portal temporary password (hotline/callbacks.py sends it)."""
_DUMMY_HASH = hash_secret("not-a-real-password")
WEB = Lockout(
    Residence.id,
    Residence.web_failed_count,
    Residence.web_failed_since,
    Residence.web_locked_until,
    LOCK_AFTER,
    LOCK_WINDOW,
    LOCK_FOR,
)
"""The web passwords counted per residence: the hotline's lockout (models/lockout.py) on the
portal's own columns, so a locked hotline PIN does not lock the web and the reverse."""


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
    counted = lockout.take_attempt(session, WEB, residence_id, now)
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
        lockout.clear(session, WEB, residence_id)
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
    locked_now = lockout.lock_if_spent(session, WEB, residence_id, now)
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
