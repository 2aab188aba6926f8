"""Issue 16: targeting on a map. Residences inside, outside and on the edge of a polygon, a
circle measured on the ground, an uploaded multipolygon with a hole; GeoJSON refused clearly;
residences without coordinates counted and listed, never silently dropped."""

import json
import math

import pytest
from sqlalchemy import insert, select, true

from dialer import targeting, zones
from models import Address, Residence, Sector
from runtime.i18n import explain
from tests.fixtures.dialer import add_residence

DEG_PER_M = 180 / (math.pi * zones.EARTH_RADIUS_M)  # along a meridian, on the same sphere
CENTRE = (48.42, -71.06)  # lat, lon: downtown Chicoutimi

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[-71.07, 48.41], [-71.05, 48.41], [-71.05, 48.43], [-71.07, 48.43], [-71.07, 48.41]]
    ],
}


def ring(west, south, east, north):
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


# Jonquière with a hole in its middle, and a square of La Baie: one sector
MULTI = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"NOM": "Zone inondable"},
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": [
                    [ring(-71.20, 48.40, -71.16, 48.44), ring(-71.19, 48.41, -71.17, 48.43)],
                    [ring(-70.90, 48.32, -70.86, 48.34)],
                ],
            },
        }
    ],
}

_phone = iter(range(100, 10_000))


def place(session, lat, lon, city="CHICOUTIMI", active=True):
    """A residence whose registry address is at (LAT, LON); None: an address without them."""
    n = next(_phone)
    address = Address(
        civic_number=str(n), street="rue Racine Est", city=city, latitude=lat, longitude=lon
    )
    session.add(address)
    session.flush()
    residence = add_residence(session, [f"+1418555{n:04d}"], city=city, civic=str(n), active=active)
    residence.address_id = address.id
    session.commit()
    return residence.id


def ids(session, target):
    return set(session.scalars(select(Residence.id).where(targeting.condition(session, target))))


def test_a_polygon_holds_its_inside_and_its_edge_not_the_outside(session):
    inside = place(session, 48.42, -71.06)
    on_edge = place(session, 48.41, -71.06)  # on the south side
    on_corner = place(session, 48.43, -71.05)
    outside = place(session, 48.44, -71.06)
    just_out = place(session, 48.42, -71.0499)
    place(session, 48.42, -71.06, active=False)
    zone = zones.parse_geometry(json.dumps(SQUARE))
    assert ids(session, {"zones": [zone]}) == {inside, on_edge, on_corner}
    assert targeting.count_targets(session, {"zones": [zone]}) == 3
    assert outside not in ids(session, {"zones": [zone]}) and just_out


def test_a_circle_is_measured_on_the_ground_not_in_degrees(session):
    lat, lon = CENTRE
    centre = place(session, lat, lon)
    north_299 = place(session, lat + 299 * DEG_PER_M, lon)
    north_301 = place(session, lat + 301 * DEG_PER_M, lon)
    south_299 = place(session, lat - 299 * DEG_PER_M, lon)
    # 0.0035 degree is ~258 m east-west at this latitude but ~389 m north-south
    east = place(session, lat, lon + 0.0035)
    north = place(session, lat + 0.0035, lon)
    target = {"near": [{"lat": lat, "lon": lon, "metres": 300}]}
    assert ids(session, target) == {centre, north_299, south_299, east}
    assert north_301 not in ids(session, target) and north not in ids(session, target)


def test_a_circle_from_the_cli_text(session):
    assert zones.parse_near(" 48.428, -71.069 ,300") == {
        "lat": 48.428,
        "lon": -71.069,
        "metres": 300.0,
    }


def test_an_uploaded_multipolygon_with_a_hole(session):
    in_ring = place(session, 48.405, -71.18, city="JONQUIÈRE")
    in_hole = place(session, 48.42, -71.18, city="JONQUIÈRE")
    in_baie = place(session, 48.33, -70.88, city="LA BAIE")
    elsewhere = place(session, 48.42, -71.06)
    (sector,) = zones.import_sectors(session, json.dumps(MULTI), "NOM", "admin@saguenay.ca")
    assert sector.name == "Zone inondable" and sector.geometry["type"] == "MultiPolygon"
    assert ids(session, {"sectors": [sector.id]}) == {in_ring, in_baie}
    assert not {in_hole, elsewhere} & ids(session, {"sectors": [sector.id]})
    # the same drawn as a zone answers alike
    assert ids(session, {"zones": [zones.parse_geometry(MULTI)]}) == {in_ring, in_baie}


