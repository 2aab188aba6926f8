"""A hotline caller who heard "we will call you back" is called back, even when Redis was down
or flushed at that moment: end to end through the carrier simulator."""

import time

import pytest
from sqlalchemy import select

from dialer.worker import start_embedded_worker
from models import OutboxJob, PhoneNumber
from runtime.redis_conn import get_redis
from tests.fixtures.hotline import add_residence
from tests.fixtures.outage import wait_for
from tests.hotline.test_through_simulator import HOTLINE, said

RESIDENT = "+14185550188"
KEYED = "+14185550166"


def promises(session) -> list[OutboxJob]:
    session.expire_all()
    return list(session.scalars(select(OutboxJob).order_by(OutboxJob.id)))


def call_backs(sim) -> list[dict]:
    return [c for c in sim.calls() if c["direction"] != "inbound"]


@pytest.fixture
def worker(stack):
    """`ivr run`'s embedded worker (job loop, dialer and outbox relay), started on demand."""
    started = []
    yield lambda: started.append(start_embedded_worker(stack.live.app))
    for w in started:
        w.stop()


def the_one_call_back(sim, session):
    """Wait for the promised call-back and its promise kept; later relay passes (re-checks at
    0.3 s) must call no one again: the one call-back placed."""
    assert wait_for(lambda: call_backs(sim))
    assert wait_for(lambda: promises(session)[0].state == "done")
    time.sleep(1)
    sim.wait_idle()
    [call_back] = call_backs(sim)
    return call_back


def test_a_password_call_back_promised_while_redis_is_down_is_placed_once_it_is_back(
    stack, session, redis_switch, worker
):
    add_residence(session, RESIDENT, pin="258036")
    redis_switch.down()
    sid = stack.sim.place_call(RESIDENT, to=HOTLINE, keys=["*#"])
    assert "Nous allons vous rappeler" in said(stack.sim.wait_for_call(sid))
    [promise] = promises(session)  # kept with the call's state, not only in Redis
    assert promise.func == "hotline.callbacks.password_reset" and promise.state == "pending"
    assert promise.attempts >= 1 and "hand-off" in promise.last_error
    worker()  # its relay retries while Redis is away
    assert wait_for(lambda: promises(session)[0].attempts >= 3, 10)
    assert not call_backs(stack.sim)
    redis_switch.up()
    call_back = the_one_call_back(stack.sim, session)
    assert call_back["to"] == RESIDENT and "NIP temporaire est" in said(call_back)
    [promise] = promises(session)
    assert promise.runs == 1 and promise.handed_at is not None and promise.finished_at


def test_a_verification_call_promised_while_redis_is_down_is_placed_once_it_is_back(
    stack, session, redis_switch, worker
):
    stack.sim.set_scenario(
        {"default": {"answer": "human"}, "numbers": {KEYED: {"answer": "human", "keys": ["1"]}}}
    )
    redis_switch.down()
    sid = stack.sim.place_call(
        "+14185550999",
        to=HOTLINE,
        keys=[
            "1",
            "2",
            "4185550166#",
            "1",
            "1",
            "1",
            "12#",
            "#",
            "speak#",
            "speak#",
            "739164#",
            "739164#",
        ],
    )
    assert "Nous allons appeler le 4 1 8, 5 5 5, 0 1 6 6" in said(stack.sim.wait_for_call(sid))
    [promise] = promises(session)
    assert promise.func == "hotline.callbacks.verify_number" and promise.state == "pending"
    worker()
    redis_switch.up()
    call_back = the_one_call_back(stack.sim, session)
    assert call_back["to"] == KEYED and "ce numéro est confirmé" in said(call_back)
    session.expire_all()
    [number] = session.scalars(select(PhoneNumber)).all()
    assert number.active and number.verified_at is not None


def test_a_call_back_handed_to_rq_then_flushed_is_handed_again_and_placed_once(
    stack, session, redis_switch, worker
):
    add_residence(session, RESIDENT, pin="258036")
    sid = stack.sim.place_call(RESIDENT, to=HOTLINE, keys=["*#"])
    assert "Nous allons vous rappeler" in said(stack.sim.wait_for_call(sid))
    [promise] = promises(session)
    assert promise.state == "handed"  # RQ took it; no worker runs yet
    get_redis(stack.live.app).flushdb()  # Redis restarted without its data, say
    worker()
    call_back = the_one_call_back(stack.sim, session)
    assert call_back["to"] == RESIDENT and "NIP temporaire est" in said(call_back)
    assert promises(session)[0].runs == 1
