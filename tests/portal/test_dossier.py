"""Le dossier (the seed's steps 6-8): names, language, Actif, contacts, the registry address."""

import pytest
from sqlalchemy import select

from models import Address, PhoneNumber, Residence
from runtime.db import get_session
from tests.portal.conftest import post
from tests.portal.test_security import add_resident
from tests.portal.test_sign_up import fresh


@pytest.fixture
def registry(app):
    with app.app_context():
        session = get_session()
        session.add_all(
            [
                Address(
                    civic_number="1234",
                    street="Boulevard René-Lévesque",
                    city="JONQUIÈRE",
                    postal_code="G7S 1A1",
                ),
                Address(
                    civic_number="1236",
                    street="Boulevard René-Lévesque",
                    city="JONQUIÈRE",
                    postal_code="G7S 1A2",
                ),
                Address(
                    civic_number="100",
                    street="Rue Racine Est",
                    city="CHICOUTIMI",
                    postal_code="G7H 1R1",
                ),
            ]
        )
        session.commit()


@pytest.fixture
def resident(app, client):
    """A client signed in as the resident of +1 418 555-0142."""
    add_resident(app)
    assert (
        post(
            client, "/portail/", {"phone": "418 555-0142", "password": "une maison sur la riviere"}
        ).status_code
        == 302
    )
    return client


FORM = {
    "last_name": "Tremblay",
    "first_name": "Éric",
    "language": "fr",
    "active": "on",
    "rows": "1",
    "contact-0-number": "418 555-0142",
    "contact-0-active": "on",
    "contact-0-kind": "voice",
    "contact-0-description": "Maison",
    "city": "JONQUIÈRE",
    "street": "Boulevard René-Lévesque",
    "civic": "1234",
    "apartment": "",
    "postal_code": "",
}


def save(client, **changes):
    return post(client, "/portail/dossier", {**FORM, **changes})


def test_the_dossier_shows_the_seed_fields(resident):
    page = resident.get("/portail/dossier").text
    for text in (
        "Nom/Entreprise",
        "Prénom/Responsable",
        "Langue",
        "Coordonnées +",
        "Ville",
        "Rue",
        "No civique",
        "Apt./Local",
        "Code postal",
        "Confirmer",
        "Annuler",
        "Actif",
        'role="switch"',
        'aria-checked="true"',
        "En marche",
        "418 555-0142",
        "Un seul numéro par résidence",
    ):
        assert text in page, text


def test_a_registry_address_with_two_contacts_is_saved(resident, registry, db):
    answer = save(
        resident,
        rows="2",
        **{
            "contact-1-number": "581 555-0177",
            "contact-1-kind": "sms",
            "contact-1-active": "on",
            "contact-1-description": "Cellulaire",
            "city": "jonquière",
            "street": "boulevard rené-lévesque",
        },
    )
    assert answer.headers["Location"].endswith("/portail/dossier?saved=dossier"), answer.text
    [residence] = fresh(db, Residence)
    assert (residence.last_name, residence.first_name) == ("Tremblay", "Éric")
    assert residence.address_id is not None and residence.city == "JONQUIÈRE"
    assert residence.street == "Boulevard René-Lévesque" and residence.postal_code == "G7S 1A1"
    assert residence.address_needs_review is False
    assert [(p.e164, p.kind, p.description, p.position) for p in residence.phones] == [
        ("+14185550142", "voice", "Maison", 0),
        ("+15815550177", "sms", "Cellulaire", 1),
    ]


def test_rows_are_added_and_removed_without_saving(resident, registry, db):
    page = post(resident, "/portail/dossier", {**FORM, "action": "add"})
    assert page.status_code == 200 and 'name="contact-1-number"' in page.text
    page = post(
        resident,
        "/portail/dossier",
        {**FORM, "rows": "2", "action": "remove-1", "contact-1-number": "581 555-0177"},
    )
    assert 'name="contact-1-number"' not in page.text
    assert page.text.count('value="remove-0"') == 0  # the login number stays
    save(resident, rows="2", **{"contact-1-number": "581 555-0177", "contact-1-kind": "voice"})
    save(resident)  # the second row gone
    [residence] = fresh(db, Residence)
    assert [p.e164 for p in residence.phones] == ["+14185550142"]
    assert [p.e164 for p in fresh(db, PhoneNumber)] == ["+14185550142"]


