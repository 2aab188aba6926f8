"""kill -9 of a worker mid-campaign with SMS contacts: another worker finishes with the same
outcomes; no contact is texted twice in a round, and every text the provider accepted is owned
by one attempt (the same outbox / claim / lease / reconcile machinery as the calls)."""

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
from tests.fixtures.outage import wait_for
from tests.sms.conftest import CPS, MPS
from tests.sms.test_sms_campaigns import assert_log_is_clean, build, launch, outcomes


def start_worker(stack, app_config, log_path):
    env = dict(
        os.environ,
        DATABASE_URL=app_config["DATABASE_URL"],
        REDIS_URL=EXTERNAL_REDIS,
        SECRET_KEY="test-secret-key",
        PUBLIC_BASE_URL=stack.live.url,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_API_BASE_URL=stack.sim.url,
        TWILIO_CALLER_ID=app_config["TWILIO_CALLER_ID"],
        DIALER_CPS=str(CPS),
        DIALER_MPS=str(MPS),
        **{
            k: str(v)
            for k, v in app_config.items()
            if k.startswith("DIALER_") and k not in ("DIALER_CPS", "DIALER_MPS")
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
    """SIGKILL of the running worker at one point of a text's life, seen by the simulator's
    API hook: `before_create` (the Nth create request refused unexecuted as the worker dies:
    the attempt is marked requested, no message exists), `between_create_and_answer` (the
    provider accepted the Nth text; the worker never reads the answer), `settling` (the
    worker's reconciler fetches a text whose final callback was dropped, and dies)."""

    def __init__(self, point, nth=6):
        self.point, self.nth, self.creates, self.accepted = point, nth, 0, 0
        self.process, self.killed, self.sid = None, threading.Event(), None
        self.lock = threading.Lock()

    def kill(self):
        assert wait_for(lambda: self.process is not None, 10)
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(5)
        self.killed.set()

    def __call__(self, phase, endpoint, method, response):
        if self.killed.is_set():
            return None
        with self.lock:
            if self.point == "settling":
                if (endpoint, method, phase) == ("message", "GET", "before"):
                    self.kill()
                return None
            if (endpoint, method) != ("messages", "POST"):
                return None
            if phase == "after":
                # the Nth text the provider accepted (a refusal, 21610, does not count)
                if self.point == "between_create_and_answer" and response.status_code == 201:
                    self.accepted += 1
                    if self.accepted == self.nth:
                        self.sid = json.loads(response.get_data())["sid"]
                        self.kill()
                return None
            self.creates += 1
            if self.creates == self.nth and self.point == "before_create":
                self.kill()
                return False
        return None


def completed(session, campaign_id) -> bool:
    session.expire_all()
    return session.get(Campaign, campaign_id).status == "completed"


@pytest.mark.parametrize("point", ["before_create", "between_create_and_answer", "settling"])
def test_sigkill_mid_campaign_texts_nobody_twice(sms_stack, app_config, session, tmp_path, point):
    expected, behaviours, kinds = build(session)
    scenario = {"seed": 5, "default": {"answer": "human"}, "numbers": behaviours}
    if point == "settling":
        scenario["callbacks"] = {"drop_rate": 0.5}
    if point == "between_create_and_answer":  # no callback names the text: it must be found
        scenario["callbacks"] = {"drop_rate": 1.0}
    sms_stack.sim.set_scenario(scenario)
    kill = KillAt(point)
    sms_stack.sim.api_hook = kill
    campaign = launch(sms_stack, session)
    first = start_worker(sms_stack, app_config, tmp_path / "first.log")
    kill.process = first
    try:
        assert kill.killed.wait(45), f"never reached {point}"
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGKILL)
            first.wait(5)
    sms_stack.sim.api_hook = None
    session.expire_all()
    if point == "before_create":
        assert (
            session.scalar(
                select(func.count(CallAttempt.id)).where(
                    CallAttempt.channel == "sms",
                    CallAttempt.requested_at.is_not(None),
                    CallAttempt.sid.is_(None),
                    CallAttempt.outcome.is_(None),
                )
            )
            >= 1
        )
    elif point == "between_create_and_answer":
        assert kill.sid in {m["sid"] for m in sms_stack.sim.messages()}
        assert session.scalar(select(CallAttempt.id).where(CallAttempt.sid == kill.sid)) is None
    second = start_worker(sms_stack, app_config, tmp_path / "second.log")
    try:
        assert wait_for(lambda: completed(session, campaign.id), 90)
    finally:
        second.terminate()
        second.wait(15)
    assert outcomes(session) == expected
    sms_stack.sim.wait_idle()
    assert_log_is_clean(sms_stack.sim, session, behaviours, kinds)
    texts = [m for m in sms_stack.sim.messages() if m["direction"] == "outbound-api"]
    owned = set(
        session.scalars(
            select(CallAttempt.sid).where(
                CallAttempt.channel == "sms", CallAttempt.sid.is_not(None)
            )
        )
    )
    assert {m["sid"] for m in texts} == owned
    attempts = session.execute(
        select(CallAttempt.to_number, CallAttempt.round).where(
            CallAttempt.channel == "sms", CallAttempt.sid.is_not(None)
        )
    ).all()
    assert max(Counter(attempts).values()) == 1 and len(attempts) == len(texts)
    if point == "between_create_and_answer":
        assert session.scalar(select(CallAttempt.id).where(CallAttempt.sid == kill.sid))
