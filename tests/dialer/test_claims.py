"""Claims are never stranded and never dialled twice: a Redis outage mid-campaign, and an
emergency campaign pre-empting a normal one, end to end through the carrier simulator.

Redis goes down for real on both backends: fakeredis's server is taken offline
(`FakeServer.connected = False`); a real Redis is reached through a small TCP proxy that the
test cuts (open connections closed, new ones closed at once) and restores."""

import logging
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, make_url, select, update

from dialer import dispatch, reconcile
from dialer.worker import Dialer, drain, open_work
from models import CallAttempt, Campaign, Delivery, utcnow
from runtime.pacing import EMERGENCY_FLAG, redis_for
from tests.conftest import EXTERNAL_DB, EXTERNAL_REDIS
from tests.dialer.test_end_to_end import build, e2e, outcomes, run_campaign, simulator  # noqa: F401 (fixtures)
from tests.fixtures.dialer import add_residence
from tests.fixtures.outage import RedisSwitch, TcpProxy, wait_for

THREADS = 8


@pytest.fixture
def redis_switch():
    switch = RedisSwitch(EXTERNAL_REDIS)
    yield switch
    switch.close()


@pytest.fixture
def db_switch():
    """PostgreSQL reached through a TCP proxy that the test can cut."""
    if not EXTERNAL_DB.startswith("postgresql"):
        pytest.skip("a database outage is simulated with PostgreSQL (DATABASE_URL)")
    parts = make_url(EXTERNAL_DB)
    proxy = TcpProxy(parts.host or "127.0.0.1", parts.port or 5432)
    proxy.url = parts.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    yield proxy
    proxy.close()


@pytest.fixture
def app_config(request, app_config, redis_switch):
    if "db_switch" in request.fixturenames:
        app_config["DATABASE_URL"] = request.getfixturevalue("db_switch").url
    app_config.update(
        DIALER_THREADS=THREADS,
        DIALER_POLL_INTERVAL_S=0.05,
        DIALER_RECONCILE_INTERVAL_S=0.3,
        DIALER_AMD_GRACE_S=1.0,
        DIALER_FINAL_CALLBACK_GRACE_S=2.0,
        DIALER_AMBIGUOUS_WAIT_S=1.0,
        DIALER_HTTP_TIMEOUT_S=5.0,
        DIALER_FINAL_CALLBACK_AFTER_S=3.0,
    )
    if redis_switch.url:
        app_config["REDIS_URL"] = redis_switch.url
    return app_config


class Background:
    """`drain(app)` in a thread while the test acts on the campaign: it runs until `.go`
    is set and no work is left (or the test leaves the `with` block)."""

    def __init__(self, app, timeout=150):
        self.go, self.abort, self.result = threading.Event(), threading.Event(), None
        self.thread = threading.Thread(target=self._run, args=(app, timeout), daemon=True)

    def _run(self, app, timeout):
        self.result = drain(
            app,
            until=lambda: self.abort.is_set() or (self.go.is_set() and not open_work(app)),
            timeout=timeout,
        )

    def __enter__(self):
        self.thread.start()
        return self

    def finished(self, timeout) -> bool:
        """Let it finish; True if no work was left within TIMEOUT."""
        self.go.set()
        self.thread.join(timeout)
        return self.result is True and not self.abort.is_set()

    def __exit__(self, *exc):
        self.abort.set()
        self.thread.join(30)


def held_under_lease(session) -> int:
    """Residences claimed by a sender thread whose call has not been requested yet."""
    session.expire_all()
    return session.scalar(
        select(func.count(Delivery.id)).where(
            Delivery.status == "in_progress", Delivery.lease_until.is_not(None)
        )
    )


def test_a_redis_outage_strands_no_claim_and_everyone_is_called_when_it_returns(
    e2e, session, redis_switch, caplog
):
    """10 s of Redis outage made threads claim 300 of 400 residences and strand them until
    their lease ran out. Now a connection error gives the claim back at once and the threads
    back off without claiming more; when Redis returns, every residence is called (with the
    outcome its scenario gives) long before the lease would have freed anything."""
    app = e2e.live.app
    app.config.update(DIALER_CPS=10, DIALER_CLAIM_LEASE_S=300.0)
    expected, numbers = build(session, copies=6)  # 48 residences, some with 2 numbers / rounds
    e2e.sim.set_scenario({"seed": 6, "default": {"answer": "human"}, "numbers": numbers})
    run_campaign(e2e, session, numbers)
    with Background(app) as worker, caplog.at_level(logging.INFO, logger="dialer"):
        assert wait_for(lambda: len(e2e.sim.calls()) >= 6, 30)
        caplog.clear()
        redis_switch.down()
        held = []
        for _ in range(30):  # 3 s of outage
            time.sleep(0.1)
            held.append(held_under_lease(session))
        redis_switch.up()
        outage_logs = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        # no claim is left stranded (at most one per thread, for an instant)...
        assert max(held) <= THREADS and held[-1] == 0, held
        # ...and the operator reads that Redis is down once per worker, not once per claim
        assert len(outage_logs) == 1, outage_logs
        # far less than the 300 s lease: nothing waits for a lease to run out
        assert worker.finished(60), outcomes(session)
    assert outcomes(session) == expected
    e2e.sim.wait_idle()
    dialled = Counter((c["to"]) for c in e2e.sim.calls())
    attempts = Counter(
        session.scalars(select(CallAttempt.to_number).where(CallAttempt.sid.is_not(None)))
    )
    assert dialled == attempts  # every call the provider placed is accounted for


