"""Which alerts the hotline says first to a caller (issue 15): pure selection, no TwiML (the
menu that says them is hotline/announcement_menu.py).

A campaign is announced when staff left `announce` on, it was launched, and now is before its
`announce_until` or, when that is blank, while it runs and for ANNOUNCE_AFTER after it ended.
A caller whose number belongs to a residence hears the campaigns that targeted that residence
(its deliveries) and the city-wide ones (`target["all"]`); an unknown caller the city-wide ones.
A launched lifting notice ("levée de l'avis", dialer/followup.py) replaces the advisory it lifts,
for everyone: its own target is only the residences the advisory reached, so it is said to
whoever would have heard the advisory (a city-wide advisory's lifting to any caller).
"""

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from models import Campaign, CampaignStatus, Delivery, utcnow

ANNOUNCE_AFTER = timedelta(hours=24)
"""How long after a campaign ends it is still announced when staff set no date."""
LIFTING = "lifting"


def current_alerts(
    session, residence_id: int | None, now: datetime | None = None
) -> list[Campaign]:
    """The campaigns to say to a caller of RESIDENCE_ID (None: unknown), newest first."""
    now = now or utcnow()
    query = (
        select(Campaign)
        .where(
            Campaign.announce.is_(True),
            Campaign.launched_at.is_not(None),
            Campaign.status != CampaignStatus.DRAFT.value,
            or_(
                Campaign.announce_until > now,
                and_(
                    Campaign.announce_until.is_(None),
                    or_(
                        Campaign.finished_at.is_(None),
                        Campaign.finished_at > now - ANNOUNCE_AFTER,
                    ),
                ),
            ),
        )
        .order_by(Campaign.launched_at.desc(), Campaign.id.desc())
        .execution_options(populate_existing=True)
    )
    in_force = list(session.scalars(query))
    if not in_force:
        return []
    lifted = set(
        session.scalars(
            select(Campaign.follows_id).where(
                Campaign.follow_kind == LIFTING,
                Campaign.launched_at.is_not(None),
                Campaign.status != CampaignStatus.DRAFT.value,
                Campaign.follows_id.in_([c.id for c in in_force]),
            )
        )
    )
    reached: set[int] = set()
    if residence_id is not None:
        ids = {c.id for c in in_force} | {c.follows_id for c in in_force if c.follows_id}
        reached = set(
            session.scalars(
                select(Delivery.campaign_id).where(
                    Delivery.residence_id == residence_id, Delivery.campaign_id.in_(ids)
                )
            )
        )

    def concerns(campaign: Campaign | None, depth: int = 0) -> bool:
        """Whether CAMPAIGN is for this caller (a lifting notice: when its advisory is)."""
        if campaign is None:
            return False
        if (campaign.target or {}).get("all") or campaign.id in reached:
            return True
        if campaign.follow_kind == LIFTING and campaign.follows_id and depth < 3:
            return concerns(session.get(Campaign, campaign.follows_id), depth + 1)
        return False

    return [c for c in in_force if c.id not in lifted and concerns(c)]


def message_for(campaign: Campaign, language: str) -> str:
    """The campaign's text in LANGUAGE, else in the other one."""
    if language == "en":
        return campaign.message_en or campaign.message_fr
    return campaign.message_fr or campaign.message_en


def recording_for(campaign: Campaign, language: str) -> str | None:
    """The recording the alert call plays in LANGUAGE in place of the text (the dialer's rule:
    a language's recording, when given, replaces its text), else None."""
    if language == "en":
        return campaign.audio_url_en or (None if campaign.message_en else campaign.audio_url_fr)
    return campaign.audio_url_fr or (None if campaign.message_fr else campaign.audio_url_en)
