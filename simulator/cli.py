"""`ivr simulator` and `ivr phone` (issue 3)."""
import click


@click.command("simulator")
def simulator_command():
    """Run the carrier simulator alone."""
    raise click.ClickException("not built yet (issue 3)")


@click.command("phone")
def phone_command():
    """Call the hotline through the simulator."""
    raise click.ClickException("not built yet (issue 3)")