def test_a_database_outage_strands_no_claim_and_everyone_is_called_when_it_returns(
    e2e, session, db_switch, caplog
):
    """The database drops every connection for a few seconds mid-campaign (PostgreSQL behind
    a proxy the test cuts): claims that could not be given back then are given back as soon
    as it answers, not when their lease runs out; every residence gets its outcome, every call
    placed is accounted for, and no number is dialled twice in a round."""
    app = e2e.live.app
    app.config.update(DIALER_CPS=10, DIALER_CLAIM_LEASE_S=300.0)
    expected, numbers = build(session, copies=6)
    e2e.sim.set_scenario({"seed": 9, "default": {"answer": "human"}, "numbers": numbers})
    run_campaign(e2e, session, numbers)
    session.close()
    with Background(app) as worker, caplog.at_level(logging.INFO, logger="dialer"):
        assert wait_for(lambda: len(e2e.sim.calls()) >= 6, 30)
        caplog.clear()
        db_switch.cut()
        time.sleep(3)
        db_switch.restore()
        # far less than the 300 s lease: nothing waits for a lease to run out
        assert worker.finished(60)
        told = [
            r.getMessage()
            for r in caplog.records
            if r.name == "dialer.outage" and r.levelno >= logging.WARNING
        ]
    assert len(told) == 1 and "the database" in told[0], told
    # (an answering machine whose AMD callback failed during the outage counts as a person:
    # reached either way, which is what the dialer owes each residence)
    reached = {"human": "reached", "voicemail": "reached"}
    assert {r: reached.get(o, o) for r, o in outcomes(session).items()} == {
        r: reached.get(o, o) for r, o in expected.items()
    }
    e2e.sim.wait_idle()
    dialled = Counter(c["to"] for c in e2e.sim.calls())
    placed = session.execute(
        select(CallAttempt.to_number, CallAttempt.round).where(CallAttempt.sid.is_not(None))
    ).all()
    assert dialled == Counter(to for to, _ in placed)  # every call placed is accounted for
    assert max(Counter(placed).values()) == 1  # one call per number and round


def add_city(session, city: str, first: int, count: int) -> dict:
    numbers = {}
    for i in range(count):
        n = f"+1418{first + i:07d}"
        numbers[n] = {"answer": "human"}
        add_residence(session, [n], city=city, civic=str(i + 1))
    return numbers


def test_an_emergency_pre_empting_a_normal_campaign_dials_nobody_twice(e2e, session):
    """A normal thread held back by the emergency flag past its claim's lease lost the
    residence to the reconciler, then placed its call anyway: the number rang twice in the
    round. Now the claim is given back before its lease ends, and a call is only placed for an
    attempt still its own."""
    app = e2e.live.app
    app.config.update(DIALER_CPS=10, DIALER_CLAIM_LEASE_S=2.0)
    normal = add_city(session, "JONQUIÈRE", 5560000, 40)
    emergency = add_city(session, "CHICOUTIMI", 5570000, 60)
    e2e.sim.set_scenario(
        {"seed": 7, "default": {"answer": "human"}, "numbers": {**normal, **emergency}}
    )
    run_campaign(
        e2e,
        session,
        normal,
        priority="normal",
        rounds=1,
        target={"cities": ["Jonquière"]},
        window_start="00:00",
        window_end="23:59",
    )
    with Background(app) as worker:
        # the normal campaign is under way, every sender thread holding a normal claim...
        assert wait_for(lambda: len(e2e.sim.calls()) >= 5, 30)
        # ...when the emergency comes
        run_campaign(
            e2e,
            session,
            emergency,
            priority="emergency",
            rounds=1,
            target={"cities": ["Chicoutimi"]},
        )
        assert worker.finished(120)
    e2e.sim.wait_idle()
    dialled = Counter(c["to"] for c in e2e.sim.calls())
    assert set(dialled) == set(normal) | set(emergency)
    twice = {n: k for n, k in dialled.items() if k > 1}
    assert not twice, twice  # one round: one call per number
    assert set(outcomes(session).values()) == {"human"}


