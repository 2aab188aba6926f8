"""Outages of what the sender threads need (Redis for pacing, the database for claims): how
they are recognised, logged once each (when they begin and when they end, not once per claim)
and waited out (a growing, bounded backoff per thread; dialer.worker probes before claiming
again)."""

import logging
import threading
import time

import redis
from sqlalchemy import exc as sa_exc

from . import defaults

log = logging.getLogger(__name__)

REDIS, DATABASE = "Redis", "the database"


def unreachable(error: BaseException) -> str | None:
    """REDIS or DATABASE when ERROR says that service cannot be reached now; else None."""
    if isinstance(error, (redis.ConnectionError, redis.TimeoutError)):
        return REDIS
    if isinstance(
        error,
        (
            sa_exc.DisconnectionError,
            sa_exc.TimeoutError,
            sa_exc.OperationalError,
            sa_exc.InterfaceError,
        ),
    ):
        return DATABASE
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return DATABASE
    return None


def backoff(failures: int) -> float:
    """Seconds a thread waits after FAILURES (>= 1) connection errors in a row."""
    steps = defaults.OUTAGE_BACKOFF_S
    return steps[min(max(failures, 1), len(steps)) - 1]


class Outages:
    """The outages one dialer's threads are living through, shared by its threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: dict[str, float] = {}

    @property
    def active(self) -> bool:
        return bool(self._since)

    def began(self, service: str, error: BaseException) -> None:
        """Called by every thread that meets the outage; logged by the first one only."""
        with self._lock:
            if service in self._since:
                return
            self._since[service] = time.monotonic()
        log.warning(
            "%s unreachable (%s: %s): sender threads give their claims back and wait "
            "for it (%.2f s, then up to %.0f s between tries)",
            service,
            error.__class__.__name__,
            str(error)[:200],
            defaults.OUTAGE_BACKOFF_S[0],
            defaults.OUTAGE_BACKOFF_S[-1],
        )

    def ended(self) -> None:
        """Every service answered again (a thread's probe succeeded)."""
        with self._lock:
            over, self._since = self._since, {}
        now = time.monotonic()
        for service, since in over.items():
            log.info("%s reachable again after %.1f s: calling resumes", service, now - since)
