"""`ivr run` (everything on one machine) and `ivr worker` (an RQ worker)."""
import logging
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from werkzeug.serving import run_simple

from dialer import heartbeat
from dialer.worker import run_worker
from models import Role, StaffUser, audit, migrate, utcnow
from models.passwords import hash_secret
from runtime.db import get_session

from .demo import load_demo
from .services import start_services

log = logging.getLogger(__name__)
DEMO_STAFF_EMAIL = "admin@saguenay.example"
DEMO_STAFF_PASSWORD = "demo-admin-2026"


def ensure_demo(session) -> None:
    """Demo residences and a demo admin, once, on an empty development database."""
    added = load_demo(session)
    if added:
        log.info("loaded %d demo residences", added)
    if session.scalar(select(StaffUser.id).limit(1)) is None:
        session.add(StaffUser(email=DEMO_STAFF_EMAIL, role=Role.ADMIN.value,
                              password_hash=hash_secret(DEMO_STAFF_PASSWORD)))
        audit(session, "system", "staff.create", "staff_user", DEMO_STAFF_EMAIL, role="admin")
        session.commit()


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-demo", is_flag=True, help="Do not load demo residences.")
@with_appcontext
def run_command(host, port, no_demo):
    """Web app, worker and (without a Twilio account) the carrier simulator, on one machine."""
    app = current_app._get_current_object()
    if app.config["ENV_NAME"] == "production":
        raise click.ClickException("`ivr run` is for a first look; production uses the Procfile")
    migrate.upgrade(app.config["DATABASE_URL"])
    if not no_demo:
        ensure_demo(get_session())
    start_services(app)
    click.echo(f"staff console: {app.config['PUBLIC_BASE_URL']}/staff/  "
               f"login {DEMO_STAFF_EMAIL} / {DEMO_STAFF_PASSWORD}")
    run_simple(host, port, app, threaded=True, use_reloader=False)


@click.group("worker", cls=AppGroup, invoke_without_command=True)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.pass_context
@with_appcontext
def worker_command(ctx, burst):
    """An RQ worker on the project's queues (needs REDIS_URL), with the dialer's threads.
    Exits 3 if its dialer stalls or loses a thread, for its supervisor to restart it."""
    if ctx.invoked_subcommand is not None:
        return
    app = current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("`ivr worker` needs REDIS_URL; `ivr run` has its own worker")
    sys.exit(run_worker(app, burst=burst))


@worker_command.command("status")
@with_appcontext
def worker_status():
    """Each worker's heartbeat; exits 1 when no worker is alive or one is in trouble."""
    app = current_app._get_current_object()
    session = get_session()
    now = utcnow()
    states, due = heartbeat.assess(session, app, now)
    session.commit()

    def ago(when):
        return "never" if when is None else f"{(now - when).total_seconds():.0f} s ago"

    click.echo(f"deliveries due: {due.count}"
               + (f" (oldest for {due.age_s(now):.0f} s)" if due.count else ""))
    for s in states:
        row = s.row
        state = "GONE" if not s.alive else ("STALLED" if s.problem else "ok")
        click.echo(f"{row.name}  {state}  up {ago(row.started_at).replace(' ago', '')}  "
                   f"heartbeat {ago(row.beat_at)}  threads {row.threads_alive}/"
                   f"{row.threads_expected}  last claim {ago(row.last_claim_at)}  last call "
                   f"{ago(row.last_placed_at)}  calls placed {row.calls_placed}"
                   + (f"\n    problem: {s.problem}" if s.problem else ""))
    alive = [s for s in states if s.alive]
    if not alive:
        click.echo("no dialer worker is alive", err=True)
        sys.exit(1)
    if any(s.problem for s in alive):
        sys.exit(1)
