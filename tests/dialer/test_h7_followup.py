"""Issue 15: a follow-up calls exactly the residences its source did not reach, and a lifting
notice exactly those it reached (the simulator, with outcomes known in advance)."""

import pytest
from sqlalchemy import select

from dialer import campaigns, followup
from dialer.exceptions import CampaignError
from dialer.worker import drain
from models import REACHED, CallAttempt, Delivery
from tests.dialer.test_end_to_end import app_config, build, e2e, outcomes, run_campaign, simulator  # noqa: F401 (fixtures)


def called(session, campaign_id):
    """The residences the campaign placed at least one call to."""
    return set(
        session.scalars(
            select(Delivery.residence_id)
            .join(CallAttempt, CallAttempt.delivery_id == Delivery.id)
            .where(Delivery.campaign_id == campaign_id, CallAttempt.sid.is_not(None))
        )
    )


def test_a_follow_up_calls_exactly_the_unreached_and_the_lifting_the_reached(e2e, session):
    expected, numbers = build(session, copies=1)
    e2e.sim.set_scenario({"seed": 1, "numbers": numbers})
    app = e2e.live.app
    source = run_campaign(e2e, session, numbers)
    assert drain(app, timeout=90)
    assert outcomes(session) == expected
    unreached = {r for r, o in expected.items() if o in followup.UNREACHED_OUTCOMES}
    reached = {r for r, o in expected.items() if o in REACHED}
    assert unreached and reached

    again = followup.create_followup(session, "t", source.id)
    assert set(again.target["residence_ids"]) == unreached
    e2e.sim.set_scenario({"seed": 2, "default": {"answer": "human"}})
    campaigns.launch(app, again.id, "t")
    assert drain(app, timeout=90)
    session.expire_all()
    assert called(session, again.id) == unreached

    lifting = followup.create_followup(
        session, "t", source.id, followup.LIFTING, message_fr="L'avis est levé."
    )
    campaigns.launch(app, lifting.id, "t")
    assert drain(app, timeout=90)
    session.expire_all()
    assert called(session, lifting.id) == reached
    assert (lifting.follows_id, lifting.follow_kind) == (source.id, "lifting")


def test_a_draft_has_no_follow_up_and_an_empty_one_is_refused(app, session):
    from tests.fixtures.dialer import add_residence

    add_residence(session, ["+14185550101"])
    draft = campaigns.create_campaign(
        session, "t", title="Avis", message_fr="Message", target={"all": True}
    )
    with pytest.raises(CampaignError) as refused:
        followup.create_followup(session, "t", draft.id)
    assert refused.value.key == "campaign.error.h7_followup_draft"
    campaigns.launch(app, draft.id, "t")
    with pytest.raises(CampaignError) as refused:  # nobody has a final outcome yet
        followup.create_followup(session, "t", draft.id)
    assert refused.value.key == "campaign.error.h7_followup_empty"
    with pytest.raises(CampaignError) as refused:
        followup.create_followup(session, "t", draft.id, outcomes=["pending"])
    assert refused.value.key == "campaign.error.h7_followup_outcome"
