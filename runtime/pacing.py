"""The account-wide rate limits, shared through Redis: calls a second (DIALER_CPS) and, separate
from it, messages a second (DIALER_MPS). Both are one `Limiter` each (CALLS, MESSAGES), with their
own Redis keys; `acquire` / `cps` / `interval` / `emergency_waiting` are the calls limiter's, and
`acquire_message` / `mps` / `emergency_messages_waiting` the messages limiter's. What follows
says "calls"; the same holds for messages.

Every process that creates calls (dialer workers on any machine, the hotline's call-backs, test
calls) asks `acquire()` first. The limiter is a spaced schedule ("virtual scheduling", the GCRA
without burst): Redis keeps the next free instant (`cps:tat`, on the Redis server's clock read
with TIME, so machines' clocks do not matter); each caller reserves the later of now and that
instant, moves it on by 1/CPS (1.2 % wider, CPS_MARGIN) and sleeps until its slot.
Slots are therefore more than 1/CPS apart. Because a thread can wake up late and squeeze
against the next one, a second, hard check runs at the instant of sending: a Redis sorted set
of send instants, and a send is allowed only while the last 1.01 s hold fewer than CPS of
them. So no one-second window ever holds more than CPS call requests. The reservation is a
WATCH/MULTI transaction (no Lua, so fakeredis serves too), and threads of one process take
turns through a local lock so they never fight over the key.

Priorities: an emergency caller may reserve up to 2 s ahead and raises a flag while waiting;
`service` (hotline call-backs, test calls) 1 s; `normal` only 0.25 s ahead, and never while
the emergency flag is up. So emergency calls go first when both wait.

If Redis is flushed the schedule simply starts again from now (slots already handed out are at
most 2 s ahead, so at worst one window sees the overlap of both; documented in the README,
dialer section).
If Redis cannot be reached, `acquire` raises redis's ConnectionError (or TimeoutError) within a
few seconds, never hangs: pacing has its own client with socket timeouts and a short retry, so
that a sender thread gives its claim back at once (dialer.worker) instead of holding it.
"""

import threading
import time
import weakref
from typing import cast

import redis
from flask import Flask
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from .redis_conn import get_redis

CPS_MARGIN = 1.012
"""Calls are spaced 1.2 % wider than 1/CPS, so that no one-second window ever holds more,
and so that the sending-time check (a 1.01 s window, GUARD_WINDOW_S) stays a safety net: were
the schedule tighter than that window, the check would bind at every second, and each burst
of late senders it holds back would echo one window later (seen: stalls of 0.2-0.3 s every
second, 0.967 of the limit instead of 0.99)."""

TAT_KEY = "cps:tat"
LOG_KEY = "cps:sent"
GUARD_WINDOW_S = 1.01  # shorter than CPS_MARGIN: the check only catches late wake-ups
EMERGENCY_FLAG = "cps:emergency-waiting"
FLAG_TTL_MS, FLAG_REFRESH_S = 1500, 0.5
HORIZON_S = {"emergency": 2.0, "service": 1.0, "normal": 0.25}
SOCKET_TIMEOUT_S = 2.0  # a Redis that stops answering is an outage, not a wait
_local_lock = threading.Lock()


class PacingTimeout(TimeoutError):
    """No slot was free within the timeout."""


def redis_for(app: Flask) -> redis.Redis:
    """The pacing's Redis client: the app's server, with socket timeouts and a short retry
    (redis-py's default retries a lost connection for seconds, and a silent server would hold
    a thread forever). Without REDIS_URL, the app's in-process stand-in."""
    conn: redis.Redis | None = app.extensions.get("pacing_redis")
    if conn is None:
        url = app.config.get("REDIS_URL")
        conn = (
            get_redis(app)
            if not url
            else redis.Redis.from_url(
                url,
                socket_timeout=SOCKET_TIMEOUT_S,
                socket_connect_timeout=SOCKET_TIMEOUT_S,
                retry=Retry(ExponentialWithJitterBackoff(base=0.01, cap=0.1), 2),
            )
        )
        app.extensions["pacing_redis"] = conn
    return conn


def _server_now(conn: redis.Redis) -> float:
    seconds, micros = conn.time()
    return seconds + micros / 1e6


_flag_raised_at: "weakref.WeakKeyDictionary[redis.Redis, dict[str, float]]" = (
    weakref.WeakKeyDictionary()
)


