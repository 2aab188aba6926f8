"""The CPS limit shared by real processes through one Redis: two `acquire`-then-create loops in
separate processes (their Redis 5 ms away between read and write), started together, never put more than the limit's calls in one second of
the simulator's log, and their reservations meet on the shared schedule (the WATCH conflict
retry runs). On fakeredis each process would have its own server: skipped there."""

import json
import os
import subprocess
import sys
import time

import pytest

from runtime import pacing
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, EXTERNAL_REDIS
from tests.dialer.test_end_to_end import assert_cps_respected

CPS, THREADS, PER_THREAD = 20, 8, 5

CHILD = r"""
import json, os, sys, threading, time
import redis.client
from ivr import create_app
from dialer.calls import client_for
from runtime.pacing import acquire

conflicts = [0]
execute = redis.client.Pipeline.execute
def counting_execute(self, *args, **kwargs):  # counts the reservations that met another's
    try:
        return execute(self, *args, **kwargs)
    except redis.WatchError:
        conflicts[0] += 1
        raise
redis.client.Pipeline.execute = counting_execute
multi = redis.client.Pipeline.multi
def slow_multi(self):  # a Redis some ms away: the two processes' reservations overlap often
    time.sleep(0.005)
    return multi(self)
redis.client.Pipeline.multi = slow_multi

app = create_app()
client = client_for(app)
threads, per_thread = int(sys.argv[1]), int(sys.argv[2])
start_at, sids = float(sys.argv[3]), []

def caller(n):
    for i in range(per_thread):
        acquire(app, "emergency", timeout=60)
        sids.append(client.calls.create(to=f"+1418555{n:02d}{i:02d}", from_="+14185550000",
                                        twiml="<Response><Hangup/></Response>").sid)

time.sleep(max(0.0, start_at - time.time()))
workers = [threading.Thread(target=caller, args=(k + 10 * int(sys.argv[4]),))
           for k in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
print(json.dumps({"calls": len(sids), "conflicts": conflicts[0]}), flush=True)
"""


@pytest.mark.skipif(
    not EXTERNAL_REDIS,
    reason="fakeredis is one server per process: the "
    "limit is shared across processes only through a real Redis (REDIS_URL)",
)
def test_two_processes_share_one_cps_limit_through_redis(app, app_config, simulator):
    conn = pacing.redis_for(app)
    conn.delete(pacing.TAT_KEY, pacing.LOG_KEY, pacing.EMERGENCY_FLAG)
    env = dict(
        os.environ,
        DATABASE_URL=app_config["DATABASE_URL"],
        REDIS_URL=EXTERNAL_REDIS,
        SECRET_KEY="test-secret-key",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_API_BASE_URL=simulator.url,
        TWILIO_CALLER_ID="+14185550000",
        DIALER_CPS=str(CPS),
    )
    start_at = time.time() + 4  # both imported and ready by then
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(THREADS), str(PER_THREAD), str(start_at), str(n)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    reports = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    calls = simulator.calls()
    assert len(calls) == sum(r["calls"] for r in reports) == 2 * THREADS * PER_THREAD
    assert_cps_respected(calls, CPS, sliding=True)
    assert sum(r["conflicts"] for r in reports) > 0, reports  # the shared-Redis retry ran