def test_sectors_are_replaced_by_name_found_by_name_and_deleted(session):
    place(session, 48.42, -71.06)
    (first,) = zones.import_sectors(session, MULTI, "NOM", "a")
    moved = json.loads(json.dumps(MULTI))
    moved["features"][0]["geometry"] = SQUARE
    (again,) = zones.import_sectors(session, moved, "NOM", "a")
    assert again.id == first.id and session.scalar(select(Sector.geometry)) == SQUARE
    assert zones.find_sector(session, "zone INONDABLE").id == first.id
    assert zones.find_sector(session, str(first.id)).id == first.id
    assert targeting.count_targets(session, {"sectors": [first.id]}) == 1
    zones.delete_sector(session, first.id, "a")
    assert targeting.count_targets(session, {"sectors": [first.id]}) == 0
    with pytest.raises(zones.ZoneError) as refused:
        zones.find_sector(session, "Zone inondable")
    assert "Zone inondable" in explain(refused.value, "fr")


def test_zones_combine_with_a_city_by_or(session):
    inside = place(session, 48.42, -71.06)
    place(session, 48.44, -71.06)  # Chicoutimi, outside
    baie = place(session, 48.33, -70.88, city="LA BAIE")
    target = {"zones": [SQUARE], "cities": ["la baie"]}
    assert ids(session, target) == {inside, baie}
    assert not targeting.is_empty({"near": [{"lat": 48.4, "lon": -71.0, "metres": 10}]})


def test_residences_without_coordinates_are_counted_and_listed(session):
    inside = place(session, 48.42, -71.06)
    no_address = add_residence(session, ["+14185559001"], civic="7").id
    no_coords = place(session, None, None, city="LA BAIE")
    place(session, None, None, active=False)  # inactive: never targeted anyway
    target = {"zones": [SQUARE]}
    assert ids(session, target) == {inside}
    count, listed = zones.unplaced(session, target)
    assert count == 2 and {r.id for r in listed} == {no_address, no_coords}
    # a city criterion reaches one of them anyway: only the other is still unplaced
    count, listed = zones.unplaced(session, {"zones": [SQUARE], "cities": ["La Baie"]})
    assert (count, [r.id for r in listed]) == (1, [no_address])
    assert zones.unplaced(session)[0] == 2
    assert zones.points(session) == [(inside, 48.42, -71.06)]
    assert zones.points(session, (-70.9, 48.0, -70.0, 49.0)) == []


def refusal(data):
    with pytest.raises(zones.ZoneError) as refused:
        zones.parse_geometry(data)
    return refused.value.key, explain(refused.value, "fr"), explain(refused.value, "en")


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


def test_geojson_refusals_are_said_clearly():
    assert refusal(b"{not json")[0] == "zone.error.not_json"
    key, fr, en = refusal({"type": "Point", "coordinates": [-71.06, 48.42]})
    assert key == "zone.error.not_polygon" and "Point" in fr and "Point" in en
    assert refusal({"type": "LineString", "coordinates": [[0, 0], [1, 1]]})[0] == (
        "zone.error.not_polygon"
    )
    key, fr, en = refusal(polygon([[-71.07, 48.41], [-71.05, 48.41], [-71.05, 48.43]]))
    assert key == "zone.error.open_ring" and "[-71.07, 48.41]" in fr and "[-71.05, 48.43]" in en
    key, fr, _ = refusal(polygon([[-71.07, 48.41], [-71.05, 48.41], [-71.07, 48.41]]))
    assert key == "zone.error.too_few_points" and "3" in fr
    key, fr, en = refusal(polygon(ring(-200, 48.41, -71.05, 48.43)))
    assert key == "zone.error.out_of_bounds" and "-200" in fr and "-180" in en
    swapped = [[lat, lon] for lon, lat in SQUARE["coordinates"][0]]
    key, fr, en = refusal(polygon(swapped))
    assert key == "zone.error.swapped" and "[48.41, -71.07]" in fr and "[longitude, latitude]" in en
    bowtie = [[-71.07, 48.41], [-71.05, 48.43], [-71.05, 48.41], [-71.07, 48.43], [-71.07, 48.41]]
    key, fr, en = refusal(polygon(bowtie))
    assert key == "zone.error.self_intersecting" and "croise" in fr and "crosses" in en
    assert (
        refusal({"type": "Polygon", "coordinates": [[["a", "b"]]]})[0] == "zone.error.coordinates"
    )
    assert refusal({"type": "FeatureCollection", "features": []})[0] == "zone.error.no_feature"


