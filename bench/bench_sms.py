"""Texts sent at the account's messages-per-second limit (issue 14).

One emergency campaign to BENCH_SMS_RESIDENCES (5,000) residences whose only contact is of
type SMS, BENCH_WORKERS (2) `python -m dialer` processes, the simulator with 150 ms API
latency and a BENCH_MPS (50) messages-per-second queue; status callbacks go to a stub in its
own process (no database), as in bench_dialer's first run, so texts never settle and the
reconciler's fetch is put off past the run (DIALER_SMS_FINAL_GRACE_S = 3600). Printed: the
achieved rate of create requests at the simulator as a share of the limit (target >= 0.98),
the busiest calendar second, and, as the baseline from the same run, the naive loop (one
`messages.create` after the other) for BENCH_NAIVE_S (15) seconds.
"""

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime

from ivr import create_app
from runtime.redis_conn import get_redis
from runtime.twilio_client import make_client
from simulator import Simulator

from . import common

LATENCY_MS = 150


def naive_loop(sim, web_url, seconds: float, mps: float) -> float:
    client = make_client(common.app_config(web_url, sim.url, DIALER_MPS=mps))
    started, count = time.monotonic(), 0
    while time.monotonic() - started < seconds:
        client.messages.create(
            to=common.number(900_000 + count),
            from_="+14185550000",
            body="Ville de Saguenay : faites bouillir l'eau.",
            status_callback=f"{web_url}/sms/status/naive",
        )
        count += 1
    return count / (time.monotonic() - started)


def main():
    residences = int(os.environ.get("BENCH_SMS_RESIDENCES", 5_000))
    workers = int(os.environ.get("BENCH_WORKERS", 2))
    mps = float(os.environ.get("BENCH_MPS", 50))
    naive_s = max(1.0, float(os.environ.get("BENCH_NAIVE_S", 15)))
    common.fresh_database()
    common.bulk_residences(common.DATABASE_URL, residences, kind="sms")
    sim = Simulator(
        common.ACCOUNT_SID,
        common.AUTH_TOKEN,
        time_scale=0.01,
        cps=mps,
        mps=mps,
        scenario={"seed": 3, "api": {"latency_ms": LATENCY_MS, "max_concurrent_requests": 100}},
    ).start()
    web = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_simulator", "--serve-target"],
        stdout=subprocess.PIPE,
        text=True,
    )
    web_url = f"http://127.0.0.1:{int(web.stdout.readline())}"
    env = common.app_env(
        web_url, sim.url, DIALER_MPS=mps, DIALER_CPS=mps, DIALER_SMS_FINAL_GRACE_S=3600
    )
    app = create_app(common.app_config(web_url, sim.url, DIALER_MPS=mps, DIALER_CPS=mps))
    get_redis(app).flushdb()
    worker_mb = common.run_campaign(
        app,
        env,
        workers,
        message_fr="Faites bouillir l'eau.",
        sms_fr="Ville de Saguenay : faites bouillir l'eau.",
        sms_en="Boil water.",
    )["worker_mb"]
    times = sorted(
        datetime.fromisoformat(m["created_at"]).timestamp()
        for m in sim.messages()
        if m["direction"] == "outbound-api"
    )
    achieved = (len(times) - 1) / (times[-1] - times[0])
    busiest = max(Counter(int(t) for t in times).values())
    naive = naive_loop(sim, web_url, naive_s, mps)
    sim.stop()
    web.terminate()
    web.wait(20)
    app.extensions["db_engine"].dispose()
    print(f"texts ({workers} worker processes; callbacks answered by a stub):")
    print(f"  texts requested:            {len(times)} of {residences} residences")
    print(
        f"  achieved:                   {achieved:.2f} texts/s = {achieved / mps:.3f} of the "
        f"{mps:g} MPS limit (target >= 0.98)"
    )
    print(f"  busiest calendar second:    {busiest} texts (limit {mps:g})")
    print(
        f"  naive loop ({naive_s:.0f} s sample):    {naive:.2f} texts/s = {naive / mps:.3f} "
        f"of the limit; the dialer does {achieved / naive:.1f}x"
    )
    print(f"  worker peak memory:         {worker_mb:.0f} MB")


if __name__ == "__main__":
    main()
