"""Counting the residences of a map zone (issue 16; target < 1 s for a zone over 100,000
residences): BENCH_ZONE_RESIDENCES (100,000) residences placed around Chicoutimi, on
PostgreSQL (BENCH_DATABASE_URL) and on SQLite (a scratch file), for

- a 720-vertex polygon holding nearly all of them, with a hole (the worst case);
- a 300 m circle (the water-main break);
- a small drawn block.

Each is timed through `targeting.count_targets` (SQL bounding-box prefilter, then Shapely's
vectorised `covers` or the haversine in numpy), next to the naive way measured in the same
run: every placed residence loaded without prefilter, then one Shapely `Point` and one
unprepared `covers` (or one `math` haversine) per residence in a Python loop.
"""

import math
import os
import random
import tempfile
import time

import shapely
from shapely.geometry import Point, shape
from sqlalchemy import insert, select, text

from dialer import targeting, zones
from models import Address, Residence, make_engine, make_sessionmaker

from . import common

CENTRE = (48.4180, -71.0650)  # lat, lon


def ring(lat, lon, radius_deg, vertices, clockwise=False):
    """A closed ring of VERTICES points around (LAT, LON), [lon, lat] order."""
    step = -1 if clockwise else 1
    points = [
        [
            lon
            + radius_deg
            / math.cos(math.radians(lat))
            * math.cos(step * 2 * math.pi * i / vertices),
            lat + radius_deg * math.sin(step * 2 * math.pi * i / vertices),
        ]
        for i in range(vertices)
    ]
    return [*points, points[0]]


def zones_to_time():
    lat, lon = CENTRE
    big = {
        "type": "Polygon",
        "coordinates": [ring(lat, lon, 0.05, 720), ring(lat, lon, 0.002, 36, clockwise=True)],
    }
    block = {
        "type": "Polygon",
        "coordinates": [ring(lat + 0.01, lon - 0.01, 0.003, 5)],
    }
    return [
        ("polygon, 720 vertices, a hole", {"zones": [zones.parse_geometry(big)]}),
        ("circle of 300 m", {"near": [{"lat": lat, "lon": lon, "metres": 300.0}]}),
        ("drawn block, 5 vertices", {"zones": [zones.parse_geometry(block)]}),
    ]


def fill(url, count, seed=16):
    """COUNT residences (common.bulk_residences) each at a registry address near CENTRE."""
    common.bulk_residences(url, count)
    rng = random.Random(seed)
    lat, lon = CENTRE
    engine = make_engine(url)
    with engine.begin() as conn:
        for start in range(0, count, 10_000):
            conn.execute(
                insert(Address),
                [
                    {
                        "id": i,
                        "civic_number": str(i),
                        "street": "rue Racine Est",
                        "street_key": "",
                        "city": "CHICOUTIMI",
                        "postal_code": "",
                        "latitude": lat + rng.uniform(-0.04, 0.04),
                        "longitude": lon + rng.uniform(-0.06, 0.06),
                    }
                    for i in range(start + 1, min(count, start + 10_000) + 1)
                ],
            )
        conn.execute(text("UPDATE residences SET address_id = id"))
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    engine.dispose()


def naive(session, target):
    """No prefilter, one Python test per residence: the baseline."""
    rows = session.execute(
        select(Address.latitude, Address.longitude)
        .join(Residence, Residence.address_id == Address.id)
        .where(Residence.active.is_(True), Address.latitude.is_not(None))
    ).all()
    found = 0
    for geometry in target.get("zones") or []:
        polygon = shape(geometry)
        found += sum(1 for lat, lon in rows if polygon.covers(Point(lon, lat)))
    for circle in target.get("near") or []:
        phi1, lambda1 = math.radians(circle["lat"]), math.radians(circle["lon"])
        for lat, lon in rows:
            phi2, lambda2 = math.radians(lat), math.radians(lon)
            h = (
                math.sin((phi2 - phi1) / 2) ** 2
                + math.cos(phi1) * math.cos(phi2) * math.sin((lambda2 - lambda1) / 2) ** 2
            )
            found += 2 * zones.EARTH_RADIUS_M * math.asin(math.sqrt(h)) <= circle["metres"]
    return found


def run(label, url, count):
    common.fresh_database(url)
    fill(url, count)
    Session = make_sessionmaker(make_engine(url))
    print(f"{label}: {count} placed residences")
    worst = 0.0
    with Session() as session:
        for name, target in zones_to_time():
            targeting.count_targets(session, target)  # warm the caches alike for both
            started = time.perf_counter()
            counted = targeting.count_targets(session, target)
            ours = time.perf_counter() - started
            started = time.perf_counter()
            baseline = naive(session, target)
            slow = time.perf_counter() - started
            assert baseline == counted, (name, baseline, counted)
            worst = max(worst, ours)
            print(
                f"  {name:<32} {counted:>7} inside: {ours * 1000:6.0f} ms "
                f"(naive loop {slow * 1000:6.0f} ms, {slow / ours:5.1f}x slower)"
            )
    print(f"  slowest count: {worst:.3f} s (target < 1 s)")


def main():
    count = int(os.environ.get("BENCH_ZONE_RESIDENCES", 100_000))
    print(f"shapely {shapely.__version__}")
    run("PostgreSQL", common.DATABASE_URL, count)
    with tempfile.TemporaryDirectory() as scratch:
        run("SQLite", f"sqlite:///{scratch}/zone.sqlite3", count)


if __name__ == "__main__":
    main()
