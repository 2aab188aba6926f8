"""Apply what the provider says about a call to its attempt and to the residence's delivery.

Every change starts with a conditional UPDATE that is its own idempotency gate (the attempt
is settled once: `outcome IS NULL`), so duplicated, reordered or racing reports (callback vs
reconciler fetch, two web workers) change the database once. Non-final statuses only move
forward (`SequenceNumber`) and never over a final one. The caller commits.
"""

import logging
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Row, Update, and_, func, select, update
from sqlalchemy.orm import Session

from models import (
    FINAL_CALL_STATUSES,
    FINAL_MESSAGE_STATUSES,
    MESSAGE_PROGRESS,
    AttemptStatus,
    CallAttempt,
    Campaign,
    CampaignStatus,
    Delivery,
    Outcome,
    PhoneNumber,
    utcnow,
)

from .contacts import contacts_of
from .outcome import MACHINE_ANSWERS, best, call_outcome, is_reached
from .texts import LANDLINE_ERRORS, OPTED_OUT_ERROR

log = logging.getLogger(__name__)
ACTIVE = (CampaignStatus.RUNNING.value, CampaignStatus.PAUSED.value)


def numbers_of(session: Session, residence_id: int) -> list[str]:
    """The residence's contacts' numbers (voice and SMS), in calling order."""
    return [c.e164 for c in contacts_of(session, residence_id)]


def _update(*where: Any, table: Any = CallAttempt) -> Update:
    """An UPDATE of call attempts (or of TABLE) that leaves the session's objects alone
    (nothing here reads them back: the statements return what they need)."""
    return update(table).where(*where).execution_options(synchronize_session=False)


def _attempt(attempt: int | str) -> ColumnElement[bool]:
    """An attempt by its id, or by the opaque token its callback URLs carry."""
    return CallAttempt.id == attempt if isinstance(attempt, int) else CallAttempt.token == attempt


def bind_sid(session: Session, attempt: int | str, sid: str) -> None:
    session.execute(_update(_attempt(attempt), CallAttempt.sid.is_(None)).values(sid=sid))


def record_progress(
    session: Session, attempt: int | str, call_status: str, sequence: int, sid: str | None = None
) -> bool:
    """A non-final status (queued, initiated, ringing, in-progress), if newer than the last.
    One statement: the SID is bound in it too (separately only when the status is stale).
    False if no such attempt exists."""
    values: dict[str, Any] = {"status": call_status, "sequence_number": sequence}
    if sid:
        values["sid"] = func.coalesce(CallAttempt.sid, sid)
    if call_status == AttemptStatus.IN_PROGRESS.value:
        values["answered_at"] = utcnow()
    moved = cast(
        "CursorResult[Any]",
        session.execute(
            _update(
                _attempt(attempt),
                CallAttempt.outcome.is_(None),
                CallAttempt.status.not_in(FINAL_CALL_STATUSES + (AttemptStatus.VOID.value,)),
                CallAttempt.sequence_number < sequence,
            ).values(**values)
        ),
    )
    if moved.rowcount == 1:
        return True
    if sid:
        bind_sid(session, attempt, sid)
    return session.scalar(select(CallAttempt.id).where(_attempt(attempt))) is not None


