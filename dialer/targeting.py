"""Which residences a campaign calls: its `target` as one SQL condition, counts, uploaded lists.

`Campaign.target` is JSON: {"all": bool, "cities": [...], "streets": [{"street", "city",
"from", "to"}], "postal_prefixes": [...], "residence_ids": [...], "zones": [GeoJSON Polygon or
MultiPolygon, WGS 84, [lon, lat]], "near": [{"lat", "lon", "metres"}], "sectors": [sector id]}
(the last three: dialer/zones.py, issue 16). Criteria combine with OR;
only active residences are ever targeted. City and street names match ignoring case, accents,
hyphens and repeated spaces: the distinct names in the database are compared in Python, then
the query uses `IN` on the stored spellings (portable, and the indexes still serve).
"""

import csv
import io
import re
import unicodedata
from typing import IO, Any, NamedTuple

from sqlalchemy import BigInteger, Integer, and_, cast, exists, false, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Exists

from models import PhoneNumber, Residence
from models.phone import InvalidPhone, to_e164
from models.refusal import Refusal
from runtime.db import get_session

from . import zones

CRITERIA = ("cities", "streets", "postal_prefixes", "residence_ids", *zones.GEOMETRIC)
MAX_CIVIC = 999_999
"""The largest civic number a range may name (six digits); a bound past it never matches."""
MAX_ID = 2**31 - 1
"""The largest residence id (an INTEGER key): an id past it names no residence."""


class RefusedLine(NamedTuple):
    """A line of an uploaded list that named no residence, and why (said at the edge with
    `runtime.i18n.explain(line.why, language)`)."""

    line: int
    text: str
    why: Refusal


def fold(text: str | None) -> str:
    """'Jonquière', 'JONQUIERE ', 'jonquière' -> 'JONQUIERE' (what staff mean alike)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    return " ".join(plain.replace("-", " ").replace("’", "'").split())


def is_empty(target: dict[str, Any] | None) -> bool:
    target = target or {}
    return not target.get("all") and not any(target.get(k) for k in CRITERIA)


def _spellings(
    session: Session, column: "InstrumentedAttribute[str]", wanted: set[str]
) -> list[str]:
    stored = session.scalars(select(column).distinct())
    return [s for s in stored if fold(s) in wanted]


def civic_integer(session: Session) -> ColumnElement[int]:
    """The leading digits of civic_number as an integer ('12A' -> 12), in this dialect."""
    if session.get_bind().dialect.name == "postgresql":
        digits = func.substring(Residence.civic_number, "^[0-9]+")
        return cast(func.nullif(digits, ""), BigInteger)  # civic_number holds 16 digits
    return cast(Residence.civic_number, Integer)  # SQLite reads the leading digits


def condition(session: Session, target: dict[str, Any] | None) -> ColumnElement[bool]:
    """The SQL condition on Residence selecting TARGET's active residences."""
    target = target or {}
    if target.get("all"):
        return Residence.active.is_(True)
    clauses: list[ColumnElement[bool]] = []
    cities = {fold(c) for c in target.get("cities") or [] if fold(c)}
    if cities:
        clauses.append(Residence.city.in_(_spellings(session, Residence.city, cities)))
    streets = target.get("streets") or []
    if streets:
        stored_streets = list(session.execute(select(Residence.street, Residence.city).distinct()))
        civic = civic_integer(session)
        for spec in streets:
            name, city = fold(spec.get("street")), fold(spec.get("city"))
            pairs = [
                (s, c)
                for s, c in stored_streets
                if fold(s) == name and (not city or fold(c) == city)
            ]
            if not pairs:
                continue
            parts: list[ColumnElement[bool]] = [
                or_(*(and_(Residence.street == s, Residence.city == c) for s, c in pairs))
            ]
            if spec.get("from") not in (None, ""):
                if int(spec["from"]) > MAX_CIVIC:
                    continue  # no civic number is that large
                parts.append(civic >= int(spec["from"]))
            if spec.get("to") not in (None, ""):
                parts.append(civic <= min(int(spec["to"]), MAX_CIVIC))
            clauses.append(and_(*parts))
    prefixes = [p.replace(" ", "").upper() for p in target.get("postal_prefixes") or []]
    prefixes = [p for p in prefixes if p]
    if prefixes:
        compact = func.upper(func.replace(Residence.postal_code, " ", ""))
        clauses.append(or_(*(compact.like(p + "%") for p in prefixes)))
    ids = [int(i) for i in target.get("residence_ids") or [] if 0 < int(i) <= MAX_ID]
    if ids:
        clauses.append(Residence.id.in_(ids))
    placed = zones.condition(session, target)
    if placed is not None:
        clauses.append(placed)
    if not clauses:
        return false()
    return and_(Residence.active.is_(True), or_(*clauses))


def callable_number_exists() -> Exists:
    """The residence has at least one active contact (voice or SMS: dialer/contacts.py)."""
    return exists().where(PhoneNumber.residence_id == Residence.id, PhoneNumber.active.is_(True))


def count_targets(session: Session, target: dict[str, Any] | None) -> int:
    """How many residences a campaign with TARGET would call (shown before launch)."""
    if is_empty(target):
        return 0
    return session.scalar(select(func.count(Residence.id)).where(condition(session, target))) or 0


_RESIDENCE_ID = re.compile(r"^#?\d{1,7}$")
_HEADERS = {"PHONE", "TELEPHONE", "NUMERO", "NUMBER", "RESIDENCE_ID", "ID", "RESIDENCE"}


def parse_uploaded_list(stream: IO[str] | IO[bytes]) -> tuple[list[int], list[RefusedLine]]:
    """Residence ids named by a CSV/text upload (one phone number or residence id per line,
    first column); lines naming nothing are returned with the reason. Needs a Flask app context."""
    session = get_session()
    raw = stream.read()
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8-sig", errors="replace")
    ids: list[int] = []
    refused: list[RefusedLine] = []
    seen: set[int] = set()
    for line_no, row in enumerate(csv.reader(io.StringIO(raw)), start=1):
        cell = next((c.strip() for c in row if c.strip()), "")
        if not cell:
            continue
        if line_no == 1 and fold(cell).replace(" ", "_") in _HEADERS:
            continue
        residence_id: Any = None  # a Residence at first, then its id
        if _RESIDENCE_ID.match(cell):
            residence_id = session.get(Residence, int(cell.lstrip("#")))
            if residence_id is None:
                refused.append(RefusedLine(line_no, cell, Refusal("campaign.list.unknown_id")))
                continue
            residence_id = residence_id.id
        else:
            try:
                e164 = to_e164(cell)
            except InvalidPhone as error:
                refused.append(RefusedLine(line_no, cell, error))
                continue
            residence_id = session.scalar(
                select(PhoneNumber.residence_id).where(PhoneNumber.e164 == e164)
            )
            if residence_id is None:
                refused.append(RefusedLine(line_no, cell, Refusal("campaign.list.unknown_number")))
                continue
        if residence_id not in seen:
            seen.add(residence_id)
            ids.append(residence_id)
    return ids, refused


__all__ = [
    "condition",
    "count_targets",
    "parse_uploaded_list",
    "RefusedLine",
    "fold",
    "callable_number_exists",
    "is_empty",
]
