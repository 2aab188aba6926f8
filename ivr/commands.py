"""The `ivr` command groups (db, staff, residents, addresses, campaign, run, worker,
simulator, phone, templates), attached to the app's CLI by the factory."""

import secrets
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from dialer.cli import campaign, sectors
from models import CampaignTemplate, Role, StaffUser, audit, migrate
from models.passwords import MIN_STAFF_PASSWORD_LENGTH, hash_secret
from runtime.db import get_session
from simulator.cli import phone_command, simulator_command

from .addresses import addresses
from .residents import residents
from .run import run_command, worker_command


@click.group(cls=AppGroup)
def db():
    """The database schema."""


@db.command("upgrade")
@with_appcontext
def db_upgrade():
    """Apply migrations (SQLite and PostgreSQL alike)."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    click.echo("database is up to date")


@click.group(cls=AppGroup)
def staff():
    """Staff accounts of the console."""


@staff.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.OPERATOR.value,
    show_default=True,
)
@click.option(
    "--password",
    envvar="IVR_STAFF_PASSWORD",
    default=None,
    help="Taken from IVR_STAFF_PASSWORD; asked when a terminal is present; else generated.",
)
@with_appcontext
def staff_create(email, role, password):
    """Create a staff account (password asked, or printed when generated)."""
    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter("an e-mail address is needed", param_hint="EMAIL")
    session = get_session()
    if session.query(StaffUser).filter_by(email=email).first():
        raise click.ClickException(f"a staff account already exists for {email}")
    generated = False
    if password is None:
        if sys.stdin.isatty():
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        else:
            password, generated = secrets.token_urlsafe(12), True
    if len(password) < MIN_STAFF_PASSWORD_LENGTH:
        raise click.ClickException(
            f"the password needs at least {MIN_STAFF_PASSWORD_LENGTH} characters"
        )
    user = StaffUser(email=email, role=role, password_hash=hash_secret(password))
    session.add(user)
    audit(session, "cli", "staff.create", "staff_user", email, role=role)
    session.commit()
    click.echo(f"created {role} {email}")
    if generated:
        click.echo(f"password: {password}")


@staff.command("unlock")
@click.argument("email")
@with_appcontext
def staff_unlock(email):
    """Clear a staff account's sign-in lockout (and its count of failures), e.g. an admin's
    during an attack on the console."""
    email = email.strip().lower()
    session = get_session()
    user = session.query(StaffUser).filter(func.lower(StaffUser.email) == email).first()
    if user is None:
        raise click.ClickException(f"no staff account for {email}")
    user.failed_logins, user.locked_until = 0, None
    audit(session, "cli", "staff.unlock", "staff", user.id)
    session.commit()
    click.echo(f"unlocked {email}")


@click.group(cls=AppGroup)
def templates():
    """Campaign templates (edited by admins in the console, /staff/templates)."""


@templates.command("list")
@with_appcontext
def templates_list():
    """Each template: id, priority, offered or retired, French and English names."""
    rows = get_session().scalars(
        select(CampaignTemplate).order_by(CampaignTemplate.position, CampaignTemplate.id)
    )
    for row in rows:
        state = "offered" if row.active else "retired"
        click.echo(f"{row.id}\t{row.priority}\t{state}\t{row.name_fr}\t{row.name_en}")


def register_commands(app) -> None:
    """Attach every command group to the app's CLI."""
    for command in (
        db,
        staff,
        residents,
        addresses,
        campaign,
        sectors,
        run_command,
        worker_command,
        simulator_command,
        phone_command,
        templates,
    ):
        app.cli.add_command(command)
