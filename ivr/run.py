"""`ivr run` (everything on one machine) and `ivr worker` (an RQ worker)."""

import json
import logging
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from werkzeug.serving import make_server

from dialer import heartbeat
from dialer.worker import run_worker
from models import Role, StaffUser, audit, migrate, utcnow
from models.passwords import hash_secret, verify_secret
from runtime.db import get_session
from simulator.scenario import Scenario, ScenarioError

from .demo import load_demo
from .services import start_services

log = logging.getLogger(__name__)
DEMO_STAFF_EMAIL = "admin@saguenay.example"
DEMO_STAFF_PASSWORD = "demo-admin-2026"
DEMO_SCENARIO = Path(__file__).with_name("demo_scenario.json")
"""What the simulated carrier plays by default: the mix of a usual campaign (the benchmark's)."""


def ensure_demo(session) -> None:
    """Demo residences and a demo admin, once, on an empty development database."""
    added = load_demo(session)
    if added:
        log.info("loaded %d demo residences", added)
    if session.scalar(select(StaffUser.id).limit(1)) is None:
        session.add(
            StaffUser(
                email=DEMO_STAFF_EMAIL,
                role=Role.ADMIN.value,
                password_hash=hash_secret(DEMO_STAFF_PASSWORD),
            )
        )
        audit(session, "system", "staff.create", "staff_user", DEMO_STAFF_EMAIL, role="admin")
        session.commit()


def read_scenario(file) -> tuple[dict, str]:
    """The scenario of FILE (default: the demo's) and how to name it; BadParameter when it
    is not a usable scenario."""
    name = getattr(file, "name", None) or str(DEMO_SCENARIO)
    try:
        data = json.load(file) if file is not None else json.loads(DEMO_SCENARIO.read_text())
        Scenario(data)
    except (json.JSONDecodeError, ScenarioError, TypeError) as exc:
        raise click.BadParameter(f"{name}: {exc}", param_hint="--scenario") from None
    return data, name


def describe_scenario(data: dict) -> str:
    """One line for the start-up: how the simulated numbers answer."""
    mix = data.get("mix") or {}
    total = sum(mix.values())
    if not total:
        return f"every number answers: {(data.get('default') or {}).get('answer', 'human')}"
    return ", ".join(
        f"{round(100 * weight / total)} % {answer.replace('-', ' ')}"
        for answer, weight in mix.items()
    )


def demo_login(session) -> str | None:
    """The demo admin's login while it still has the demo password, else None."""
    user = session.scalar(select(StaffUser).where(StaffUser.email == DEMO_STAFF_EMAIL))
    if user is not None and verify_secret(user.password_hash, DEMO_STAFF_PASSWORD):
        return f"{DEMO_STAFF_EMAIL} / {DEMO_STAFF_PASSWORD}"
    return None


def box(lines: list[str]) -> str:
    """LINES framed, to stand out among the log lines."""
    width = max(len(line) for line in lines)
    return "\n".join(
        ["┌" + "─" * (width + 2) + "┐"]
        + [f"│ {line.ljust(width)} │" for line in lines]
        + ["└" + "─" * (width + 2) + "┘"]
    )


def ready_lines(
    app,
    base_url: str,
    simulator_url: str | None,
    login: str | None,
    scenario_line: tuple[str, str] | None,
) -> list[str]:
    """What the box at the end of start-up says: where to go, how to sign in."""
    lines = ["Ready.", f"Resident portal {base_url}/portail/", f"Staff console   {base_url}/staff/"]
    if login:
        lines.append(f"Staff login     {login}")
    else:
        lines.append("Staff login     your staff account (ivr staff create ...)")
    if simulator_url:
        lines += [
            f"Simulator log   {simulator_url}/sim/calls  (messages: /sim/messages)",
            "Call the line   ivr phone   (in another terminal; the hotline is "
            f"{app.config['HOTLINE_NUMBER']})",
        ]
        if scenario_line:
            lines += [f"Carrier         {scenario_line[0]}", f"                {scenario_line[1]}"]
    lines.append("Stop            Ctrl+C")
    return lines


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-demo", is_flag=True, help="Do not load demo residences.")
@click.option(
    "--scenario",
    "scenario_file",
    type=click.File("r", encoding="utf-8"),
    help="How the simulated numbers answer (JSON; default: ivr/demo_scenario.json, "
    "a usual campaign's mix of people, voicemail, no answer, busy, failed).",
)
@click.option(
    "--time-scale",
    type=click.FloatRange(min=0.001, max=100),
    default=1.0,
    show_default=True,
    help="Simulated call durations (ringing, messages) times this: 0.1 runs a "
    "campaign's calls ten times faster.",
)
@with_appcontext
def run_command(host, port, no_demo, scenario_file, time_scale):
    """Web app, worker and (without a Twilio account) the carrier simulator, on one machine."""
    app = current_app._get_current_object()
    if app.config["ENV_NAME"] == "production":
        raise click.ClickException("`ivr run` is for a first look; production uses the Procfile")
    scenario, scenario_name = read_scenario(scenario_file)
    migrate.upgrade(app.config["DATABASE_URL"])
    if not no_demo:
        ensure_demo(get_session())
    scenario_line = None
    if app.config.get("USE_SIMULATOR"):
        scenario_line = (
            Path(scenario_name).name + (f" (time scale {time_scale:g})" if time_scale != 1 else ""),
            describe_scenario(scenario),
        )
        log.info("simulated carrier plays %s: %s", scenario_name, scenario_line[1])
    services = start_services(app, scenario, time_scale)
    simulator_url = next(
        (getattr(s, "url", None) for s in services if getattr(s, "url", None)), None
    )
    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from None
    login = demo_login(get_session())
    get_session().rollback()
    click.echo(
        "\n"
        + box(ready_lines(app, app.config["PUBLIC_BASE_URL"], simulator_url, login, scenario_line))
        + "\n"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        for service in services:
            service.stop()


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

    click.echo(
        f"deliveries due: {due.count}"
        + (f" (oldest for {due.age_s(now):.0f} s)" if due.count else "")
    )
    for s in states:
        row = s.row
        state = "GONE" if not s.alive else ("STALLED" if s.problem else "ok")
        click.echo(
            f"{row.name}  {state}  up {ago(row.started_at).replace(' ago', '')}  "
            f"heartbeat {ago(row.beat_at)}  threads {row.threads_alive}/"
            f"{row.threads_expected}  last claim {ago(row.last_claim_at)}  last call "
            f"{ago(row.last_placed_at)}  calls placed {row.calls_placed}"
            + (f"\n    problem: {s.problem}" if s.problem else "")
        )
    alive = [s for s in states if s.alive]
    if not alive:
        click.echo("no dialer worker is alive", err=True)
        sys.exit(1)
    if any(s.problem for s in alive):
        sys.exit(1)