def test_too_large_zones_are_refused():
    n = zones.MAX_VERTICES + 1
    lat, lon = CENTRE
    circle = [
        [lon + 0.01 * math.cos(2 * math.pi * i / n), lat + 0.01 * math.sin(2 * math.pi * i / n)]
        for i in range(n)
    ]
    key, fr, en = refusal(polygon([*circle, circle[0]]))
    assert key == "zone.error.too_many_vertices" and "10000" in fr and "10002" in en
    assert zones.parse_geometry(polygon([*circle[:9000], circle[0]]))["type"] == "Polygon"
    padded = json.dumps(SQUARE) + " " * zones.MAX_BYTES
    key, fr, en = refusal(padded.encode())
    assert key == "zone.error.too_big_file" and "1 Mo" in fr and "1 MB" in en


def test_a_feature_collection_of_polygons_becomes_one_multipolygon():
    square_b = polygon(ring(-70.90, 48.32, -70.86, 48.34))
    geometry = zones.parse_geometry(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {}, "geometry": SQUARE},
                {"type": "Feature", "properties": {}, "geometry": square_b},
            ],
        }
    )
    assert geometry["type"] == "MultiPolygon" and len(geometry["coordinates"]) == 2


def test_circles_refused_clearly():
    for text, key in [
        ("48.4,-71.0", "zone.error.near"),
        ("nord,-71,300", "zone.error.near"),
        ("-71.06,48.42,300", "zone.error.near_swapped"),
        ("48.42,-71.06,0", "zone.error.radius"),
        ("48.42,-71.06,60000", "zone.error.radius"),
        ("95,-71.06,300", "zone.error.out_of_bounds"),
    ]:
        with pytest.raises(zones.ZoneError) as refused:
            zones.parse_near(text)
        assert refused.value.key == key, text
        assert explain(refused.value, "fr") != key and explain(refused.value, "en") != key


def test_sector_files_refused_clearly(session):
    def sector_refusal(data, name_property="NOM"):
        with pytest.raises(zones.ZoneError) as refused:
            zones.import_sectors(session, data, name_property, "a")
        return refused.value.key, explain(refused.value, "fr"), explain(refused.value, "en")

    key, fr, en = sector_refusal(MULTI, "NAME")
    assert key == "zone.error.sector_name" and "NAME" in fr and "1" in en
    twice = {"type": "FeatureCollection", "features": MULTI["features"] * 2}
    assert sector_refusal(twice)[0] == "zone.error.sector_twice"
    bad = json.loads(json.dumps(MULTI))
    bad["features"][0]["geometry"] = {"type": "Point", "coordinates": [-71.06, 48.42]}
    key, fr, en = sector_refusal(bad)
    assert key == "zone.error.in_feature" and "Zone inondable" in fr and "Point" in en
    assert sector_refusal(SQUARE)[0] == "zone.error.not_features"
    assert session.scalar(select(Sector.id)) is None  # all or nothing


