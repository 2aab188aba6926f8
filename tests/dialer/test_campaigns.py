"""Campaigns: validation, defaults, launch snapshot, state machine, status, export, CLI."""

import io
import json

import pytest
from sqlalchemy import func, select

from dialer import campaigns, export
from dialer.campaigns import CampaignError
from models import Campaign, Delivery
from runtime.i18n import explain
from tests.fixtures.dialer import add_residence

STATUS_KEYS = [
    "id",
    "status",
    "total",
    "pending",
    "in_progress",
    "human",
    "voicemail",
    "no_answer",
    "busy",
    "failed",
    "cancelled",
    "confirmed",
]


def make(session, **fields):
    fields.setdefault("title", "Avis d'ébullition")
    fields.setdefault("message_fr", "Faites bouillir l'eau.")
    fields.setdefault("target", {"all": True})
    return campaigns.create_campaign(session, "test@saguenay.example", **fields)


def test_defaults_follow_the_spec_and_emergency_retries_sooner(session):
    normal = make(session)
    assert (normal.rounds, normal.retry_delay_s, normal.ring_timeout_s) == (3, 600, 30)
    assert normal.leave_voicemail and normal.ask_confirmation
    assert (normal.window_start, normal.window_end) == ("08:00", "21:00")
    assert make(session, priority="emergency").retry_delay_s == 300


@pytest.mark.parametrize(
    "fields, fragment",
    [
        ({"title": " "}, "titre"),
        ({"message_fr": ""}, "message"),
        ({"priority": "urgent"}, "urgent"),
        ({"rounds": 0}, "rounds"),
        ({"window_start": "25:00"}, "25:00"),
        ({"target": {"cities": []}}, "Choisissez"),
    ],
)
def test_invalid_campaigns_are_refused_in_both_languages(session, fields, fragment):
    with pytest.raises(CampaignError) as caught:
        make(session, **fields)
    french, english = explain(caught.value, "fr"), explain(caught.value, "en")
    assert fragment in french
    assert english and english != french


def test_launch_snapshots_one_delivery_per_active_residence(app, session):
    a = add_residence(session, ["+14185550101", "+14185550102"])
    b = add_residence(session, [], last_name="Sans numéro")
    add_residence(session, ["+14185550103"], active=False)
    campaign = make(session)
    assert campaigns.launch(app, campaign.id, "tester") == 2
    rows = {d.residence_id: d.status for d in session.scalars(select(Delivery))}
    assert rows == {a.id: "pending", b.id: "failed"}
    status = campaigns.status(session, campaign.id)
    assert list(status)[:12] == STATUS_KEYS
    assert (status["status"], status["total"], status["pending"], status["failed"]) == (
        "running",
        2,
        1,
        1,
    )


def test_state_machine_refuses_invalid_transitions(app, session):
    add_residence(session, ["+14185550101"])
    campaign = make(session)
    with pytest.raises(CampaignError):
        campaigns.pause(app, campaign.id, "tester")
    campaigns.launch(app, campaign.id, "tester")
    with pytest.raises(CampaignError) as caught:
        campaigns.launch(app, campaign.id, "tester")
    assert "running" in explain(caught.value, "en")
    campaigns.pause(app, campaign.id, "tester")
    campaigns.resume(app, campaign.id, "tester")
    campaigns.cancel(app, campaign.id, "tester")
    session.expire_all()
    assert campaigns.status(session, campaign.id)["cancelled"] == 1
    with pytest.raises(CampaignError):
        campaigns.resume(app, campaign.id, "tester")


def test_export_has_one_row_per_residence(app, session):
    add_residence(session, ["+14185550101"], civic="12")
    add_residence(session, ["+14185550102"], civic="14")
    campaign = make(session)
    campaigns.launch(app, campaign.id, "tester")
    out = io.StringIO()
    assert export.write_csv(session, campaign.id, out) == 2
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("residence_id,last_name,address,number,outcome")
    assert "12 rue Racine Est" in lines[1] and "pending" in lines[1]


