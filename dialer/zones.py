"""Targeting on a map (issue 16): drawn or uploaded zones, circles, named sectors.

A campaign's `target` (dialer/targeting.py) may hold, besides cities, streets, postal prefixes
and lists, and combining with them by OR:

- `"zones"`: GeoJSON geometries (Polygon or MultiPolygon, WGS 84, [lon, lat]) as
  `parse_geometry` normalised them;
- `"near"`: circles `{"lat": float, "lon": float, "metres": float}`;
- `"sectors"`: ids of the named sectors an admin uploaded (`import_sectors`, models/sector.py).

A residence's place is its registry address's latitude/longitude (`Residence.address_id` ->
`Address`; `link_residences` makes the links after a CSV import). Matching a zone:

1. SQL prefilter: the zone's bounding box (`BETWEEN` on the indexed coordinates), cut into
   GRID x GRID cells. The cells the zone covers whole are selected in SQL by their boxes alone
   (merged along each row): their residences are never read into Python.
2. Exact test in Python, vectorised, for the residences of the other cells of the box:
   - polygons by Shapely: `shapely.covers(polygon, points)`, so a point on the edge is inside
     (covers, not contains), and a point in a hole is outside;
   - circles on the ground: the haversine distance on a sphere of radius 6,371,008.8 m (the
     mean Earth radius of IUGG), with numpy; the box is the circle's extent in degrees.

The ids matched in step 2 reach SQL as an `IN` list rendered into the statement (no bound
parameter per id: SQLite caps those), OR-ed with the covered cells' boxes: a target stays one
SQL condition (`targeting.condition`) for the count and the launch's INSERT ... SELECT, on
SQLite and PostgreSQL alike. Residences without coordinates are never matched by a zone:
`unplaced` counts and lists them so that the map page and the CLI say so. docs/map.md.
"""

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any, cast

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import and_, bindparam, false, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models import Address, Campaign, CampaignStatus, Residence, Sector, audit

from .exceptions import CampaignError

GEOMETRIC = ("zones", "near", "sectors")
"""The criteria of a target this module answers (dialer/targeting.py CRITERIA has them too)."""
EARTH_RADIUS_M = 6_371_008.8
"""The mean Earth radius (IUGG), metres: distances are great-circle distances on this sphere."""
MAX_BYTES = 1_000_000
"""The largest GeoJSON upload read (1 MB)."""
MAX_VERTICES = 10_000
"""The most vertices a zone (or each sector of a file) may have, all its rings together."""
MAX_RADIUS_M = 50_000.0
"""The largest circle (50 km: the whole city and more)."""
CITY_BOX = (-71.6, 48.2, -70.3, 48.75)
"""Saguenay's extent with a margin: (west lon, south lat, east lon, north lat). A zone whose
points all fall outside it but inside it once swapped was given as [lat, lon]."""
UNPLACED_LISTED = 500
"""How many unplaced residences `unplaced` lists (it counts them all)."""


class ZoneError(CampaignError):
    """A zone, circle or sector file refused: a catalogue key (zone.error.*) and its values.
    A CampaignError (a Refusal): a campaign with a bad zone is refused like any other."""


# --- parsing -------------------------------------------------------------------------------


def _in_box(lon: float, lat: float) -> bool:
    west, south, east, north = CITY_BOX
    return west <= lon <= east and south <= lat <= north


def swapped(lat: float, lon: float) -> bool:
    """A point outside the city that would be in it with latitude and longitude swapped."""
    return not _in_box(lon, lat) and _in_box(lat, lon)


