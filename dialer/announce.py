"""Whether, and until when, the hotline says a campaign to callers (issue 15; the selection is
hotline/announcements.py). Default: while it runs and 24 h after it ends."""

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from models import Campaign, audit

from .exceptions import CampaignError


def set_announcement(
    session: Session, campaign_id: int, actor: str, announce: bool, until: datetime | None = None
) -> None:
    """Announce CAMPAIGN_ID on the hotline (until UNTIL, aware; None: the default), or not."""
    if until is not None and until.tzinfo is None:
        raise CampaignError("campaign.error.h7_announce_until")
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(Campaign)
            .where(Campaign.id == int(campaign_id))
            .values(announce=announce, announce_until=until)
        ),
    )
    if result.rowcount != 1:
        session.rollback()
        raise CampaignError("campaign.error.not_found", id=campaign_id)
    audit(
        session,
        actor,
        "campaign.announce",
        "campaign",
        int(campaign_id),
        announce=announce,
        until=until.isoformat() if until else None,
    )
    session.commit()
