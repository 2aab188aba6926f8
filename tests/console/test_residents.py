"""Residents: search, view, edit, deactivate, CSV import with its report, recordings to review."""

import io
import json

import pytest
from sqlalchemy import select

from models import AuditEntry, Residence
from runtime.db import get_session
from runtime.redis_conn import get_redis
from tests.fixtures.console import add_residence, post_form


@pytest.fixture
def tremblay(app):
    return add_residence(
        app,
        "Tremblay",
        ["+14185550101", "+14185550102"],
        first_name="Julie",
        civic="123",
        street="rue Racine Est",
    )


def residence(app, residence_id):
    with app.app_context():
        r = get_session().get(Residence, residence_id)
        return r.last_name, r.city, r.postal_code, r.active, [p.e164 for p in r.phones]


@pytest.mark.parametrize(
    "query",
    [
        "418 555-0102",
        "(418) 555-0101",
        "1-418-555-0101",
        "tremblay",
        "julie TREMBLAY",
        "123 racine",
        "G7H",
    ],
)
def test_search_by_number_name_or_address(operator, tremblay, app, query):
    add_residence(
        app,
        "Gagnon",
        ["+14185550109"],
        civic="9",
        street="rue Jacques-Cartier",
        postal_code="G7X 1A1",
    )
    page = operator.get("/staff/residents", query_string={"q": query})
    assert "Tremblay" in page.text and "Gagnon" not in page.text


def test_search_finds_nothing_and_says_so(operator, tremblay):
    page = operator.get("/staff/residents?q=Lavoie")
    assert "Aucun résident ne correspond à « Lavoie »" in page.text


def test_operator_can_view_but_not_edit(operator, tremblay):
    page = operator.get(f"/staff/residents/{tremblay}")
    assert "418 555-0101" in page.text and "Modifier" not in page.text
    assert operator.get(f"/staff/residents/{tremblay}/edit").status_code == 403


EDIT = {
    "last_name": "Tremblay-Roy",
    "first_name": "Julie",
    "language": "en",
    "civic_number": "125",
    "street": "rue Racine Est",
    "apartment": "2",
    "city": "Chicoutimi",
    "postal_code": "g7h1a2",
    "phone1": "418 555-0102",
    "phone2": "581-555-0111",
    "phone3": "",
    "active": "y",
}


def test_admin_edits_a_residence(app, admin, tremblay):
    url = f"/staff/residents/{tremblay}/edit"
    answer = post_form(admin, url, EDIT)
    assert answer.status_code == 302
    assert residence(app, tremblay) == (
        "Tremblay-Roy",
        "CHICOUTIMI",
        "G7H 1A2",
        True,
        ["+14185550102", "+15815550111"],
    )
    with app.app_context():
        assert (
            get_session()
            .scalar(select(AuditEntry).where(AuditEntry.action == "console.resident.edit"))
            .actor
            == "admin@saguenay.ca"
        )


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"phone1": "555-0102"}, "indicatif régional"),
        ({"phone2": "418 555 01O2"}, "ne peut contenir que des chiffres"),
        ({"phone2": "418 555-0102"}, "Le même numéro est inscrit deux fois."),
        ({"phone1": ""}, "Ce champ est obligatoire."),
        ({"postal_code": "12345"}, "Code postal de la forme A1A 1A1."),
        ({"street": ""}, "Ce champ est obligatoire."),
    ],
)
def test_edit_refuses_bad_input_and_changes_nothing(app, admin, tremblay, changes, message):
    before = residence(app, tremblay)
    answer = post_form(admin, f"/staff/residents/{tremblay}/edit", {**EDIT, **changes})
    assert answer.status_code == 400 and message in answer.text
    assert "Tremblay-Roy" in answer.text  # what was typed is kept
    assert residence(app, tremblay) == before


def test_the_active_box_of_the_edit_form_is_saved(app, admin, tremblay):
    """Unchecking "Actif" (the browser then sends no `active` field) deactivates the
    residence; checking it again reactivates it."""
    url = f"/staff/residents/{tremblay}/edit"
    unchecked = {k: v for k, v in EDIT.items() if k != "active"}
    assert post_form(admin, url, unchecked).status_code == 302
    assert residence(app, tremblay)[3] is False
    assert post_form(admin, url, EDIT).status_code == 302
    assert residence(app, tremblay)[3] is True


def test_edit_refuses_a_number_of_another_residence(app, admin, tremblay):
    other = add_residence(app, "Gagnon", ["+14185550109"])
    answer = post_form(admin, f"/staff/residents/{tremblay}/edit", {**EDIT, "phone2": "4185550109"})
    assert f"déjà inscrit à la résidence n° {other}" in answer.text
    assert residence(app, tremblay)[4] == ["+14185550101", "+14185550102"]


def test_deactivate(app, admin, tremblay):
    url = f"/staff/residents/{tremblay}"
    assert admin.post(url + "/deactivate").status_code == 400  # no CSRF token
    assert residence(app, tremblay)[3] is True
    post_form(admin, url + "/deactivate", page=url)
    assert residence(app, tremblay)[3] is False


