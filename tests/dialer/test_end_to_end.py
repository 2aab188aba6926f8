"""End to end through the carrier simulator: scenarios whose per-residence outcome is known in
advance; the simulator's log shows no second call after a residence was reached and no second
with more calls started than the limit."""

import time
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import select

from dialer import campaigns
from dialer.worker import drain
from models import CallAttempt, Campaign, Delivery, PhoneNumber
from runtime.pacing import HORIZON_S
from tests.fixtures.dialer import add_residence

CPS = 20
JITTER_S = 0.02  # of the simulator's request stamps (assert_cps_respected)


def number(i: int) -> str:
    return f"+1418555{i:04d}"


# residence -> its numbers' behaviour, and the outcome the residence must end with
SCENARIO = [
    ({"answer": "human"}, None, "human"),
    ({"answer": "voicemail", "greeting_s": 20}, None, "voicemail"),
    ({"answer": "no-answer"}, {"answer": "human", "keys": ["2"]}, "human"),
    ({"answer": "busy"}, {"answer": "no-answer"}, "busy"),
    ({"answer": "failed"}, None, "failed"),
    ({"answer": "fax"}, {"answer": "voicemail"}, "voicemail"),
    ({"answer": ["no-answer", "human"]}, None, "human"),  # reached in round 2
    ({"answer": "unknown"}, None, "human"),
    # a voicemail reaches the residence: its second number is never dialled
    ({"answer": "voicemail", "greeting_s": 20}, {"answer": "human"}, "voicemail"),
]


def build(session, copies: int = 3):
    """Residences with 1-2 numbers each; returns {residence_id: expected outcome}, numbers."""
    expected, numbers, n = {}, {}, 1000
    for _copy in range(copies):
        for first, second, outcome in SCENARIO:
            phones = []
            for behaviour in (first, second):
                if behaviour is not None:
                    n += 1
                    numbers[number(n)] = behaviour
                    phones.append(number(n))
            residence = add_residence(session, phones, civic=str(n))
            expected[residence.id] = outcome
    return expected, numbers


def run_campaign(stack, session, expected_numbers, **fields):
    app = stack.live.app
    fields.setdefault("title", "Avis d'ébullition")
    fields.setdefault("message_fr", "Faites bouillir l'eau avant de la boire.")
    fields.setdefault("message_en", "Boil water before drinking it.")
    fields.setdefault("target", {"all": True})
    fields.setdefault("priority", "emergency")
    fields.setdefault("rounds", 2)
    fields.setdefault("retry_delay_s", 1)
    fields.setdefault("ring_timeout_s", 30)
    campaign = campaigns.create_campaign(session, "test", **fields)
    campaigns.launch(app, campaign.id, "test")
    return campaign


def outcomes(session):
    session.expire_all()
    return {d.residence_id: d.status for d in session.scalars(select(Delivery))}


def reached_in_log(call) -> bool:
    """The simulator's view: a person or an answering machine took the call (a fax did not)."""
    return call["status"] == "completed" and call.get("answered_by") != "fax"


def assert_log_is_clean(sim_calls, session, cps, flushed_at=None):
    """For every residence (whatever its outcome): no call to any of its numbers after one
    that reached it (a person or a voicemail), and its database outcome says reached exactly
    when the log shows it; each round's calls start no sooner than the campaign's retry delay
    after the previous round's calls ended; no second with more calls started than CPS (but
    around a Redis flush at FLUSHED_AT, see assert_cps_respected)."""
    for c in sim_calls:
        c["t"] = datetime.fromisoformat(c["requested_at"]).timestamp()
        c["end"] = datetime.fromisoformat(c["ended_at"]).timestamp()
    residence_of = dict(session.execute(select(PhoneNumber.e164, PhoneNumber.residence_id)).all())
    by_residence = {}
    for c in sorted(sim_calls, key=lambda c: c["t"]):
        by_residence.setdefault(residence_of[c["to"]], []).append(c)
    deliveries = {d.residence_id: d for d in session.scalars(select(Delivery))}
    for residence_id, calls in by_residence.items():
        reaching = [c for c in calls if reached_in_log(c)]
        if reaching:
            assert calls[-1] is reaching[0], (
                f"residence {residence_id} dialled again after {reaching[0]['to']} reached it "
                f"({reaching[0]['answered_by']})",
                [(c["to"], c["status"]) for c in calls],
            )
        delivery = deliveries.get(residence_id)
        if delivery is not None and delivery.status not in ("pending", "in_progress"):
            assert (delivery.status in ("human", "voicemail")) == bool(reaching), (
                residence_id,
                delivery.status,
                [(c["to"], c["answered_by"]) for c in calls],
            )
            if reaching:
                assert delivery.reached_number == reaching[0]["to"]
    checked = assert_rounds_spaced(sim_calls, session)
    assert_cps_respected(sim_calls, cps, flushed_at=flushed_at)
    return checked


