"""Four eyes before a launch (issue 15): with `CAMPAIGN_APPROVAL=1` a normal campaign needs a
second staff member's approval; an emergency may be launched by one person who writes why
(the reason goes to the audit log). Off by default."""

from typing import Any, cast

from flask import Flask
from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from models import Campaign, CampaignStatus, Priority, audit, utcnow

from .exceptions import CampaignError


def required(app: Flask) -> bool:
    """Whether launches need approval (`CAMPAIGN_APPROVAL`, read by runtime/config.py)."""
    return bool(app.config.get("CAMPAIGN_APPROVAL"))


def check_launch(app: Flask, campaign: Campaign, actor: str, reason: str | None = None) -> None:
    """Refuse a launch (or a scheduled one) the approval rule does not allow."""
    if not required(app):
        return
    if campaign.priority == Priority.EMERGENCY.value:
        if not (reason or "").strip():
            raise CampaignError("campaign.error.h7_reason_needed")
        return
    if not campaign.approved_by:
        raise CampaignError("campaign.error.h7_not_approved")


def approve(session: Session, campaign_id: int, actor: str) -> Campaign:
    """ACTOR approves a draft someone else created; committed."""
    campaign = session.get(Campaign, int(campaign_id), populate_existing=True)
    if campaign is None:
        raise CampaignError("campaign.error.not_found", id=campaign_id)
    if campaign.created_by == actor:
        raise CampaignError("campaign.error.h7_own_campaign")
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(Campaign)
            .where(
                Campaign.id == campaign.id,
                Campaign.status == CampaignStatus.DRAFT.value,
                Campaign.approved_by.is_(None),
            )
            .values(approved_by=actor, approved_at=utcnow())
        ),
    )
    if result.rowcount != 1:
        session.rollback()
        raise CampaignError("campaign.error.h7_cannot_approve")
    audit(session, actor, "campaign.approve", "campaign", campaign.id)
    session.commit()
    session.refresh(campaign)
    return campaign
