"""RQ queues on the app's Redis, and the app that job code runs in."""

from typing import Any

from flask import Flask, current_app, has_app_context
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job

from .redis_conn import get_redis

QUEUES = ("emergency", "default", "low")  # a worker serves them in this order
QUEUE_ERRORS = (RedisError, OSError)  # Redis down, refused or gone: try again later
_job_app: Flask | None = None


def get_queue(app: Flask, name: str = "default") -> Queue:
    """Queue NAME; with RQ_SYNC set (tests), jobs run at once in the caller."""
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}; queues are {', '.join(QUEUES)}")
    return Queue(name, connection=get_redis(app), is_async=not app.config.get("RQ_SYNC", False))


def enqueue(app: Flask, func: str, *args: Any, queue: str = "default", **kwargs: Any) -> Job:
    """Enqueue FUNC (a dotted path, so workers import it by name) with ARGS. Raises when Redis
    is away: for a job someone was promised, use `runtime.outbox.promise` instead."""
    return get_queue(app, queue).enqueue(func, *args, **kwargs)


def set_job_app(app: Flask) -> None:
    """Tell job code which app to use: each worker process (`ivr worker`, `ivr run`'s embedded
    worker, `python -m dialer`) sets its own at start, or a test its app."""
    global _job_app
    _job_app = app


def current_job_app() -> Flask:
    """The app of the running code: the request's or CLI's when there is one, else job_app()."""
    # current_app is a LocalProxy that Flask types as the Flask it stands for
    return (
        current_app._get_current_object()  # type: ignore[attr-defined]
        if has_app_context()
        else job_app()
    )


def job_app() -> Flask:
    """The app jobs run in, as its worker process set it (this layer never builds an app)."""
    if _job_app is None:
        raise RuntimeError(
            "no job app: the worker process calls runtime.queue.set_job_app(app) "
            "before it runs jobs"
        )
    return _job_app
