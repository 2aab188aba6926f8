"""Calling window, expiry, pause/resume and cancel."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from dialer import campaigns, dispatch, reconcile
from dialer.worker import drain
from models import Campaign
from tests.dialer.test_end_to_end import app_config, build, e2e, outcomes, run_campaign, simulator  # noqa: F401 (fixtures)
from tests.fixtures.dialer import add_residence

NOON = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)  # 12:00 in Saguenay
NIGHT = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # 22:00 in Saguenay


@pytest.mark.parametrize(
    "priority, at, calls",
    [("normal", NOON, True), ("normal", NIGHT, False), ("emergency", NIGHT, True)],
)
def test_normal_campaigns_keep_to_the_calling_window(session, priority, at, calls):
    add_residence(session, ["+14185550101"])
    campaign = campaigns.create_campaign(
        session, "t", title="Avis", message_fr="Message", target={"all": True}, priority=priority
    )
    session.execute(update(Campaign).values(status="running"))
    session.commit()
    eligible = dispatch.eligible_campaigns(session, "America/Toronto", now=at)
    assert ([c.id for c in eligible] == [campaign.id]) is calls


def test_expiry_ends_the_campaign_and_its_waiting_residences(app, session):
    add_residence(session, ["+14185550101"])
    add_residence(session, ["+14185550102"])
    campaign = campaigns.create_campaign(
        session,
        "t",
        title="Avis",
        message_fr="Message",
        target={"all": True},
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    campaigns.launch(app, campaign.id, "t")
    session.execute(update(Campaign).values(expires_at=datetime.now(UTC)))
    session.commit()
    reconcile.run_once(app, session)
    status = campaigns.status(session, campaign.id)
    assert (status["status"], status["cancelled"], status["pending"]) == ("expired", 2, 0)


def test_pause_stops_new_calls_and_resume_finishes_with_the_same_outcomes(e2e, session):
    expected, numbers = build(session, copies=2)
    e2e.sim.set_scenario({"seed": 1, "numbers": numbers})
    app = e2e.live.app
    campaign = run_campaign(e2e, session, numbers)
    drain(app, until=lambda: len(e2e.sim.calls()) >= 4, timeout=30)
    campaigns.pause(app, campaign.id, "t")
    paused_calls = len(e2e.sim.calls())
    drain(app, until=lambda: False, timeout=2)  # a worker runs, the campaign is paused...
    assert len(e2e.sim.calls()) == paused_calls  # ...so no call is placed
    campaigns.resume(app, campaign.id, "t")
    assert drain(app, timeout=90)
    assert outcomes(session) == expected


def test_cancel_stops_calling_and_keeps_outcomes_of_calls_under_way(e2e, session):
    for i in range(30):
        add_residence(session, [f"+1418555{2000 + i:04d}"], civic=str(i))
    e2e.sim.set_scenario({"seed": 1, "default": {"answer": "human"}})
    app = e2e.live.app
    campaign = run_campaign(e2e, session, {})
    drain(app, until=lambda: len(e2e.sim.calls()) >= 5, timeout=30)
    campaigns.cancel(app, campaign.id, "t")
    placed = {c["to"] for c in e2e.sim.calls()}
    drain(app, timeout=5)
    e2e.sim.wait_idle()
    assert {c["to"] for c in e2e.sim.calls()} <= placed | set()  # nothing new after cancel
    status = campaigns.status(session, campaign.id)
    assert status["status"] == "cancelled"
    assert status["pending"] == status["in_progress"] == 0
    assert status["human"] >= 5 and status["cancelled"] == 30 - status["human"]