def record_final(
    session: Session,
    attempt_id: int,
    call_status: str,
    sid: str | None = None,
    duration: int | None = None,
    answered_by: str | None = None,
    sequence: int | None = None,
    wait_for_amd: bool = True,
) -> str | None:
    """A final status; settles the attempt unless an answered call still awaits AMD's verdict.

    Returns the outcome when this report settled the attempt."""
    values: dict[str, Any] = {"status": call_status, "ended_at": utcnow()}
    if duration is not None:
        values["duration_s"] = duration
    if sequence is not None:
        values["sequence_number"] = sequence
    if sid:
        values["sid"] = func.coalesce(CallAttempt.sid, sid)
    if answered_by:
        values["answered_by"] = func.coalesce(CallAttempt.answered_by, answered_by)
    # the usual case, in one statement: the first final report of a call not yet settled
    attempt = session.execute(
        _update(
            CallAttempt.id == attempt_id,
            CallAttempt.outcome.is_(None),
            CallAttempt.status.not_in(FINAL_CALL_STATUSES),
        )
        .values(**values)
        .returning(CallAttempt.answered_by, CallAttempt.outcome)
    ).first()
    if attempt is None:  # a repeated final report, or one for a settled call
        if sid:
            bind_sid(session, attempt_id, sid)
        if answered_by:
            session.execute(
                _update(CallAttempt.id == attempt_id, CallAttempt.answered_by.is_(None)).values(
                    answered_by=answered_by
                )
            )
        attempt = session.execute(
            select(CallAttempt.answered_by, CallAttempt.outcome).where(CallAttempt.id == attempt_id)
        ).one()
    if attempt.outcome is not None:
        return None
    completed = call_status == AttemptStatus.COMPLETED.value
    if completed and attempt.answered_by is None and wait_for_amd:
        return None  # the AMD callback (or the reconciler's fetch) settles it
    return settle(session, attempt_id, call_outcome(call_status, attempt.answered_by))


def record_amd(
    session: Session, attempt_id: int, answered_by: str, sid: str | None = None
) -> tuple[bool, str | None]:
    """AMD's verdict, once (binding SID if not yet known): (first report?, outcome if this
    settled a call that had ended).

    Also corrects a call settled `human` before a late machine verdict came in."""
    values: dict[str, Any] = {"answered_by": answered_by}
    if sid:
        values["sid"] = func.coalesce(CallAttempt.sid, sid)
    attempt = session.execute(
        _update(CallAttempt.id == attempt_id, CallAttempt.answered_by.is_(None))
        .values(**values)
        .returning(
            CallAttempt.status, CallAttempt.outcome, CallAttempt.delivery_id, CallAttempt.to_number
        )
    ).first()
    if attempt is None:
        if sid:
            bind_sid(session, attempt_id, sid)
        return False, None
    if attempt.outcome is None and attempt.status == AttemptStatus.COMPLETED.value:
        return True, settle(
            session, attempt_id, call_outcome(AttemptStatus.COMPLETED.value, answered_by)
        )
    if attempt.outcome == Outcome.HUMAN.value and answered_by in MACHINE_ANSWERS:
        # reached either way: only the label changes, on the attempt and its residence
        session.execute(
            _update(CallAttempt.id == attempt_id).values(outcome=Outcome.VOICEMAIL.value)
        )
        if attempt.delivery_id:
            session.execute(
                _update(
                    Delivery.id == attempt.delivery_id,
                    Delivery.status == Outcome.HUMAN.value,
                    Delivery.reached_number == attempt.to_number,
                    table=Delivery,
                ).values(status=Outcome.VOICEMAIL.value, best_outcome=Outcome.VOICEMAIL.value)
            )
    return True, None


def record_confirmation(session: Session, attempt_id: int) -> None:
    """The person pressed 2: the attempt and its residence are confirmed."""
    delivery_id = session.execute(
        _update(CallAttempt.id == attempt_id)
        .values(confirmed=True)
        .returning(CallAttempt.delivery_id)
    ).scalar()
    if delivery_id:
        session.execute(
            _update(Delivery.id == delivery_id, table=Delivery).values(
                confirmed=True, updated_at=utcnow()
            )
        )