CSV = (
    "last_name,first_name,language,phone,phone2,phone3,civic_number,street,apartment,city,"
    "postal_code,active\n"
    "Lavoie,Marc,fr,418 555-0121,,,10,rue Price,,Jonquière,G7X 1A1,1\n"
    "Simard,,fr,555-0122,,,11,rue Price,,Jonquière,,1\n"
    "Girard,Anne,en,418 555-0123,,,12,rue Price,,Jonquière,G7X 1A1,1\n"
    "Roy,,fr,418 555-0121,,,13,rue Price,,Jonquière,,1\n"
)


def test_import_shows_progress_and_a_report_of_refused_lines(app, admin):
    answer = post_form(
        admin,
        "/staff/residents/import",
        {"file": (io.BytesIO(CSV.encode()), "residents.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    state = admin.get(answer.location + ".json").json
    assert state["state"] == "finished" and (state["done"], state["total"]) == (4, 4)
    assert state["accepted"] == 2
    assert [line for line, _ in state["refused"]] == [3, 5]
    page = admin.get(answer.location)
    assert "Lignes importées : 2 · refusées : 2" in page.text
    assert "figure déjà plus haut dans ce fichier" in page.text
    post_form(admin, "/staff/language", {"lang": "en"}, page="/staff/residents")
    assert "appears earlier in this file" in admin.get(answer.location).text
    assert admin.get("/staff/residents?q=Girard").text.count("418 555-0123") == 1


def test_import_progress_is_kept_in_redis_while_running(app, admin):
    from ivr.console.imports import KEY

    answer = post_form(
        admin,
        "/staff/residents/import",
        {"file": (io.BytesIO(CSV.encode()), "residents.csv")},
        content_type="multipart/form-data",
    )
    import_id = answer.location.rsplit("/", 1)[1]
    assert json.loads(get_redis(app).get(KEY.format(import_id)))["filename"] == "residents.csv"


def test_import_refuses_a_file_without_the_columns(app, admin):
    answer = post_form(
        admin,
        "/staff/residents/import",
        {"file": (io.BytesIO(b"name,tel\nx,y\n"), "bad.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "colonnes manquantes : last_name, phone, civic_number, street, city" in answer.text


def test_import_refuses_a_file_not_in_utf8(admin):
    answer = post_form(
        admin,
        "/staff/residents/import",
        {
            "file": (
                io.BytesIO(CSV.replace("Jonquière", "Jonqui\xe8re").encode("latin-1")),
                "latin.csv",
            )
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400 and "UTF-8" in answer.text


def test_import_without_a_file(admin):
    answer = post_form(admin, "/staff/residents/import", {}, content_type="multipart/form-data")
    assert answer.status_code == 400 and "Ce champ est obligatoire." in answer.text


def test_another_admin_cannot_read_my_import(app, admin):
    from tests.fixtures.console import add_staff, sign_in

    answer = post_form(
        admin,
        "/staff/residents/import",
        {"file": (io.BytesIO(CSV.encode()), "residents.csv")},
        content_type="multipart/form-data",
    )
    other = app.test_client()
    add_staff(app, "admin2@saguenay.ca", "admin")
    sign_in(other, "admin2@saguenay.ca")
    assert other.get(answer.location + ".json").status_code == 404


def test_review_a_hotline_recording(app, admin):
    waiting = add_residence(
        app,
        "",
        ["+14185550131"],
        civic="",
        street="",
        city="",
        postal_code="",
        address_needs_review=True,
        name_needs_review=True,
        address_recording_url="http://127.0.0.1:9/rec.wav",
    )
    add_residence(app, "Fine", ["+14185550132"])
    listing = admin.get("/staff/residents/review")
    assert f"/staff/residents/{waiting}/review" in listing.text and "Fine" not in listing.text
    page = admin.get(f"/staff/residents/{waiting}/review")
    assert f"/staff/residents/{waiting}/recording/address" in page.text
    answer = post_form(
        admin,
        f"/staff/residents/{waiting}/review",
        {
            "last_name": "Bergeron",
            "first_name": "Luc",
            "civic_number": "45",
            "street": "rue Price",
            "city": "Jonquière",
            "postal_code": "G7X 1B1",
        },
    )
    assert answer.status_code == 302
    assert residence(app, waiting)[:3] == ("Bergeron", "JONQUIÈRE", "G7X 1B1")
    assert "Aucun enregistrement en attente." in admin.get("/staff/residents/review").text


def test_review_refuses_missing_address(app, admin):
    waiting = add_residence(
        app, "", ["+14185550131"], civic="", street="", city="", address_needs_review=True
    )
    answer = post_form(admin, f"/staff/residents/{waiting}/review", {"last_name": "Bergeron"})
    assert answer.status_code == 400 and "Ce champ est obligatoire." in answer.text
    with app.app_context():
        assert get_session().get(Residence, waiting).address_needs_review is True
