"""The municipal address registry: CSV import and the keypad key of each street name."""

import unicodedata

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer import zones
from dialer.zones import link_residences
from models import Address, audit
from runtime.db import get_session

from .csv_import import ImportReport, RowError, import_with_progress_bar, read_rows, run_import
from .residents import normalize_postal_code

REQUIRED = ["civic_number", "street", "city"]
KEYPAD = {
    c: d
    for d, letters in {
        "2": "ABC",
        "3": "DEF",
        "4": "GHI",
        "5": "JKL",
        "6": "MNO",
        "7": "PQRS",
        "8": "TUV",
        "9": "WXYZ",
    }.items()
    for c in letters
}
GENERIC_WORDS = {
    "RUE",
    "BOULEVARD",
    "BOUL",
    "BOUL.",
    "BD",
    "CHEMIN",
    "CH",
    "CH.",
    "AVENUE",
    "AV",
    "AV.",
    "ROUTE",
    "RANG",
    "PLACE",
    "RUELLE",
    "COTE",
    "CÔTE",
    "MONTEE",
    "MONTÉE",
    "IMPASSE",
    "CROISSANT",
    "TERRASSE",
    "PROMENADE",
    "ALLEE",
    "ALLÉE",
    "CARRE",
    "CARRÉ",
    "DE",
    "DU",
    "DES",
    "LA",
    "LE",
    "LES",
    "L",
    "D",
    "ST",
    "STREET",
    "ROAD",
    "DRIVE",
}


def _ascii_upper(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def street_key(street: str) -> str:
    """Keypad digits of the street's significant name: 'Boulevard René-Lévesque' -> 736..."""
    words = _ascii_upper(street).replace("-", " ").replace("'", " ").split()
    significant = [w for w in words if w not in GENERIC_WORDS] or words
    return "".join(KEYPAD.get(c, "") for c in "".join(significant))


def import_addresses(session: Session, stream, actor: str = "cli", progress=None) -> ImportReport:
    """Load (or update) registry rows from a CSV stream."""
    rows, _ = read_rows(stream, REQUIRED)
    existing = {
        (a.civic_number, a.street.upper(), a.city.upper()): a
        for a in session.scalars(select(Address))
    }

    def handle(line, row):
        for column in REQUIRED:
            if not row.get(column):
                raise RowError("empty", column=column)
        if not row["civic_number"].isdigit():
            raise RowError("civic_number", value=row["civic_number"])
        coords = []
        for column in ("latitude", "longitude"):
            value = row.get(column, "")
            try:
                coords.append(float(value) if value else None)
            except ValueError:
                raise RowError("coordinate", column=column, value=value) from None
        latitude, longitude = coords
        if (latitude is None) != (longitude is None):
            raise RowError("h3_coordinate_missing")
        if latitude is not None and longitude is not None:
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise RowError("h3_coordinate_range", latitude=latitude, longitude=longitude)
            if zones.swapped(latitude, longitude):
                raise RowError("h3_coordinate_swapped", latitude=latitude, longitude=longitude)
        key = (row["civic_number"], row["street"].upper(), row["city"].upper())
        address = existing.get(key)
        if address is None:
            address = existing[key] = Address(civic_number=row["civic_number"])
            session.add(address)
        address.street, address.city = row["street"], row["city"].upper()
        address.street_key = street_key(row["street"])
        address.postal_code = normalize_postal_code(row.get("postal_code", ""))
        address.latitude, address.longitude = coords

    report = run_import(rows, handle, progress)
    session.flush()
    link_residences(session)
    audit(session, actor, "addresses.import", accepted=report.accepted, refused=len(report.refused))
    session.commit()
    return report


@click.group(cls=AppGroup)
def addresses():
    """The municipal address registry."""


@addresses.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def addresses_import(file):
    """Load the address registry from a CSV file (columns in the README)."""
    import_with_progress_bar(
        "importing addresses",
        lambda progress: import_addresses(get_session(), file, progress=progress),
    )
