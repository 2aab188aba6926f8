"""`ivr simulator` and `ivr phone` (issue 3)."""

import json
import logging
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

from models.phone import InvalidPhone, to_e164
from runtime import urls
from runtime.i18n import explain

from .defaults import withheld_caller_id
from .phone import Phone, parse_keys
from .scenario import ScenarioError
from .server import Simulator, SimulatorRefused, refuse_real_account


@click.command("simulator")
@click.option("--host", default=None, help="Default: the host of TWILIO_API_BASE_URL.")
@click.option("--port", type=int, default=None, help="Default: the port of TWILIO_API_BASE_URL.")
@click.option(
    "--scenario",
    "scenario_file",
    type=click.File("r"),
    default=None,
    help="A scenario (JSON) saying how each number behaves.",
)
@click.option("--cps", type=float, default=None, help="Calls per second (default DIALER_CPS).")
@click.option(
    "--mps", type=float, default=None, help="Messages (SMS) per second (default DIALER_MPS)."
)
@click.option(
    "--time-scale",
    type=float,
    default=1.0,
    show_default=True,
    help="0.01 makes rings, greetings and speech 100 times shorter.",
)
@click.option(
    "--voice-url",
    default=None,
    help="The hotline's Voice URL (default PUBLIC_BASE_URL/voice/incoming).",
)
@with_appcontext
def simulator_command(host, port, scenario_file, cps, mps, time_scale, voice_url):
    """Run the carrier simulator alone (with the simulated account's credentials: refused in
    production or with a real Twilio account configured)."""
    config = current_app.config
    try:
        refuse_real_account(config)
    except SimulatorRefused as exc:
        raise click.ClickException(str(exc)) from None
    scenario = None
    if scenario_file is not None:
        try:
            scenario = json.load(scenario_file)
        except json.JSONDecodeError as exc:
            raise click.BadParameter(f"not JSON: {exc}", param_hint="--scenario") from None
    parts = urlsplit(config["TWILIO_API_BASE_URL"])
    try:
        sim = Simulator(
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
            scenario,
            time_scale=time_scale,
            cps=cps or float(config["DIALER_CPS"]),
            mps=mps or float(config["DIALER_MPS"]),
            host=host or parts.hostname or "127.0.0.1",
            port=port if port is not None else (parts.port or 5050),
            control_token=config.get("SIMULATOR_CONTROL_TOKEN") or None,
        )
    except (ScenarioError, ValueError, SimulatorRefused) as exc:
        raise click.ClickException(str(exc)) from None
    voice_url = voice_url or urls.incoming(config)
    sim.set_incoming_url(config["HOTLINE_NUMBER"], voice_url)
    sms_url = urls.sms_incoming(config)
    for number in {config["HOTLINE_NUMBER"], config["TWILIO_CALLER_ID"]} - {""}:
        sim.set_incoming_sms_url(number, sms_url)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        sim.start()
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {sim.host}:{sim.port}: {exc}") from None
    click.echo(
        f"Carrier simulator on {sim.url} (account {sim.account_sid}, {sim.cps:g} CPS, "
        f"{sim.mps:g} MPS, "
        f"time scale {sim.time_scale:g})"
    )
    click.echo(f"{config['HOTLINE_NUMBER']} rings {voice_url}")
    click.echo(f"Log: {sim.url}/sim/calls  {sim.url}/sim/messages   Ctrl-C stops.")
    sim.serve_forever()
    sim.stop()


@click.command("phone")
@click.option(
    "--from",
    "from_",
    default="+14185559999",
    show_default=True,
    help="The number calling (a resident's phone); `anonymous` (or restricted, "
    "unavailable, unknown, blocked): a withheld caller ID, sent as Twilio does.",
)
@click.option("--to", default=None, help="Default: HOTLINE_NUMBER.")
@click.option(
    "--keys", default=None, help='Scripted keys, one token per prompt: "1 1 4827# -" (- = silence).'
)
@click.option("--speak", is_flag=True, help="Also say the prompts aloud (espeak-ng).")
@click.option(
    "--sms",
    "sms",
    default=None,
    help='Text this to the city instead of calling (e.g. "ARRÊT"); --to defaults '
    "to TWILIO_CALLER_ID, the number alerts are texted from.",
)
@click.option("--simulator", "simulator_url", default=None, help="Default: TWILIO_API_BASE_URL.")
@with_appcontext
def phone_command(from_, to, keys, speak, sms, simulator_url):
    """Call the hotline through the simulator."""
    config = current_app.config
    try:
        from_ = withheld_caller_id(from_) or to_e164(from_)
    except InvalidPhone as exc:
        raise click.BadParameter(explain(exc, "en"), param_hint="--from") from None
    phone = Phone(
        simulator_url or config["TWILIO_API_BASE_URL"],
        echo=click.echo,
        speak=speak,
        control_token=config.get("SIMULATOR_CONTROL_TOKEN") or None,
    )
    if sms is not None:
        try:
            phone.text(from_, to or config["TWILIO_CALLER_ID"] or config["HOTLINE_NUMBER"], sms)
        except (RuntimeError, OSError) as exc:
            raise click.ClickException(f"cannot text through the simulator: {exc}") from None
        return
    try:
        record = phone.call(from_, to or config["HOTLINE_NUMBER"], parse_keys(keys))
    except (RuntimeError, OSError) as exc:
        raise click.ClickException(f"cannot call through the simulator: {exc}") from None
    if record.get("status") not in ("completed",):
        raise SystemExit(1)
