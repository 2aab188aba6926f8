"""Removing a residence (unregistering): every path (hotline, console, resident portal) calls
`remove_residence`, so that history never changes after the fact.

The residence, its numbers and their one-time codes go. Its campaign rows stay, anonymised:
each delivery keeps its campaign, status, best outcome, confirmation and rounds, with no
residence, no number (`residence_id`, `reached_number`, `last_number` set to NULL); each call
attempt keeps its status, outcome and times with its number blanked. A finished campaign's
counts, page and summary are therefore the same before and after. Ids are never reused
(AUTOINCREMENT on SQLite, sequences on PostgreSQL), so an audit entry names one residence.

The audit log keeps what happened and when, but not the removed numbers: wherever one of them
stands in an entry (its actor "hotline:+1418...", the entity id, a detail) it becomes `removed_number_token(residence id)`, "removed#12", which the console says in words
("numéro supprimé (résidence 12)"); an aggregated entry's key is cleared (its count stays).
Who did what stays traceable to one residence.
"""

from typing import Any

from sqlalchemy import String, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from .audit import AuditEntry, audit
from .campaign import FINAL_CALL_STATUSES, AttemptStatus, CallAttempt, Delivery, Outcome, SmsReply
from .hotline import OneTimeCode
from .residence import Residence

SETTLED_ATTEMPTS = FINAL_CALL_STATUSES + (AttemptStatus.VOID.value,)
"""An attempt in one of these statuses is over: its number may be blanked at once (a live one
keeps its number until it ends: the dialer still needs it to settle or reconcile the call)."""


REMOVED_NUMBER = "removed#"
"""What stands for a removed residence's number in the audit log, before the residence's id."""


def removed_number_token(residence_id: int) -> str:
    return f"{REMOVED_NUMBER}{residence_id}"


def _scrub(value: Any, numbers: list[str], token: str) -> Any:
    """VALUE (text, or JSON: lists and dicts) with every one of NUMBERS replaced by TOKEN."""
    if isinstance(value, str):
        for number in numbers:
            value = value.replace(number, token)
        return value
    if isinstance(value, list):
        return [_scrub(v, numbers, token) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, numbers, token) for k, v in value.items()}
    return value


def forget_numbers_in_audit(session: Session, residence_id: int, numbers: list[str]) -> int:
    """Replace NUMBERS (E.164) by the residence's removed-number token in every audit entry
    that holds one (actor, entity id, details, aggregation key); how many entries changed."""
    if not numbers:
        return 0
    token = removed_number_token(residence_id)
    details_text = cast(AuditEntry.details, String)
    entries = session.scalars(
        select(AuditEntry).where(
            or_(
                *(
                    column.contains(number)
                    for number in numbers
                    for column in (
                        AuditEntry.actor,
                        AuditEntry.entity_id,
                        AuditEntry.aggregate_key,
                        details_text,
                    )
                )
            )
        )
    ).all()
    for entry in entries:
        entry.actor = _scrub(entry.actor, numbers, token)
        entry.entity_id = _scrub(entry.entity_id, numbers, token)
        entry.details = _scrub(entry.details, numbers, token)
        if entry.aggregate_key is not None and entry.aggregate_key != _scrub(
            entry.aggregate_key, numbers, token
        ):
            entry.aggregate_key = None  # its window closes: two numbers would make one key
    return len(entries)


def remove_residence(
    session: Session,
    residence: Residence,
    actor: str,
    action: str = "residence.removed",
    **details: Any,
) -> None:
    """Delete RESIDENCE and its numbers; keep its deliveries and call attempts anonymised; audit
    ACTION by ACTOR (with DETAILS, never a name, address or number). Flushed, not committed: the
    caller commits with its own change."""
    numbers = [p.e164 for p in residence.phones]
    deliveries = select(Delivery.id).where(Delivery.residence_id == residence.id)
    session.execute(
        update(CallAttempt)
        .where(
            CallAttempt.status.in_(SETTLED_ATTEMPTS),
            or_(
                CallAttempt.delivery_id.in_(deliveries),
                CallAttempt.delivery_id.is_(None) & CallAttempt.to_number.in_(numbers),
            ),
        )
        .values(to_number="")
        .execution_options(synchronize_session=False)
    )
    # a delivery waiting for its next call will not get it: it ends on its best outcome so far,
    # or cancelled (as when a campaign is cancelled)
    session.execute(
        update(Delivery)
        .where(Delivery.residence_id == residence.id, Delivery.status == Outcome.PENDING.value)
        .values(
            status=func.coalesce(Delivery.best_outcome, Outcome.CANCELLED.value),
            next_attempt_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Delivery)
        .where(Delivery.residence_id == residence.id)
        .values(residence_id=None, reached_number=None, last_number=None)
        .execution_options(synchronize_session=False)
    )
    if numbers:
        session.execute(delete(OneTimeCode).where(OneTimeCode.phone_e164.in_(numbers)))
        # what the resident texted back names them and their number: it goes with them
        session.execute(
            delete(SmsReply).where(
                or_(SmsReply.residence_id == residence.id, SmsReply.from_number.in_(numbers))
            )
        )
    forget_numbers_in_audit(session, residence.id, numbers)
    actor = _scrub(actor, numbers, removed_number_token(residence.id))
    audit(session, actor, action, "residence", residence.id, **details)
    session.delete(residence)
    session.flush()  # before a new row takes its number or address