def test_cli_takes_a_recording_per_language_and_refuses_a_bad_address(app, session, runner):
    add_residence(session, ["+14185550101"])
    refused = runner.invoke(
        args=[
            "campaign",
            "create",
            "--title",
            "Avis",
            "--message-fr",
            "Eau.",
            "--audio-en",
            "avis.mp3",
        ]
    )
    assert refused.exit_code != 0 and "avis.mp3" in refused.output
    assert "https://" in refused.output and session.scalar(select(func.count(Campaign.id))) == 0
    created = runner.invoke(
        args=[
            "campaign",
            "create",
            "--title",
            "Avis",
            "--audio-fr",
            "https://ville.example/fr.mp3",
            "--audio-en",
            "https://ville.example/en.mp3",
        ]
    )
    assert created.exit_code == 0, created.output
    campaign = session.get(Campaign, int(created.stdout.split()[0]))
    assert (campaign.message_fr, campaign.audio_url_fr, campaign.audio_url_en) == (
        "",
        "https://ville.example/fr.mp3",
        "https://ville.example/en.mp3",
    )


def test_cli_creates_launches_and_reports(app, session, runner):
    add_residence(session, ["+14185550101"], city="JONQUIÈRE")
    add_residence(session, ["+14185550102"], city="CHICOUTIMI")
    created = runner.invoke(
        args=[
            "campaign",
            "create",
            "--title",
            "Bris d'aqueduc",
            "--message-fr",
            "Coupure d'eau.",
            "--city",
            "Jonquiere",
            "--priority",
            "emergency",
        ]
    )
    assert created.exit_code == 0, created.output
    campaign_id = int(created.stdout.strip().splitlines()[0])
    launched = runner.invoke(args=["campaign", "launch", str(campaign_id)])
    assert "1 residences" in launched.output
    status = runner.invoke(args=["campaign", "status", str(campaign_id), "--json"])
    data = json.loads(status.stdout)
    assert [k for k in data][:12] == STATUS_KEYS and data["pending"] == 1
    refused = runner.invoke(args=["campaign", "launch", str(campaign_id)])
    assert refused.exit_code != 0 and "running" in refused.output
    missing = runner.invoke(args=["campaign", "status", "999", "--json"])
    assert missing.exit_code != 0 and "999" in missing.output


def test_progress_gives_the_recent_call_rate_and_the_time_left(app, session):
    """Calls requested in the last 10 s make the rate; the residences left over that rate make
    the time left (seconds). Known counts and request times written in the database."""
    from datetime import timedelta

    from models import CallAttempt, utcnow

    for i in range(20):
        add_residence(session, [f"+1418555{1000 + i:04d}"], civic=str(i))
    campaign = make(session)
    campaigns.launch(app, campaign.id, "tester")
    deliveries = list(session.scalars(select(Delivery).order_by(Delivery.id)))
    for d in deliveries[:5]:
        d.status = "human"
    for d in deliveries[5:8]:
        d.status = "in_progress"
    now = utcnow()
    ages = [0.5 + i * 0.25 for i in range(30)] + [30.0] * 7  # 30 within 10 s, 7 older
    for i, age in enumerate(ages):
        session.add(
            CallAttempt(
                campaign_id=campaign.id,
                to_number="+14185551000",
                token=f"t{i}",
                status="completed",
                outcome="human",
                requested_at=now - timedelta(seconds=age),
            )
        )
    session.add(CallAttempt(campaign_id=campaign.id, to_number="+14185551000", token="unsent"))
    session.commit()
    status = campaigns.status(session, campaign.id)
    assert (status["pending"], status["in_progress"], status["human"]) == (12, 3, 5)
    assert status["calls_per_second"] == 3.0
    # 15 residences left at 3 calls a second, then the last one rings; every call so far
    # reached its residence, so no retry round is expected (dialer/eta.py)
    assert status["eta_seconds"] == 5 + campaign.ring_timeout_s
    for d in deliveries[5:8]:
        d.status = "busy"
    session.commit()
    assert campaigns.status(session, campaign.id)["eta_seconds"] == 4 + campaign.ring_timeout_s
    session.execute(
        CallAttempt.__table__.update().values(requested_at=now - timedelta(seconds=600))
    )  # older than dialer/eta.py's own rate
    session.commit()
    status = campaigns.status(session, campaign.id)
    assert status["calls_per_second"] == 0 and status["eta_seconds"] is None  # no rate yet
    for d in deliveries:
        d.status = "human"
    session.commit()
    assert campaigns.status(session, campaign.id)["eta_seconds"] == 0  # nothing left
