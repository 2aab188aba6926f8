"""A campaign's zone as a static picture: an inline SVG drawn here from the stored geometry
(drawn or uploaded polygons, circles, named zones) with the targeted residences as dots.

No tiles and no script: the campaign page and the printable summary show it as it was stored.
The projection is the plain one a city needs: degrees of longitude shrunk by the cosine of the
middle latitude, so that a circle of 300 m on the ground is a circle on the page.
"""

import math
from collections.abc import Iterable, Sequence

from markupsafe import Markup, escape

WIDTH = 640
"""The picture's width in SVG units; its height follows the zone's shape."""
MAX_HEIGHT = 480
MARGIN = 0.08
"""Room around the zone, as a share of its size."""
METRES_PER_DEGREE = 111_320
"""A degree of latitude on the ground (WGS 84, near enough for a picture)."""
MAX_DOTS = 5000
"""Dots drawn at most (a picture of a whole city stays light); the caption says when cut."""
_NICE = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000)


def _rings(geometry: dict) -> list[list[Sequence[float]]]:
    """Every ring ([lon, lat] points) of a Polygon or MultiPolygon."""
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return list(coordinates)
    if kind == "MultiPolygon":
        return [ring for polygon in coordinates for ring in polygon]
    return []


class Frame:
    """From degrees to the picture's units, around a box of (west, south, east, north)."""

    def __init__(self, west: float, south: float, east: float, north: float):
        self.shrink = math.cos(math.radians((south + north) / 2))
        span_x = max((east - west) * self.shrink, 1e-6)
        span_y = max(north - south, 1e-6)
        self.west = west - span_x * MARGIN / self.shrink
        self.north = north + span_y * MARGIN
        span_x, span_y = span_x * (1 + 2 * MARGIN), span_y * (1 + 2 * MARGIN)
        self.scale = min(WIDTH / span_x, MAX_HEIGHT / span_y)
        self.width = WIDTH
        self.height = max(round(span_y * self.scale), 120)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            round((lon - self.west) * self.shrink * self.scale, 1),
            round((self.north - lat) * self.scale, 1),
        )

    def metres(self, metres: float) -> float:
        return round(metres / METRES_PER_DEGREE * self.scale, 1)

    def holds(self, x: float, y: float) -> bool:
        return 0 <= x <= self.width and 0 <= y <= self.height


def bounds(
    zones: Iterable[dict], circles: Iterable[dict]
) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) around the zones and the circles; None when there are none."""
    lons: list[float] = []
    lats: list[float] = []
    for geometry in zones:
        for ring in _rings(geometry):
            lons += [float(p[0]) for p in ring]
            lats += [float(p[1]) for p in ring]
    for circle in circles:
        lat, lon, metres = float(circle["lat"]), float(circle["lon"]), float(circle["metres"])
        d_lat = metres / METRES_PER_DEGREE
        d_lon = d_lat / max(math.cos(math.radians(lat)), 0.01)
        lons += [lon - d_lon, lon + d_lon]
        lats += [lat - d_lat, lat + d_lat]
    if not lons:
        return None
    return min(lons), min(lats), max(lons), max(lats)


def _path(frame: Frame, geometry: dict) -> str:
    parts = []
    for ring in _rings(geometry):
        points = [frame.xy(float(p[0]), float(p[1])) for p in ring]
        if points:
            parts.append("M" + " L".join(f"{x} {y}" for x, y in points) + " Z")
    return " ".join(parts)


def _scale_bar(frame: Frame) -> str:
    """A bar of a round number of metres, about a fifth of the picture's width."""
    wanted = frame.width / 5 / frame.scale * METRES_PER_DEGREE
    metres = max((n for n in _NICE if n <= wanted), default=_NICE[0])
    length = frame.metres(metres)
    label = f"{metres // 1000} km" if metres >= 1000 else f"{metres} m"
    y = frame.height - 12
    return (
        f'<g class="zone-scale"><path d="M10 {y} h{length}"/>'
        f'<text x="10" y="{y - 5}">{label}</text></g>'
    )


def draw(
    zones: Sequence[dict],
    circles: Sequence[dict],
    sectors: Sequence[tuple[str, dict]],
    dots: Iterable[tuple[float, float]],
    title: str,
    picture_id: str = "zone-picture",
) -> Markup | None:
    """The SVG of ZONES (GeoJSON geometries), CIRCLES ({lat, lon, metres}), SECTORS ((name,
    geometry)) and DOTS ((lat, lon) of the targeted residences), titled TITLE; None when there
    is no zone to draw. TITLE is the text a screen reader says for the picture."""
    box = bounds([*zones, *(geometry for _, geometry in sectors)], circles)
    if box is None:
        return None
    frame = Frame(*box)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="zone-picture" id="{picture_id}" '
        f'viewBox="0 0 {frame.width} {frame.height}" role="img" '
        f'aria-labelledby="{picture_id}-title">',
        f'<title id="{picture_id}-title">{escape(title)}</title>',
        f'<rect class="zone-ground" width="{frame.width}" height="{frame.height}"/>',
    ]
    for name, geometry in sectors:
        parts.append(
            f'<path class="zone-sector" fill-rule="evenodd" d="{_path(frame, geometry)}">'
            f"<title>{escape(name)}</title></path>"
        )
    for geometry in zones:
        parts.append(f'<path class="zone-shape" fill-rule="evenodd" d="{_path(frame, geometry)}"/>')
    for circle in circles:
        x, y = frame.xy(float(circle["lon"]), float(circle["lat"]))
        parts.append(
            f'<circle class="zone-shape" cx="{x}" cy="{y}" r="{frame.metres(circle["metres"])}"/>'
        )
    drawn = 0
    for lat, lon in dots:
        x, y = frame.xy(lon, lat)
        if frame.holds(x, y):
            parts.append(f'<circle class="zone-dot" cx="{x}" cy="{y}" r="3"/>')
            drawn += 1
            if drawn >= MAX_DOTS:
                break
    parts.append(_scale_bar(frame))
    parts.append("</svg>")
    return Markup("".join(parts))
