"""kill -9 of a worker mid-campaign: another worker finishes with the same outcomes, and the
simulator's log shows no residence dialled again after it was reached, no number twice in a
round. The workers are real processes (`python -m dialer`) sharing the test's database; on
SQLite without REDIS_URL each has its own Redis stand-in, which is enough for the kill tests
because only one worker runs at a time (the CPS limit is still checked in the simulator's log).
The kill comes at four points of a call's life (KillAt), with two seeds; and two workers also
run at once (with a real Redis: they must share the CPS limit)."""

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from models import CallAttempt, Campaign
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, EXTERNAL_REDIS
from tests.dialer.test_end_to_end import (  # noqa: F401 (fixtures)
    CPS,
    app_config,
    assert_log_is_clean,
    build,
    e2e,
    outcomes,
    run_campaign,
    simulator,
)
from tests.fixtures.outage import wait_for


def start_worker(e2e, app_config, log_path):
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
        DIALER_CPS=str(CPS),
        **{
            k: str(v)
            for k, v in app_config.items()
            if k.startswith("DIALER_") and k != "DIALER_CPS"
        },
    )
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "dialer"], env=env, stdout=log, stderr=subprocess.STDOUT, text=True
    )
    log.close()
    assert wait_for(lambda: "dialer ready" in log_path.read_text(), 30), log_path.read_text()
    return process


class KillAt:
    """Stops the running worker (SIGKILL) at one point of a call's life, seen by the simulator
    (its in-process API hook, run in the request's thread) or by the database:
    - `before_create`: the worker's Nth create request reaches the provider and is refused
      unexecuted as the worker dies: the attempt is marked requested, no call exists (and the
      other sender threads' claims are not requested yet);
    - `between_create_and_answer`: the provider has created the Nth call; the worker dies
      before reading the answer, and every callback is lost: only the reconciler's listing of
      the provider's calls can find it (and must adopt it, not dial again);
    - `after_answer`: the Nth call's SID is in the database, the call under way;
    - `settling`: the worker's reconciler fetches a call to settle it (its final callback was
      dropped) and dies before applying the answer."""

    def __init__(self, point, nth=12):
        self.point, self.nth, self.creates = point, nth, 0
        self.process, self.killed, self.sid = None, threading.Event(), None
        self.lock = threading.Lock()

    def kill(self):
        assert wait_for(lambda: self.process is not None, 10)
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(5)
        self.killed.set()

    def __call__(self, phase, endpoint, method, response):
        if self.killed.is_set() or method != "POST" and self.point != "settling":
            return None
        with self.lock:
            if self.point == "settling":
                if (endpoint, method, phase) == ("call", "GET", "before"):
                    self.kill()
                return None
            if endpoint != "calls" or phase != "before":
                if endpoint == "calls" and phase == "after" and self.creates == self.nth:
                    self.sid = json.loads(response.get_data())["sid"]
                    if self.point == "between_create_and_answer":
                        self.kill()
                return None
            self.creates += 1
            if self.creates == self.nth and self.point == "before_create":
                self.kill()
                return False  # the request dies with the worker: no call is created
        return None


@pytest.mark.parametrize("seed", [5, 11])
@pytest.mark.parametrize(
    "point", ["before_create", "between_create_and_answer", "after_answer", "settling"]
)
def test_sigkill_mid_campaign_loses_nobody_and_dials_nobody_twice(
    e2e, app_config, session, tmp_path, point, seed
):
    expected, numbers = build(session, copies=3)
    scenario = {"seed": seed, "default": {"answer": "human"}, "numbers": numbers}
    if point == "settling":  # final callbacks lost: the worker's reconciler fetches calls
        scenario["callbacks"] = {"drop_rate": 0.5}
    if point == "between_create_and_answer":  # no callback names the call's attempt either:
        scenario["callbacks"] = {"drop_rate": 1.0}  # the reconciler must find and adopt it
    e2e.sim.set_scenario(scenario)
    kill = KillAt(point)
    e2e.sim.api_hook = kill
    campaign = run_campaign(e2e, session, numbers)

    first = start_worker(e2e, app_config, tmp_path / "first.log")
    kill.process = first
    try:
        if point == "after_answer":

            def sid_recorded():
                session.expire_all()
                return (
                    kill.sid is not None
                    and session.scalar(select(CallAttempt.id).where(CallAttempt.sid == kill.sid))
                    is not None
                )

            assert wait_for(sid_recorded, 30)
            kill.kill()
        assert kill.killed.wait(45), f"never reached {point}"
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGKILL)
            first.wait(5)
    e2e.sim.api_hook = None
    session.expire_all()
    sim_sids = {c["sid"] for c in e2e.sim.calls()}
    if point == "before_create":  # marked requested, never created, no SID
        assert (
            session.scalar(
                select(func.count(CallAttempt.id)).where(
                    CallAttempt.requested_at.is_not(None),
                    CallAttempt.sid.is_(None),
                    CallAttempt.outcome.is_(None),
                )
            )
            >= 1
        )
    elif point == "between_create_and_answer":
        assert kill.sid in sim_sids  # the provider placed the call the worker never heard of
        assert session.scalar(select(CallAttempt.id).where(CallAttempt.sid == kill.sid)) is None
    elif point == "settling":
        assert (
            session.scalar(
                select(func.count(CallAttempt.id)).where(
                    CallAttempt.sid.is_not(None), CallAttempt.outcome.is_(None)
                )
            )
            >= 1
        )

    second = start_worker(e2e, app_config, tmp_path / "second.log")
    try:
        assert wait_for(lambda: completed(session, campaign.id), 90)
    finally:
        second.terminate()
        second.wait(15)
    assert_finished_cleanly(e2e, session, expected)


def completed(session, campaign_id) -> bool:
    session.expire_all()
    return session.get(Campaign, campaign_id).status == "completed"


def assert_finished_cleanly(e2e, session, expected):
    """Every residence its expected outcome; the simulator's log clean (no redial after a
    residence was reached, rounds spaced, CPS kept); one call per number per round; every call
    the provider placed owned by one attempt."""
    assert outcomes(session) == expected
    e2e.sim.wait_idle()
    calls = e2e.sim.calls()
    assert_log_is_clean(calls, session, CPS)
    attempts = session.execute(
        select(CallAttempt.to_number, CallAttempt.round).where(CallAttempt.sid.is_not(None))
    ).all()
    assert max(Counter(attempts).values()) == 1  # one call per number per round
    assert {c["sid"] for c in calls} == set(
        session.scalars(select(CallAttempt.sid).where(CallAttempt.sid.is_not(None)))
    )
    assert len(calls) == len(attempts)


@pytest.mark.skipif(
    not EXTERNAL_REDIS,
    reason="two workers share the CPS limit only through "
    "a real Redis (REDIS_URL); each would have its own stand-in",
)
def test_two_workers_at_once_share_the_work_and_the_limit(e2e, app_config, session, tmp_path):
    """Two `python -m dialer` processes running together (PostgreSQL: SKIP LOCKED claims)."""
    expected, numbers = build(session, copies=4)
    e2e.sim.set_scenario({"seed": 7, "default": {"answer": "human"}, "numbers": numbers})
    campaign = run_campaign(e2e, session, numbers)
    workers = [start_worker(e2e, app_config, tmp_path / f"worker{n}.log") for n in (1, 2)]
    try:
        assert wait_for(lambda: completed(session, campaign.id), 90)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(15)
    assert_finished_cleanly(e2e, session, expected)
