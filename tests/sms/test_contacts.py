"""Every contact has a type (Voix / SMS), a description and an Actif flag: set by the CSV
import (new optional columns; old files still accepted), shown by `ivr residents show --json`,
edited on the console's resident page."""

import json

from sqlalchemy import select

from models import PhoneNumber
from runtime.db import get_session
from tests.fixtures.console import add_residence, post_form

NEW_CSV = """last_name,first_name,language,phone,phone_type,phone_description,phone_active,phone2,phone2_type,phone2_description,phone2_active,civic_number,street,city
Tremblay,Julie,fr,418 698-3200,voix,Maison,1,581 555-0102,SMS,Cellulaire de Julie,,12,rue Racine Est,Chicoutimi
Gagnon,Luc,en,418 698-3201,,,,418 698-3202,texto,,0,14,rue Racine Est,Chicoutimi
Roy,Ève,fr,418 698-3203,fax,,,,,,,16,rue Racine Est,Chicoutimi
Côté,Ana,fr,418 698-3204,sms,,2,,,,,18,rue Racine Est,Chicoutimi
"""
OLD_CSV = """last_name,first_name,language,phone,phone2,civic_number,street,city
Bouchard,Marc,fr,418 698-3300,581 555-0300,20,rue Racine Est,Chicoutimi
"""


def contacts(session):
    session.expire_all()
    return [
        (p.e164, p.kind, p.description, p.active)
        for p in session.scalars(
            select(PhoneNumber).order_by(PhoneNumber.residence_id, PhoneNumber.position)
        )
    ]


def test_the_import_reads_each_numbers_type_description_and_actif(runner, session, tmp_path):
    path = tmp_path / "residents.csv"
    path.write_text(NEW_CSV, encoding="utf-8")
    result = runner.invoke(args=["residents", "import", str(path)])
    assert "2 rows imported, 2 rows refused" in result.output
    assert 'line 4: phone_type "fax" must be voice (voix) or sms' in result.output
    assert 'line 5: phone_active "2" must be 1 or 0' in result.output
    assert contacts(session) == [
        ("+14186983200", "voice", "Maison", True),
        ("+15815550102", "sms", "Cellulaire de Julie", True),
        ("+14186983201", "voice", "", True),
        ("+14186983202", "sms", "", False),
    ]
    shown = json.loads(runner.invoke(args=["residents", "show", "581 555-0102", "--json"]).output)
    assert shown["phones"][1] == {
        "number": "+15815550102",
        "position": 1,
        "kind": "sms",
        "description": "Cellulaire de Julie",
        "active": True,
        "sms_opted_out": False,
        "verified": True,
    }


def test_an_old_file_without_the_new_columns_still_imports(runner, session, tmp_path):
    path = tmp_path / "old.csv"
    path.write_text(OLD_CSV, encoding="utf-8")
    result = runner.invoke(args=["residents", "import", str(path)])
    assert "1 rows imported, 0 rows refused" in result.output
    assert contacts(session) == [
        ("+14186983300", "voice", "", True),
        ("+15815550300", "voice", "", True),
    ]


EDIT = {
    "last_name": "Tremblay",
    "first_name": "Julie",
    "language": "fr",
    "civic_number": "123",
    "street": "rue Racine Est",
    "apartment": "",
    "city": "Chicoutimi",
    "postal_code": "G7H 1A2",
    "active": "y",
    "phone1": "418 555-0101",
    "phone1_kind": "voice",
    "phone1_description": "Maison",
    "phone1_active": "1",
    "phone2": "581 555-0111",
    "phone2_kind": "sms",
    "phone2_description": "Cellulaire",
    "phone2_active": "0",
    "phone3": "",
}


def test_the_resident_page_sets_and_shows_each_contacts_type(app, admin):
    residence_id = add_residence(app, "Tremblay", ["+14185550101"])
    url = f"/staff/residents/{residence_id}/edit"
    form = admin.get(url).text
    assert 'id="phone1_kind"' in form and "Voix" in form and "SMS" in form
    assert post_form(admin, url, EDIT).status_code == 302
    with app.app_context():
        assert contacts(get_session()) == [
            ("+14185550101", "voice", "Maison", True),
            ("+15815550111", "sms", "Cellulaire", False),
        ]
    page = admin.get(f"/staff/residents/{residence_id}").text
    assert "581 555-0111 — SMS (Cellulaire) — inactif" in page
    form = admin.get(url).text  # the form shows what is stored
    assert '<option value="sms" selected>' in form and 'value="Cellulaire"' in form


def test_a_bad_contact_type_is_refused_and_changes_nothing(app, admin):
    residence_id = add_residence(app, "Tremblay", ["+14185550101"])
    answer = post_form(
        admin, f"/staff/residents/{residence_id}/edit", {**EDIT, "phone2_kind": "fax"}
    )
    assert answer.status_code == 400 and "Choisissez une des valeurs proposées." in answer.text
    with app.app_context():
        assert contacts(get_session()) == [("+14185550101", "voice", "", True)]
