"""Issue 16 from the command line: registry coordinates reach imported residences, `campaign
create --zone/--near/--sector`, `sectors import/list/delete`, and a campaign launched with
--zone calls exactly the residences inside (through the simulator)."""

import json

from sqlalchemy import select

from dialer import campaigns, targeting, zones
from dialer.worker import drain
from ivr.demo import load_demo
from models import AuditEntry, Campaign, Residence, Sector
from tests.dialer.test_end_to_end import app_config, e2e, simulator  # noqa: F401 (fixtures)
from tests.dialer.test_h7_followup import called
from tests.dialer.test_zones import MULTI, SQUARE, place

ADDRESSES_CSV = """civic_number,street,city,postal_code,latitude,longitude
120,rue Racine Est,Chicoutimi,G7H 1A1,48.4200,-71.0600
130,rue Racine Est,Chicoutimi,G7H 1A1,48.4400,-71.0600
140,rue Racine Est,Chicoutimi,G7H 1A1,,
"""
RESIDENTS_CSV = """last_name,first_name,phone,civic_number,street,city
Tremblay,Marie,418 555-0120,120,Rue Racine-Est,CHICOUTIMI
Gagnon,Luc,418 555-0130,130,rue racine est,chicoutimi
Simard,Éric,418 555-0140,140,rue Racine Est,Chicoutimi
Côté,Diane,418 555-0150,150,rue Racine Est,Chicoutimi
"""


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def by_civic(session):
    return {r.civic_number: r.id for r in session.scalars(select(Residence))}


def test_imported_residences_take_their_registry_coordinates(runner, session, tmp_path):
    # residences first, the registry second: the second import links them
    assert runner.invoke(args=["residents", "import", write(tmp_path, "r.csv", RESIDENTS_CSV)])
    done = runner.invoke(args=["addresses", "import", write(tmp_path, "a.csv", ADDRESSES_CSV)])
    assert done.exit_code == 0, done.output
    civic = by_civic(session)
    assert zones.points(session) == [(civic["120"], 48.42, -71.06), (civic["130"], 48.44, -71.06)]
    count, listed = zones.unplaced(session)
    assert count == 2 and {r.civic_number for r in listed} == {"140", "150"}


def test_residences_imported_after_the_registry_are_placed_too(runner, session, tmp_path):
    assert runner.invoke(args=["addresses", "import", write(tmp_path, "a.csv", ADDRESSES_CSV)])
    done = runner.invoke(args=["residents", "import", write(tmp_path, "r.csv", RESIDENTS_CSV)])
    assert done.exit_code == 0, done.output
    civic = by_civic(session)
    assert [i for i, _lat, _lon in zones.points(session)] == [civic["120"], civic["130"]]
    assert zones.unplaced(session)[0] == 2


def test_campaign_create_with_a_zone_a_circle_and_a_sector(runner, session, tmp_path):
    inside = place(session, 48.42, -71.06)
    near_baie = place(session, 48.3301, -70.8801, city="LA BAIE")
    in_sector = place(session, 48.405, -71.18, city="JONQUIÈRE")
    place(session, 48.44, -71.06)  # outside everything
    unplaced = place(session, None, None)
    imported = runner.invoke(
        args=["sectors", "import", write(tmp_path, "s.geojson", MULTI), "--name-property", "NOM"]
    )
    assert imported.exit_code == 0, imported.output
    assert "Zone inondable" in imported.output
    listed = runner.invoke(args=["sectors", "list"])
    assert "Zone inondable\t2 residences" in listed.output  # in_sector and near_baie
    done = runner.invoke(
        args=[
            "campaign",
            "create",
            "--title",
            "Bris d'aqueduc",
            "--message-fr",
            "Coupure d'eau.",
            "--zone",
            write(tmp_path, "zone.geojson", {"type": "Feature", "geometry": SQUARE}),
            "--near",
            "48.33,-70.88,300",
            "--sector",
            "zone inondable",
        ]
    )
    assert done.exit_code == 0, done.output
    assert "3 residences targeted" in done.stderr
    assert "1 active residences have no coordinates" in done.stderr
    assert f"#{unplaced} " in done.stderr
    campaign = session.scalar(select(Campaign))
    assert campaign.target["zones"] == [SQUARE] and campaign.target["sectors"]
    assert campaign.target["near"] == [{"lat": 48.33, "lon": -70.88, "metres": 300.0}]
    assert not campaign.target.get("all")
    assert set(
        session.scalars(select(Residence.id).where(targeting.condition(session, campaign.target)))
    ) == {inside, near_baie, in_sector}


def test_cli_refusals_are_said_in_both_languages(runner, session, tmp_path):
    swapped = {"type": "Polygon", "coordinates": [[[b, a] for a, b in SQUARE["coordinates"][0]]]}
    for args, words in [
        (["--zone", write(tmp_path, "z.geojson", swapped)], ("inversées", "swapped")),
        (["--zone", write(tmp_path, "bad.geojson", "{oops")], ("GeoJSON", "JSON")),
        (["--near", "48.42,-71.06"], ("LAT,LON,MÈTRES", "LAT,LON,METRES")),
        (["--sector", "Nulle part"], ("Aucun secteur", "No sector")),
    ]:
        refused = runner.invoke(
            args=["campaign", "create", "--title", "T", "--message-fr", "x", *args]
        )
        assert refused.exit_code != 0, args
        assert all(w in refused.output for w in words), refused.output
    assert session.scalar(select(Campaign)) is None
    point = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None}]}
    refused = runner.invoke(args=["sectors", "import", write(tmp_path, "p.geojson", point)])
    assert refused.exit_code != 0 and "name" in refused.output
    assert runner.invoke(args=["sectors", "delete", "99"]).exit_code != 0


