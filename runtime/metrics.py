"""Prometheus metrics (prometheus_client).

Counted by each process as things happen: calls placed, status callbacks by status, the wait
for a pacing slot, RQ jobs run by result, the errors the webhooks' wrapper answered
(webhooks/voice.py). Computed from the database and Redis at scrape time by the collectors the
caller passes (dialer/gauges.py: due deliveries, the oldest due delivery's age, jobs queued and
failed per queue, dialer workers by state).

Exposed by the web app on GET /metrics (webhooks/health.py: a bearer METRICS_TOKEN, or from
loopback only when it is unset), and by each `ivr worker` on its own port when METRICS_PORT is
set (bound to METRICS_BIND, loopback by default). Under gunicorn, set PROMETHEUS_MULTIPROC_DIR
(the Procfile does) so that /metrics adds up the counters of every web worker.
"""

import logging
import threading
from collections.abc import Iterable

from flask import Flask
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from rq.job import Job

log = logging.getLogger(__name__)
CONTENT_TYPE = CONTENT_TYPE_LATEST
CALL_STATUSES = {
    "queued",
    "initiated",
    "ringing",
    "in-progress",
    "answered",
    "completed",
    "busy",
    "failed",
    "no-answer",
    "canceled",
}

CALLS_PLACED = Counter("ivr_calls_placed", "Alert calls created at the provider", ["priority"])
CALLBACKS = Counter("ivr_callbacks", "Status callbacks of alert calls, by call status", ["status"])
PACING_WAIT = Histogram(
    "ivr_pacing_wait_seconds",
    "Wait for a call slot of the account's CPS",
    ["priority"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5),
)
WEBHOOK_ERRORS = Counter(
    "ivr_webhook_errors",
    "Errors answered by a /voice/... route's wrapper "
    "(an apology, or an empty callback answer), by route",
    ["route"],
)
JOBS_RUN = Counter(
    "ivr_jobs_run", "RQ jobs this process ran, by queue and result", ["queue", "result"]
)


def call_placed(priority: str) -> None:
    CALLS_PLACED.labels(priority=priority).inc()


def callback(status: str) -> None:
    CALLBACKS.labels(status=status if status in CALL_STATUSES else "other").inc()


def webhook_error(route: str) -> None:
    WEBHOOK_ERRORS.labels(route=route).inc()


def pacing_waited(priority: str, seconds: float) -> None:
    PACING_WAIT.labels(priority=priority).observe(seconds)


def job_done(job: Job) -> None:
    try:
        result = job.get_status(refresh=False) or "unknown"
        JOBS_RUN.labels(queue=job.origin or "", result=str(getattr(result, "value", result))).inc()
    except Exception:  # noqa: BLE001 - a metric never breaks a job
        log.debug("job metric failed", exc_info=True)


class _Process:
    """This process's own counters, next to the state gauges in one registry."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def _registry(app: Flask, collectors: Iterable[Collector]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if app.config.get("PROMETHEUS_MULTIPROC_DIR"):
        # prometheus_client leaves MultiProcessCollector.__init__ unannotated
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Process())
    for collector in collectors:
        registry.register(collector)
    return registry


def render(app: Flask, *collectors: Collector) -> bytes:
    """This process's counters (every web worker's under gunicorn) and COLLECTORS' gauges."""
    return generate_latest(_registry(app, collectors))


_served = threading.Lock()


def serve_worker_metrics(app: Flask, *collectors: Collector) -> None:
    """A worker's own /metrics on METRICS_PORT (0: none), bound to METRICS_BIND."""
    port = int(app.config["METRICS_PORT"])
    if port and _served.acquire(blocking=False):
        address = app.config["METRICS_BIND"]
        try:
            start_http_server(port, addr=address, registry=_registry(app, collectors))
        except OSError as error:  # e.g. two workers on one host given the same port
            log.error(
                "worker metrics: cannot listen on %s:%d (%s); running without them",
                address,
                port,
                error,
            )
            return
        log.info("worker metrics on http://%s:%d/metrics", address, port)
