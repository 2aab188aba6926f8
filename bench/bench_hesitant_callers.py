"""Seconds of prompts a hesitant caller hears while registering by telephone (issue 18): a
population (BENCH_HESITANT_CALLERS, default 220) with silence on 20 % of prompts, a wrong key
on 10 %, * on 5 % (seeded), through the hotline's signed webhooks on a scratch SQLite database;
the baseline is the same callers never hesitating; then the seconds heard at each prompt
(BENCH_HESITANT_BREAKDOWN=0 leaves that table out). The aim: a median under 100 s and a 95th
percentile under 150 s of prompts. Speech is timed as the carrier simulator times it."""

import logging
import os
import random
import statistics
import tempfile
from collections import Counter
from pathlib import Path

from ivr import create_app
from models import Residence, migrate
from runtime.db import get_session
from tests.conftest import make_test_config
from tests.fixtures.hesitant import ADDRESS, STREETS, walk
from tests.fixtures.hotline import Caller, add_addresses


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def population(count: int, **hesitation) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'hotline.db'}"
        migrate.upgrade(url)
        app = create_app(make_test_config(url, tmp, REDIS_URL=""))
        client, walks = app.test_client(), []
        with app.app_context():
            session = get_session()
            add_addresses(session, [(ADDRESS[0], street, "CHICOUTIMI") for street in STREETS])
            for i in range(count):
                caller = Caller(client, app, f"+1418556{i:04d}")
                walks.append(walk(caller, session, random.Random(1800 + i), **hesitation))
                session.execute(Residence.__table__.update().values(apartment=str(i + 1)))
                session.commit()
        app.extensions["db_engine"].dispose()
    return walks


def report(name, walks, baseline=None):
    prompts = [w.prompt_seconds for w in walks]
    calls = [w.call_seconds for w in walks]
    median, p95 = statistics.median(prompts), percentile(prompts, 0.95)
    line = (
        f"{name:>10}: {sum(w.registered for w in walks)}/{len(walks)} registered; "
        f"prompts median {median:.0f} s, p95 {p95:.0f} s; whole call median "
        f"{statistics.median(calls):.0f} s, p95 {percentile(calls, 0.95):.0f} s"
    )
    if baseline:
        line += (
            f"; x{median / statistics.median(baseline):.2f} / "
            f"x{p95 / percentile(baseline, 0.95):.2f} the fluent callers'"
        )
    print(line, flush=True)
    return prompts


def breakdown(fluent, hesitant):
    """Mean seconds per caller heard at each prompt: on arriving, again after a miss, after *."""
    totals = {name: Counter() for name in ("fluent", "hesitant")}
    for name, walks in (("fluent", fluent), ("hesitant", hesitant)):
        for w in walks:
            totals[name].update(w.heard_by_step)
    rows = sorted(
        set(totals["fluent"]) | set(totals["hesitant"]), key=lambda r: -totals["hesitant"][r]
    )
    print(f"{'seconds heard per caller (mean)':<36}{'fluent':>8}{'hesitant':>10}", flush=True)
    for step, how in rows:
        f = totals["fluent"][(step, how)] / len(fluent)
        h = totals["hesitant"][(step, how)] / len(hesitant)
        print(f"  {step + ' (' + how + ')':<34}{f:>8.1f}{h:>10.1f}", flush=True)


def main():
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("hotline").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    count = int(os.environ.get("BENCH_HESITANT_CALLERS", "220"))
    fluent_walks = population(count, silence=0, wrong=0, back=0)
    hesitant_walks = population(count)
    fluent = report("fluent", fluent_walks)
    prompts = report("hesitant", hesitant_walks, fluent)
    if os.environ.get("BENCH_HESITANT_BREAKDOWN", "1") != "0":
        breakdown(fluent_walks, hesitant_walks)
    median, p95 = statistics.median(prompts), percentile(prompts, 0.95)
    print(
        f"aim (issue 18): median < 100 s {'met' if median < 100 else 'NOT met'}, "
        f"p95 < 150 s {'met' if p95 < 150 else 'NOT met'}",
        flush=True,
    )


if __name__ == "__main__":
    main()
