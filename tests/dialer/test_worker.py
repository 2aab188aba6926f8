"""The embedded worker of `ivr run`: the dialer and RQ jobs in background threads."""

import time

from dialer.worker import start_embedded_worker
from runtime.queue import enqueue


def test_embedded_worker_runs_queued_jobs_and_stops(app):
    worker = start_embedded_worker(app)
    try:
        job = enqueue(app, "os.getpid")
        deadline = time.monotonic() + 20
        while (
            job.get_status(refresh=True) not in ("finished", "failed")
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        assert job.get_status(refresh=True) == "finished"
    finally:
        worker.stop()
    assert not worker.thread.is_alive()