def record_message(
    session: Session,
    attempt: int | str,
    message_status: str,
    sid: str | None = None,
    error_code: int | None = None,
) -> str | None:
    """A text's MessageStatus (callback or fetch), in any order and any number of times: a
    non-final one only moves forward (queued < sending < sent) and never over a final one; the
    first final one settles the attempt (delivered: reached; undelivered / failed: the next
    contact, or a voice call to the same number for a landline error; 21610: the contact is
    opted out). Returns the outcome when this report settled the attempt."""
    if message_status not in FINAL_MESSAGE_STATUSES:
        rank = MESSAGE_PROGRESS.get(message_status)
        if rank is None:
            return None  # accepted, scheduled, receiving...: nothing we track
        values: dict[str, Any] = {"status": message_status, "sequence_number": rank}
        if sid:
            values["sid"] = func.coalesce(CallAttempt.sid, sid)
        moved = cast(
            "CursorResult[Any]",
            session.execute(
                _update(
                    _attempt(attempt),
                    CallAttempt.outcome.is_(None),
                    CallAttempt.status.not_in(FINAL_MESSAGE_STATUSES + (AttemptStatus.VOID.value,)),
                    CallAttempt.sequence_number < rank,
                ).values(**values)
            ),
        )
        if moved.rowcount != 1 and sid:
            bind_sid(session, attempt, sid)
        return None
    values = {"status": message_status, "ended_at": utcnow()}
    if sid:
        values["sid"] = func.coalesce(CallAttempt.sid, sid)
    if error_code:
        values["error"] = str(error_code)
    row = session.execute(
        _update(
            _attempt(attempt),
            CallAttempt.outcome.is_(None),
            CallAttempt.status.not_in(FINAL_MESSAGE_STATUSES + (AttemptStatus.VOID.value,)),
        )
        .values(**values)
        .returning(CallAttempt.id, CallAttempt.to_number)
    ).first()
    if row is None:  # repeated, late, or for a settled text
        if sid:
            bind_sid(session, attempt, sid)
        return None
    if message_status == AttemptStatus.DELIVERED.value:
        return settle(session, row.id, Outcome.SMS_DELIVERED.value)
    if error_code == OPTED_OUT_ERROR:
        opt_out(session, row.to_number)
    return settle(
        session, row.id, Outcome.FAILED.value, voice_fallback=error_code in LANDLINE_ERRORS
    )


def opt_out(session: Session, e164: str, out: bool = True) -> int:
    """Turn that contact's SMS off (ARRÊT, STOP, 21610) or back on; the rows changed."""
    if out:
        return cast(
            "CursorResult[Any]",
            session.execute(
                _update(
                    PhoneNumber.e164 == e164,
                    PhoneNumber.sms_opted_out_at.is_(None),
                    table=PhoneNumber,
                ).values(sms_opted_out_at=utcnow())
            ),
        ).rowcount
    return cast(
        "CursorResult[Any]",
        session.execute(
            _update(
                PhoneNumber.e164 == e164,
                PhoneNumber.sms_opted_out_at.is_not(None),
                table=PhoneNumber,
            ).values(sms_opted_out_at=None)
        ),
    ).rowcount


def settle(
    session: Session, attempt_id: int, outcome: str, voice_fallback: bool = False
) -> str | None:
    """Give the attempt its OUTCOME (once) and move its residence on; the outcome or None.
    VOICE_FALLBACK: a text that a landline could not take: the same number is called next."""
    attempt = session.execute(
        _update(CallAttempt.id == attempt_id, CallAttempt.outcome.is_(None))
        .values(outcome=outcome)
        .returning(
            CallAttempt.id,
            CallAttempt.delivery_id,
            CallAttempt.to_number,
            CallAttempt.round,
            CallAttempt.number_index,
            CallAttempt.sid,
            CallAttempt.requested_at,
            CallAttempt.created_at,
        )
    ).first()
    if attempt is None:
        return None
    if attempt.delivery_id is not None:
        _advance(session, attempt, outcome, voice_fallback)
    return outcome


