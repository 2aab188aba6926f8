"""`ivr campaign ...` (issue 5): create, launch, pause, resume, cancel, status, export."""

import json
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import IO, Any, NoReturn, cast

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Campaign, Sector, StaffUser, utcnow
from models.campaign_settings import EXPIRES_IN_MIN, RETRY_DELAY_S, RING_TIMEOUT_S, ROUNDS, Setting
from models.refusal import Refusal
from runtime.db import get_session
from runtime.i18n import explain, t
from runtime.when import local, moment, parse_local

from . import announce, approval, campaigns, export, followup, schedule, targeting, zones
from .exceptions import CampaignError


@click.group(cls=AppGroup)
def campaign() -> None:
    """Alert campaigns: create, launch, pause, resume, cancel, status, export."""


def _both(refusal: Refusal) -> str:
    """A refusal said in French, then in English (the CLI's operators read either)."""
    return f"{explain(refusal, 'fr')} / {explain(refusal, 'en')}"


def _fail(error: CampaignError) -> NoReturn:
    raise click.ClickException(_both(error))


def _bounds(setting: Setting, what: str) -> str:
    """An option's help from the one table of settings (models/campaign_settings.py)."""
    default = str(setting.default)
    if setting.emergency_default is not None:
        default += f"; {setting.emergency_default} for an emergency"
    return f"{what}: {setting.low} to {setting.high} (default {default})."


def _street(text: str) -> dict[str, Any]:
    """'rue Racine Est' or 'rue Racine Est,CHICOUTIMI,100-300'."""
    parts = [p.strip() for p in text.split(",")]
    spec: dict[str, Any] = {
        "street": parts[0],
        "city": parts[1] if len(parts) > 1 and parts[1] else None,
        "from": None,
        "to": None,
    }
    if len(parts) > 2 and parts[2]:
        low, _, high = parts[2].partition("-")
        try:
            spec["from"] = int(low) if low else None
            spec["to"] = int(high) if high else None
        except ValueError:
            raise click.BadParameter(
                f"civic range {parts[2]!r} must look like 100-300", param_hint="--street"
            ) from None
    return spec


_TARGET_OPTIONS = [
    click.option("--city", "cities", multiple=True, help="City or sector (repeatable)."),
    click.option(
        "--street",
        "streets",
        multiple=True,
        help="'STREET[,CITY[,FROM-TO]]', e.g. 'rue Racine Est,CHICOUTIMI,100-300'.",
    ),
    click.option(
        "--postal-prefix", "postal_prefixes", multiple=True, help="e.g. G7H (repeatable)."
    ),
    click.option(
        "--list",
        "list_file",
        type=click.File("rb"),
        help="A CSV/text file of phone numbers or residence ids.",
    ),
    click.option(
        "--zone",
        "zone_files",
        multiple=True,
        type=click.File("rb"),
        help="A GeoJSON file of a polygon or multipolygon, [lon, lat] in WGS 84 (repeatable).",
    ),
    click.option(
        "--near",
        "near",
        multiple=True,
        metavar="LAT,LON,METRES",
        help="Residences within METRES on the ground, e.g. 48.428,-71.069,300 (repeatable).",
    ),
    click.option(
        "--sector",
        "sectors",
        multiple=True,
        metavar="ID|NAME",
        help="An uploaded sector (ivr sectors list), by id or name (repeatable).",
    ),
]


