"""One clock thread running timed events from a heap, and how far it falls behind."""

import heapq
import itertools
import logging
import threading
import time
from array import array

log = logging.getLogger(__name__)


class Scheduler:
    """Run callables at real monotonic times, one at a time, holding `lock` while each runs.

    `now` is the due time of the event being run, so durations computed from it do not drift
    with the clock's lag; `lags` keeps how late each event started (real seconds).
    """

    def __init__(self, lock: threading.RLock, keep_lags: int = 10_000_000):
        self.lock = lock
        self._heap: list = []
        self._seq = itertools.count()
        self._wake = threading.Condition(threading.Lock())
        self._stopping = False
        self.thread = None
        self.now = time.monotonic()
        self.lags = array("d")  # 8 bytes an event: a 100,000-call run keeps them all
        self._keep_lags = keep_lags
        self.on_error = None  # on_error(args) after an event raised

    def start(self):
        self.thread = threading.Thread(target=self._run, name="sim-clock", daemon=True)
        self.thread.start()

    def stop(self):
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self.thread:
            self.thread.join(5)

    def at(self, when: float, fn, *args) -> list:
        """Run fn(*args) at monotonic time `when`; the returned handle can be cancelled."""
        entry = [when, next(self._seq), fn, args]
        with self._wake:
            heapq.heappush(self._heap, entry)
            if self._heap[0] is entry:
                self._wake.notify()
        return entry

    @staticmethod
    def cancel(entry: list | None):
        """Drop a scheduled event (it is skipped, and not counted in the lags)."""
        if entry is not None:
            entry[2] = None

    def soon(self, fn, *args):
        self.at(time.monotonic(), fn, *args)

    def run(self, fn, *args):
        """Run fn(*args) now, in this thread, as the clock would run an event: holding the
        lock, a failure logged and handed to on_error. (For answers arriving from HTTP:
        going through the heap would cost a wake-up of the clock thread each.)"""
        with self.lock:
            self._call(fn, args)

    def pending(self) -> int:
        return len(self._heap)

    def _run(self):
        while True:
            with self._wake:
                while not self._stopping:
                    if self._heap:
                        delay = self._heap[0][0] - time.monotonic()
                        if delay <= 0:
                            break
                        self._wake.wait(delay)
                    else:
                        self._wake.wait()
                if self._stopping:
                    return
                when, _, fn, args = heapq.heappop(self._heap)
            if fn is None:
                continue
            started = time.monotonic()
            if len(self.lags) < self._keep_lags:
                self.lags.append(started - when)
            with self.lock:
                self.now = max(when, self.now)
                self._call(fn, args)

    def _call(self, fn, args):
        try:
            fn(*args)
        except Exception:
            log.exception("simulator event %s failed", getattr(fn, "__name__", fn))
            if self.on_error:
                self.on_error(args)
