"""Gauges read from the database and Redis when /metrics is scraped (runtime.metrics renders
them beside the process's counters)."""

import logging
from collections.abc import Iterator

from flask import Flask
from prometheus_client.core import GaugeMetricFamily

from models import utcnow
from runtime.db import sessionmaker_for
from runtime.queue import QUEUES, get_queue

from . import heartbeat

log = logging.getLogger(__name__)


class StateCollector:
    """Gauges read from the database and Redis when scraped."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = utcnow()
        with sessionmaker_for(self.app)() as session:
            states, due = heartbeat.assess(session, self.app, now)
            session.commit()
        yield GaugeMetricFamily("ivr_due_deliveries", "Deliveries due now", value=due.count)
        yield GaugeMetricFamily(
            "ivr_oldest_due_delivery_age_seconds",
            "How long the oldest due delivery has waited",
            value=due.age_s(now),
        )
        workers = GaugeMetricFamily(
            "ivr_dialer_workers", "Dialer workers by state", labels=["state"]
        )
        counts = {"ok": 0, "troubled": 0, "gone": 0}
        for s in states:
            counts["gone" if not s.alive else "troubled" if s.problem else "ok"] += 1
        for state, count in counts.items():
            workers.add_metric([state], count)
        yield workers
        queued = GaugeMetricFamily("ivr_jobs_queued", "RQ jobs waiting, by queue", labels=["queue"])
        failed = GaugeMetricFamily(
            "ivr_jobs_failed", "RQ jobs in the failed registry, by queue", labels=["queue"]
        )
        try:
            for name in QUEUES:
                queue = get_queue(self.app, name)
                queued.add_metric([name], queue.count)
                failed.add_metric([name], queue.failed_job_registry.count)
        except Exception:  # noqa: BLE001 - Redis down: /healthz says so; these stay empty
            log.warning("metrics: Redis unreachable")
        yield queued
        yield failed
