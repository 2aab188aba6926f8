"""What an operator sees of a campaign: Prometheus metrics on /metrics (protected), and log
lines that carry the campaign, delivery, attempt and call ids."""

import json
import logging

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from dialer.worker import drain
from models import CallAttempt
from runtime.logs import JsonFormatter, KeyValueFormatter
from tests.dialer.test_end_to_end import app_config, build, e2e, outcomes, run_campaign, simulator  # noqa: F401 (fixtures)


def scrape(client, **kwargs) -> dict:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.data
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_and_log_lines_of_a_campaign(e2e, session, caplog):
    app = e2e.live.app
    client = app.test_client()
    before = scrape(client)
    expected, numbers = build(session, copies=1)
    e2e.sim.set_scenario({"seed": 3, "default": {"answer": "human"}, "numbers": numbers})
    campaign = run_campaign(e2e, session, numbers)
    with caplog.at_level(logging.INFO):
        assert drain(app, timeout=90)
    assert outcomes(session) == expected
    after = scrape(client)
    placed = session.scalars(select(CallAttempt).where(CallAttempt.sid.is_not(None))).all()
    grew = {key: after.get(key, 0.0) - before.get(key, 0.0) for key in after}
    assert grew[("ivr_calls_placed_total", (("priority", "emergency"),))] == len(placed)
    completed = sum(1 for a in placed if a.status == "completed")
    assert completed and value(grew, "ivr_callbacks_total", status="completed") >= completed
    assert value(grew, "ivr_callbacks_total", status="busy") >= 1
    assert value(grew, "ivr_pacing_wait_seconds_count", priority="emergency") >= len(placed)
    assert value(after, "ivr_due_deliveries") == 0
    assert value(after, "ivr_oldest_due_delivery_age_seconds") == 0
    for queue in ("emergency", "default", "low"):
        assert ("ivr_jobs_queued", (("queue", queue),)) in after
        assert ("ivr_jobs_failed", (("queue", queue),)) in after

    # each placed call has its line, with its ids; the callbacks' lines name the call too
    attempt = placed[0]
    lines = [
        r
        for r in caplog.records
        if r.getMessage() == "call placed" and getattr(r, "call", None) == attempt.sid
    ]
    assert len(lines) == 1
    text = KeyValueFormatter().format(lines[0])
    assert text.endswith(
        f"call placed campaign={campaign.id} delivery={attempt.delivery_id} "
        f"attempt={attempt.id} call={attempt.sid}"
    ), text
    entry = json.loads(JsonFormatter().format(lines[0]))
    assert (
        entry["message"],
        entry["campaign"],
        entry["delivery"],
        entry["attempt"],
        entry["call"],
    ) == ("call placed", campaign.id, attempt.delivery_id, attempt.id, attempt.sid)
    settled = [
        r
        for r in caplog.records
        if getattr(r, "call", None) == attempt.sid and getattr(r, "status", None)
    ]
    assert settled and f"attempt={attempt.id}" in KeyValueFormatter().format(settled[0])


def test_metrics_are_refused_without_the_token_or_from_afar(app, client):
    far = {"environ_base": {"REMOTE_ADDR": "203.0.113.9"}}
    assert client.get("/metrics").status_code == 200  # loopback, no token set
    refused = client.get("/metrics", **far)
    assert refused.status_code == 403 and b"ivr_" not in refused.data
    app.config["METRICS_TOKEN"] = "s3cret-metrics-token"
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "s3cret-metrics-token"},
    ):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401 and b"ivr_" not in refused.data
    allowed = client.get(
        "/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"}, **far
    )
    assert allowed.status_code == 200 and b"ivr_due_deliveries" in allowed.data
