"""Read by gunicorn from the working directory (the Procfile's `web:` and the benchmarks).

Fork safety: the app's database engines drop, in each forked worker, the pool they may have
inherited (models/session.py, at fork), so `--preload` is safe too. Metrics: with
PROMETHEUS_MULTIPROC_DIR set (the Procfile sets a fresh one), /metrics adds up every worker's
counters; a worker that exits is marked dead there."""

import gc
import os


def post_worker_init(worker):
    """The app is built: move it out of the garbage collector's sight. Full collections
    otherwise walk every object of Flask, SQLAlchemy and the twilio client, stalling the
    worker's threads for a quarter of a second several times a minute under load."""
    gc.collect()
    gc.freeze()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
