"""`python -m dialer`: the dialer threads alone (no RQ), configured from the environment.

`ivr worker` is the production entry point (dialer + RQ, needs REDIS_URL). This one also runs
without REDIS_URL, with a per-process Redis stand-in: then the CPS limit is only shared by its
own threads, so run a single one (the kill -9 tests use it that way on SQLite). It needs no web
app: the runtime's app (settings, logging, database) is enough.
"""

import logging
import signal
import sys
import threading

from runtime.app import base_app
from runtime.queue import set_job_app

from .worker import EXIT_STALLED, Dialer


def main() -> int:
    app = base_app("dialer")
    set_job_app(app)
    if not app.config.get("REDIS_URL"):
        logging.getLogger(__name__).warning(
            "no REDIS_URL: the CPS limit is not shared with other processes"
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    failed: list[str] = []

    def on_failure(reason: str) -> None:
        failed.append(reason)
        stop.set()

    dialer = Dialer(app, on_failure=on_failure).start()
    print("dialer ready", flush=True)
    stop.wait()
    dialer.stop()
    return EXIT_STALLED if failed else 0


if __name__ == "__main__":
    sys.exit(main())
