"""RQ queues on the app's Redis, and the app that job code runs in."""
import threading

from redis.exceptions import RedisError
from rq import Queue

from .redis_conn import get_redis

QUEUES = ("emergency", "default", "low")  # a worker serves them in this order
QUEUE_ERRORS = (RedisError, OSError)  # Redis down, refused or gone: try again later
_job_app = None
_lock = threading.Lock()


def get_queue(app, name: str = "default") -> Queue:
    """Queue NAME; with RQ_SYNC set (tests), jobs run at once in the caller."""
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}; queues are {', '.join(QUEUES)}")
    return Queue(name, connection=get_redis(app), is_async=not app.config.get("RQ_SYNC", False))


def enqueue(app, func: str, *args, queue: str = "default", **kwargs):
    """Enqueue FUNC (a dotted path, so workers import it by name) with ARGS. Raises when Redis
    is away: for a job someone was promised, use `ivr.outbox.promise` instead."""
    return get_queue(app, queue).enqueue(func, *args, **kwargs)


def set_job_app(app) -> None:
    """Tell job code which app to use (the worker's, or the test's)."""
    global _job_app
    _job_app = app


def current_job_app():
    """The app of the running code: the request's or CLI's when there is one, else job_app()."""
    from flask import current_app, has_app_context
    return current_app._get_current_object() if has_app_context() else job_app()


def job_app():
    """The app jobs run in: the one set by the worker, else one built from the environment."""
    global _job_app
    with _lock:
        if _job_app is None:
            from . import create_app
            _job_app = create_app()
        return _job_app