def _polygons(data: Any) -> list[list[list[list[float]]]]:
    """The polygons (lists of rings of [lon, lat]) of a Geometry, Feature or FeatureCollection."""
    if not isinstance(data, dict):
        raise ZoneError("zone.error.not_polygon", kind=type(data).__name__)
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or not features:
            raise ZoneError("zone.error.no_feature")
        return [p for feature in features for p in _polygons(feature)]
    if kind == "Feature":
        return _polygons(data.get("geometry"))
    coordinates = data.get("coordinates")
    polygons: Any
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon":
        polygons = coordinates if isinstance(coordinates, list) else None
    else:
        raise ZoneError("zone.error.not_polygon", kind=str(kind))
    if not isinstance(polygons, list) or not polygons:
        raise ZoneError("zone.error.coordinates")
    checked: list[list[list[list[float]]]] = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ZoneError("zone.error.coordinates")
        rings = []
        for ring in polygon:
            if not isinstance(ring, list):
                raise ZoneError("zone.error.coordinates")
            points = []
            for point in ring:
                if (
                    not isinstance(point, list | tuple)
                    or len(point) < 2
                    or not all(
                        isinstance(v, int | float) and not isinstance(v, bool) for v in point[:2]
                    )
                    or not all(math.isfinite(v) for v in point[:2])
                ):
                    raise ZoneError("zone.error.coordinates")
                points.append([float(point[0]), float(point[1])])
            if len(points) >= 2 and points[0] != points[-1]:
                raise ZoneError(
                    "zone.error.open_ring", first=_said(points[0]), last=_said(points[-1])
                )
            if len(points) < 4:
                raise ZoneError("zone.error.too_few_points", count=max(len(points) - 1, 0))
            rings.append(points)
        checked.append(rings)
    return checked


def _said(point: Sequence[float]) -> str:
    return f"[{point[0]:g}, {point[1]:g}]"


def _check_order(polygons: list[list[list[list[float]]]]) -> None:
    """Coordinates within WGS 84, in [lon, lat] order (a [lat, lon] zone of the city is said)."""
    points = [p for polygon in polygons for ring in polygon for p in ring]
    if len(points) > MAX_VERTICES:
        raise ZoneError("zone.error.too_many_vertices", count=len(points), max=MAX_VERTICES)
    if any(not _in_box(lon, lat) for lon, lat in points) and all(
        _in_box(lat, lon) for lon, lat in points
    ):
        raise ZoneError("zone.error.swapped", point=_said(points[0]))
    for lon, lat in points:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ZoneError("zone.error.out_of_bounds", point=_said([lon, lat]))