def _target_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options naming whom to call (`campaign create` and `campaign count` share them)."""
    for option in reversed(_TARGET_OPTIONS):  # as stacked decorators: the first on top
        command = option(command)
    return command


def _target(
    session: Session,
    cities: tuple[str, ...],
    streets: tuple[str, ...],
    postal_prefixes: tuple[str, ...],
    list_file: IO[bytes] | None,
    zone_files: tuple[IO[bytes], ...],
    near: tuple[str, ...],
    sectors: tuple[str, ...],
) -> dict[str, Any]:
    """The campaign's target from the options (all active residences when none is given)."""
    target: dict[str, Any] = {
        "cities": list(cities),
        "streets": [_street(s) for s in streets],
        "postal_prefixes": list(postal_prefixes),
        "residence_ids": [],
    }
    if list_file is not None:
        ids, refused = targeting.parse_uploaded_list(list_file)
        for line in refused:
            click.echo(f"line {line.line}: {line.text}: {_both(line.why)}", err=True)
        target["residence_ids"] = ids
    try:
        target["zones"] = [zones.parse_geometry(f.read(zones.MAX_BYTES + 1)) for f in zone_files]
        target["near"] = [zones.parse_near(n) for n in near]
        target["sectors"] = [zones.find_sector(session, s).id for s in sectors]
    except zones.ZoneError as error:
        raise click.ClickException(_both(error)) from None
    if targeting.is_empty(target) and list_file is None:
        target["all"] = True
    return target


@campaign.command("create")
@click.option("--title", required=True)
@click.option("--message-fr", default="", help="Text said to French-speaking residences.")
@click.option("--message-en", default="", help="Text said to English-speaking residences.")
@click.option(
    "--audio-fr", help="Recording (http(s) URL of an MP3/WAV) played instead of the French text."
)
@click.option("--audio-en", help="Recording played instead of the English text.")
@click.option("--sms-fr", default="", help="Short text for French-speaking SMS contacts.")
@click.option("--sms-en", default="", help="Short text for English-speaking SMS contacts.")
@click.option(
    "--priority", type=click.Choice(["emergency", "normal"]), default="normal", show_default=True
)
@_target_options
@click.option("--rounds", type=int, help=_bounds(ROUNDS, "Times each residence is tried"))
@click.option("--retry-delay", type=int, help=_bounds(RETRY_DELAY_S, "Seconds between rounds"))
@click.option("--ring-timeout", type=int, help=_bounds(RING_TIMEOUT_S, "Seconds a number rings"))
@click.option("--no-voicemail", is_flag=True, help="Hang up on answering machines.")
@click.option("--no-confirmation", is_flag=True, help="Do not offer 'press 2 to confirm'.")
@click.option("--window", help="Calling window of a normal campaign, e.g. 08:00-21:00.")
@click.option(
    "--expires-in",
    type=click.IntRange(EXPIRES_IN_MIN.low, EXPIRES_IN_MIN.high),
    help=f"Minutes after which the campaign ends: {EXPIRES_IN_MIN.low} to "
    f"{EXPIRES_IN_MIN.high} (default: never).",
)
@with_appcontext
def create_command(
    title: str,
    message_fr: str,
    message_en: str,
    audio_fr: str | None,
    audio_en: str | None,
    sms_fr: str,
    sms_en: str,
    priority: str,
    cities: tuple[str, ...],
    streets: tuple[str, ...],
    postal_prefixes: tuple[str, ...],
    list_file: IO[bytes] | None,
    zone_files: tuple[IO[bytes], ...],
    near: tuple[str, ...],
    sectors: tuple[str, ...],
    rounds: int | None,
    retry_delay: int | None,
    ring_timeout: int | None,
    no_voicemail: bool,
    no_confirmation: bool,
    window: str | None,
    expires_in: int | None,
) -> None:
    """Create a draft campaign (all active residences unless a target is given); prints its id."""
    session = get_session()
    target = _target(
        session, cities, streets, postal_prefixes, list_file, zone_files, near, sectors
    )
    fields: dict[str, Any] = dict(
        title=title,
        message_fr=message_fr,
        message_en=message_en,
        audio_url_fr=audio_fr,
        audio_url_en=audio_en,
        sms_fr=sms_fr,
        sms_en=sms_en,
        priority=priority,
        target=target,
        rounds=rounds,
        retry_delay_s=retry_delay,
        ring_timeout_s=ring_timeout,
        leave_voicemail=not no_voicemail,
        ask_confirmation=not no_confirmation,
    )
    if window:
        start, _, end = window.partition("-")
        fields.update(window_start=start.strip(), window_end=end.strip())
    if expires_in is not None:
        fields["expires_at"] = utcnow() + timedelta(minutes=expires_in)
    try:
        created = campaigns.create_campaign(session, "cli", **fields)
    except CampaignError as error:
        _fail(error)
    click.echo(created.id)
    click.echo(f"{targeting.count_targets(session, created.target)} residences targeted", err=True)
    if zones.has_geometry(created.target):
        _say_unplaced(session, created.target)