def test_sectors_delete_is_audited(runner, session):
    (sector,) = zones.import_sectors(session, MULTI, "NOM", "admin@saguenay.ca")
    done = runner.invoke(args=["sectors", "delete", str(sector.id), "--by", "admin@saguenay.ca"])
    assert done.exit_code == 0 and "Zone inondable" in done.output
    assert session.scalar(select(Sector)) is None
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"sectors.import", "sectors.delete"} <= actions


def test_the_demo_places_every_residence_in_its_own_sector(session):
    load_demo(session)
    assert zones.unplaced(session) == (0, [])
    city_of = dict(session.execute(select(Residence.id, Residence.city)).all())
    around = {  # west, south, east, north
        "CHICOUTIMI": (-71.10, 48.39, -71.05, 48.44),
        "JONQUIÈRE": (-71.27, 48.40, -71.20, 48.43),
        "LA BAIE": (-70.90, 48.33, -70.85, 48.36),
    }
    for city, box in around.items():
        placed = {i for i, _lat, _lon in zones.points(session, box)}
        active = {
            i
            for i, c in city_of.items()
            if c == city and session.get(Residence, i).active  # only the active are placed
        }
        assert placed == active and placed, city


def test_a_campaign_launched_with_a_zone_calls_exactly_those_residences(e2e, session, tmp_path):
    inside = {place(session, 48.42, -71.06), place(session, 48.41, -71.07)}  # one on a corner
    outside = {place(session, 48.4301, -71.06), place(session, 48.42, -71.0499)}
    unplaced = place(session, None, None)
    e2e.sim.set_scenario({"seed": 1, "default": {"answer": "human"}})
    app = e2e.live.app
    done = app.test_cli_runner().invoke(
        args=[
            "campaign",
            "create",
            "--title",
            "Bris d'aqueduc",
            "--message-fr",
            "Coupure d'eau.",
            "--priority",
            "emergency",
            "--zone",
            write(tmp_path, "zone.geojson", SQUARE),
        ]
    )
    assert done.exit_code == 0, done.output
    campaign_id = int(done.stdout.split()[0])
    campaigns.launch(app, campaign_id, "test")
    assert drain(app, timeout=90)
    session.expire_all()
    assert called(session, campaign_id) == inside
    assert not called(session, campaign_id) & (outside | {unplaced})


def test_campaign_count_previews_a_zone_without_creating_anything(runner, session, tmp_path):
    place(session, 48.42, -71.06)
    place(session, 48.3301, -70.8801, city="LA BAIE")
    unplaced = place(session, None, None)
    zone = write(tmp_path, "zone.geojson", SQUARE)
    done = runner.invoke(args=["campaign", "count", "--zone", zone])
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == "1"
    assert f"#{unplaced} " in done.stderr
    both = runner.invoke(args=["campaign", "count", "--zone", zone, "--city", "La Baie"])
    assert both.stdout.strip() == "2"
    assert session.scalar(select(Campaign)) is None


def test_a_sector_a_draft_targets_cannot_be_deleted(runner, session):
    place(session, 48.405, -71.18, city="JONQUIÈRE")
    (sector,) = zones.import_sectors(session, MULTI, "NOM", "a")
    draft = campaigns.create_campaign(
        session, "t", title="Crue", message_fr="Crue.", target={"sectors": [sector.id]}
    )
    refused = runner.invoke(args=["sectors", "delete", str(sector.id)])
    assert refused.exit_code != 0
    assert f"#{draft.id}" in refused.output and "brouillon" in refused.output
    assert session.get(Sector, sector.id) is not None
    campaigns.cancel(runner.app, draft.id, "t")
    assert runner.invoke(args=["sectors", "delete", str(sector.id)]).exit_code == 0


def test_registry_rows_with_impossible_or_swapped_coordinates_are_refused(
    runner, session, tmp_path
):
    csv = (
        "civic_number,street,city,latitude,longitude\n"
        "10,rue Racine Est,Chicoutimi,48.42,-71.06\n"
        "20,rue Racine Est,Chicoutimi,-71.06,48.42\n"
        "30,rue Racine Est,Chicoutimi,148.42,-71.06\n"
        "40,rue Racine Est,Chicoutimi,48.42,\n"
    )
    done = runner.invoke(args=["addresses", "import", write(tmp_path, "a.csv", csv)])
    assert done.exit_code == 0, done.output
    assert "3 rows refused" in done.output
    lines = done.output.splitlines()
    assert any("line 3" in line and "swapped" in line for line in lines), done.output
    assert any("line 4" in line and "WGS 84" in line for line in lines), done.output
    assert any("line 5" in line and "together" in line for line in lines), done.output
