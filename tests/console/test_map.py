"""The campaign form's map (issue 16), without a browser: the residences' places as JSON (staff
only), the count of a drawn zone or a typed circle, refusals said next to their field, the zone
stored and drawn as a picture on the campaign page and the summary, the named sectors' page,
the residences without coordinates listed."""

import io
import json
import re
from html import unescape

import pytest
from sqlalchemy import select

from models import Address, Campaign, Sector
from runtime.db import get_session
from tests.fixtures.console import add_residence, add_staff, csrf_token, post_form, sign_in

# A block of Chicoutimi: the square holds A and B, C is 1.5 km away, D has no coordinates.
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [
            [-71.072, 48.426],
            [-71.065, 48.426],
            [-71.065, 48.430],
            [-71.072, 48.430],
            [-71.072, 48.426],
        ]
    ],
}
PLACES = {
    "Alarie": (48.4280, -71.0680),
    "Bergeron": (48.4285, -71.0690),
    "Caron": (48.4400, -71.0500),
}
FORM = {
    "title": "Bris d'aqueduc",
    "message_fr": "Faites bouillir l'eau.",
    "priority": "emergency",
    "rounds": "1",
}


def place(app, residence_id: int, lat: float, lon: float) -> None:
    """Give the residence a registry address with these coordinates."""
    from models import Residence

    with app.app_context():
        session = get_session()
        residence = session.get(Residence, residence_id)
        address = Address(
            civic_number=residence.civic_number,
            street=residence.street,
            city=residence.city,
            latitude=lat,
            longitude=lon,
        )
        session.add(address)
        session.flush()
        residence.address_id = address.id
        session.commit()


@pytest.fixture
def block(app):
    """Residences A, B, C placed as PLACES says; D (Dufour) without coordinates."""
    ids = {}
    for i, (name, (lat, lon)) in enumerate(PLACES.items()):
        ids[name] = add_residence(app, name, [f"+1418555{1000 + i:04d}"], civic=str(10 + i))
        place(app, ids[name], lat, lon)
    ids["Dufour"] = add_residence(app, "Dufour", ["+14185551099"], civic="99")
    return ids


def count(client, **fields):
    """The form's live count for FIELDS (as the page's script posts them)."""
    page = client.get("/staff/campaigns/new")
    return client.post(
        "/staff/campaigns/count.json",
        data={"csrf_token": csrf_token(page.text), **fields},
    ).get_json()


def stored(app):
    with app.app_context():
        return get_session().scalars(select(Campaign)).all()


def test_the_points_are_for_signed_in_staff_only(app, client, block):
    for url in ("/staff/map/points.json", "/staff/map/sectors.json"):
        answer = client.get(url)
        assert answer.status_code == 401 and "points" not in answer.text
    add_staff(app, "operateur@saguenay.ca")
    sign_in(client, "operateur@saguenay.ca")
    points = client.get("/staff/map/points.json").get_json()["points"]
    assert sorted(p[0] for p in points) == sorted(block[n] for n in PLACES)  # not Dufour
    alarie = next(p for p in points if p[0] == block["Alarie"])
    assert alarie[1:] == [48.4280, -71.0680]  # [id, lat, lon]


def test_a_drawn_zone_counts_lists_and_colours_the_residences_inside(operator, block):
    answer = count(operator, zone=json.dumps([SQUARE]))
    assert answer["text"] == "2 résidences visées"
    assert sorted(answer["ids"]) == sorted([block["Alarie"], block["Bergeron"]])
    assert [r["name"] for r in answer["residences"]] == ["Alarie", "Bergeron"]
    assert answer["unplaced"] == 1  # Dufour: no zone can reach it, and it is said
    assert answer["unplaced_text"].startswith("Attention : 1 résidence sans coordonnées")
    # with a city as well, Dufour is reached by it: no warning then
    answer = count(operator, zone=json.dumps([SQUARE]), cities="Chicoutimi")
    assert answer["count"] == 4 and answer["unplaced"] == 0 and answer["unplaced_text"] == ""