def one_residence_campaign(e2e, session, **fields):
    add_residence(session, ["+14185551234"])
    e2e.sim.set_scenario({"seed": 8, "default": {"answer": "human"}})
    return run_campaign(
        e2e, session, {}, rounds=1, window_start="00:00", window_end="23:59", **fields
    )


def test_a_claim_taken_back_by_the_reconciler_is_never_dialled(e2e, session):
    """The thread's lease ran out before its call slot came and the reconciler gave the
    residence to another claim: the late thread must not place the call (it used to, and hang
    it up at once: the phone rang)."""
    app = e2e.live.app
    campaign = one_residence_campaign(e2e, session)
    job = dispatch.claim(session, session.get(Campaign, campaign.id), 60.0)
    session.execute(update(Delivery).values(lease_until=utcnow() - timedelta(seconds=1)))
    session.commit()
    reconcile.run_once(app, session)  # lease over, no call at the provider: queued again
    session.expire_all()
    assert session.scalar(select(Delivery.status)) == "pending"

    Dialer(app)._place(session, job)  # the late thread gets its slot at last
    assert e2e.sim.calls() == []

    assert drain(app, timeout=60)
    e2e.sim.wait_idle()
    assert [c["to"] for c in e2e.sim.calls()] == ["+14185551234"]
    assert outcomes(session) == {session.scalar(select(Delivery.residence_id)): "human"}


def test_a_call_being_requested_is_not_taken_back_when_its_lease_ends(e2e, session):
    """Once its request is marked, a slow create request outliving the lease keeps its
    residence: the reconciler resolves it like a lost answer (after the HTTP timeout), it does
    not hand the number to another claim."""
    app = e2e.live.app
    campaign = one_residence_campaign(e2e, session)
    job = dispatch.claim(session, session.get(Campaign, campaign.id), 60.0)
    assert dispatch.mark_requested(session, job.attempt_id, utcnow())
    session.execute(update(Delivery).values(lease_until=utcnow() - timedelta(seconds=1)))
    session.commit()
    reconcile.run_once(app, session)
    session.expire_all()
    assert session.scalar(select(Delivery.status)) == "in_progress"
    assert session.scalar(select(CallAttempt.outcome)) is None
    assert not dispatch.mark_requested(session, job.attempt_id, utcnow())  # marked once


def test_a_call_placed_before_the_crash_is_adopted_not_dialled_again(e2e, session):
    """The worker died between the create request and its answer: the attempt has no SID, and
    no callback names it (all lost), but the provider did place the call. The reconciler finds
    it in the provider's list of calls, adopts its SID and settles the residence from it; the
    number is not dialled a second time."""
    from dialer.calls import place_call

    app = e2e.live.app
    campaign = one_residence_campaign(e2e, session)
    e2e.sim.set_scenario(
        {"seed": 8, "default": {"answer": "human"}, "callbacks": {"drop_rate": 1.0}}
    )
    job = dispatch.claim(session, session.get(Campaign, campaign.id), 60.0)
    assert dispatch.mark_requested(session, job.attempt_id, utcnow())
    sid = place_call(app, job.token, job.to, job.language, job.ring_timeout_s)  # answer lost
    e2e.sim.wait_for_call(sid)
    long_ago = utcnow() - timedelta(seconds=60)  # past the HTTP timeout: the answer is lost
    session.execute(update(CallAttempt).values(created_at=long_ago, requested_at=long_ago))
    session.commit()
    assert reconcile.run_once(app, session)["ambiguous"] == 1
    session.expire_all()
    attempt = session.scalar(select(CallAttempt))
    assert (attempt.sid, attempt.outcome) == (sid, "human")
    delivery = session.scalar(select(Delivery))
    assert (delivery.status, delivery.reached_number) == ("human", "+14185551234")
    assert drain(app, timeout=30)
    assert [c["sid"] for c in e2e.sim.calls()] == [sid]  # adopted, not dialled again


def test_a_normal_claim_held_back_past_its_lease_is_given_back(e2e, session):
    """Emergency callers hold every slot: a normal claim that cannot get one before its lease
    ends is given back (the residence due again, the attempt not counted), not kept."""
    app = e2e.live.app
    campaign = one_residence_campaign(e2e, session, priority="normal")
    job = dispatch.claim(session, session.get(Campaign, campaign.id), 2.0)
    flag = redis_for(app)
    flag.set(EMERGENCY_FLAG, 1, px=60_000)
    dialer = Dialer(app)

    def place():
        with dialer.Session() as own:
            dialer._place(own, job)

    thread = threading.Thread(target=place, daemon=True)
    thread.start()
    try:
        thread.join(10)
        assert not thread.is_alive()  # it gave up within the lease instead of waiting on
    finally:
        flag.delete(EMERGENCY_FLAG)
        thread.join(10)
    session.expire_all()
    assert session.scalar(select(Delivery.status)) == "pending"
    assert session.scalar(select(CallAttempt.outcome)) == "void"
    assert e2e.sim.calls() == []
