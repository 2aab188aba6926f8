"""A campaign's targeting criteria as staff read them, the ones that match nothing, and the
registry's names closest to what was typed (suggestions)."""

import difflib

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.targeting import count_targets, fold
from models import Address, Residence, Sector
from runtime.db import get_session

from .formats import n_
from .language import _
from .maps import decimal

MAX_SUGGESTIONS = 3


def describe(target: dict | None) -> list[tuple[str, str]]:
    """(label, text) for each criterion of TARGET, in the page language."""
    target = target or {}
    rows = []
    if target.get("all"):
        rows.append((_("console.criteria.all"), _("console.yes")))
    if target.get("cities"):
        rows.append((_("console.target.cities"), ", ".join(target["cities"])))
    for spec in target.get("streets") or []:
        rows.append((_("console.target.streets"), street_text(spec)))
    if target.get("postal_prefixes"):
        rows.append((_("console.target.postal_prefixes"), ", ".join(target["postal_prefixes"])))
    if target.get("residence_ids"):
        rows.append(
            (_("console.target.upload"), n_("console.criteria.list", len(target["residence_ids"])))
        )
    if target.get("zones"):
        rows.append((_("console.map.zones"), n_("console.map.zones_text", len(target["zones"]))))
    for circle in target.get("near") or []:
        rows.append((_("console.map.circle"), circle_text(circle)))
    if target.get("sectors"):
        rows.append((_("console.map.sectors"), ", ".join(sector_names(target["sectors"]))))
    return rows


def circle_text(circle: dict) -> str:
    return _(
        "console.map.circle_text",
        metres=f"{float(circle['metres']):g}",
        lat=decimal(float(circle["lat"])),
        lon=decimal(float(circle["lon"])),
    )


def sector_names(ids) -> list[str]:
    """The named sectors' names, in the order given; a deleted one is said so."""
    wanted = [int(i) for i in ids]
    if not wanted:
        return []
    rows = get_session().execute(select(Sector.id, Sector.name).where(Sector.id.in_(wanted)))
    names = {i: name for i, name in rows}
    return [names.get(i) or _("console.map.sector_gone", id=i) for i in wanted]


def street_text(spec: dict) -> str:
    text = f"{spec.get('street', '')}, {spec.get('city', '')}"
    if spec.get("from") not in (None, "") or spec.get("to") not in (None, ""):
        text += f", {spec.get('from') or ''}-{spec.get('to') or ''}"
    return text


def _names(session: Session, column, registry_column) -> list[str]:
    names = set(session.scalars(select(column).distinct()))
    names |= set(session.scalars(select(registry_column).distinct()))
    return sorted(n for n in names if n)


def _closest(word: str, names: list[str]) -> list[str]:
    """NAMES closest to WORD, compared folded (case, accents, hyphens ignored); a name that
    contains WORD first ('Racine Est' -> 'rue Racine Est')."""
    folded = {fold(n): n for n in names}
    key = fold(word)
    containing = [n for f, n in folded.items() if key and key in f]
    close = [folded[f] for f in difflib.get_close_matches(key, list(folded), MAX_SUGGESTIONS, 0.75)]
    seen: list[str] = []
    for name in containing + close:
        if name not in seen:
            seen.append(name)
    return seen[:MAX_SUGGESTIONS]


def warnings(session: Session, target: dict | None) -> list[str]:
    """One sentence for each criterion of TARGET that matches no active residence, with the
    registry's closest names when there are some."""
    target = target or {}
    out = []
    cities = streets = None
    for city in target.get("cities") or []:
        if count_targets(session, {"cities": [city]}) == 0:
            cities = cities or _names(session, Residence.city, Address.city)
            out.append(_sentence("console.criteria.no_city", city, _closest(city, cities)))
    for spec in target.get("streets") or []:
        if count_targets(session, {"streets": [spec]}) == 0:
            streets = streets or _names(session, Residence.street, Address.street)
            out.append(
                _sentence(
                    "console.criteria.no_street",
                    street_text(spec),
                    _closest(spec.get("street", ""), streets),
                )
            )
    for prefix in target.get("postal_prefixes") or []:
        if count_targets(session, {"postal_prefixes": [prefix]}) == 0:
            out.append(_sentence("console.criteria.no_prefix", prefix, []))
    for number, zone in enumerate(target.get("zones") or [], start=1):
        if count_targets(session, {"zones": [zone]}) == 0:
            out.append(_("console.map.no_zone", number=number))
    for circle in target.get("near") or []:
        if count_targets(session, {"near": [circle]}) == 0:
            out.append(_("console.map.no_circle", circle=circle_text(circle)))
    sectors = [int(i) for i in target.get("sectors") or []]
    for sector_id, name in zip(sectors, sector_names(sectors), strict=True):
        if count_targets(session, {"sectors": [sector_id]}) == 0:
            out.append(_("console.map.no_sector", name=name))
    return out


def _sentence(key: str, value: str, suggestions: list[str]) -> str:
    text = _(key, value=value)
    if suggestions:
        names = ", ".join(_("console.criteria.quoted", name=name) for name in suggestions)
        text += " " + _("console.criteria.did_you_mean", names=names)
    return text