def _load(data: str | bytes | dict[str, Any]) -> Any:
    if isinstance(data, dict):
        return data
    if len(data) > MAX_BYTES:
        raise ZoneError("zone.error.too_big_file", max=MAX_BYTES // 1_000_000)
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise ZoneError("zone.error.not_json") from None


def _geometry(polygons: list[list[list[list[float]]]]) -> dict[str, Any]:
    if len(polygons) == 1:
        geometry: dict[str, Any] = {"type": "Polygon", "coordinates": polygons[0]}
    else:
        geometry = {"type": "MultiPolygon", "coordinates": polygons}
    shaped = shape(geometry)
    if not shaped.is_valid:
        raise ZoneError("zone.error.self_intersecting", why=shapely.is_valid_reason(shaped))
    if shaped.area == 0:
        raise ZoneError("zone.error.too_few_points", count=0)
    return geometry


def parse_geometry(data: str | bytes | dict[str, Any]) -> dict[str, Any]:
    """One normalised GeoJSON geometry (Polygon, or MultiPolygon when the input holds several
    polygons) from a Geometry, Feature or FeatureCollection of polygons; ZoneError otherwise."""
    polygons = _polygons(_load(data))
    _check_order(polygons)
    return _geometry(polygons)


def parse_near(text: str) -> dict[str, float]:
    """'48.4280,-71.0686,300' (LAT,LON,METRES) -> {"lat", "lon", "metres"}; ZoneError else."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        lat, lon, metres = (float(p) for p in parts)
    except ValueError:
        raise ZoneError("zone.error.near", value=text) from None
    return check_near({"lat": lat, "lon": lon, "metres": metres})


def check_near(circle: dict[str, Any]) -> dict[str, float]:
    """A circle {"lat", "lon", "metres"} checked: WGS 84 bounds, [lat, lon] order, radius."""
    try:
        lat, lon, metres = (float(circle[k]) for k in ("lat", "lon", "metres"))
    except (KeyError, TypeError, ValueError):
        raise ZoneError("zone.error.near", value=str(circle)) from None
    if not all(math.isfinite(v) for v in (lat, lon, metres)):
        raise ZoneError("zone.error.near", value=str(circle))
    if swapped(lat, lon):
        raise ZoneError("zone.error.near_swapped", lat=f"{lat:g}", lon=f"{lon:g}")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ZoneError("zone.error.out_of_bounds", point=_said([lon, lat]))
    if not 1 <= metres <= MAX_RADIUS_M:
        raise ZoneError("zone.error.radius", value=f"{metres:g}", max=f"{MAX_RADIUS_M:g}")
    return {"lat": lat, "lon": lon, "metres": metres}


# --- matching ------------------------------------------------------------------------------

Box = tuple[float, float, float, float]
"""(west lon, south lat, east lon, north lat), degrees."""
GRID = 32
"""A zone's bounding box is cut into GRID x GRID cells: the cells it covers whole are selected
in SQL by their box alone, only the residences of the cells its outline crosses are tested
one by one in Python."""
MARGIN_M = 0.01
"""How far inside (outside) a circle a cell must be to count whole (to be skipped), metres."""


class Shape:
    """A polygon or a circle: its bounding box, which cells it covers or misses, and the
    exact test of points."""

    box: Box

    def cells(
        self, west: np.ndarray, south: np.ndarray, east: np.ndarray, north: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(covered whole, missed whole) masks of the cells."""
        raise NotImplementedError

    def holds(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Which points are inside, their edge included."""
        raise NotImplementedError


class Polygon(Shape):
    """Shapely, prepared: `covers` (a point on the edge is inside; one in a hole is not)."""

    def __init__(self, geometry: dict[str, Any] | BaseGeometry):
        self.shaped = geometry if isinstance(geometry, BaseGeometry) else shape(geometry)
        shapely.prepare(self.shaped)
        self.box = cast(Box, tuple(self.shaped.bounds))

    def cells(
        self, west: np.ndarray, south: np.ndarray, east: np.ndarray, north: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        boxes = shapely.box(west, south, east, north)
        return shapely.covers(self.shaped, boxes), ~shapely.intersects(self.shaped, boxes)

    def holds(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        return np.asarray(shapely.covers(self.shaped, shapely.points(lons, lats)))


class Circle(Shape):
    """Distances on the ground: haversine on a sphere of EARTH_RADIUS_M."""

    def __init__(self, lat: float, lon: float, metres: float):
        self.lat, self.lon, self.metres = lat, lon, metres
        self.box = circle_box(lat, lon, metres)

    def cells(
        self, west: np.ndarray, south: np.ndarray, east: np.ndarray, north: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        corners = [
            distances_m(self.lat, self.lon, lat, lon)
            for lat in (south, north)
            for lon in (west, east)
        ]
        farthest = np.maximum.reduce(corners)
        nearest = distances_m(
            self.lat, self.lon, np.clip(self.lat, south, north), np.clip(self.lon, west, east)
        )
        return farthest <= self.metres - MARGIN_M, nearest > self.metres + MARGIN_M

    def holds(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        return distances_m(self.lat, self.lon, lats, lons) <= self.metres


def circle_box(lat: float, lon: float, metres: float) -> Box:
    """The circle's extent in degrees (west, south, east, north), a little generous."""
    dlat = math.degrees(metres / EARTH_RADIUS_M) * 1.001
    cos_lat = math.cos(math.radians(min(abs(lat) + dlat, 90.0)))
    dlon = 180.0 if cos_lat < 1e-9 else min(180.0, dlat / cos_lat)
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def distances_m(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances in metres (haversine, sphere of EARTH_RADIUS_M)."""
    phi1, phi2 = math.radians(lat), np.radians(lats)
    dphi = phi2 - phi1
    dlambda = np.radians(lons) - math.radians(lon)
    h = np.sin(dphi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def _in(box: Box) -> ColumnElement[bool]:
    west, south, east, north = box
    return and_(Address.latitude.between(south, north), Address.longitude.between(west, east))


def _runs(mask: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> list[Box]:
    """The cells of MASK (GRID x GRID, row = latitude) as boxes merged along each row."""
    boxes: list[Box] = []
    for row in range(GRID):
        col = 0
        while col < GRID:
            if not mask[row, col]:
                col += 1
                continue
            first = col
            while col < GRID and mask[row, col]:
                col += 1
            boxes.append((float(xs[first]), float(ys[row]), float(xs[col]), float(ys[row + 1])))
    return boxes


def _grid(zone: Shape) -> tuple[list[Box], list[Box]]:
    """The boxes of the cells ZONE covers whole, and of those its outline crosses (the cells
    it misses whole are neither)."""
    west, south, east, north = zone.box
    xs, ys = np.linspace(west, east, GRID + 1), np.linspace(south, north, GRID + 1)
    x0, y0 = np.meshgrid(xs[:-1], ys[:-1])
    x1, y1 = np.meshgrid(xs[1:], ys[1:])
    covered, missed = zone.cells(x0.ravel(), y0.ravel(), x1.ravel(), y1.ravel())
    covered, missed = covered.reshape(GRID, GRID), missed.reshape(GRID, GRID)
    return _runs(covered, xs, ys), _runs(~covered & ~missed, xs, ys)


def zone_condition(session: Session, zone: Shape) -> ColumnElement[bool]:
    """The SQL condition on Residence for the residences placed in ZONE: those in the cells
    it covers whole (by their addresses' coordinates, in SQL), or those of the cells its
    outline crosses (fetched, prefiltered in SQL) that the exact test in Python holds."""
    covered, crossed = _grid(zone)
    clauses: list[ColumnElement[bool]] = []
    if covered:
        inside_boxes = select(Address.id).where(  # the whole box first: the index serves
            _in(zone.box), or_(*(_in(b) for b in covered))
        )
        clauses.append(
            and_(Residence.address_id.is_not(None), Residence.address_id.in_(inside_boxes))
        )
    rows: Sequence[Any] = []
    if crossed:
        # a point on the side shared with a covered cell is in both: it is selected twice
        rows = session.execute(
            select(Residence.id, Address.longitude, Address.latitude)
            .join(Address, Address.id == Residence.address_id)
            .where(Residence.active.is_(True), _in(zone.box), or_(*(_in(b) for b in crossed)))
        ).all()
    if rows:
        ids, lons, lats = (np.array(column) for column in zip(*rows))
        matched = sorted(int(i) for i in ids[zone.holds(lons.astype(float), lats.astype(float))])
        if matched:
            # rendered into the statement: no bound parameter per id (SQLite caps those)
            clauses.append(
                Residence.id.in_(bindparam(None, matched, expanding=True, literal_execute=True))
            )
    return or_(*clauses) if clauses else false()


def sector_geometries(session: Session, sector_ids: Iterable[Any]) -> list[dict[str, Any]]:
    """The geometries of the sectors named by id (unknown ids name nothing)."""
    wanted = {int(i) for i in sector_ids if str(i).strip().lstrip("-").isdigit()}
    if not wanted:
        return []
    return list(session.scalars(select(Sector.geometry).where(Sector.id.in_(wanted))))


def checked(target: dict[str, Any]) -> dict[str, Any]:
    """TARGET with its zones, circles and sectors checked and normalised (what a campaign
    stores); ZoneError naming the first bad one."""
    sectors = []
    for value in target.get("sectors") or []:
        if not str(value).strip().isdigit() or not 0 < int(value) <= 2**31 - 1:
            raise ZoneError("zone.error.unknown_sector", value=str(value))
        sectors.append(int(value))
    return {
        **target,
        "zones": [parse_geometry(z) for z in target.get("zones") or []],
        "near": [check_near(c) for c in target.get("near") or []],
        "sectors": sectors,
    }


def has_geometry(target: dict[str, Any] | None) -> bool:
    return any((target or {}).get(k) for k in GEOMETRIC)


def shapes(session: Session, target: dict[str, Any] | None) -> list[Shape]:
    """TARGET's zones, sectors and circles. Malformed ones name nobody: a stored target was
    checked when it was saved."""
    target = target or {}
    found: list[Shape] = []
    geometries = list(target.get("zones") or [])
    geometries += sector_geometries(session, target.get("sectors") or [])
    for geometry in geometries:
        try:
            polygon = Polygon(geometry)
        except (AttributeError, TypeError, ValueError, KeyError, shapely.errors.ShapelyError):
            continue
        if not polygon.shaped.is_empty:
            found.append(polygon)
    for circle in target.get("near") or []:
        try:
            checked = check_near(circle)
        except ZoneError:
            continue
        found.append(Circle(checked["lat"], checked["lon"], checked["metres"]))
    return found


def condition(session: Session, target: dict[str, Any] | None) -> ColumnElement[bool] | None:
    """The SQL condition on Residence for TARGET's zones, circles and sectors (its other
    criteria aside; not `active`: targeting.condition adds it); None when it has none."""
    if not has_geometry(target):
        return None
    clauses = [zone_condition(session, zone) for zone in shapes(session, target)]
    return or_(*clauses) if clauses else false()


def residence_ids_in(session: Session, target: dict[str, Any] | None) -> set[int]:
    """The active residences TARGET's zones, circles and sectors hold (its other criteria
    aside)."""
    placed = condition(session, target)
    if placed is None:
        return set()
    return set(session.scalars(select(Residence.id).where(Residence.active.is_(True), placed)))


def is_placed() -> ColumnElement[bool]:
    """The residence's registry address has both coordinates (use with an outer join)."""
    return and_(Address.latitude.is_not(None), Address.longitude.is_not(None))


def unplaced(
    session: Session, target: dict[str, Any] | None = None, limit: int = UNPLACED_LISTED
) -> tuple[int, list[Residence]]:
    """Active residences without coordinates that TARGET does not already reach by another
    criterion (all of them when TARGET is None or empty): how many, and the first LIMIT by
    city, street and civic number. A zone cannot place them; the map page lists them."""
    from . import targeting  # targeting imports this module

    where: list[ColumnElement[bool]] = [Residence.active.is_(True), ~is_placed()]
    if target and not targeting.is_empty(target):
        # NULL (a NULL address_id or civic number) is "not reached", not "unknown"
        reached = func.coalesce(targeting.condition(session, target), false())
        where.append(~reached.is_(True))
    base = (
        select(Residence).outerjoin(Address, Address.id == Residence.address_id).where(and_(*where))
    )
    count = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    listed = list(
        session.scalars(
            base.order_by(
                Residence.city, Residence.street, Residence.civic_number, Residence.id
            ).limit(limit)
        )
    )
    return count, listed


def points(
    session: Session, bbox: tuple[float, float, float, float] | None = None
) -> list[tuple[int, float, float]]:
    """(residence id, lat, lon) of every active placed residence, inside BBOX (west, south,
    east, north) when given: what the map draws."""
    query = (
        select(Residence.id, Address.latitude, Address.longitude)
        .join(Address, Address.id == Residence.address_id)
        .where(Residence.active.is_(True), is_placed())
        .order_by(Residence.id)
    )
    if bbox is not None:
        west, south, east, north = bbox
        query = query.where(
            Address.latitude.between(south, north), Address.longitude.between(west, east)
        )
    return [(int(i), float(lat or 0), float(lon or 0)) for i, lat, lon in session.execute(query)]


def link_residences(session: Session) -> int:
    """Link each residence without a registry address to the registry's address of the same
    civic number, street and city (ignoring case, accents and hyphens): its coordinates then
    place it on the map. Returns how many were linked; not committed. Both CSV imports
    (ivr/addresses.py, ivr/residents.py) call it, whichever comes second."""
    from .targeting import fold  # targeting imports this module

    registry = {
        (civic, fold(street), fold(city)): address_id
        for address_id, civic, street, city in session.execute(
            select(Address.id, Address.civic_number, Address.street, Address.city)
        )
    }
    if not registry:
        return 0
    links = [
        {"id": residence_id, "address_id": registry[key]}
        for residence_id, civic, street, city in session.execute(
            select(Residence.id, Residence.civic_number, Residence.street, Residence.city).where(
                Residence.address_id.is_(None)
            )
        )
        if (key := (civic.strip(), fold(street), fold(city))) in registry
    ]
    if links:
        session.execute(update(Residence), links)
    return len(links)


# --- sectors -------------------------------------------------------------------------------


def import_sectors(
    session: Session, data: str | bytes | dict[str, Any], name_property: str, actor: str
) -> list[Sector]:
    """One sector per feature of a FeatureCollection, named by its NAME_PROPERTY; a sector of
    the same name is replaced. All or nothing: a bad feature refuses the file (ZoneError
    naming the feature). Committed, audited."""
    loaded = _load(data)
    if not isinstance(loaded, dict):
        raise ZoneError("zone.error.not_polygon", kind=type(loaded).__name__)
    if loaded.get("type") == "Feature":
        features = [loaded]
    elif loaded.get("type") == "FeatureCollection":
        features = loaded.get("features") or []
    else:
        raise ZoneError("zone.error.not_features")
    if not isinstance(features, list) or not features:
        raise ZoneError("zone.error.no_feature")
    named: dict[str, dict[str, Any]] = {}
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            properties = {}
        name = " ".join(str(properties.get(name_property) or "").split())[:120]
        if not name:
            raise ZoneError("zone.error.sector_name", number=number, property=name_property)
        if name in named:
            raise ZoneError("zone.error.sector_twice", number=number, name=name)
        try:
            polygons = _polygons(feature)
            _check_order(polygons)
            named[name] = _geometry(polygons)
        except ZoneError as error:
            raise ZoneError("zone.error.in_feature", number=number, name=name, why=error) from None
    existing = {s.name: s for s in session.scalars(select(Sector).where(Sector.name.in_(named)))}
    sectors = []
    for name, geometry in named.items():
        sector = existing.get(name)
        if sector is None:
            sector = Sector(name=name, created_by=actor)
            session.add(sector)
        sector.geometry = geometry
        sectors.append(sector)
    session.flush()
    audit(session, actor, "sectors.import", count=len(sectors), names=sorted(named)[:50])
    session.commit()
    return sectors


def find_sector(session: Session, text: str) -> Sector:
    """A sector by id ('3') or by name (ignoring case); ZoneError when none."""
    text = str(text).strip()
    sector = session.get(Sector, int(text)) if text.isdigit() else None
    if sector is None:
        folded = text.casefold()
        sector = next(
            (s for s in session.scalars(select(Sector)) if s.name.casefold() == folded), None
        )
    if sector is None:
        raise ZoneError("zone.error.unknown_sector", value=text)
    return sector


def delete_sector(session: Session, sector_id: int, actor: str) -> str:
    """Delete a sector no draft campaign targets (launched ones keep their calls); returns
    its name."""
    sector = session.get(Sector, sector_id)
    if sector is None:
        raise ZoneError("zone.error.unknown_sector", value=str(sector_id))
    drafts = [
        campaign_id
        for campaign_id, target in session.execute(
            select(Campaign.id, Campaign.target).where(
                Campaign.status == CampaignStatus.DRAFT.value
            )
        )
        if sector_id in {int(i) for i in (target or {}).get("sectors") or [] if str(i).isdigit()}
    ]
    if drafts:  # they would launch to nobody in it
        raise ZoneError(
            "zone.error.sector_in_use",
            name=sector.name,
            campaigns=", ".join(f"#{i}" for i in sorted(drafts)),
        )
    name = sector.name
    session.delete(sector)
    audit(session, actor, "sectors.delete", "sector", sector_id, name=name)
    session.commit()
    return name


__all__ = [
    "GEOMETRIC",
    "ZoneError",
    "parse_geometry",
    "parse_near",
    "check_near",
    "residence_ids_in",
    "condition",
    "unplaced",
    "points",
    "import_sectors",
    "find_sector",
    "delete_sector",
    "link_residences",
    "has_geometry",
    "checked",
]
