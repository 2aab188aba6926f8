"""A frozen or stalled dialer is seen: its heartbeat, /healthz, `ivr worker status`, and the
worker's own watchdog (which makes `ivr worker` exit for its supervisor to restart it).

The stall here is real: the account's pacing schedule in Redis is pushed an hour ahead (as a
wrong clock or a stuck key would), so the sender threads claim residences but never get a
call slot: due work, and no call placed."""

import time

import pytest

from dialer import campaigns
from dialer.worker import Dialer
from runtime import pacing
from runtime.redis_conn import get_redis
from tests.fixtures.dialer import add_residence
from tests.fixtures.outage import wait_for


@pytest.fixture
def app_config(app_config):
    app_config.update(
        DIALER_STALL_S=1.0,
        DIALER_HEARTBEAT_S=0.2,
        DIALER_POLL_INTERVAL_S=0.05,
        DIALER_RECONCILE_INTERVAL_S=0.3,
    )
    return app_config


def launch(app, session, residences=6):
    for i in range(residences):
        add_residence(session, [f"+1418555{2000 + i:04d}"], civic=str(100 + i))
    campaign = campaigns.create_campaign(
        session,
        "test",
        title="Avis",
        message_fr="Bouillez.",
        message_en="Boil.",
        target={"all": True},
        priority="emergency",
    )
    campaigns.launch(app, campaign.id, "test")
    return campaign


def freeze_pacing(app):
    """No call slot for an hour."""
    redis = get_redis(app)
    seconds, _ = redis.time()
    redis.set(pacing.TAT_KEY, repr(seconds + 3600.0), ex=600)


def test_a_stalled_dialer_is_reported_and_its_watchdog_fires(app, session, client, runner):
    launch(app, session)
    freeze_pacing(app)
    failures = []
    dialer = Dialer(app, threads=2, on_failure=failures.append).start()
    try:
        assert wait_for(lambda: failures, 20), "the watchdog never fired"
        assert "no call placed" in failures[0]
        response = client.get("/healthz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["database"] == "ok" and body["redis"] == "ok"
        assert body["dialer"].startswith("stalled:") and "no call placed" in body["dialer"]
        result = runner.invoke(args=["worker", "status"])
        assert result.exit_code == 1, result.output
        assert "STALLED" in result.output and "last call never" in result.output
        assert "last claim never" not in result.output  # it claimed, then got no call slot
        assert "threads 3/3" in result.output  # 2 senders and the reconciler, all alive
    finally:
        dialer.stop()


def test_a_dialer_whose_thread_died_is_reported(app, session, client, runner, monkeypatch):
    failures = []
    dialer = Dialer(app, threads=2, on_failure=failures.append)
    monkeypatch.setattr(dialer, "_reconcile_loop", lambda: None)  # the thread ends at once
    dialer.start()
    try:
        assert wait_for(lambda: failures, 20), "the watchdog never fired"
        assert "1 of 3 dialer threads died (dialer-reconcile)" in failures[0]
        assert client.get("/healthz").status_code == 503
        result = runner.invoke(args=["worker", "status"])
        assert result.exit_code == 1 and "died" in result.output, result.output
    finally:
        dialer.stop()


def test_a_healthy_dialer_is_ok_and_its_row_goes_when_it_stops(app, session, client, runner):
    dialer = Dialer(app, threads=2).start()
    try:
        assert wait_for(lambda: runner.invoke(args=["worker", "status"]).exit_code == 0, 20)
        result = runner.invoke(args=["worker", "status"])
        assert " ok " in result.output and "threads 3/3" in result.output, result.output
        time.sleep(1.5)  # longer than DIALER_STALL_S: idle without due work is no stall
        assert client.get("/healthz").status_code == 200
        assert runner.invoke(args=["worker", "status"]).exit_code == 0
        assert 'ivr_dialer_workers{state="ok"} 1.0' in client.get("/metrics").get_data(True)
    finally:
        dialer.stop()
    result = runner.invoke(args=["worker", "status"])
    assert result.exit_code == 1 and "no dialer worker is alive" in result.output


def test_due_work_and_no_worker_at_all_is_a_stalled_dialer(app, session, client):
    assert client.get("/healthz").status_code == 200
    launch(app, session)
    assert wait_for(lambda: client.get("/healthz").status_code == 503, 10)
    assert "no live dialer worker" in client.get("/healthz").get_json()["dialer"]
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "\nivr_due_deliveries 6.0\n" in metrics
    age = next(
        line
        for line in metrics.splitlines()
        if line.startswith("ivr_oldest_due_delivery_age_seconds ")
    )
    assert float(age.split()[1]) > 1.0  # DIALER_STALL_S: /healthz said stalled after it
