"""kill -9 of a worker mid-campaign: another worker finishes with the same outcomes, and the
simulator's log shows no residence dialled again after it was reached, no number twice in a
round. The workers are real processes (`python -m dialer`) sharing the test's database; on
SQLite without REDIS_URL each has its own Redis stand-in, which is enough here because only one
worker runs at a time (the CPS limit is still checked in the simulator's log)."""
import os
import signal
import subprocess
import sys
import time
from collections import Counter

from sqlalchemy import func, select

from models import CallAttempt, Campaign
from tests.dialer.test_end_to_end import (CPS, assert_log_is_clean, build, outcomes,
                                          run_campaign)
from tests.dialer.test_end_to_end import app_config, e2e, simulator  # noqa: F401 (fixtures)
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, EXTERNAL_REDIS


def start_worker(e2e, app_config, log_path):
    env = dict(os.environ, DATABASE_URL=app_config["DATABASE_URL"],
               REDIS_URL=EXTERNAL_REDIS, SECRET_KEY="test-secret-key",
               PUBLIC_BASE_URL=e2e.live.url, TWILIO_ACCOUNT_SID=ACCOUNT_SID,
               TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_API_BASE_URL=e2e.sim.url,
               TWILIO_CALLER_ID=app_config["TWILIO_CALLER_ID"], DIALER_CPS=str(CPS),
               **{k: str(v) for k, v in app_config.items() if k.startswith("DIALER_")
                  and k != "DIALER_CPS"})
    log = open(log_path, "w")
    process = subprocess.Popen([sys.executable, "-m", "dialer"], env=env, stdout=log,
                               stderr=subprocess.STDOUT, text=True)
    log.close()
    assert wait_for(lambda: "dialer ready" in log_path.read_text(), 30), log_path.read_text()
    return process


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_sigkill_mid_campaign_loses_nobody_and_dials_nobody_twice(e2e, app_config, session,
                                                                   tmp_path):
    expected, numbers = build(session, copies=4)
    e2e.sim.set_scenario({"seed": 5, "default": {"answer": "human"}, "numbers": numbers})
    campaign = run_campaign(e2e, session, numbers)

    def calls_placed():
        session.expire_all()
        return session.scalar(select(func.count(CallAttempt.id)))

    first = start_worker(e2e, app_config, tmp_path / "first.log")
    try:
        assert wait_for(lambda: calls_placed() >= 12, 30)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(5)
    second = start_worker(e2e, app_config, tmp_path / "second.log")
    try:
        def finished():
            session.expire_all()
            return session.get(Campaign, campaign.id).status == "completed"
        assert wait_for(finished, 90)
    finally:
        second.terminate()
        second.wait(15)
    assert outcomes(session) == expected
    e2e.sim.wait_idle()
    calls = e2e.sim.calls()
    assert_log_is_clean(calls, session, CPS)
    attempts = session.execute(select(CallAttempt.to_number, CallAttempt.round)
                               .where(CallAttempt.sid.is_not(None))).all()
    assert max(Counter(attempts).values()) == 1  # one call per number per round
    assert len(calls) == len(attempts)  # every call the provider placed is accounted for