def test_a_typed_circle_counts_the_residences_within_its_radius(operator, block):
    answer = count(operator, near_lat="48,4280", near_lon="-71,0680", near_metres="30")
    assert answer["count"] == 1 and answer["ids"] == [block["Alarie"]]
    answer = count(operator, near_lat="48.4280", near_lon="-71.0680", near_metres="200")
    assert answer["count"] == 2


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"zone": "[{"}, "zone", "Ce fichier n'est pas du GeoJSON"),
        (
            {"zone": json.dumps([{"type": "Point", "coordinates": [-71.07, 48.43]}])},
            "zone",
            "Seuls les polygones sont acceptés",
        ),
        ({"near_lat": "48,428", "near_lon": "-71,068"}, "near_lat", "Un cercle demande son centre"),
        ({"near_lat": "nord", "near_lon": "-71", "near_metres": "5"}, "near_lat", "en chiffres"),
        (
            {"near_lat": "-71,068", "near_lon": "48,428", "near_metres": "300"},
            "near_lat",
            "Latitude et longitude inversées",
        ),
        (
            {"near_lat": "48,428", "near_lon": "-71,068", "near_metres": "0"},
            "near_metres",
            "Rayon de 0 m refusé",
        ),
        ({"sectors": "999"}, "sectors", "Un secteur coché n'existe plus"),
    ],
)
def test_the_count_says_what_is_wrong_and_where(operator, block, fields, field, message):
    answer = count(operator, **fields)
    assert answer["count"] is None
    assert answer["field"] == field
    assert message in answer["error"]


def geojson_file(data, name="zone.geojson"):
    return (io.BytesIO(json.dumps(data).encode()), name)


def test_a_zone_file_without_the_script_is_stored_and_drawn(app, operator, block):
    feature = {"type": "Feature", "properties": {}, "geometry": SQUARE}
    answer = post_form(
        operator,
        "/staff/campaigns/new",
        {**FORM, "zone_file": geojson_file(feature)},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302, answer.text
    (campaign,) = stored(app)
    assert campaign.target["zones"] == [SQUARE]
    page = operator.get(answer.location).text
    assert "2 résidences visées" in page
    picture = re.search(r"<svg[^>]*class=\"zone-picture\".*?</svg>", page, re.S).group(0)
    assert picture.count('class="zone-dot"') == 2  # Alarie and Bergeron; Caron is off the frame
    assert picture.count('class="zone-shape"') == 1
    assert "Carte de la zone : 2 résidences visées" in picture  # what a screen reader says
    assert "1 forme sur la carte" in unescape(page)  # the criterion in words
    assert "En rouge : la zone tracée. Points : les résidences visées." in unescape(page)
    summary = operator.get(f"/staff/campaigns/{campaign.id}/summary").text
    assert 'class="zone-picture"' in summary and summary.count('class="zone-dot"') == 2


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[-71.07, 48.42], [-71.06, 48.42], [-71.06, 48.43], [-71.07, 48.43]]
                ],
            },
            "Contour ouvert",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [48.42, -71.07],
                        [48.42, -71.06],
                        [48.43, -71.06],
                        [48.43, -71.07],
                        [48.42, -71.07],
                    ]
                ],
            },
            "Coordonnées inversées",
        ),
        ({"type": "LineString", "coordinates": [[-71.07, 48.42], [-71.06, 48.42]]}, "polygones"),
    ],
)
def test_a_refused_zone_file_is_said_next_to_its_field(app, operator, block, data, message):
    answer = post_form(
        operator,
        "/staff/campaigns/new",
        {**FORM, "zone_file": geojson_file(data)},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400
    text = unescape(answer.text)
    field = text[text.index('id="zone_file"') :]
    assert message in field[: field.index("</div>")]  # in the zone file's own box
    assert stored(app) == []


def test_a_typed_circle_is_stored_and_comes_back_in_the_draft_form(app, operator, block):
    answer = post_form(
        operator,
        "/staff/campaigns/new",
        {**FORM, "near_lat": "48,4280", "near_lon": "-71,0680", "near_metres": "30"},
    )
    assert answer.status_code == 302, answer.text
    (campaign,) = stored(app)
    assert campaign.target["near"] == [{"lat": 48.428, "lon": -71.068, "metres": 30.0}]
    page = unescape(operator.get(answer.location).text)
    assert "30 m autour du point (latitude 48,428; longitude -71,068)" in page
    assert page.count('class="zone-dot"') == 1
    edit = operator.get(f"/staff/campaigns/{campaign.id}/edit").text
    assert re.search(r'<input [^>]*id="near_lat"[^>]*value="48,428"', edit)
    assert re.search(r'<input [^>]*id="near_lon"[^>]*value="-71,068"', edit)
    assert re.search(r'<input [^>]*id="near_metres"[^>]*value="30"', edit)


def test_a_drawn_zone_comes_back_in_the_draft_form_and_can_be_removed(app, operator, block):
    answer = post_form(operator, "/staff/campaigns/new", {**FORM, "zone": json.dumps([SQUARE])})
    (campaign,) = stored(app)
    edit_url = f"/staff/campaigns/{campaign.id}/edit"
    edit = operator.get(edit_url).text
    hidden = re.search(r'<input id="zone" name="zone" type="hidden" value="([^"]*)"', edit)
    assert json.loads(unescape(hidden.group(1))) == [SQUARE]
    assert "Une zone est enregistrée (1 forme)." in unescape(edit)
    answer = post_form(
        operator,
        edit_url,
        {**FORM, "zone": json.dumps([SQUARE]), "zone_clear": "y", "cities": "Chicoutimi"},
    )
    assert answer.status_code == 302
    (campaign,) = stored(app)
    assert "zones" not in campaign.target and campaign.target["cities"] == ["CHICOUTIMI"]


def sectors_file(*names):
    shift = {name: i * 0.01 for i, name in enumerate(names)}
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"nom": name},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [-71.072 + d, 48.426],
                            [-71.065 + d, 48.426],
                            [-71.065 + d, 48.430],
                            [-71.072 + d, 48.430],
                            [-71.072 + d, 48.426],
                        ]
                    ],
                },
            }
            for name, d in shift.items()
        ],
    }


