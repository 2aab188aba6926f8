"""Pacing like Twilio: calls above the account's CPS wait in a queue, in real seconds."""
import datetime as dt

import pytest
from twilio.twiml.voice_response import VoiceResponse

from simulator import Simulator
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.simulator.conftest import make_twilio


@pytest.fixture
def slow_account():
    sim = Simulator(ACCOUNT_SID, AUTH_TOKEN, time_scale=0.001, cps=10).start()
    yield sim
    sim.stop()


def test_no_second_has_more_dialled_calls_than_the_cps(slow_account):
    twilio = make_twilio(slow_account)
    twiml = str(VoiceResponse().say("Avis"))
    sids = [twilio.calls.create(to=f"+1418555{n:04d}", from_="+14185550000", twiml=twiml).sid
            for n in range(25)]
    slow_account.wait_idle(timeout=20)
    calls = slow_account.calls()
    assert {c["sid"] for c in calls} == set(sids)
    dialled = sorted(dt.datetime.fromisoformat(c["dialled_at"]).timestamp() for c in calls)
    busiest = max(sum(1 for t in dialled if start <= t < start + 0.999) for start in dialled)
    assert busiest <= 10
    assert (dialled[-1] - dialled[0]) >= 2.3          # 25 calls at 10 per second
    # the ones asked for last waited longest
    queue = [c["queue_time_ms"] for c in calls]
    assert queue[-1] > queue[0] and queue[-1] >= 2000
    assert int(twilio.calls(sids[-1]).fetch().queue_time) == queue[-1]
    stats = slow_account.stats()
    assert stats["cps_achieved"] <= 10.01
