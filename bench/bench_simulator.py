"""How well the simulator keeps its clock under a city-sized campaign.

    .venv/bin/python -m bench.bench_simulator                 # 2,000 calls at 200 CPS, ~15 s
    .venv/bin/python -m bench.bench_simulator --calls 100000  # the full city, ~9 minutes

Calls are created with the official client from several processes (like RQ workers); a
small WSGI app in its own process answers the TwiML and the four status callbacks of each
call, so the simulator's process does only the simulator's work. Reports the clock's lag
(p50/p99/max) against a baseline measured in the same run (the same clock firing no-op
events at the same rate), and the CPS achieved against the limit.
"""
import argparse
import resource
import subprocess
import sys
import threading
import time

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from werkzeug.serving import WSGIRequestHandler, make_server

from simulator import Simulator
from simulator.clock import Scheduler

ACCOUNT_SID, AUTH_TOKEN = "AC" + "b" * 32, "bench-token"
TWIML = (b'<?xml version="1.0" encoding="UTF-8"?><Response><Say language="fr-CA">'
         b"Avis d'ebullition preventif pour votre secteur.</Say><Pause length=\"5\"/></Response>")
EVENTS = ["initiated", "ringing", "answered", "completed"]


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args):
        pass


def app(environ, start_response):
    """The campaign's side: TwiML at /voice, 204 for callbacks."""
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    if environ["PATH_INFO"] == "/voice":
        start_response("200 OK", [("Content-Type", "text/xml"),
                                  ("Content-Length", str(len(TWIML)))])
        return [TWIML]
    start_response("204 No Content", [])
    return [b""]


def percentiles(lags):
    lags = sorted(lags)
    if not lags:
        return 0.0, 0.0, 0.0

    def at(p):
        return lags[min(len(lags) - 1, int(p * len(lags)))] * 1000

    return at(0.5), at(0.99), lags[-1] * 1000


def baseline(events: int, rate: float) -> tuple[float, float, float]:
    """The bare clock's lag firing `events` no-op events at `rate` per second."""
    clock = Scheduler(threading.RLock())
    clock.start()
    start = time.monotonic() + 0.1
    for i in range(events):
        clock.at(start + i / rate, lambda: None)
    while clock.pending():
        time.sleep(0.05)
    time.sleep(0.05)
    clock.stop()
    return percentiles(clock.lags)


def serve_target():
    """The campaign's app, in its own process as in production; prints its port."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    print(server.server_port, flush=True)
    server.serve_forever()


def create(sim_url, target, first, last):
    """One dialer process: create calls first..last-1 with the official client, 2 threads."""
    counter, lock, errors = iter(range(first, last)), threading.Lock(), []

    def worker():
        client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=TwilioHttpClient(timeout=30))
        client.api.base_url = sim_url
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            try:
                client.calls.create(to=f"+1418{n:07d}", from_="+14185550000",
                                    url=target + "/voice", status_callback=target + "/status",
                                    status_callback_event=EVENTS)
            except Exception as exc:          # noqa: BLE001 - a benchmark counts, not stops
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(len(errors))


def run(calls: int, cps: float, time_scale: float, workers: int):
    target_process = subprocess.Popen([sys.executable, "-m", "bench.bench_simulator",
                                       "--serve-target"], stdout=subprocess.PIPE, text=True)
    target = f"http://127.0.0.1:{int(target_process.stdout.readline())}"
    sim = Simulator(ACCOUNT_SID, AUTH_TOKEN, {"seed": 1, "mix": {
        "human": 0.6, "voicemail": 0.25, "no-answer": 0.1, "busy": 0.03, "failed": 0.02}},
        time_scale=time_scale, cps=cps).start()
    sim.set_scenario({**sim.scenario.data, "api": {"max_concurrent_requests": 1000}})
    cpu_before = _cpu()
    started = time.monotonic()
    share = -(-calls // workers)
    creators = [subprocess.Popen(
        [sys.executable, "-m", "bench.bench_simulator", "--create", sim.url, target,
         str(i * share), str(min(calls, (i + 1) * share))], stdout=subprocess.PIPE, text=True)
        for i in range(workers)]
    errors = sum(int(p.communicate()[0].strip() or 0) for p in creators)
    created = time.monotonic() - started
    sim.wait_idle(timeout=calls / cps * 3 + 120)
    elapsed = time.monotonic() - started
    cpu = _cpu() - cpu_before
    lag = percentiles(sim.clock.lags)
    stats = sim.stats()
    records = sim.calls()
    sim.stop()
    target_process.terminate()
    target_process.wait(5)
    # the same event rate, for at most 50,000 events (a minute or so)
    base = baseline(min(stats["events"], 50_000), stats["events"] / elapsed)
    queue = sorted(r["queue_time_ms"] for r in records)
    print(f"calls {calls} at a limit of {cps:g} CPS, time scale {time_scale:g}, "
          f"{workers} client processes; {errors} API errors")
    print(f"  created in {created:.1f} s, all ended after {elapsed:.1f} s; "
          f"{stats['events']} clock events")
    print(f"  CPS achieved {stats['cps_achieved']} / limit {cps:g} "
          f"(ratio {stats['cps_achieved'] / cps:.3f})")
    print(f"  simulator CPU {cpu * 1000 / calls:.2f} ms per call: one core would carry "
          f"about {calls / cpu:.0f} calls a second")
    print(f"  queue_time ms: p50 {queue[len(queue) // 2]}, max {queue[-1]}")
    print("  clock lag ms      p50       p99       max")
    print(f"  simulator   {lag[0]:9.3f} {lag[1]:9.3f} {lag[2]:9.3f}")
    print(f"  bare clock  {base[0]:9.3f} {base[1]:9.3f} {base[2]:9.3f}")
    print(f"  ratio       {_ratio(lag[0], base[0]):>9} {_ratio(lag[1], base[1]):>9} "
          f"{_ratio(lag[2], base[2]):>9}")
    outcomes = {}
    for r in records:
        outcomes[r["status"]] = outcomes.get(r["status"], 0) + 1
    print(f"  outcomes {outcomes}")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _ratio(a, b):
    return f"{a / b:.1f}x" if b else "-"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--cps", type=float, default=200)
    parser.add_argument("--time-scale", type=float, default=0.01)
    parser.add_argument("--workers", type=int, default=4, help="client processes")
    parser.add_argument("--create", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--serve-target", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.create:
        sim_url, target, first, last = args.create
        create(sim_url, target, int(first), int(last))
        return
    if args.serve_target:
        serve_target()
        return
    run(args.calls, args.cps, args.time_scale, args.workers)


if __name__ == "__main__":
    main()