class Limiter:
    """One account-wide rate (SETTING, requests a second, in the app's config) on its own Redis
    keys (TAT, LOG, FLAG): the spaced schedule, the sending-time check and the emergency flag
    described above."""

    def __init__(self, setting: str, tat_key: str, log_key: str, flag_key: str, what: str) -> None:
        self.setting, self.tat_key, self.log_key = setting, tat_key, log_key
        self.flag_key, self.what = flag_key, what

    def rate(self, app: Flask) -> float:
        return float(app.config[self.setting])

    def interval(self, app: Flask) -> float:
        return CPS_MARGIN / self.rate(app)

    def emergency_waiting(self, app: Flask) -> bool:
        return bool(redis_for(app).exists(self.flag_key))

    def _reserve(self, conn: redis.Redis, step: float, horizon: float) -> tuple[bool, float]:
        """Try to reserve the next slot within HORIZON; (reserved, seconds to wait)."""
        with conn.pipeline() as pipe:
            while True:
                try:
                    # redis-py leaves Pipeline.watch unannotated
                    pipe.watch(self.tat_key)  # type: ignore[no-untyped-call]
                    now = _server_now(pipe)
                    tat = float(pipe.get(self.tat_key) or 0.0)
                    slot = max(now, tat)
                    if slot - now > horizon:
                        pipe.unwatch()
                        return False, slot - now - horizon
                    pipe.multi()
                    pipe.set(self.tat_key, repr(slot + step), ex=60)
                    pipe.execute()
                    return True, slot - now
                except redis.WatchError:
                    continue

    def _guard(self, conn: redis.Redis, limit: int) -> float:
        """The hard check at the instant of sending: fewer than LIMIT sends in the last window
        (a sorted set of send instants on Redis's clock); 0 when recorded, else seconds to
        wait."""
        with conn.pipeline() as pipe:
            while True:
                try:
                    # redis-py leaves Pipeline.watch unannotated
                    pipe.watch(self.log_key)  # type: ignore[no-untyped-call]
                    now = _server_now(pipe)
                    since = now - GUARD_WINDOW_S
                    recent = pipe.zrangebyscore(
                        self.log_key, f"({since}", "+inf", start=0, num=limit, withscores=True
                    )
                    if len(recent) >= limit:
                        pipe.unwatch()
                        return max(0.001, cast(float, recent[0][1]) - since)
                    pipe.multi()
                    pipe.zremrangebyscore(self.log_key, "-inf", since)
                    pipe.zadd(self.log_key, {repr(now): now})
                    pipe.expire(self.log_key, 5)
                    pipe.execute()
                    return 0.0
                except redis.WatchError:
                    continue

    def _raise_flag(self, conn: redis.Redis) -> None:
        """Raise (or keep up) the flag that holds normal senders back. It lives 1.5 s; this
        process refreshes it at most every 0.5 s per Redis connection and limiter, not at every
        request (one round trip saved per request at full speed)."""
        now = time.monotonic()
        raised = _flag_raised_at.setdefault(conn, {})
        if now - raised.get(self.flag_key, 0.0) >= FLAG_REFRESH_S:
            conn.set(self.flag_key, 1, px=FLAG_TTL_MS)
            raised[self.flag_key] = now

    def acquire(self, app: Flask, priority: str = "normal", timeout: float | None = 30.0) -> float:
        """Block until this process may send one request; returns the seconds waited.

        PRIORITY is "emergency", "normal" or "service". Raises PacingTimeout past TIMEOUT.
        """
        if priority not in HORIZON_S:
            raise ValueError(f"unknown priority {priority!r}")
        conn = redis_for(app)
        step = self.interval(app)
        started = time.monotonic()
        while True:
            if priority == "emergency":
                self._raise_flag(conn)
                allowed = True
            else:
                allowed = priority == "service" or not conn.exists(self.flag_key)
            if allowed:
                with _local_lock:
                    reserved, wait = self._reserve(conn, step, HORIZON_S[priority])
                if reserved:
                    if wait > 0:
                        time.sleep(wait)
                    limit = max(1, int(self.rate(app)))
                    while True:  # a late wake-up must not squeeze more sends into one second
                        with _local_lock:
                            late = self._guard(conn, limit)
                        if not late:
                            return time.monotonic() - started
                        time.sleep(late)
            else:
                wait = step
            if timeout is not None and time.monotonic() - started + wait > timeout:
                raise PacingTimeout(f"no {self.what} slot within {timeout} s")
            time.sleep(min(max(wait, 0.005), 0.25))


CALLS = Limiter("DIALER_CPS", TAT_KEY, LOG_KEY, EMERGENCY_FLAG, "call")
MESSAGES = Limiter("DIALER_MPS", "mps:tat", "mps:sent", "mps:emergency-waiting", "message")


def cps(app: Flask) -> float:
    """The account's calls a second (DIALER_CPS, defaulted in runtime/config.py)."""
    return CALLS.rate(app)


def interval(app: Flask) -> float:
    """Seconds between two call creations for the account."""
    return CALLS.interval(app)


def emergency_waiting(app: Flask) -> bool:
    """True while an emergency caller waits for a slot (normal callers are held back)."""
    return CALLS.emergency_waiting(app)


def acquire(app: Flask, priority: str = "normal", timeout: float | None = 30.0) -> float:
    """Block until this process may create one call; returns the seconds waited.

    PRIORITY is "emergency", "normal" or "service". Raises PacingTimeout past TIMEOUT.
    """
    return CALLS.acquire(app, priority, timeout)


def mps(app: Flask) -> float:
    """The account's messages a second (DIALER_MPS, defaulted in runtime/config.py)."""
    return MESSAGES.rate(app)


def emergency_messages_waiting(app: Flask) -> bool:
    """True while an emergency campaign waits for a message slot."""
    return MESSAGES.emergency_waiting(app)


def acquire_message(app: Flask, priority: str = "normal", timeout: float | None = 30.0) -> float:
    """Block until this process may send one SMS (the DIALER_MPS limit, separate from the
    calls'); returns the seconds waited."""
    return MESSAGES.acquire(app, priority, timeout)
