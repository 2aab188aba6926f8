"""The reconciler: makes the database's view true again after crashes and lost messages.

Each pass (any number of workers may run it at once; every change is conditional):
- expires campaigns past their expiry, completes those with nothing left to do, and finalizes
  residences left pending in cancelled or expired campaigns;
- resolves attempts whose create request is ambiguous (answer lost; or the worker died after
  writing the attempt: its lease expired before the request, or the request was marked and no
  SID came within the HTTP timeout): a call to that number created since then and owned by no
  attempt is adopted; none means it was never placed, and the residence goes back to the same
  number. An attempt whose request is marked (dispatch.mark_requested) is never given back
  for its lease alone: its thread may be placing the call right now;
- fetches calls whose final callback never came (past ring time + margin), and answered calls
  still waiting for AMD's verdict, and settles them from the REST API's answer.
Texts (attempts of channel `sms`) go the same way, through the Messages API: a lost create
answer is resolved by listing the messages to that number, and a text with no final status
`DIALER_SMS_FINAL_GRACE_S` after it was sent is fetched.
"""

import logging
from datetime import timedelta
from typing import Any, cast

from flask import Flask
from sqlalchemy import CursorResult, exists, or_, select, update
from sqlalchemy.orm import Session

from models import (
    FINAL_CALL_STATUSES,
    UNCONFIRMED,
    AttemptChannel,
    AttemptStatus,
    CallAttempt,
    Campaign,
    CampaignStatus,
    Delivery,
    Outcome,
    audit,
    utcnow,
)
from runtime.pacing import redis_for

from . import defaults, schedule, settle
from .calls import cancel_queued_calls, fetch_call, find_lost_call
from .campaigns import finalize_pending
from .texts import SMS_FINAL_GRACE_S, fetch_text, find_lost_text

SMS = AttemptChannel.SMS.value

log = logging.getLogger(__name__)
OPEN = (Outcome.PENDING.value, Outcome.IN_PROGRESS.value)


def run_once(app: Flask, session: Session) -> dict[str, Any]:
    """One reconciliation pass; returns what it did (for logs and tests)."""
    done = {
        "scheduled": schedule.launch_due(app, session),
        "expired": _expire(app, session),
        "orphans": _release_orphans(session),
        "ambiguous": _resolve_ambiguous(app, session),
        "fetched": _settle_missing(app, session),
        "completed": _complete(session),
    }
    return done


def _expire(app: Flask, session: Session) -> int:
    now = utcnow()
    ids = list(
        session.scalars(
            select(Campaign.id).where(
                Campaign.status.in_((CampaignStatus.RUNNING.value, CampaignStatus.PAUSED.value)),
                Campaign.expires_at.is_not(None),
                Campaign.expires_at <= now,
            )
        )
    )
    expired = []
    for campaign_id in ids:
        result = cast(
            "CursorResult[Any]",
            session.execute(
                update(Campaign)
                .where(
                    Campaign.id == campaign_id,
                    Campaign.status.in_(
                        (CampaignStatus.RUNNING.value, CampaignStatus.PAUSED.value)
                    ),
                )
                .values(status=CampaignStatus.EXPIRED.value, finished_at=now)
            ),
        )
        if result.rowcount:
            finalize_pending(session, campaign_id)
            audit(session, "system", "campaign.expire", "campaign", campaign_id)
            expired.append(campaign_id)
        session.commit()
    # residences put back to pending by a call that ended after a cancel or an expiry
    for campaign_id in session.scalars(
        select(Campaign.id).where(
            Campaign.status.in_((CampaignStatus.CANCELLED.value, CampaignStatus.EXPIRED.value)),
            exists().where(
                Delivery.campaign_id == Campaign.id, Delivery.status == Outcome.PENDING.value
            ),
        )
    ).all():
        finalize_pending(session, campaign_id)
        session.commit()
    for campaign_id in expired:
        log.info("campaign %s expired", campaign_id)
        cancel_queued_calls(app, campaign_id)
    return len(expired)


