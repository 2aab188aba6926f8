"""Follow-ups (issue 15): a new campaign for some residences of another one.

- "unreached" ("Rappeler les non jointes"): the residences whose outcome is no answer, busy or
  failed (or any outcomes chosen), with the same message or a new one;
- "lifting" ("levée de l'avis"): exactly the residences the advisory reached (a person or a
  voicemail), with the lifting message.

The follow-up is a draft like any other (launched, scheduled or approved the usual way), its
target the list of those residences (`residence_ids`), its settings the source's, and its
`follows_id` the source: both campaign pages show the link.
"""

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import FINISHED, REACHED, Campaign, CampaignStatus, Delivery, Outcome, audit
from runtime.i18n import t

from . import campaigns
from .exceptions import CampaignError

log = logging.getLogger(__name__)
UNREACHED = "unreached"
LIFTING = "lifting"
KINDS = (UNREACHED, LIFTING)
UNREACHED_OUTCOMES = (Outcome.NO_ANSWER.value, Outcome.BUSY.value, Outcome.FAILED.value)
"""The outcomes "Rappeler les non jointes" calls again unless others are chosen."""
CHOOSABLE = UNREACHED_OUTCOMES + (Outcome.CANCELLED.value,) + REACHED
"""The final outcomes a follow-up may be chosen by."""
COPIED = (
    "priority",
    "rounds",
    "retry_delay_s",
    "ring_timeout_s",
    "leave_voicemail",
    "ask_confirmation",
    "window_start",
    "window_end",
)
"""The settings a follow-up takes from its source."""


def residences_for(session: Session, source_id: int, outcomes: Iterable[str]) -> list[int]:
    """The residences of campaign SOURCE_ID whose delivery ended in one of OUTCOMES."""
    return list(
        session.scalars(
            select(Delivery.residence_id)
            .where(Delivery.campaign_id == source_id, Delivery.status.in_(tuple(outcomes)))
            .order_by(Delivery.residence_id)
        )
    )


def create_followup(
    session: Session,
    actor: str,
    source_id: int,
    kind: str = UNREACHED,
    outcomes: Iterable[str] | None = None,
    title: str | None = None,
    message_fr: str | None = None,
    message_en: str | None = None,
    priority: str | None = None,
) -> Campaign:
    """A draft follow-up of SOURCE_ID (see the module's doc); blank messages keep the source's
    (an unreached follow-up) and are required for a lifting notice. Committed."""
    source = session.get(Campaign, int(source_id), populate_existing=True)
    if source is None:
        raise CampaignError("campaign.error.not_found", id=source_id)
    if kind not in KINDS:
        raise CampaignError("campaign.error.h7_followup_kind", value=kind)
    if source.status == CampaignStatus.DRAFT.value:
        raise CampaignError("campaign.error.h7_followup_draft")
    if kind == LIFTING:
        outcomes = REACHED
    outcomes = tuple(outcomes or UNREACHED_OUTCOMES)
    unknown = [o for o in outcomes if o not in CHOOSABLE]
    if unknown:
        raise CampaignError("campaign.error.h7_followup_outcome", value=", ".join(unknown))
    ids = residences_for(session, source.id, outcomes)
    if not ids:
        raise CampaignError("campaign.error.h7_followup_empty")
    same_message = (
        kind == UNREACHED and not (message_fr or "").strip() and not (message_en or "").strip()
    )
    fields = {name: getattr(source, name) for name in COPIED}
    if priority:
        fields["priority"] = priority
    fields.update(
        title=(title or "").strip()
        or t("fr", f"campaign.h7_followup_title.{kind}", title=source.title)[:200],
        message_fr=source.message_fr if same_message else (message_fr or ""),
        message_en=source.message_en if same_message else (message_en or ""),
        audio_url_fr=source.audio_url_fr if same_message else None,
        audio_url_en=source.audio_url_en if same_message else None,
        target={"residence_ids": ids},
    )
    followup = campaigns.create_campaign(session, actor, **fields)
    session.execute(
        update(Campaign)
        .where(Campaign.id == followup.id)
        .values(follows_id=source.id, follow_kind=kind)
    )
    audit(
        session,
        actor,
        "campaign.follow_up",
        "campaign",
        followup.id,
        follows=source.id,
        kind=kind,
        outcomes=list(outcomes),
        residences=len(ids),
    )
    session.commit()
    session.refresh(followup)
    log.info("campaign %s follows %s (%s): %d residences", followup.id, source.id, kind, len(ids))
    return followup


def links(session: Session, campaign: Campaign) -> dict[str, Any]:
    """What the campaign follows and what follows it (for both campaign pages)."""
    source = session.get(Campaign, campaign.follows_id) if campaign.follows_id else None
    followers = session.scalars(
        select(Campaign).where(Campaign.follows_id == campaign.id).order_by(Campaign.id)
    ).all()
    return {
        "source": source,
        "followers": followers,
        "can_follow": campaign.status != CampaignStatus.DRAFT.value,
        "finished": campaign.status in FINISHED,
    }
