"""Issue 15's CLI: launch --at / unschedule, approve, follow-up, --expires-in bounds."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from dialer import campaigns
from models import Campaign, Delivery, utcnow
from tests.fixtures.console import add_staff
from tests.fixtures.dialer import add_residence


def make(session, **fields):
    add_residence(session, ["+14185550101"])
    add_residence(session, ["+14185550102"], civic="102")
    return campaigns.create_campaign(
        session,
        "op@saguenay.ca",
        title="Avis",
        message_fr="Message",
        target={"all": True},
        **fields,
    )


def test_launch_at_a_time_then_take_it_back(app, runner, session):
    campaign = make(session)
    at = (utcnow() + timedelta(days=1)).astimezone(ZoneInfo(app.config["TIMEZONE"]))
    done = runner.invoke(
        args=["campaign", "launch", str(campaign.id), "--at", at.strftime("%Y-%m-%d 07:00")]
    )
    assert done.exit_code == 0, done.output
    assert "scheduled: demain à 7 h 00" in done.output
    assert session.get(Campaign, campaign.id, populate_existing=True).scheduled_at is not None
    refused = runner.invoke(args=["campaign", "launch", str(campaign.id), "--at", "demain"])
    assert refused.exit_code != 0 and "2026-12-02 07:00" in refused.output
    done = runner.invoke(args=["campaign", "unschedule", str(campaign.id)])
    assert done.exit_code == 0
    assert session.get(Campaign, campaign.id, populate_existing=True).scheduled_at is None


def test_approval_from_the_cli(app, runner, session):
    app.config["CAMPAIGN_APPROVAL"] = True
    campaign = make(session, priority="normal")
    refused = runner.invoke(args=["campaign", "launch", str(campaign.id)])
    assert refused.exit_code != 0 and "approuvée par un autre membre" in refused.output
    add_staff(app, "op@saguenay.ca")
    own = runner.invoke(args=["campaign", "approve", str(campaign.id), "--by", "op@saguenay.ca"])
    assert own.exit_code != 0 and "que vous avez créée" in own.output
    unknown = runner.invoke(args=["campaign", "approve", str(campaign.id), "--by", "x@y.ca"])
    assert unknown.exit_code != 0 and "no active staff account" in unknown.output
    add_staff(app, "chef@saguenay.ca")
    assert (
        runner.invoke(
            args=["campaign", "approve", str(campaign.id), "--by", "chef@saguenay.ca"]
        ).exit_code
        == 0
    )
    done = runner.invoke(args=["campaign", "launch", str(campaign.id)])
    assert done.exit_code == 0 and "2 residences" in done.output


def test_follow_up_from_the_cli(app, runner, session):
    campaign = make(session)
    campaigns.launch(app, campaign.id, "t")
    session.execute(update(Delivery).values(status="no_answer"))
    session.commit()
    done = runner.invoke(args=["campaign", "follow-up", str(campaign.id)])
    assert done.exit_code == 0, done.output
    follow = session.get(Campaign, int(done.output.split()[0]))
    assert follow.follows_id == campaign.id and len(follow.target["residence_ids"]) == 2


def test_expiry_out_of_bounds_is_refused(runner):
    refused = runner.invoke(
        args=["campaign", "create", "--title", "Avis", "--message-fr", "Eau.", "--expires-in", "1"]
    )
    assert refused.exit_code != 0 and "5<=x<=10080" in refused.output
