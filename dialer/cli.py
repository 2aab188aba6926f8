"""`ivr campaign ...` (issue 5)."""
import click
from flask.cli import AppGroup


@click.group(cls=AppGroup)
def campaign():
    """Alert campaigns: create, launch, pause, resume, cancel, status, export."""
