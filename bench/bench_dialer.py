"""The dialer against the simulator with 150 ms API latency, in one run:

1. achieved calls per second over a BENCH_RESIDENCES (20,000) campaign at a 50 CPS limit, as a
   share of the limit (target >= 0.98), next to the naive loop of Twilio's tutorials (one
   `calls.create` after the other) on the same scenario, run for BENCH_NAIVE_S seconds;
2. the dialer worker's peak memory (`python -m dialer` processes: BENCH_WORKERS, default 1);
the web tier is gunicorn (3 gthread workers), PostgreSQL and Redis are the real ones.

BENCH_WEB=stub measures the dialer alone: the webhooks go to a stub in its own process
(TwiML that hangs up, 204 for callbacks; no database) instead of gunicorn, as if the web tier
ran on machines of its own. Calls then never settle, so the reconciler's fetch of missing
final callbacks is put off past the run (DIALER_FINAL_CALLBACK_GRACE_S and
DIALER_AMD_GRACE_S = 3600).
"""
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime

from sqlalchemy import func, select

from ivr import create_app
from ivr.db import sessionmaker_for
from ivr.twilio_client import make_client
from models import Delivery

from . import common

CPS = 50
LATENCY_MS = 150


def scenario():
    """The city's usual mix; BENCH_ANSWER=no-answer makes every call ring out, which leaves
    only three status callbacks per call for the web tier (the pacing alone, measured)."""
    answer = os.environ.get("BENCH_ANSWER")
    mix = {} if answer else {"mix": {"human": 0.6, "voicemail": 0.25, "no-answer": 0.1,
                                     "busy": 0.03, "failed": 0.02}}
    return {"seed": 11, "default": {"answer": answer or "human"}, **mix,
            "api": {"latency_ms": LATENCY_MS, "max_concurrent_requests": 100}}


def requested_times(sim) -> list[float]:
    return sorted(datetime.fromisoformat(c["requested_at"]).timestamp() for c in sim.calls())


def naive_loop(sim, web_url, seconds: float) -> float:
    """Twilio's tutorial: for each number, client.calls.create(...), one after the other."""
    client = make_client(common.app_config(web_url, sim.url))
    started, count = time.monotonic(), 0
    while time.monotonic() - started < seconds:
        client.calls.create(to=common.number(900_000 + count), from_="+14185550000",
                            url=f"{web_url}/voice/alert/naive?lang=fr")
        count += 1
    return count / (time.monotonic() - started)


def main():
    from simulator import Simulator
    residences = int(os.environ.get("BENCH_RESIDENCES", 20_000))
    naive_s = float(os.environ.get("BENCH_NAIVE_S", 30))
    common.fresh_database()
    common.bulk_residences(common.DATABASE_URL, residences)
    sim = Simulator(common.ACCOUNT_SID, common.AUTH_TOKEN, scenario=scenario(), time_scale=0.01,
                    cps=CPS).start()
    stub = os.environ.get("BENCH_WEB") == "stub"
    if stub:
        web = subprocess.Popen([sys.executable, "-m", "bench.bench_simulator", "--serve-target"],
                               stdout=subprocess.PIPE, text=True)
        web_url = f"http://127.0.0.1:{int(web.stdout.readline())}"
        env = common.app_env(web_url, sim.url, DIALER_CPS=CPS,
                             DIALER_FINAL_CALLBACK_GRACE_S=3600, DIALER_AMD_GRACE_S=3600)
    else:
        port = common.free_port()
        web_url = f"http://127.0.0.1:{port}"
        env = common.app_env(web_url, sim.url, DIALER_CPS=CPS)
        web = common.start_gunicorn(env, port)
    app = create_app(common.app_config(web_url, sim.url, DIALER_CPS=CPS))
    from ivr.redis_conn import get_redis
    get_redis(app).flushdb()
    from dialer import campaigns
    with sessionmaker_for(app)() as session:
        campaign = campaigns.create_campaign(session, "bench", title="Bench",
                                             message_fr="Faites bouillir l'eau.",
                                             message_en="Boil water.", target={"all": True},
                                             priority="emergency", rounds=1)
    workers = [subprocess.Popen([sys.executable, "-m", "dialer"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(int(os.environ.get("BENCH_WORKERS", 1)))]
    try:
        time.sleep(2)
        campaigns.launch(app, campaign.id, "bench")
        with sessionmaker_for(app)() as session:
            while session.scalar(select(func.count()).where(
                    Delivery.campaign_id == campaign.id, Delivery.status == "pending")):
                session.rollback()
                time.sleep(1)
        time.sleep(2)
        worker_mb = max(common.peak_rss_mb(w.pid) for w in workers)
        worker_cpu = sum(common.cpu_seconds(w.pid) for w in workers)
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(20)
    times = requested_times(sim)
    if os.environ.get("BENCH_TIMES_FILE"):
        with open(os.environ["BENCH_TIMES_FILE"], "w") as out:
            out.write("\n".join(repr(t) for t in times))
    achieved = (len(times) - 1) / (times[-1] - times[0])
    busiest = max(Counter(int(t) for t in times).values())
    sim.wait_idle(timeout=120)
    sim.set_scenario(scenario())
    naive = naive_loop(sim, web_url, naive_s)
    web.terminate()
    web.wait(20)
    sim.stop()
    print("web tier:                   " + ("a stub (the dialer alone)" if stub else
                                                "gunicorn, 3 gthread workers"))
    print(f"calls requested:            {len(times)} of {residences} residences")
    print(f"dialer, achieved:           {achieved:.2f} calls/s = {achieved / CPS:.3f} of the "
          f"{CPS} CPS limit (target >= 0.98)")
    print(f"busiest calendar second:    {busiest} calls (limit {CPS})")
    print(f"naive loop ({naive_s:.0f} s sample):    {naive:.2f} calls/s = {naive / CPS:.3f} "
          f"of the limit")
    print(f"dialer / naive:             {achieved / naive:.1f}x")
    print(f"dialer worker processes:    {len(workers)}")
    print(f"dialer worker peak memory:  {worker_mb:.0f} MB")
    print(f"dialer workers' CPU:        {worker_cpu:.0f} s = {worker_cpu * 1000 / len(times):.1f} ms "
          f"a call, over a {times[-1] - times[0]:.0f} s "
          f"campaign ({os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}: the "
          f"simulator, gunicorn and PostgreSQL share them)")


if __name__ == "__main__":
    main()
