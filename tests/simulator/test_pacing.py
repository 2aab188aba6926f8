"""Pacing like Twilio: calls above the account's CPS wait in a queue, in real seconds."""

import datetime as dt

import pytest
from twilio.twiml.voice_response import VoiceResponse

from simulator import Simulator
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.simulator.conftest import make_twilio

CPS = 4


@pytest.fixture
def slow_account():
    sim = Simulator(ACCOUNT_SID, AUTH_TOKEN, time_scale=0.001, cps=CPS).start()
    yield sim
    sim.stop()


def _t(iso):
    return dt.datetime.fromisoformat(iso).timestamp()


def test_no_second_has_more_dialled_calls_than_the_cps(slow_account):
    twilio = make_twilio(slow_account)
    twiml = str(VoiceResponse().say("Avis"))
    sids = [
        twilio.calls.create(to=f"+1418555{n:04d}", from_="+14185550000", twiml=twiml).sid
        for n in range(12)
    ]
    slow_account.wait_idle(timeout=30)
    calls = slow_account.calls()
    assert [c["sid"] for c in calls] == sids
    dialled = [_t(c["dialled_at"]) for c in calls]
    busiest = max(sum(1 for t in dialled if start <= t < start + 0.999) for start in dialled)
    assert busiest <= CPS
    # each call leaves the queue when it was asked for, or 1/CPS after the one before
    for before, call, at in zip(calls, calls[1:], dialled[1:]):
        expected = max(_t(call["requested_at"]), _t(before["dialled_at"]) + 1 / CPS)
        assert at == pytest.approx(expected, abs=0.002)
    # asked for faster than the limit, the later ones waited longer: queue_time grows
    queue = [c["queue_time_ms"] for c in calls]
    assert queue[-1] > queue[0] and queue[-1] >= 1000
    assert int(twilio.calls(sids[-1]).fetch().queue_time) == queue[-1]
    assert slow_account.stats()["cps_achieved"] <= CPS + 0.01
