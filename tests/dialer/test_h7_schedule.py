"""Issue 15: a launch at a given time, kept in the database and started by any worker's
reconciler, exactly once; cancelled before its time, it never starts."""

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from dialer import campaigns, reconcile, schedule
from dialer.exceptions import CampaignError
from models import AuditEntry, Campaign, Delivery, utcnow
from runtime.db import sessionmaker_for
from runtime.when import moment, parse_local
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, EXTERNAL_REDIS
from tests.dialer.test_end_to_end import (  # noqa: F401 (fixtures)
    CPS,
    app_config,
    assert_log_is_clean,
    build,
    e2e,
    outcomes,
    simulator,
)
from tests.dialer.test_kill_worker import start_worker
from tests.fixtures.dialer import add_residence
from tests.fixtures.outage import wait_for

ZONE = "America/Toronto"
NOW = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)  # 14:00 in Saguenay


@pytest.mark.parametrize(
    "when, language, words",
    [
        (datetime(2026, 12, 2, 12, 0, tzinfo=UTC), "fr", "demain à 7 h 00"),
        (datetime(2026, 12, 2, 12, 0, tzinfo=UTC), "en", "tomorrow at 7:00 a.m."),
        (datetime(2026, 12, 1, 21, 30, tzinfo=UTC), "fr", "aujourd'hui à 16 h 30"),
        (datetime(2026, 12, 1, 21, 30, tzinfo=UTC), "en", "today at 4:30 p.m."),
        (datetime(2026, 12, 8, 17, 5, tzinfo=UTC), "fr", "le 8 décembre à 12 h 05"),
        (datetime(2026, 12, 8, 17, 5, tzinfo=UTC), "en", "on December 8 at 12:05 p.m."),
        (datetime(2027, 1, 2, 5, 0, tzinfo=UTC), "fr", "le 2 janvier 2027 à 0 h 00"),
    ],
)
def test_the_launch_time_is_said_in_words_in_city_time(when, language, words):
    assert moment(when, NOW, ZONE, language) == words


def test_a_typed_time_is_city_time():
    assert parse_local("2026-12-02 07:00", ZONE) == datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_local("demain 7h", ZONE)


def draft(session, **fields):
    add_residence(session, ["+14185550101"])
    add_residence(session, ["+14185550102"], civic="102")
    return campaigns.create_campaign(
        session,
        "operateur@saguenay.ca",
        title="Avis",
        message_fr="Message",
        target={"all": True},
        priority="emergency",
        **fields,
    )


def launches(session, campaign_id):
    session.expire_all()
    return session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "campaign.launch", AuditEntry.entity_id == str(campaign_id))
    )


def test_a_scheduled_campaign_waits_for_its_time_then_the_reconciler_launches_it(app, session):
    campaign = draft(session)
    schedule.schedule(
        app, session, campaign.id, "operateur@saguenay.ca", utcnow() + timedelta(hours=1)
    )
    reconcile.run_once(app, session)
    assert session.get(Campaign, campaign.id, populate_existing=True).status == "draft"
    assert schedule.launch_due(app, session, now=utcnow() + timedelta(hours=1, seconds=1)) == 1
    campaign = session.get(Campaign, campaign.id, populate_existing=True)
    assert campaign.status == "running"
    assert session.scalar(select(func.count()).select_from(Delivery)) == 2
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.launch")).one()
    assert entry.actor == "operateur@saguenay.ca"  # the one who scheduled it


def test_a_cancelled_schedule_never_launches(app, session):
    campaign = draft(session)
    schedule.schedule(app, session, campaign.id, "op", utcnow() + timedelta(minutes=5))
    schedule.unschedule(session, campaign.id, "op")
    assert schedule.launch_due(app, session, now=utcnow() + timedelta(hours=1)) == 0
    assert session.get(Campaign, campaign.id, populate_existing=True).status == "draft"
    with pytest.raises(CampaignError) as refused:
        schedule.unschedule(session, campaign.id, "op")
    assert refused.value.key == "campaign.error.h7_not_scheduled"


def test_a_time_in_the_past_or_a_launched_campaign_is_refused(app, session):
    campaign = draft(session)
    with pytest.raises(CampaignError) as refused:
        schedule.schedule(app, session, campaign.id, "op", utcnow() - timedelta(minutes=1))
    assert refused.value.key == "campaign.error.h7_schedule_past"
    campaigns.launch(app, campaign.id, "op")
    with pytest.raises(CampaignError) as refused:
        schedule.schedule(app, session, campaign.id, "op", utcnow() + timedelta(minutes=1))
    assert refused.value.key == "campaign.error.transition"


def test_two_reconcilers_at_the_same_moment_launch_it_once(app, session):
    campaign = draft(session)
    schedule.schedule(app, session, campaign.id, "op", utcnow() + timedelta(seconds=30))
    later = utcnow() + timedelta(minutes=1)
    barrier, done = threading.Barrier(4), []

    def run():
        with sessionmaker_for(app)() as own:
            barrier.wait()
            done.append(schedule.launch_due(app, own, now=later))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(done) == [0, 0, 0, 1]
    assert launches(session, campaign.id) == 1
    assert session.scalar(select(func.count()).select_from(Delivery)) == 2


def city_time(when: datetime) -> str:
    return when.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.skipif(
    not EXTERNAL_REDIS,
    reason="two worker processes share the CPS limit only through a real Redis (REDIS_URL)",
)
def test_scheduled_from_a_process_now_gone_two_workers_launch_it_once(
    e2e, app_config, session, tmp_path
):
    """`ivr campaign launch ID --at` in its own process (which exits), then two
    `python -m dialer` workers: the campaign starts at its time, once, everyone called once."""
    expected, numbers = build(session, copies=1)
    e2e.sim.set_scenario({"seed": 3, "default": {"answer": "human"}, "numbers": numbers})
    campaign = campaigns.create_campaign(
        session,
        "op",
        title="Avis",
        message_fr="Message",
        target={"all": True},
        priority="emergency",
        rounds=2,
        retry_delay_s=1,
    )
    at = utcnow() + timedelta(seconds=15)  # the CLI process starts slowly on a busy machine
    env = dict(
        os.environ,
        DATABASE_URL=app_config["DATABASE_URL"],
        REDIS_URL=EXTERNAL_REDIS,
        SECRET_KEY="test-secret-key",
        PUBLIC_BASE_URL=e2e.live.url,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_API_BASE_URL=e2e.sim.url,
        TWILIO_CALLER_ID=app_config["TWILIO_CALLER_ID"],
        TIMEZONE=ZONE,
    )
    ivr = os.path.join(os.path.dirname(sys.executable), "ivr")
    done = subprocess.run(
        [ivr, "campaign", "launch", str(campaign.id), "--at", city_time(at)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "scheduled" in done.stdout
    workers = [start_worker(e2e, app_config, tmp_path / f"worker{n}.log") for n in (1, 2)]
    try:
        session.expire_all()
        assert session.get(Campaign, campaign.id).status in ("draft", "running")
        assert wait_for(
            lambda: (
                session.get(Campaign, campaign.id, populate_existing=True).status == "completed"
            ),
            90,
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(15)
    finished = session.get(Campaign, campaign.id, populate_existing=True)
    assert finished.launched_at >= at - timedelta(seconds=1)
    assert launches(session, campaign.id) == 1
    assert outcomes(session) == expected
    assert_log_is_clean(e2e.sim.calls(), session, CPS)  # nobody dialled twice in a round
