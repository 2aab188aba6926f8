"""`ivr worker` serves the RQ queues and dials at the same time: a campaign runs through the
simulator while a steady stream of jobs that use the database runs in the same worker. Every
residence gets its outcome, every job finishes, and the worker logs no database error (RQ's
forking work-horses used to inherit the dialer's open connections: they broke, and the sender
threads froze for good). Needs a real Redis (REDIS_URL): `ivr worker` refuses to run without."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from rq.job import Job, JobStatus
from sqlalchemy import func, select

from models import CallAttempt, Campaign, Residence
from runtime.queue import enqueue, get_queue
from runtime.redis_conn import get_redis
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

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not EXTERNAL_REDIS, reason="`ivr worker` needs a real Redis")


def worker_env(e2e, app_config, **extra):
    return dict(
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
        PYTHONPATH=str(ROOT),
        **{
            k: str(v)
            for k, v in app_config.items()
            if k.startswith("DIALER_") and k != "DIALER_CPS"
        },
        **extra,
    )


def ivr_command() -> list[str]:
    script = Path(sys.executable).with_name("ivr")
    return [str(script)] if script.exists() else [shutil.which("ivr")]


def start_ivr_worker(env, log_path, *args):
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            ivr_command() + ["worker", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )
    assert wait_for(lambda: "dialer started" in log_path.read_text(), 30), log_path.read_text()
    return process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_campaign_and_database_jobs_share_one_worker(e2e, app_config, session, tmp_path):
    app = e2e.live.app
    expected, numbers = build(session, copies=5)
    residences = session.scalar(select(func.count(Residence.id)))
    e2e.sim.set_scenario({"seed": 11, "default": {"answer": "human"}, "numbers": numbers})
    log_path = tmp_path / "worker.log"
    port = free_port()
    worker = start_ivr_worker(worker_env(e2e, app_config, METRICS_PORT=str(port)), log_path)
    jobs, stop_feeding = [], threading.Event()

    def feed():  # about twenty jobs a second while the campaign runs
        n = 0
        while not stop_feeding.wait(0.05) and n < 400:
            jobs.append(enqueue(app, "tests.dialer.jobs.touch_residences", n).id)
            n += 1

    feeder = threading.Thread(target=feed, daemon=True)
    try:
        feeder.start()
        time.sleep(0.5)
        campaign = run_campaign(e2e, session, numbers)

        def finished():
            session.expire_all()
            return session.get(Campaign, campaign.id).status == "completed"

        completed = wait_for(finished, 120)
        stop_feeding.set()
        feeder.join(10)
        redis = get_redis(app)

        def statuses():
            return [Job.fetch(job_id, connection=redis).get_status() for job_id in jobs]

        jobs_done = wait_for(lambda: all(s == JobStatus.FINISHED for s in statuses()), 60)
        log = log_path.read_text()
        errors = "\n".join(
            line for line in log.splitlines() if "rror" in line or "Traceback" in line
        )[-4000:]
        assert completed, errors
        assert jobs_done, (sorted(set(statuses())), errors)
        assert len(jobs) > 50
        assert {Job.fetch(j, connection=redis).return_value() for j in jobs} == {residences}
        assert outcomes(session) == expected
        assert get_queue(app, "default").failed_job_registry.count == 0
        # the worker's own metrics: its calls and its jobs
        placed = session.scalar(
            select(func.count(CallAttempt.id)).where(CallAttempt.sid.is_not(None))
        )
        scraped = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read()
        scraped = scraped.decode()
        assert f'ivr_calls_placed_total{{priority="emergency"}} {placed:.1f}' in scraped
        assert f'ivr_jobs_run_total{{queue="default",result="finished"}} {len(jobs):.1f}' in scraped
        for sign in (
            "OperationalError",
            "InterfaceError",
            "DatabaseError",
            "Traceback",
            "server closed the connection",
            "thread error",
        ):
            assert sign not in log, errors
    finally:
        stop_feeding.set()
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(5)
    e2e.sim.wait_idle()
    assert_log_is_clean(e2e.sim.calls(), session, CPS)


def test_a_stalled_ivr_worker_says_why_and_exits_non_zero(e2e, app_config, session, tmp_path):
    """The account's pacing schedule pushed an hour ahead: the worker claims but never gets a
    call slot; past DIALER_STALL_S it logs why and exits 3, for its supervisor to restart it."""
    from dialer.worker import EXIT_STALLED
    from runtime import pacing

    expected, numbers = build(session, copies=1)
    redis = get_redis(e2e.live.app)
    seconds, _ = redis.time()
    redis.set(pacing.TAT_KEY, repr(seconds + 3600.0), ex=600)
    run_campaign(e2e, session, numbers)
    log_path = tmp_path / "worker.log"
    worker = start_ivr_worker(
        worker_env(e2e, app_config, DIALER_STALL_S="2", DIALER_HEARTBEAT_S="0.2"), log_path
    )
    try:
        status = worker.wait(60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(5)
        pytest.fail("the stalled worker kept running")
    log = log_path.read_text()
    assert status == EXIT_STALLED, log[-3000:]
    assert "dialer stalled:" in log and "no call placed" in log, log[-3000:]
