"""GET /healthz: 200 when the database and Redis answer and the dialer is not stalled;
GET /metrics: Prometheus metrics (runtime.metrics), for a bearer METRICS_TOKEN or, when it is
unset, for loopback clients only."""

import hmac

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import text

from dialer import heartbeat
from dialer.gauges import StateCollector
from models import utcnow
from runtime import metrics
from runtime.db import get_session
from runtime.redis_conn import get_redis

bp = Blueprint("health", __name__)
LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}


@bp.get("/healthz")
def healthz():
    checks, workers = {}, []
    session = get_session()
    try:
        session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports any failure
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        get_redis(current_app).ping()
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = f"error: {exc.__class__.__name__}"
    if checks["database"] == "ok":
        try:
            now = utcnow()
            states, due = heartbeat.assess(session, current_app, now)
            session.commit()
            problem = heartbeat.dialer_verdict(states, due, now, heartbeat.stall_after(current_app))
            checks["dialer"] = f"stalled: {problem}" if problem else "ok"
            workers = [
                {
                    "name": s.row.name,
                    "alive": s.alive,
                    "problem": s.problem,
                    "calls_placed": s.row.calls_placed,
                }
                for s in states
            ]
        except Exception as exc:  # noqa: BLE001
            session.rollback()
            checks["dialer"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return (
        jsonify(status="ok" if healthy else "unavailable", workers=workers, **checks),
        200 if healthy else 503,
    )


@bp.get("/metrics")
def prometheus_metrics():
    token = current_app.config.get("METRICS_TOKEN") or ""
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return Response(
                "a bearer token is needed\n",
                401,
                {"WWW-Authenticate": 'Bearer realm="metrics"'},
                mimetype="text/plain",
            )
    elif request.remote_addr not in LOOPBACK:
        return Response(
            "metrics are served to loopback only (set METRICS_TOKEN)\n", 403, mimetype="text/plain"
        )
    return Response(
        metrics.render(current_app, StateCollector(current_app)), mimetype=metrics.CONTENT_TYPE
    )