@campaign.command("count")
@_target_options
@with_appcontext
def count_command(
    cities: tuple[str, ...],
    streets: tuple[str, ...],
    postal_prefixes: tuple[str, ...],
    list_file: IO[bytes] | None,
    zone_files: tuple[IO[bytes], ...],
    near: tuple[str, ...],
    sectors: tuple[str, ...],
) -> None:
    """How many residences these options target (nothing is created), and those without
    coordinates that a zone could not place."""
    session = get_session()
    target = _target(
        session, cities, streets, postal_prefixes, list_file, zone_files, near, sectors
    )
    click.echo(targeting.count_targets(session, target))
    if zones.has_geometry(target):
        _say_unplaced(session, target)


def _say_unplaced(session: Session, target: dict[str, Any] | None) -> None:
    """Residences a zone cannot place (no coordinates): counted and listed, never silent."""
    count, listed = zones.unplaced(session, target)
    if not count:
        return
    click.echo(
        f"{count} active residences have no coordinates and are outside every zone "
        "(add them by another criterion if they are in it):",
        err=True,
    )
    for residence in listed:
        click.echo(f"  #{residence.id} {residence.address_line}", err=True)
    if count > len(listed):
        click.echo(f"  ... and {count - len(listed)} more", err=True)


def _action(name: str, func: Callable[[Flask, int, str], object], done: str) -> click.Command:
    @campaign.command(name)
    @click.argument("campaign_id", type=int)
    @with_appcontext
    def command(campaign_id: int) -> None:
        try:
            # current_app is a LocalProxy that Flask types as the Flask it stands for
            result = func(current_app._get_current_object(), campaign_id, "cli")  # type: ignore[attr-defined]
        except CampaignError as error:
            _fail(error)
        click.echo(done.format(id=campaign_id, result=result))

    command.__doc__ = f"{name.capitalize()} campaign CAMPAIGN_ID."
    return command


_action("pause", campaigns.pause, "campaign {id} paused")
_action("resume", campaigns.resume, "campaign {id} resumed")
_action("cancel", campaigns.cancel, "campaign {id} cancelled ({result} queued calls cancelled)")


@campaign.command("status")
@click.argument("campaign_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable.")
@with_appcontext
def status_command(campaign_id: int, as_json: bool) -> None:
    """Counts per outcome, share reached, calls per second, time left."""
    try:
        result = campaigns.status(get_session(), campaign_id)
    except CampaignError as error:
        _fail(error)
    if as_json:
        click.echo(json.dumps(result))
        return
    for key, value in result.items():
        click.echo(f"{key:>16}: {value}")


@campaign.command("export")
@click.argument("campaign_id", type=int)
@with_appcontext
def export_command(campaign_id: int) -> None:
    """The per-residence CSV on standard output."""
    try:
        campaigns.status(get_session(), campaign_id)  # refuses an unknown id clearly
    except CampaignError as error:
        _fail(error)
    export.write_csv(get_session(), campaign_id, sys.stdout)


@campaign.command("test-call")
@click.argument("campaign_id", type=int)
@click.argument("number")
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@with_appcontext
def test_call_command(campaign_id: int, number: str, language: str) -> None:
    """Say the campaign's message to one number before launch; prints the call SID."""
    try:
        click.echo(
            campaigns.test_call(
                # current_app is a LocalProxy that Flask types as the Flask it stands for
                current_app._get_current_object(),  # type: ignore[attr-defined]
                campaign_id,
                number,
                language,
            )
        )
    except CampaignError as error:
        _fail(error)


