"""Which alerts the hotline says first to a caller (issue 15): pure selection, no TwiML.

A campaign is announced when staff left `announce` on, it was launched, and now is before its
`announce_until` or, when that is blank, while it runs and for ANNOUNCE_AFTER after it ended.
A caller whose number belongs to a residence hears the campaigns that targeted that residence
(its deliveries); an unknown caller hears the city-wide ones (`target["all"]`). A launched
lifting notice ("levée de l'avis", dialer/followup.py) replaces the advisory it lifts.
The hook that says them at the start of a hotline call is not written yet (see the notes).
"""

from datetime import datetime, timedelta

from sqlalchemy import exists, select

from models import Campaign, CampaignStatus, Delivery, utcnow

ANNOUNCE_AFTER = timedelta(hours=24)
"""How long after a campaign ends it is still announced when staff set no date."""
LIFTING = "lifting"


def _in_force(campaign: Campaign, now: datetime) -> bool:
    if not campaign.announce or campaign.launched_at is None:
        return False
    if campaign.status == CampaignStatus.DRAFT.value:
        return False
    if campaign.announce_until is not None:
        return now < campaign.announce_until
    if campaign.finished_at is None:
        return True
    return now < campaign.finished_at + ANNOUNCE_AFTER


def current_alerts(
    session, residence_id: int | None, now: datetime | None = None
) -> list[Campaign]:
    """The campaigns to say to a caller of RESIDENCE_ID (None: unknown), newest first."""
    now = now or utcnow()
    query = select(Campaign).where(Campaign.announce.is_(True), Campaign.launched_at.is_not(None))
    if residence_id is not None:
        query = query.where(
            exists().where(
                Delivery.campaign_id == Campaign.id, Delivery.residence_id == residence_id
            )
        )
    query = query.order_by(Campaign.launched_at.desc(), Campaign.id.desc()).execution_options(
        populate_existing=True
    )
    candidates = [
        c for c in session.scalars(query) if residence_id is not None or (c.target or {}).get("all")
    ]
    lifted = {c.follows_id for c in candidates if c.follow_kind == LIFTING and c.follows_id}
    return [c for c in candidates if c.id not in lifted and _in_force(c, now)]


def message_for(campaign: Campaign, language: str) -> str:
    """The campaign's text in LANGUAGE, else in the other one."""
    if language == "en":
        return campaign.message_en or campaign.message_fr
    return campaign.message_fr or campaign.message_en