def test_the_login_number_cannot_be_changed_from_the_form(resident, registry, db):
    save(resident, **{"contact-0-number": "418 555-0199"})
    assert [p.e164 for p in fresh(db, PhoneNumber)] == ["+14185550142"]


def test_actif_off_and_on(resident, registry, db):
    save(resident, active="")
    assert fresh(db, Residence)[0].active is False
    page = resident.get("/portail/dossier").text
    assert 'aria-checked="false"' in page and "Arrêté" in page
    save(resident)
    assert fresh(db, Residence)[0].active is True


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"contact-1-number": "555-0177"}, "indicatif régional"),
        ({"contact-1-number": "418 555-0142"}, "déjà dans la liste"),
        ({"street": "Rue Inconnue"}, "pas dans le registre"),
        ({"civic": "12a"}, "que des chiffres"),
        ({"city": ""}, "la ville, la rue et le numéro civique"),
        ({"last_name": ""}, "Inscrivez le nom"),
    ],
)
def test_refusals_keep_what_was_typed(resident, registry, db, changes, words):
    data = {"rows": "2", "contact-1-number": "581 555-0177", **changes}
    answer = save(resident, **data)
    assert answer.status_code == 400
    assert words in answer.text.replace("&#39;", "'")
    assert fresh(db, Residence)[0].last_name == "Tremblay" and fresh(db, Residence)[0].city == ""
    if changes.get("street"):
        assert 'value="Rue Inconnue"' in answer.text


def test_a_number_of_another_residence_is_refused(app, resident, registry, db):
    add_resident(app, "+15815550177")
    answer = save(resident, rows="2", **{"contact-1-number": "581 555-0177"})
    assert answer.status_code == 400 and "une autre résidence" in answer.text


def test_one_registration_per_address(app, resident, registry, db):
    other = add_resident(app, "+15815550177")
    with app.app_context():
        session = get_session()
        address = session.scalar(select(Address).where(Address.civic_number == "1234"))
        session.get(Residence, other).address_id = address.id
        session.commit()
    answer = save(resident)
    assert answer.status_code == 400 and "une seule inscription par résidence" in answer.text
    assert save(resident, apartment="2").status_code == 302  # another apartment is another home


def test_a_missing_address_is_kept_for_staff_review(resident, registry, db):
    answer = save(
        resident, street="Rang Saint-Isidore", civic="4321", missing="on", postal_code="g7x 9z9"
    )
    assert answer.status_code == 302
    [residence] = fresh(db, Residence)
    assert residence.address_needs_review is True and residence.address_id is None
    assert (residence.street, residence.civic_number, residence.postal_code) == (
        "Rang Saint-Isidore",
        "4321",
        "G7X 9Z9",
    )
    assert "vérifiée par le personnel" in resident.get("/portail/dossier").text


@pytest.mark.parametrize("typed", ["G7X9Z", "7GX 9Z9", "G7X-9Z9Z"])
def test_a_postal_code_must_be_a1a_1a1(resident, registry, typed):
    answer = save(resident, street="Rang Saint-Isidore", missing="on", postal_code=typed)
    assert answer.status_code == 400 and "A1A 1A1" in answer.text


def test_the_registry_type_ahead(resident, registry):
    assert resident.get("/portail/adresses/villes.json").get_json() == ["CHICOUTIMI", "JONQUIÈRE"]
    streets = resident.get("/portail/adresses/rues.json?ville=JONQUIÈRE&q=rené").get_json()
    assert streets == ["Boulevard René-Lévesque"]
    numbers = resident.get(
        "/portail/adresses/numeros.json?ville=JONQUIÈRE&rue=Boulevard René-Lévesque&q=123"
    ).get_json()
    assert numbers == [
        {"civic": "1234", "postal_code": "G7S 1A1"},
        {"civic": "1236", "postal_code": "G7S 1A2"},
    ]


def test_the_language_chosen_is_the_residence_s(resident, registry, db):
    save(resident, language="en")
    assert fresh(db, Residence)[0].language == "en"


def test_a_bad_row_count_is_no_500(resident, registry):
    assert save(resident, rows="x").status_code in (302, 400)
    assert save(resident, rows="99999").status_code in (302, 400)