# -- issue 15: launch now or at a given time, approval, follow-ups ------------------------------
@campaign.command("launch")
@click.argument("campaign_id", type=int)
@click.option(
    "--at",
    "at",
    metavar="'YYYY-MM-DD HH:MM'",
    help="Launch at this time (the city's time zone) instead of now.",
)
@click.option(
    "--reason",
    help="Why an emergency is launched without a second person's "
    "approval (CAMPAIGN_APPROVAL=1); written to the audit log.",
)
@with_appcontext
def launch_command(campaign_id: int, at: str | None, reason: str | None) -> None:
    """Launch campaign CAMPAIGN_ID now, or schedule it with --at."""
    # current_app is a LocalProxy that Flask types as the Flask it stands for
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        if at is None:
            count = campaigns.launch(app, campaign_id, "cli", reason=reason)
            click.echo(f"campaign {campaign_id} launched: {count} residences")
            return
        try:
            when = parse_local(at, app.config["TIMEZONE"])
        except ValueError:
            raise click.BadParameter(
                f"{at!r} must look like 2026-12-02 07:00", param_hint="--at"
            ) from None
        scheduled = schedule.schedule(app, get_session(), campaign_id, "cli", when, reason)
    except CampaignError as error:
        _fail(error)
    # schedule.schedule set it (to WHEN): a scheduled campaign has its time
    said = moment(cast(datetime, scheduled.scheduled_at), utcnow(), app.config["TIMEZONE"], "fr")
    click.echo(
        f"campaign {campaign_id} scheduled: {said} "
        f"({local(cast(datetime, scheduled.scheduled_at), app.config['TIMEZONE']):%Y-%m-%d %H:%M})"
    )


@campaign.command("unschedule")
@click.argument("campaign_id", type=int)
@with_appcontext
def unschedule_command(campaign_id: int) -> None:
    """Cancel the scheduled launch of CAMPAIGN_ID (it stays a draft)."""
    try:
        schedule.unschedule(get_session(), campaign_id, "cli")
    except CampaignError as error:
        _fail(error)
    click.echo(f"campaign {campaign_id}: scheduled launch cancelled")


@campaign.command("approve")
@click.argument("campaign_id", type=int)
@click.option("--by", "by", required=True, help="The approving staff member's email.")
@with_appcontext
def approve_command(campaign_id: int, by: str) -> None:
    """Approve CAMPAIGN_ID as a second staff member (CAMPAIGN_APPROVAL=1)."""
    by = by.strip().lower()
    if (
        get_session().scalar(
            select(StaffUser.id).where(StaffUser.email == by, StaffUser.active.is_(True))
        )
        is None
    ):
        raise click.BadParameter(f"{by!r} is no active staff account", param_hint="--by")
    try:
        approval.approve(get_session(), campaign_id, by)
    except CampaignError as error:
        _fail(error)
    click.echo(f"campaign {campaign_id} approved by {by}")


@campaign.command("follow-up")
@click.argument("campaign_id", type=int)
@click.option(
    "--lifting",
    is_flag=True,
    help="The lifting notice: to exactly the residences the campaign reached.",
)
@click.option(
    "--outcome",
    "outcomes",
    multiple=True,
    type=click.Choice(followup.CHOOSABLE),
    help="Call again the residences with this outcome (repeatable; default: "
    "no_answer, busy, failed).",
)
@click.option(
    "--title", help="Default: the source's title with 'Rappel :' or 'Levée de l'avis :' before it."
)
@click.option("--message-fr", help="A new French message (default: the same message).")
@click.option("--message-en", help="A new English message.")
@with_appcontext
def follow_up_command(
    campaign_id: int,
    lifting: bool,
    outcomes: tuple[str, ...],
    title: str | None,
    message_fr: str | None,
    message_en: str | None,
) -> None:
    """Create a draft follow-up of CAMPAIGN_ID; prints its id."""
    session = get_session()
    try:
        created = followup.create_followup(
            session,
            "cli",
            campaign_id,
            followup.LIFTING if lifting else followup.UNREACHED,
            outcomes=outcomes or None,
            title=title,
            message_fr=message_fr,
            message_en=message_en,
        )
    except CampaignError as error:
        _fail(error)
    click.echo(created.id)
    click.echo(f"{len(created.target['residence_ids'])} residences", err=True)