def assert_rounds_spaced(sim_calls, session):
    """A residence's round N+1 starts no sooner than the campaign's retry delay after its
    round N's last call ended (times from the simulator's log; 50 ms for clock reading)."""
    rounds = {
        sid: (delivery_id, round_, delay)
        for sid, delivery_id, round_, delay in session.execute(
            select(
                CallAttempt.sid, CallAttempt.delivery_id, CallAttempt.round, Campaign.retry_delay_s
            )
            .join(Campaign, Campaign.id == CallAttempt.campaign_id)
            .where(CallAttempt.sid.is_not(None))
        )
    }
    spans = {}  # (delivery, round) -> (first start, last end, delay)
    for c in sim_calls:
        if c["sid"] not in rounds:
            continue
        delivery_id, round_, delay = rounds[c["sid"]]
        first, last, _ = spans.get((delivery_id, round_), (c["t"], c["end"], delay))
        spans[(delivery_id, round_)] = (min(first, c["t"]), max(last, c["end"]), delay)
    checked = 0
    for (delivery_id, round_), (first, _, delay) in spans.items():
        previous = spans.get((delivery_id, round_ - 1))
        if previous is not None:
            assert first >= previous[1] + delay - 0.05, (
                f"delivery {delivery_id}: round {round_} started "
                f"{first - previous[1]:.3f} s after round {round_ - 1} ended (delay {delay} s)"
            )
            checked += 1
    return checked


def assert_cps_respected(sim_calls, cps, sliding=False, flushed_at=None):
    """No second of the simulator's log holds more than CPS call requests: each calendar
    second, or (SLIDING) every window of one second from any request, less JITTER_S. The
    sliding form suits callers that send right after their slot: the dialer writes the
    attempt's mark between its slot and its request, and the simulator stamps a request after
    its own latency, so their windows are compressed by some tens of ms (docs/mutants.md).

    FLUSHED_AT (a Redis flush, epoch seconds): the limiter's schedule and its record of sends
    start again from nothing (runtime/pacing.py), while slots handed out before it (at most
    HORIZON_S ahead) are still to be used, so the seconds from the flush to HORIZON_S after it
    may hold up to twice CPS, never more; every other second holds CPS."""
    times = sorted(datetime.fromisoformat(c["requested_at"]).timestamp() for c in sim_calls)
    if not sliding:
        per_second = Counter(int(t) for t in times)
        overlap = set()
        if flushed_at is not None:
            overlap = set(range(int(flushed_at), int(flushed_at + max(HORIZON_S.values())) + 2))
        for second, count in per_second.items():
            assert count <= (2 * cps if second in overlap else cps), (second, per_second)
        return
    j = 0
    for i, t in enumerate(times):
        while j < len(times) and times[j] < t + 1.0 - JITTER_S:
            j += 1
        assert j - i <= cps, f"{j - i} calls requested within {times[j - 1] - t:.4f} s from {t}"


def assert_voicemail_got_the_message_once(call, voicemail_fetches):
    """After the beep: the voicemail TwiML was fetched once and said, last, the heading and the
    whole message. (The person's message may still be under way at the beep until AMD's verdict
    redirects the call: how much of it depends on this machine's load at 1/20 of real time.)"""
    assert voicemail_fetches == 1, (
        call["answered_by"],
        call["status"],
        [(c.get("event"), c.get("status"), c.get("error")) for c in call["callbacks"]],
        [s["text"][:12] for s in call["said"]],
    )
    after_beep = [s["text"] for s in call["said"] if s["after_beep"]]
    assert after_beep[-2:] == [
        "Message important de la Ville de Saguenay.",
        "Faites bouillir l'eau avant de la boire.",
    ], after_beep


@pytest.fixture
def simulator():
    """The simulator at 1/20 of real time: our own processing (~0.1 s from AMD's verdict to
    the redirect) must stay short next to a voicemail greeting, as it is in real life."""
    from simulator import Simulator
    from tests.conftest import ACCOUNT_SID, AUTH_TOKEN

    sim = Simulator(ACCOUNT_SID, AUTH_TOKEN, time_scale=0.05, cps=CPS).start()
    yield sim
    sim.stop()


@pytest.fixture
def e2e(stack, app_config):
    """The stack, counting how often each call's voicemail TwiML is fetched."""
    from flask import request

    stack.voicemail_fetches = Counter()

    @stack.live.app.before_request
    def count_voicemail_fetches():
        if request.path.endswith("/voicemail"):
            stack.voicemail_fetches[request.path.split("/")[3]] += 1

    return stack


@pytest.fixture
def app_config(app_config):
    app_config.update(
        DIALER_CPS=CPS,
        DIALER_THREADS=8,
        DIALER_POLL_INTERVAL_S=0.05,
        DIALER_RECONCILE_INTERVAL_S=0.3,
        DIALER_AMD_GRACE_S=1.0,
        DIALER_FINAL_CALLBACK_GRACE_S=2.0,
        DIALER_AMBIGUOUS_WAIT_S=1.0,
        DIALER_CLAIM_LEASE_S=8.0,
        DIALER_HTTP_TIMEOUT_S=5.0,
        DIALER_FINAL_CALLBACK_AFTER_S=3.0,
    )
    return app_config


