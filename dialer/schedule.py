"""A launch at a given time, kept in the database (issue 15).

`schedule` writes the campaign's `scheduled_at` (it stays a draft until then); every worker's
reconciler runs `launch_due` each pass (`DIALER_RECONCILE_INTERVAL_S`, 2 s), so the campaign
starts within seconds of its time even when the process that scheduled it is long gone, and
whichever worker gets there first launches it: `campaigns.launch` moves it out of `draft` with
one conditional UPDATE, so two workers never launch it twice (the other's launch is refused
and ignored). `unschedule` takes the time back while it is still a draft.
"""

import logging
from datetime import datetime
from typing import Any, cast

from flask import Flask
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from models import Campaign, CampaignStatus, audit, utcnow

from . import approval, campaigns
from .exceptions import CampaignError

log = logging.getLogger(__name__)
DRAFT = CampaignStatus.DRAFT.value


def schedule(
    app: Flask,
    session: Session,
    campaign_id: int,
    actor: str,
    when: datetime,
    reason: str | None = None,
) -> Campaign:
    """Launch draft CAMPAIGN_ID at WHEN (aware, in the future); committed."""
    if when.tzinfo is None or when <= utcnow():
        raise CampaignError("campaign.error.h7_schedule_past")
    campaign = session.get(Campaign, int(campaign_id), populate_existing=True)
    if campaign is None:
        raise CampaignError("campaign.error.not_found", id=campaign_id)
    approval.check_launch(app, campaign, actor, reason)
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(Campaign)
            .where(Campaign.id == campaign.id, Campaign.status == DRAFT)
            .values(scheduled_at=when, scheduled_by=actor)
        ),
    )
    if result.rowcount != 1:
        session.rollback()
        raise CampaignError("campaign.error.transition", action="schedule", status=campaign.status)
    audit(
        session,
        actor,
        "campaign.schedule",
        "campaign",
        campaign.id,
        at=when.isoformat(),
        **({"reason": reason} if reason else {}),
    )
    session.commit()
    session.refresh(campaign)
    log.info("campaign %s scheduled by %s for %s", campaign.id, actor, when.isoformat())
    return campaign


def unschedule(session: Session, campaign_id: int, actor: str) -> None:
    """Take back the launch time of a draft still waiting for it; committed."""
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(Campaign)
            .where(
                Campaign.id == int(campaign_id),
                Campaign.status == DRAFT,
                Campaign.scheduled_at.is_not(None),
            )
            .values(scheduled_at=None, scheduled_by=None)
        ),
    )
    if result.rowcount != 1:
        session.rollback()
        raise CampaignError("campaign.error.h7_not_scheduled", id=campaign_id)
    audit(session, actor, "campaign.unschedule", "campaign", int(campaign_id))
    session.commit()
    log.info("campaign %s: scheduled launch cancelled by %s", campaign_id, actor)


def launch_due(app: Flask, session: Session, now: datetime | None = None) -> int:
    """Launch every draft whose time has come (a reconciler step); returns how many this
    process launched. A launch lost to another worker, or refused, is skipped."""
    now = now or utcnow()
    due = session.execute(
        select(Campaign.id, Campaign.scheduled_by)
        .where(
            Campaign.status == DRAFT,
            Campaign.scheduled_at.is_not(None),
            Campaign.scheduled_at <= now,
        )
        .order_by(Campaign.scheduled_at)
    ).all()
    session.rollback()  # end the read: launch uses its own session
    launched = 0
    for campaign_id, actor in due:
        try:
            # the approval rule was checked when it was scheduled (an emergency's reason is
            # in that audit entry) and is checked again here for a normal campaign
            campaigns.launch(app, campaign_id, actor or "schedule", reason="scheduled launch")
        except CampaignError as error:
            log.info("scheduled campaign %s not launched here: %s", campaign_id, error.key)
            continue
        launched += 1
    return launched
