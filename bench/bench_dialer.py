"""The dialer against the simulator with 150 ms API latency, in one run:

1. achieved calls per second over a BENCH_RESIDENCES (20,000) campaign at a 50 CPS limit, as a
   share of the limit (target >= 0.98), next to the naive loop of Twilio's tutorials (one
   `calls.create` after the other) on the same scenario, run for BENCH_NAIVE_S seconds;
2. the dialer worker's peak memory and CPU (`python -m dialer` processes: BENCH_WORKERS,
   default 2);
3. the same campaign with the whole stack on this machine, over BENCH_STACK_RESIDENCES
   (5,000; 0 skips it).

Run 1 measures the dialer: the webhooks go to a stub in its own process (TwiML that hangs up,
204 for callbacks; no database), as if the web tier ran on machines of its own, as it does in
production. Calls then never settle, so the reconciler's fetch of missing final callbacks is
put off past the run (DIALER_FINAL_CALLBACK_GRACE_S and DIALER_AMD_GRACE_S = 3600).
Run 3 answers every webhook with the real web tier (gunicorn, 3 gthread workers) on the same
cores as the simulator, PostgreSQL, Redis and the workers: it measures this machine.
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

CPS = 50
LATENCY_MS = 150


def scenario():
    """The city's usual mix; BENCH_ANSWER=no-answer makes every call ring out, which leaves
    only three status callbacks per call for the web tier (the pacing alone, measured)."""
    answer = os.environ.get("BENCH_ANSWER")
    mix = (
        {}
        if answer
        else {
            "mix": {"human": 0.6, "voicemail": 0.25, "no-answer": 0.1, "busy": 0.03, "failed": 0.02}
        }
    )
    return {
        "seed": 11,
        "default": {"answer": answer or "human"},
        **mix,
        "api": {"latency_ms": LATENCY_MS, "max_concurrent_requests": 100},
    }


def requested_times(sim) -> list[float]:
    return sorted(datetime.fromisoformat(c["requested_at"]).timestamp() for c in sim.calls())


def naive_loop(sim, web_url, seconds: float) -> float:
    """Twilio's tutorial: for each number, client.calls.create(...), one after the other."""
    client = make_client(common.app_config(web_url, sim.url))
    started, count = time.monotonic(), 0
    while time.monotonic() - started < seconds:
        client.calls.create(
            to=common.number(900_000 + count),
            from_="+14185550000",
            url=f"{web_url}/voice/alert/naive?lang=fr",
        )
        count += 1
    return count / (time.monotonic() - started)


def start_web(sim, stub: bool):
    """The web tier (a stub, or gunicorn), its URL, and the workers' environment."""
    if stub:
        web = subprocess.Popen(
            [sys.executable, "-m", "bench.bench_simulator", "--serve-target"],
            stdout=subprocess.PIPE,
            text=True,
        )
        web_url = f"http://127.0.0.1:{int(web.stdout.readline())}"
        return (
            web,
            web_url,
            common.app_env(
                web_url,
                sim.url,
                DIALER_CPS=CPS,
                DIALER_FINAL_CALLBACK_GRACE_S=3600,
                DIALER_AMD_GRACE_S=3600,
            ),
        )
    port = common.free_port()
    web_url = f"http://127.0.0.1:{port}"
    env = common.app_env(web_url, sim.url, DIALER_CPS=CPS)
    return common.start_gunicorn(env, port), web_url, env


def campaign_run(residences: int, workers: int, stub: bool, naive_s: float = 0) -> dict:
    """One emergency campaign to RESIDENCES; what the simulator saw, and the workers' cost."""
    common.fresh_database()
    common.bulk_residences(common.DATABASE_URL, residences)
    sim = Simulator(
        common.ACCOUNT_SID, common.AUTH_TOKEN, scenario=scenario(), time_scale=0.01, cps=CPS
    ).start()
    web, web_url, env = start_web(sim, stub)
    app = create_app(common.app_config(web_url, sim.url, DIALER_CPS=CPS))
    get_redis(app).flushdb()
    result = common.run_campaign(
        app, env, workers, message_fr="Faites bouillir l'eau.", message_en="Boil water."
    )
    times = requested_times(sim)
    if os.environ.get("BENCH_TIMES_FILE"):
        with open(os.environ["BENCH_TIMES_FILE"] + ("" if stub else ".stack"), "w") as out:
            out.write("\n".join(repr(t) for t in times))
    result.update(
        requested=len(times),
        span=times[-1] - times[0],
        achieved=(len(times) - 1) / (times[-1] - times[0]),
        busiest=max(Counter(int(t) for t in times).values()),
    )
    sim.wait_idle(timeout=120)  # every call over before the web tier goes away
    if naive_s:
        sim.set_scenario(scenario())
        result["naive"] = naive_loop(sim, web_url, naive_s)
    sim.stop()
    web.terminate()
    web.wait(20)
    app.extensions["db_engine"].dispose()
    return result


def main():
    residences = int(os.environ.get("BENCH_RESIDENCES", 20_000))
    stack_residences = int(os.environ.get("BENCH_STACK_RESIDENCES", 5_000))
    naive_s = max(1.0, float(os.environ.get("BENCH_NAIVE_S", 30)))  # the comparison is the point
    workers = int(os.environ.get("BENCH_WORKERS", 2))
    alone = campaign_run(residences, workers, stub=True, naive_s=naive_s)
    naive = alone["naive"]
    print(f"the dialer ({workers} worker processes; webhooks answered by a stub):")
    print(f"  calls requested:            {alone['requested']} of {residences} residences")
    print(
        f"  achieved:                   {alone['achieved']:.2f} calls/s = "
        f"{alone['achieved'] / CPS:.3f} of the {CPS} CPS limit (target >= 0.98)"
    )
    print(f"  busiest calendar second:    {alone['busiest']} calls (limit {CPS})")
    print(
        f"  naive loop ({naive_s:.0f} s sample):    {naive:.2f} calls/s = {naive / CPS:.3f} "
        f"of the limit"
    )
    print(f"  dialer / naive:             {alone['achieved'] / naive:.1f}x")
    print(f"  worker peak memory:         {alone['worker_mb']:.0f} MB")
    print(
        f"  workers' CPU:               {alone['worker_cpu'] * 1000 / alone['requested']:.1f}"
        f" ms a call, over a {alone['span']:.0f} s campaign (load average "
        f"{alone['load']:.1f} on {os.cpu_count()} CPU(s))"
    )
    if stack_residences:
        stack = campaign_run(stack_residences, workers, stub=False)
        print(
            f"the whole stack on this machine (gunicorn, 3 gthread workers, answering every "
            f"webhook), {stack_residences} residences:"
        )
        print(
            f"  achieved:                   {stack['achieved']:.2f} calls/s = "
            f"{stack['achieved'] / CPS:.3f} of the limit; {stack['achieved'] / naive:.1f}x "
            f"the naive loop"
        )
        print(f"  busiest calendar second:    {stack['busiest']} calls (limit {CPS})")
        print(f"  load average:               {stack['load']:.1f} on {os.cpu_count()} CPU(s)")


if __name__ == "__main__":
    main()
