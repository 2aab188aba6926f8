"""The password call-back waits for the resident to hang up the hotline (else: busy line)."""

import time

import pytest
from rq import Queue

from hotline import callbacks
from runtime.redis_conn import get_redis
from simulator import Simulator
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.fixtures.hotline import add_residence
from tests.fixtures.outbox import queued
from tests.hotline.test_through_simulator import HOTLINE, said


@pytest.fixture
def simulator():
    """Slower than the other tests' simulator, so the hotline message takes about a real second."""
    sim = Simulator(ACCOUNT_SID, AUTH_TOKEN, time_scale=0.1, cps=50).start()
    yield sim
    sim.stop()


def test_the_password_call_back_waits_for_the_hotline_call_to_end(stack, session):
    app = stack.live.app
    add_residence(session, "+14185550188", pin="258036")
    sid = stack.sim.place_call("+14185550188", to=HOTLINE, keys=["*#"])
    queue = Queue("default", connection=get_redis(app))
    deadline = time.monotonic() + 10
    while not queue.job_ids and time.monotonic() < deadline:
        time.sleep(0.01)
    [job] = queued(app)  # a worker would run it now, while the resident may still listen
    assert job.args[1] == sid
    assert stack.sim.call(sid)["status"] == "in-progress"  # the resident still listens
    with app.app_context():
        callback_sid = callbacks.password_reset(*job.args)  # polls the call until it ended
    assert stack.sim.call(sid)["status"] == "completed"
    record = stack.sim.wait_for_call(callback_sid)
    assert record["requested_at"] >= stack.sim.call(sid)["ended_at"]
    assert "NIP temporaire est" in said(record)