def upload_sectors(client, data, name_property="nom"):
    return post_form(
        client,
        "/staff/sectors",
        {"file": geojson_file(data), "name_property": name_property},
        content_type="multipart/form-data",
    )


def test_admins_upload_list_and_delete_named_sectors(app, admin, block):
    answer = upload_sectors(admin, sectors_file("Centre-ville", "Rivière-du-Moulin"))
    assert answer.status_code == 302
    page = unescape(admin.get("/staff/sectors").text)
    assert "2 secteurs téléversés." in page
    assert page.index("Centre-ville") < page.index("Rivière-du-Moulin")
    with app.app_context():
        centre = get_session().scalar(select(Sector).where(Sector.name == "Centre-ville"))
        centre_id = centre.id
    sectors = admin.get("/staff/map/sectors.json").get_json()["sectors"]
    assert [s["name"] for s in sectors] == ["Centre-ville", "Rivière-du-Moulin"]
    # ticked in the form: the sector's residences are counted, its name shown
    assert count(admin, sectors=str(centre_id))["count"] == 2
    form = unescape(admin.get("/staff/campaigns/new").text)
    assert f'name="sectors" value="{centre_id}"' in form and "Centre-ville" in form
    answer = post_form(admin, "/staff/campaigns/new", {**FORM, "sectors": str(centre_id)})
    (draft,) = stored(app)
    assert draft.target["sectors"] == [centre_id]
    page = unescape(admin.get(answer.location).text)
    assert "Secteurs nommés" in page and "Centre-ville" in page
    assert page.count('class="zone-sector"') == 1
    assert "En bleu pointillé : les secteurs nommés. Points" in page  # no zone drawn: unsaid
    # a draft uses it: deleting it is refused, with the draft named
    answer = post_form(admin, f"/staff/sectors/{centre_id}/delete", page="/staff/sectors")
    page = unescape(admin.get(answer.location).text)
    assert (
        f"Le secteur « Centre-ville » est visé par des campagnes en brouillon (#{draft.id})" in page
    )
    post_form(admin, f"/staff/campaigns/{draft.id}/delete", page=f"/staff/campaigns/{draft.id}")
    answer = post_form(admin, f"/staff/sectors/{centre_id}/delete", page="/staff/sectors")
    page = unescape(admin.get(answer.location).text)
    assert "Secteur « Centre-ville » supprimé." in page
    assert [s["name"] for s in admin.get("/staff/map/sectors.json").get_json()["sectors"]] == [
        "Rivière-du-Moulin"
    ]