def test_a_large_result_goes_through_sql_on_both_databases(session):
    """More matched residences than SQLite's bound parameters (32,766): ids are rendered."""
    lat, lon = CENTRE
    rows = [
        {
            "civic_number": str(i),
            "street": "rue Bulk",
            "street_key": "",
            "city": "CHICOUTIMI",
            "postal_code": "",
            "latitude": lat + (i % 200) * 1e-5,
            "longitude": lon + (i // 200) * 1e-5,
        }
        for i in range(1, 33_001)
    ]
    session.execute(insert(Address), rows)
    session.execute(
        insert(Residence).from_select(
            ["civic_number", "street", "city", "address_id", "active"],
            select(Address.civic_number, Address.street, Address.city, Address.id, true()),
        )
    )
    session.commit()
    assert targeting.count_targets(session, {"zones": [SQUARE]}) == 33_000


def test_the_sql_shortcut_agrees_with_testing_every_residence(session):
    """Cells a zone covers whole are selected by their box in SQL, the rest point by point:
    both must agree with one plain Shapely/haversine test per residence."""
    import random

    from shapely.geometry import Point, shape

    rng = random.Random(16)
    lat0, lon0 = CENTRE
    rows = [
        {
            "civic_number": str(i),
            "street": "rue Test",
            "street_key": "",
            "city": "CHICOUTIMI",
            "postal_code": "",
            "latitude": lat0 + rng.uniform(-0.02, 0.02),
            "longitude": lon0 + rng.uniform(-0.03, 0.03),
        }
        for i in range(1, 3001)
    ]
    session.execute(insert(Address), rows)
    session.execute(
        insert(Residence).from_select(
            ["civic_number", "street", "city", "address_id", "active"],
            select(Address.civic_number, Address.street, Address.city, Address.id, true()),
        )
    )
    session.commit()
    placed = {
        i: (lon, lat)
        for i, lon, lat in session.execute(
            select(Residence.id, Address.longitude, Address.latitude).join(
                Address, Address.id == Residence.address_id
            )
        )
    }
    star = [  # a concave star with a hole
        [
            lon0 + (0.02 if k % 2 else 0.008) * math.cos(math.pi * k / 7),
            lat0 + (0.014 if k % 2 else 0.005) * math.sin(math.pi * k / 7),
        ]
        for k in range(14)
    ]
    hole = ring(lon0 - 0.002, lat0 - 0.001, lon0 + 0.002, lat0 + 0.001)[::-1]
    zone = zones.parse_geometry(polygon([*star, star[0]], hole))
    shaped = shape(zone)
    expected = {i for i, (lon, lat) in placed.items() if shaped.covers(Point(lon, lat))}
    assert 100 < len(expected) < 2500
    assert ids(session, {"zones": [zone]}) == expected
    metres = 1200.0
    expected = {
        i
        for i, (lon, lat) in placed.items()
        if zones.distances_m(lat0, lon0, [lat], [lon])[0] <= metres
    }
    assert 100 < len(expected) < 2500
    assert ids(session, {"near": [{"lat": lat0, "lon": lon0, "metres": metres}]}) == expected


def test_a_campaign_with_a_bad_zone_is_refused_and_a_good_one_stored_normalised(session):
    from dialer import campaigns
    from dialer.exceptions import CampaignError

    fields = dict(title="Avis", message_fr="Message")
    open_ring = polygon(SQUARE["coordinates"][0][:-1])
    for target, key in [
        ({"zones": [open_ring]}, "zone.error.open_ring"),
        ({"near": [{"lat": -71.06, "lon": 48.42, "metres": 300}]}, "zone.error.near_swapped"),
        ({"sectors": ["abc"]}, "zone.error.unknown_sector"),
    ]:
        with pytest.raises(CampaignError) as refused:
            campaigns.create_campaign(session, "t", target=target, **fields)
        assert refused.value.key == key
    feature = {"type": "Feature", "properties": {}, "geometry": SQUARE}
    made = campaigns.create_campaign(
        session, "t", target={"zones": [feature], "near": [], "sectors": ["4"]}, **fields
    )
    assert made.target["zones"] == [SQUARE] and made.target["sectors"] == [4]


def test_each_sector_of_a_file_may_have_its_own_ten_thousand_vertices(session):
    lat, lon = CENTRE
    n = 6000

    def circle(dlon):
        points = [
            [
                lon + dlon + 0.01 * math.cos(2 * math.pi * i / n),
                lat + 0.01 * math.sin(2 * math.pi * i / n),
            ]
            for i in range(n)
        ]
        return {"type": "Polygon", "coordinates": [[*points, points[0]]]}

    features = [
        {"type": "Feature", "properties": {"NOM": name}, "geometry": circle(dlon)}
        for name, dlon in (("Est", 0.05), ("Ouest", -0.05), ("Liste", 0.0))
    ]
    features[2]["properties"] = ["pas", "un", "objet"]
    data = {"type": "FeatureCollection", "features": features}
    with pytest.raises(zones.ZoneError) as refused:
        zones.import_sectors(session, data, "NOM", "a")
    assert refused.value.key == "zone.error.sector_name"  # not a 500
    assert len(zones.import_sectors(session, {**data, "features": features[:2]}, "NOM", "a")) == 2