# -- issue 15 (h1): whether, and until when, the hotline says a campaign ------------------------
@campaign.command("announce")
@click.argument("campaign_id", type=int)
@click.option(
    "--until",
    "until",
    metavar="'YYYY-MM-DD HH:MM'",
    help="Say it to hotline callers until this time (the city's time zone).",
)
@click.option("--off", is_flag=True, help="Do not say it to hotline callers.")
@click.option(
    "--default",
    "default",
    is_flag=True,
    help="Say it while the campaign runs and 24 h after it ends (a new campaign's setting).",
)
@with_appcontext
def announce_command(campaign_id: int, until: str | None, off: bool, default: bool) -> None:
    """Whether the hotline says CAMPAIGN_ID to its callers first; without an option, print it."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    zone = app.config["TIMEZONE"]
    if sum((until is not None, off, default)) > 1:
        raise click.UsageError("choose one of --until, --off and --default")
    session = get_session()
    when = None
    if until is not None:
        try:
            when = parse_local(until, zone)
        except ValueError:
            raise click.BadParameter(
                f"{until!r} must look like 2026-12-03 18:00", param_hint="--until"
            ) from None
    try:
        if until is not None or off or default:
            announce.set_announcement(session, campaign_id, "cli", not off, when)
        found = session.get(Campaign, campaign_id, populate_existing=True)
        if found is None:
            raise CampaignError("campaign.error.not_found", id=campaign_id)
    except CampaignError as error:
        _fail(error)
    said: dict[str, str] = {}
    if not found.announce:
        key = "campaign.h1_announce.off"
    elif found.announce_until is None:
        key = "campaign.h1_announce.default"
    else:
        past = found.announce_until <= utcnow()
        key = "campaign.h1_announce.past" if past else "campaign.h1_announce.until"
        said = {
            language: moment(found.announce_until, utcnow(), zone, language)
            + f" ({local(found.announce_until, zone):%Y-%m-%d %H:%M})"
            for language in ("fr", "en")
        }
    for language in ("fr", "en"):
        click.echo(t(language, key, id=campaign_id, when=said.get(language, "")))


# -- issue 16: named sectors uploaded as GeoJSON ------------------------------------------------
@click.group(cls=AppGroup)
def sectors() -> None:
    """Named sectors (districts, flood zones) a campaign may target: import, list, delete."""


@sectors.command("import")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--name-property",
    default="name",
    show_default=True,
    help="The feature property holding each sector's name.",
)
@click.option("--by", "actor", default="cli", help="Who imports (written to the audit log).")
@with_appcontext
def sectors_import(file: IO[bytes], name_property: str, actor: str) -> None:
    """Import a GeoJSON FeatureCollection: one sector per feature (a same name is replaced)."""
    try:
        imported = zones.import_sectors(
            get_session(), file.read(zones.MAX_BYTES + 1), name_property, actor
        )
    except zones.ZoneError as error:
        raise click.ClickException(_both(error)) from None
    for sector in imported:
        click.echo(f"{sector.id}\t{sector.name}")
    click.echo(f"{len(imported)} sectors imported", err=True)


@sectors.command("list")
@with_appcontext
def sectors_list() -> None:
    """Id, name and residences inside, one sector a line."""
    session = get_session()
    for sector in session.scalars(select(Sector).order_by(Sector.name)):
        inside = len(zones.residence_ids_in(session, {"sectors": [sector.id]}))
        click.echo(f"{sector.id}\t{sector.name}\t{inside} residences")


@sectors.command("delete")
@click.argument("sector_id", type=int)
@click.option("--by", "actor", default="cli", help="Who deletes (written to the audit log).")
@with_appcontext
def sectors_delete(sector_id: int, actor: str) -> None:
    """Delete sector SECTOR_ID."""
    try:
        name = zones.delete_sector(get_session(), sector_id, actor)
    except zones.ZoneError as error:
        raise click.ClickException(_both(error)) from None
    click.echo(f"sector {sector_id} ({name}) deleted")