def test_every_residence_ends_with_its_expected_outcome(e2e, session):
    expected, numbers = build(session)
    e2e.sim.set_scenario({"seed": 1, "default": {"answer": "human"}, "numbers": numbers})
    run_campaign(e2e, session, numbers, retry_delay_s=3)  # well apart from no delay at all
    assert drain(e2e.live.app, timeout=90)
    assert outcomes(session) == expected
    e2e.sim.wait_idle()
    assert assert_log_is_clean(e2e.sim.calls(), session, CPS) >= 6  # second rounds checked
    tokens = dict(session.execute(select(CallAttempt.sid, CallAttempt.token)).all())
    for c in e2e.sim.calls():
        if numbers[c["to"]].get("answer") == "voicemail":
            assert_voicemail_got_the_message_once(c, e2e.voicemail_fetches[tokens[c["sid"]]])
    status = campaigns.status(session, session.scalar(select(Delivery.campaign_id)))
    assert status["status"] == "completed" and status["confirmed"] == 3


def test_faults_end_with_the_same_outcomes(e2e, session):
    """API errors, timeouts and 429s, duplicated, reordered and dropped callbacks: the same
    outcomes."""
    expected, numbers = build(session, copies=2)
    e2e.sim.set_scenario(
        {
            "seed": 3,
            "default": {"answer": "human"},
            "numbers": numbers,
            "api": {
                "error_rate": 0.1,
                "timeout_rate": 0.05,
                "timeout_ms": 6000,
                "latency_ms": 100,
                "max_concurrent_requests": 3,
            },  # and some 20429s
            "callbacks": {"duplicate_rate": 0.3, "reorder_rate": 0.3, "drop_rate": 0.15},
        }
    )
    run_campaign(e2e, session, numbers)
    assert drain(e2e.live.app, timeout=120)
    assert outcomes(session) == expected
    e2e.sim.wait_idle()
    assert_log_is_clean(e2e.sim.calls(), session, CPS)


def test_a_redis_flush_mid_campaign_loses_nobody(e2e, session):
    """Redis carries no truth: flushing it (a restart without persistence) changes nothing."""
    from runtime.redis_conn import get_redis

    expected, numbers = build(session, copies=2)
    e2e.sim.set_scenario({"seed": 2, "numbers": numbers})
    app = e2e.live.app
    run_campaign(e2e, session, numbers)
    drain(app, until=lambda: len(e2e.sim.calls()) >= 6, timeout=30)
    flushed_at = time.time()
    get_redis(app).flushdb()
    assert drain(app, timeout=90)
    assert outcomes(session) == expected
    e2e.sim.wait_idle()
    assert_log_is_clean(e2e.sim.calls(), session, CPS, flushed_at=flushed_at)


def most_calls_at_once(sim_calls) -> int:
    """The most calls the provider had under way at one instant (requested to ended)."""
    edges = sorted(
        edge
        for c in sim_calls
        for edge in (
            (datetime.fromisoformat(c["requested_at"]).timestamp(), 1),
            (datetime.fromisoformat(c["ended_at"]).timestamp(), -1),
        )
    )
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def test_the_cap_on_calls_in_progress_holds_and_everyone_is_reached(e2e, session):
    numbers = {number(2000 + i): {"answer": "human"} for i in range(12)}
    residences = [add_residence(session, [n], civic=str(i)) for i, n in enumerate(numbers)]
    e2e.sim.set_scenario({"seed": 4, "numbers": numbers})
    e2e.live.app.config["DIALER_MAX_IN_PROGRESS"] = 3
    run_campaign(e2e, session, numbers)
    assert drain(e2e.live.app, timeout=90)
    assert set(outcomes(session).values()) == {"human"} and len(residences) == 12
    e2e.sim.wait_idle()
    calls = e2e.sim.calls()
    assert len(calls) == 12
    # 12 calls of several seconds each, placed 50 ms apart without the cap
    assert most_calls_at_once(calls) == 3


def test_a_test_call_says_the_message_to_one_number_before_launch(e2e, session):
    e2e.sim.set_scenario({"seed": 1, "default": {"answer": "human"}})
    e2e.live.app.config["RQ_SYNC"] = True  # the promised job runs at once
    campaign = campaigns.create_campaign(
        session,
        "test",
        title="Avis",
        message_fr="Faites bouillir l'eau avant de la boire.",
        message_en="Boil water before drinking it.",
        target={"all": True},
    )
    assert campaigns.test_call(e2e.live.app, campaign.id, "418 555-0199", "en")
    e2e.sim.wait_idle()
    [call] = e2e.sim.calls()
    assert call["to"] == "+14185550199"
    assert "Boil water before drinking it." in [s["text"] for s in call["said"]]
    assert campaigns.status(session, campaign.id)["status"] == "draft"
