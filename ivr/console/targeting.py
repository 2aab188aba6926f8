"""Turn what the operator typed in the targeting fields into the dialer's target JSON."""

import io
import json
import re

from sqlalchemy import select

from dialer.targeting import MAX_CIVIC, parse_uploaded_list
from dialer.zones import GEOMETRIC, MAX_BYTES, ZoneError, check_near, parse_geometry
from models.refusal import Refusal
from models.sector import Sector
from runtime.db import get_session

_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$", re.ASCII)
_SPLIT = re.compile(r"[,;\n]+")


class TargetError(Refusal):
    """A targeting field that cannot be understood: FIELD and a catalogue KEY with values."""

    def __init__(self, field: str, key: str, **values):
        super().__init__(key, **values)
        self.field = field


def parse_cities(text: str) -> list[str]:
    return [c.strip().upper() for c in (text or "").split(",") if c.strip()]


def parse_postal_prefixes(text: str) -> list[str]:
    prefixes = []
    for raw in _SPLIT.split((text or "").upper()):
        raw = raw.replace(" ", "").strip()
        if not raw:
            continue
        if len(raw) > 6 or not all(
            ch.isalpha() if i % 2 == 0 else ch.isdigit() for i, ch in enumerate(raw)
        ):
            raise TargetError("postal_prefixes", "console.target.bad_prefix", prefix=raw)
        prefixes.append(raw if len(raw) <= 3 else f"{raw[:3]} {raw[3:]}")
    return prefixes


def parse_streets(text: str) -> list[dict]:
    """One street a line: `street, city[, from-to]`, e.g. `rue Racine Est, Chicoutimi, 100-480`."""
    streets = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = [p.strip() for p in line.split(",") if p.strip()]
        if not parts:
            continue
        low = high = None
        if len(parts) > 1 and (m := _RANGE.match(parts[-1])):
            low, high = int(m.group(1)), int(m.group(2))
            parts = parts[:-1]
            if max(low, high) > MAX_CIVIC:
                raise TargetError(
                    "streets", "console.target.range_too_big", line=number, max=MAX_CIVIC
                )
            if low > high:
                raise TargetError("streets", "console.target.bad_range", line=number)
        if len(parts) != 2:
            raise TargetError("streets", "console.target.bad_street", line=number)
        streets.append({"street": parts[0], "city": parts[1].upper(), "from": low, "to": high})
    return streets


def _geometries(data, field: str) -> list[dict]:
    """Each geometry of DATA (a list of geometries, or one GeoJSON text, Geometry, Feature or
    FeatureCollection), checked by the dialer's parse_geometry; a refusal is said next to
    FIELD."""
    items = data if isinstance(data, list) else [data]
    zones = []
    for item in items:
        try:
            zones.append(parse_geometry(item))
        except ZoneError as exc:
            raise TargetError(field, exc.key, **exc.values) from None
    return zones


def parse_zone_text(text: str | None) -> list[dict]:
    """The zones carried by the form's hidden field: the map's drawing, a JSON list of
    GeoJSON geometries (one per shape drawn: overlapping shapes stay valid)."""
    text = (text or "").strip()
    if not text:
        return []
    if len(text) > MAX_BYTES:
        raise TargetError("zone", "zone.error.too_big_file", max=MAX_BYTES // 1_000_000)
    try:
        data = json.loads(text)
    except ValueError:
        raise TargetError("zone", "zone.error.not_json") from None
    return _geometries(data, "zone") if data not in ([], None) else []


def parse_zone_file(upload) -> list[dict]:
    """The zone of an uploaded GeoJSON file (none when no file was given)."""
    if not upload or not getattr(upload, "filename", ""):
        return []
    return _geometries(upload.read(MAX_BYTES + 1), "zone_file")


def _decimal(text: str | None) -> float | None:
    """'48,4281' or '48.4281' -> 48.4281 (French or English way); blank -> None."""
    text = (text or "").strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    return float(text) if text else None


def parse_near(lat_text: str | None, lon_text: str | None, metres: str | None) -> list[dict]:
    """The circle typed or drawn: its centre (latitude, longitude in degrees) and its radius
    in metres; all three or none. The dialer's check_near has the last word (bounds, the
    latitude and longitude given the wrong way round, the largest radius)."""
    texts = (lat_text, lon_text, metres)
    if not any((t or "").strip() for t in texts):
        return []
    try:
        lat, lon, radius = (_decimal(t) for t in texts)
    except ValueError:
        raise TargetError("near_lat", "console.map.not_number") from None
    if lat is None or lon is None or radius is None:
        raise TargetError("near_lat", "console.map.circle_incomplete")
    try:
        circle = check_near({"lat": lat, "lon": lon, "metres": radius})
    except ZoneError as exc:
        field = "near_metres" if exc.key == "zone.error.radius" else "near_lat"
        raise TargetError(field, exc.key, **exc.values) from None
    return [{"lat": round(lat, 6), "lon": round(lon, 6), "metres": circle["metres"]}]


def parse_sectors(ids) -> list[int]:
    """The named zones ticked, each one that still exists."""
    wanted = sorted({int(i) for i in ids or []})
    if not wanted:
        return []
    known = set(get_session().scalars(select(Sector.id).where(Sector.id.in_(wanted))))
    if set(wanted) - known:
        raise TargetError("sectors", "console.map.unknown_sector")
    return wanted


def zone_criteria(form) -> dict:
    """The map's criteria of a CampaignForm (drawn or uploaded zones, the circle, named
    sectors), each one only when given."""
    zones = [] if form.zone_clear.data else parse_zone_text(form.zone.data)
    zones += parse_zone_file(form.zone_file.data)
    criteria = {
        "zones": zones,
        "near": parse_near(form.near_lat.data, form.near_lon.data, form.near_metres.data),
        "sectors": parse_sectors(form.sectors.data),
    }
    return {name: value for name, value in criteria.items() if value}  # stored when used


def build_target(form) -> tuple[dict, list[tuple[int, str]]]:
    """The target JSON from a CampaignForm, and the uploaded list's refused lines."""
    target = {
        "all": bool(form.target_all.data),
        "cities": parse_cities(form.cities.data),
        "streets": parse_streets(form.streets.data),
        "postal_prefixes": parse_postal_prefixes(form.postal_prefixes.data),
        "residence_ids": [],
        **zone_criteria(form),
    }
    refused = []
    upload = form.upload.data
    if upload and getattr(upload, "filename", ""):
        text = upload.read().decode("utf-8-sig", errors="replace")
        ids, refused = parse_uploaded_list(io.StringIO(text))
        target["residence_ids"] = list(ids)
        if not ids:
            raise TargetError("upload", "console.target.empty_list")
    if not (
        target["all"]
        or target["cities"]
        or target["streets"]
        or target["postal_prefixes"]
        or target["residence_ids"]
        or any(target.get(name) for name in GEOMETRIC)
    ):
        raise TargetError("cities", "console.target.none")
    return target, refused