@pytest.mark.parametrize(
    "data, name_property, message",
    [
        ({"type": "Polygon", "coordinates": []}, "nom", "Il faut une FeatureCollection"),
        ({"type": "FeatureCollection", "features": []}, "nom", "aucune zone"),
        (None, "NOM_QUARTIER", "la propriété « NOM_QUARTIER » donne le nom du secteur"),
        ("not json", "nom", "n'est pas du GeoJSON"),
    ],
)
def test_a_refused_sectors_file_is_said_clearly(app, admin, data, name_property, message):
    if data is None:
        data = sectors_file("Centre-ville")
    if data == "not json":
        file = (io.BytesIO(b"{nope"), "sectors.geojson")
        answer = post_form(
            admin,
            "/staff/sectors",
            {"file": file, "name_property": name_property},
            content_type="multipart/form-data",
        )
    else:
        answer = upload_sectors(admin, data, name_property)
    assert answer.status_code == 400
    assert message in unescape(answer.text)
    with app.app_context():
        assert get_session().scalars(select(Sector)).all() == []


def test_only_admins_reach_the_sectors_page(operator):
    assert operator.get("/staff/sectors").status_code == 403


def test_the_residences_without_coordinates_are_counted_and_listed(operator, block):
    form = unescape(operator.get("/staff/campaigns/new").text)
    assert "1 résidence sans coordonnées : elle n'est pas sur la carte." in form
    assert 'href="/staff/map/unplaced"' in form
    page = operator.get("/staff/map/unplaced").text
    assert f'href="/staff/residents/{block["Dufour"]}">Dufour' in page
    for name in PLACES:
        assert name not in page


def test_the_tile_layer_is_a_setting_and_the_policy_allows_it(app_config, db_url):
    from ivr import create_app

    plain = create_app(app_config)
    assert plain.config["MAP_TILE_URL"] == ""
    tiled = create_app(
        {
            **app_config,
            "MAP_TILE_URL": "https://{s}.tile.example.org/{z}/{x}/{y}.png",
            "MAP_TILE_ATTRIBUTION": "© Ville de Saguenay",
        }
    )
    add_staff(tiled, "operateur@saguenay.ca")
    for app, tile in ((plain, ""), (tiled, "https://{s}.tile.example.org/{z}/{x}/{y}.png")):
        client = app.test_client()
        sign_in(client, "operateur@saguenay.ca")
        page = client.get("/staff/campaigns/new")
        assert f'data-tile-url="{tile}"' in page.text
        policy = page.headers["Content-Security-Policy"]
        img = next(d for d in policy.split(";") if d.strip().startswith("img-src"))
        assert ("https://*.tile.example.org" in img) == bool(tile)
        assert "vendor/leaflet/leaflet.js" in page.text  # served by the app itself
        with client.get("/staff/static/vendor/leaflet/leaflet.js") as script:
            assert script.status_code == 200
    for app in (plain, tiled):
        app.extensions["db_engine"].dispose()


def test_a_refused_drawing_is_said_above_the_map_and_kept(app, operator, block):
    crossing = {
        "type": "Polygon",
        "coordinates": [
            [
                [-71.072, 48.426],
                [-71.065, 48.430],
                [-71.065, 48.426],
                [-71.072, 48.430],
                [-71.072, 48.426],
            ]
        ],
    }
    answer = post_form(operator, "/staff/campaigns/new", {**FORM, "zone": json.dumps([crossing])})
    assert answer.status_code == 400
    text = unescape(answer.text)
    error = re.search(r'<p class="error" role="alert" id="zone-error">([^<]*)</p>', text)
    assert error and error.group(1).startswith("Le contour se croise lui-même")
    hidden = re.search(r'<input id="zone" name="zone" type="hidden" value="([^"]*)"', answer.text)
    assert json.loads(unescape(hidden.group(1))) == [crossing]  # on the map again, to fix
    assert stored(app) == []
