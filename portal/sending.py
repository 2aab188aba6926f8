"""New users and forgotten passwords: what the portal sends to a number, through the
hotline's own call-back and SMS jobs (hotline/callbacks.py), promised in the outbox in the
same transaction as the state (runtime/outbox.py), paced with the account's calls.

The page answers the same whether or not the number is registered: a registered number asked
for as a new user gets a notice saying so, an unknown one asked for a forgotten password gets
nothing; either way the number's daily count is taken."""

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotline import accounts, quotas
from models import Channel, NumberKind, PhoneNumber, Residence, audit, utcnow
from runtime import outbox

from .defaults import CONSENT_VERSION, setting
from .lockout import TEMPORARY

NOTICE = "web_registered"
"""The OneTimeCode purpose of 'this number is already registered' (no password in it)."""
JOB = "hotline.callbacks.password_reset"
MODES = {"sms": "sms", "voice": "voice"}


def take_daily(session, e164: str) -> bool:
    """Count one send to E164 today (atomic); False when PORTAL_SENDS_PER_NUMBER were made."""
    return quotas.take(
        session, f"portal-send:{e164}", setting(current_app, "PORTAL_SENDS_PER_NUMBER")
    )


def _promise(session, e164: str, purpose: str, channel: str):
    code = accounts.new_code(session, e164, purpose, channel)
    return outbox.promise(session, JOB, code.id)


def _hand_over(rows) -> None:
    outbox.hand_over(current_app._get_current_object(), rows)


def _phone(session, e164: str) -> PhoneNumber | None:
    return session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))


def new_user(session, e164: str, channel: str, language: str, ip: str | None) -> None:
    """Register E164 with a temporary password sent by CHANNEL, or send the notice when it is
    registered already; the caller took the daily count. Commits."""
    now = utcnow()
    if _phone(session, e164) is None:
        residence = Residence(
            language=language,
            active=True,
            registered_via=Channel.WEB.value,
            consent_at=now,
            consent_channel=Channel.WEB.value,
            consent_version=CONSENT_VERSION,
        )
        # alerts by voice call, as the seed's example; the resident may choose SMS in the
        # dossier (the confirmation mode only says how the temporary password goes)
        residence.phones.append(
            PhoneNumber(
                e164=e164, position=0, kind=NumberKind.VOICE.value, active=True, verified_at=None
            )
        )
        session.add(residence)
        try:
            session.flush()
        except IntegrityError:  # the same number registered at this very moment
            session.rollback()
            take_daily(session, e164)
            return new_user(session, e164, channel, language, ip)
        audit(
            session,
            f"portal:{e164}",
            "portal.registered",
            "residence",
            residence.id,
            ip=ip,
            channel=channel,
            consent_version=CONSENT_VERSION,
        )
        row = _promise(session, e164, TEMPORARY, channel)
    else:
        audit(session, f"portal:{e164}", "portal.register_existing", "phone", e164, ip=ip)
        row = _promise(session, e164, NOTICE, channel)
    session.commit()
    _hand_over([row])


def forgotten(session, e164: str, channel: str, ip: str | None) -> None:
    """A temporary password for E164 by CHANNEL when it is registered; nothing otherwise (the
    caller took the daily count). Commits."""
    phone = _phone(session, e164)
    if phone is None:  # nothing is kept about a number that is not registered
        session.commit()
        return
    audit(
        session,
        f"portal:{e164}",
        "portal.reset_requested",
        "residence",
        phone.residence_id,
        ip=ip,
        channel=channel,
    )
    row = _promise(session, e164, TEMPORARY, channel)
    session.commit()
    _hand_over([row])