def _release_orphans(session: Session) -> int:
    """A residence `in_progress` with no call under way and its lease over goes back to
    pending (defensive: a claim always writes its attempt in the same transaction)."""
    now = utcnow()
    under_way = exists().where(
        CallAttempt.delivery_id == Delivery.id, CallAttempt.outcome.is_(None)
    )
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(Delivery)
            .where(
                Delivery.status == Outcome.IN_PROGRESS.value,
                Delivery.lease_until.is_not(None),
                Delivery.lease_until < now,
                ~under_way,
            )
            .values(status=Outcome.PENDING.value, lease_until=None, next_attempt_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    session.commit()
    if result.rowcount:
        log.warning("%d residences were in progress with no call; queued again", result.rowcount)
    return result.rowcount


def _complete(session: Session) -> int:
    now = utcnow()
    open_work = exists().where(Delivery.campaign_id == Campaign.id, Delivery.status.in_(OPEN))
    ids = list(
        session.scalars(
            select(Campaign.id).where(Campaign.status == CampaignStatus.RUNNING.value, ~open_work)
        )
    )
    for campaign_id in ids:
        result = cast(
            "CursorResult[Any]",
            session.execute(
                update(Campaign)
                .where(
                    Campaign.id == campaign_id,
                    Campaign.status == CampaignStatus.RUNNING.value,
                    ~exists().where(Delivery.campaign_id == campaign_id, Delivery.status.in_(OPEN)),
                )
                .values(status=CampaignStatus.COMPLETED.value, finished_at=now)
            ),
        )
        if result.rowcount:
            audit(session, "system", "campaign.complete", "campaign", campaign_id)
            log.info("campaign %s completed", campaign_id)
        session.commit()
    return len(ids)


def _resolve_ambiguous(app: Flask, session: Session) -> int:
    now = utcnow()
    wait = defaults.setting(app, "DIALER_AMBIGUOUS_WAIT_S", defaults.HTTP_TIMEOUT_S / 2)
    lease = defaults.setting(app, "DIALER_CLAIM_LEASE_S", defaults.CLAIM_LEASE_S)
    in_flight = wait + defaults.setting(app, "DIALER_HTTP_TIMEOUT_S", defaults.HTTP_TIMEOUT_S)
    lease_over = exists().where(Delivery.id == CallAttempt.delivery_id, Delivery.lease_until < now)
    creating = CallAttempt.status == AttemptStatus.CREATING.value
    # plain rows: what each attempt was when chosen (a commit below must not reload them)
    attempts = session.execute(
        select(
            CallAttempt.id,
            CallAttempt.to_number,
            CallAttempt.created_at,
            CallAttempt.requested_at,
            CallAttempt.delivery_id,
            CallAttempt.channel,
        )
        .where(
            CallAttempt.outcome.is_(None),
            CallAttempt.sid.is_(None),
            or_(
                (CallAttempt.status == AttemptStatus.AMBIGUOUS.value)
                & (CallAttempt.requested_at < now - timedelta(seconds=wait)),
                creating & CallAttempt.requested_at.is_(None) & lease_over,
                creating
                & CallAttempt.delivery_id.is_not(None)
                & (CallAttempt.requested_at < now - timedelta(seconds=in_flight)),
                creating
                & CallAttempt.delivery_id.is_(None)
                & (CallAttempt.created_at < now - timedelta(seconds=lease)),
            ),
        )
        .order_by(CallAttempt.id)
        .limit(200)
    ).all()
    resolved = 0
    for attempt in attempts:
        taken = cast(
            "set[str]",
            set(
                session.scalars(
                    select(CallAttempt.sid).where(  # not None
                        CallAttempt.to_number == attempt.to_number,
                        CallAttempt.sid.is_not(None),
                        CallAttempt.created_at >= attempt.created_at - timedelta(hours=1),
                    )
                )
            ),
        )
        find = find_lost_text if attempt.channel == SMS else find_lost_call
        try:
            call = find(app, attempt.to_number, attempt.created_at, taken)
        except Exception as error:  # noqa: BLE001 - the provider cannot answer now: next pass
            log.warning("attempt %s: cannot list calls to resolve it: %s", attempt.id, error)
            continue
        if call is None:
            # an unrequested claim is taken back only if its thread has not marked it since
            if settle.void_attempt(
                session,
                attempt.id,
                "not placed (resolved by listing calls)",
                unrequested=attempt.requested_at is None and attempt.delivery_id is not None,
            ):
                log.info(
                    "attempt %s to %s was never placed; the residence will be called again",
                    attempt.id,
                    attempt.to_number,
                )
        else:
            settle.bind_sid(session, attempt.id, call.sid)
            session.execute(
                update(CallAttempt)
                .where(CallAttempt.id == attempt.id, CallAttempt.requested_at.is_(None))
                .values(requested_at=attempt.created_at)
            )
            log.info(
                "attempt %s: lost create answer resolved, %s %s (%s)",
                attempt.id,
                attempt.channel,
                call.sid,
                call.status,
            )
            if attempt.channel == SMS:
                _apply_fetched_text(session, attempt.id, call)
            else:
                _apply_fetched(session, attempt.id, call)
        session.commit()
        resolved += 1
    return resolved


def _apply_fetched(session: Session, attempt_id: int, call: Any) -> None:
    if call.status in FINAL_CALL_STATUSES:
        duration = int(call.duration) if call.duration not in (None, "") else None
        settle.record_final(
            session,
            attempt_id,
            call.status,
            sid=call.sid,
            duration=duration,
            answered_by=call.answered_by,
            wait_for_amd=False,
        )
    else:
        session.execute(
            update(CallAttempt)
            .where(
                CallAttempt.id == attempt_id,
                CallAttempt.outcome.is_(None),
                CallAttempt.status.in_(UNCONFIRMED),
            )
            .values(status=call.status)
        )


def _apply_fetched_text(session: Session, attempt_id: int, message: Any) -> None:
    code = message.error_code
    settle.record_message(
        session,
        attempt_id,
        message.status,
        sid=message.sid,
        error_code=int(code) if code not in (None, "") else None,
    )


def _settle_missing(app: Flask, session: Session) -> int:
    now = utcnow()
    grace = defaults.setting(app, "DIALER_FINAL_CALLBACK_GRACE_S", defaults.FINAL_CALLBACK_GRACE_S)
    amd_grace = defaults.setting(app, "DIALER_AMD_GRACE_S", defaults.AMD_GRACE_S)
    sms_grace = defaults.setting(app, "DIALER_SMS_FINAL_GRACE_S", SMS_FINAL_GRACE_S)
    rows = session.execute(
        select(
            CallAttempt.id,
            CallAttempt.sid,
            CallAttempt.status,
            CallAttempt.requested_at,
            CallAttempt.ended_at,
            CallAttempt.channel,
            Campaign.ring_timeout_s,
        )
        .join(Campaign, Campaign.id == CallAttempt.campaign_id)
        .where(
            CallAttempt.outcome.is_(None),
            CallAttempt.sid.is_not(None),
            CallAttempt.requested_at
            < now
            - timedelta(
                seconds=min(
                    grace,
                    amd_grace,
                    sms_grace,
                    defaults.setting(app, "DIALER_FINAL_CALLBACK_AFTER_S", grace),
                )
            ),
        )
        .order_by(CallAttempt.id)
        .limit(500)
    ).all()
    fetched = 0
    for row in rows:
        if row.channel == SMS:
            if row.requested_at < now - timedelta(seconds=sms_grace) and _fetch_allowed(
                app, row.id, sms_grace
            ):
                message = fetch_text(app, row.sid)
                if message is not None:
                    _apply_fetched_text(session, row.id, message)
                    session.commit()
                    fetched += 1
            continue
        if row.status == AttemptStatus.COMPLETED.value:
            due = row.ended_at is None or row.ended_at < now - timedelta(seconds=amd_grace)
        else:
            after = defaults.setting(app, "DIALER_FINAL_CALLBACK_AFTER_S", None)
            after = row.ring_timeout_s + grace if after is None else float(after)
            due = row.requested_at < now - timedelta(seconds=after)
        if not due or not _fetch_allowed(app, row.id, grace):
            continue
        call = fetch_call(app, row.sid)
        if call is None:
            continue
        _apply_fetched(session, row.id, call)
        session.commit()
        fetched += 1
    return fetched


def _fetch_allowed(app: Flask, attempt_id: int, grace: float) -> bool:
    """At most one fetch per call per grace period across workers (a Redis hint only)."""
    try:  # the pacing client: timeouts and a short retry, an outage costs no time here
        return bool(
            redis_for(app).set(
                f"dialer:fetched:{attempt_id}", 1, nx=True, px=max(int(grace * 1000), 200)
            )
        )
    except Exception:  # noqa: BLE001 - a hint only: without Redis, fetch
        return True
