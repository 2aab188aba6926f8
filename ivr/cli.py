"""The `ivr` command: a Flask CLI group (so `flask --app ivr` works too)."""

import click
from flask.cli import FlaskGroup, routes_command, shell_command

from .factory import create_app


@click.group(
    cls=FlaskGroup, create_app=create_app, add_default_commands=False, add_version_option=False
)
def main():
    """Saguenay emergency calls: hotline, dialer, staff console, carrier simulator."""


main.add_command(shell_command)
main.add_command(routes_command)
