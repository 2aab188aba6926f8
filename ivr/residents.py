"""Residences in bulk: CSV import (CLI and console) and look-up by number."""

import json

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.zones import link_residences
from models import Channel, PhoneNumber, Residence, audit, utcnow
from models.phone import InvalidPhone, to_e164
from models.residence import parse_kind
from runtime.db import get_session
from runtime.i18n import explain

from .csv_import import ImportReport, RowError, import_with_progress_bar, read_rows, run_import

COLUMNS = [
    "last_name",
    "first_name",
    "language",
    "phone",
    "phone2",
    "phone3",
    "civic_number",
    "street",
    "apartment",
    "city",
    "postal_code",
    "active",
]  # + CONTACT_COLUMNS
REQUIRED = ["last_name", "phone", "civic_number", "street", "city"]
PHONE_COLUMNS = ("phone", "phone2", "phone3")
CONTACT_SUFFIXES = ("_type", "_description", "_active")
"""Optional columns of each number (issue 14): `phone_type` (voix / voice / sms / texto; empty
= voix), `phone_description` (80 characters), `phone_active` (1 / 0; empty = 1); the same with
phone2_ and phone3_. Files without them import as before (voice numbers, active)."""
CONTACT_COLUMNS = [c + s for c in PHONE_COLUMNS for s in CONTACT_SUFFIXES]


def normalize_postal_code(text: str) -> str:
    """G7H 5B8, upper-case with one space; empty stays empty."""
    code = text.replace(" ", "").upper()
    if not code:
        return ""
    if len(code) != 6 or not (code[0::2].isalpha() and code[1::2].isdigit()):
        raise RowError("postal_code", value=text)
    return f"{code[:3]} {code[3:]}"


def residence_from_row(session: Session, row: dict, seen: set[str]) -> Residence:
    """Build (not add) a Residence from an import row, or raise RowError."""
    for column in REQUIRED:
        if not row.get(column):
            raise RowError("empty", column=column)
    language = (row.get("language") or "fr").lower()
    if language not in ("fr", "en"):
        raise RowError("language", value=row["language"])
    active = row.get("active", "1") or "1"
    if active not in ("0", "1"):
        raise RowError("active", value=active)
    numbers, contacts = [], []
    for column in PHONE_COLUMNS:
        if row.get(column):
            try:
                e164 = to_e164(row[column])
            except InvalidPhone as exc:
                raise RowError("phone", column=column, value=row[column], reason=exc) from None
            if e164 in seen or e164 in numbers:
                raise RowError("phone_repeated", column=column, value=row[column])
            owner = session.scalar(select(PhoneNumber.residence_id).where(PhoneNumber.e164 == e164))
            if owner is not None:
                raise RowError("phone_taken", column=column, value=row[column], owner=owner)
            numbers.append(e164)
            contacts.append(contact_from_row(row, column))
    residence = Residence(
        last_name=row["last_name"],
        first_name=row.get("first_name", ""),
        language=language,
        civic_number=row["civic_number"],
        street=row["street"],
        apartment=row.get("apartment", ""),
        city=row["city"].upper(),
        postal_code=normalize_postal_code(row.get("postal_code", "")),
        active=active == "1",
        registered_via=Channel.IMPORT.value,
    )
    residence.phones = [
        PhoneNumber(e164=n, position=i, verified_at=utcnow(), **contact)
        for i, (n, contact) in enumerate(zip(numbers, contacts))
    ]
    seen.update(numbers)
    return residence


def contact_from_row(row: dict, column: str) -> dict:
    """The type, description and Actif flag of COLUMN's number (PhoneNumber fields), or
    RowError."""
    kind = parse_kind(row.get(column + "_type"))
    if kind is None:
        raise RowError("phone_type", column=column + "_type", value=row[column + "_type"])
    description = row.get(column + "_description") or ""
    if len(description) > 80:
        raise RowError("phone_description", column=column + "_description")
    active = row.get(column + "_active") or "1"
    if active not in ("0", "1"):
        raise RowError("phone_active", column=column + "_active", value=active)
    return {"kind": kind, "description": description, "active": active == "1"}


def import_residents(session: Session, stream, actor: str = "cli", progress=None) -> ImportReport:
    """Import residences from a CSV stream; each refused row is reported with its line."""
    rows, _ = read_rows(stream, REQUIRED)
    seen: set[str] = set()

    def handle(line, row):
        session.add(residence_from_row(session, row, seen))
        if line % 500 == 0:
            session.flush()

    report = run_import(rows, handle, progress)
    session.flush()
    link_residences(session)  # their registry coordinates place them on the map
    audit(session, actor, "residents.import", accepted=report.accepted, refused=len(report.refused))
    session.commit()
    return report


def find_by_number(session: Session, text: str) -> Residence | None:
    e164 = to_e164(text)
    return session.scalar(select(Residence).join(PhoneNumber).where(PhoneNumber.e164 == e164))


def residence_as_dict(r: Residence) -> dict:
    return {
        "id": r.id,
        "last_name": r.last_name,
        "first_name": r.first_name,
        "language": r.language,
        "civic_number": r.civic_number,
        "street": r.street,
        "apartment": r.apartment,
        "city": r.city,
        "postal_code": r.postal_code,
        "active": r.active,
        "registered_via": r.registered_via,
        "consent_at": r.consent_at.isoformat() if r.consent_at else None,
        "address_needs_review": r.address_needs_review,
        "name_needs_review": r.name_needs_review,
        "phones": [
            {
                "number": p.e164,
                "position": p.position,
                "kind": p.kind,
                "description": p.description,
                "active": p.active,
                "sms_opted_out": p.sms_opted_out_at is not None,
                "verified": p.verified_at is not None,
            }
            for p in r.phones
        ],
    }


@click.group(cls=AppGroup)
def residents():
    """Residences: import and look up."""


@residents.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def residents_import(file):
    """Import residences from a CSV file (columns in the README)."""
    import_with_progress_bar(
        "importing residences",
        lambda progress: import_residents(get_session(), file, progress=progress),
    )


@residents.command("show")
@click.argument("phone")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def residents_show(phone, as_json):
    """Show one residence, found by any of its numbers."""
    try:
        residence = find_by_number(get_session(), phone)
    except InvalidPhone as exc:
        raise click.ClickException(explain(exc, "en")) from None
    if residence is None:
        raise click.ClickException(f"no residence has the number {phone}")
    data = residence_as_dict(residence)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        for key, value in data.items():
            click.echo(f"{key}: {value}")