def void_attempt(session: Session, attempt_id: int, reason: str, unrequested: bool = False) -> bool:
    """The call was never placed: the residence goes back to the same number, at once and in
    its place in the queue (its `next_attempt_at` is kept: it has been due since then, which
    the stall watch reads), and the attempt does not count. UNREQUESTED: only if its create
    request was never marked (dispatch.mark_requested), i.e. a claim given back before its
    call."""
    where = [CallAttempt.id == attempt_id, CallAttempt.outcome.is_(None), CallAttempt.sid.is_(None)]
    if unrequested:
        where.append(CallAttempt.requested_at.is_(None))
    attempt = session.execute(
        _update(*where)
        .values(status=AttemptStatus.VOID.value, outcome=Outcome.VOID.value, error=reason[:255])
        .returning(CallAttempt.delivery_id, CallAttempt.round, CallAttempt.number_index)
    ).first()
    if attempt is None:
        return False
    if attempt.delivery_id is not None:
        session.execute(
            _update(
                Delivery.id == attempt.delivery_id,
                Delivery.status == Outcome.IN_PROGRESS.value,
                Delivery.round == attempt.round,
                Delivery.number_index == attempt.number_index,
                table=Delivery,
            ).values(status=Outcome.PENDING.value, lease_until=None, updated_at=utcnow())
        )
    return True


def _advance(
    session: Session, attempt: Row[*tuple[Any, ...]], outcome: str, voice_fallback: bool = False
) -> None:
    """Move the residence of ATTEMPT (a row of settle's RETURNING) on after OUTCOME."""
    now = utcnow()
    delivery = session.execute(
        select(
            Delivery.best_outcome,
            Delivery.residence_id,
            Campaign.status.label("campaign_status"),
            Campaign.rounds,
            Campaign.retry_delay_s,
        )
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Delivery.id == attempt.delivery_id)
    ).one()
    values: dict[str, Any] = {
        "best_outcome": best(delivery.best_outcome, outcome),
        "updated_at": now,
        "last_number": attempt.to_number,
        "last_call_sid": attempt.sid,
        "last_attempt_at": attempt.requested_at or attempt.created_at,
        "lease_until": None,
        "voice_fallback": False,
    }
    current = and_(
        Delivery.id == attempt.delivery_id,
        Delivery.status == Outcome.IN_PROGRESS.value,
        Delivery.round == attempt.round,
        Delivery.number_index == attempt.number_index,
    )
    if is_reached(outcome):
        values.update(status=outcome, reached_number=attempt.to_number)
    elif delivery.campaign_status not in ACTIVE or outcome == Outcome.CANCELLED.value:
        values["status"] = values["best_outcome"] or Outcome.CANCELLED.value
    elif voice_fallback:  # the same contact again, by voice, at once
        values.update(status=Outcome.PENDING.value, voice_fallback=True, next_attempt_at=now)
    else:
        count = len(numbers_of(session, delivery.residence_id))
        if attempt.number_index + 1 < count:
            values.update(
                status=Outcome.PENDING.value,
                number_index=attempt.number_index + 1,
                next_attempt_at=now,
            )
        elif attempt.round < delivery.rounds:
            values.update(
                status=Outcome.PENDING.value,
                round=attempt.round + 1,
                number_index=0,
                next_attempt_at=now + timedelta(seconds=delivery.retry_delay_s),
            )
        else:
            values["status"] = values["best_outcome"]
    result = cast(
        "CursorResult[Any]", session.execute(_update(current, table=Delivery).values(**values))
    )
    if result.rowcount != 1:
        # not the residence's current call any more (e.g. campaign finalized meanwhile)
        session.execute(
            _update(Delivery.id == attempt.delivery_id, table=Delivery).values(
                best_outcome=values["best_outcome"]
            )
        )
    log.debug(
        "attempt %s -> %s; delivery %s -> %s",
        attempt.id,
        outcome,
        attempt.delivery_id,
        values.get("status"),
    )


__all__ = [
    "record_progress",
    "record_final",
    "record_amd",
    "record_confirmation",
    "settle",
    "void_attempt",
    "numbers_of",
    "bind_sid",
    "record_message",
    "opt_out",
]
