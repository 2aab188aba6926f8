"""Targeting: which active residences a campaign calls."""

import io

import pytest
from sqlalchemy import select

from dialer import targeting
from models import Residence
from runtime.i18n import explain
from tests.fixtures.dialer import add_residence


@pytest.fixture
def city(session):
    """Six residences across sectors; one inactive."""
    made = {
        "racine_100": add_residence(session, ["+14185550101"], civic="100"),
        "racine_250": add_residence(session, ["+14185550102"], civic="250A", postal="G7H 2B2"),
        "racine_400": add_residence(session, ["+14185550103"], civic="400", postal="G7G 1C1"),
        "harvey": add_residence(
            session, ["+14185550104"], city="JONQUIÈRE", street="boulevard Harvey", postal="G7X 1A1"
        ),
        "baie": add_residence(
            session, ["+14185550105"], city="LA BAIE", street="rue Victoria", postal="G7B 3A3"
        ),
        "inactive": add_residence(
            session,
            ["+14185550106"],
            city="JONQUIÈRE",
            street="boulevard Harvey",
            active=False,
            postal="G7X 2A2",
        ),
    }
    return {k: v.id for k, v in made.items()}


def ids(session, target):
    """The residences a campaign with TARGET would call."""
    return set(session.scalars(select(Residence.id).where(targeting.condition(session, target))))


def test_city_matches_without_case_or_accents_and_skips_inactive(session, city):
    assert ids(session, {"cities": ["jonquiere"]}) == {city["harvey"]}


def test_street_with_civic_range_compares_numbers(session, city):
    target = {"streets": [{"street": "RUE RACINE-EST", "city": None, "from": 200, "to": 400}]}
    assert ids(session, target) == {city["racine_250"], city["racine_400"]}


def test_street_in_another_city_does_not_match(session, city):
    target = {"streets": [{"street": "rue Racine Est", "city": "La Baie"}]}
    assert ids(session, target) == set()


def test_postal_prefix_and_lists_combine_with_or(session, city):
    target = {"postal_prefixes": ["g7h"], "residence_ids": [city["baie"], city["inactive"]]}
    assert ids(session, target) == {city["racine_100"], city["racine_250"], city["baie"]}
    assert targeting.count_targets(session, target) == 3


def test_all_means_every_active_residence(session, city):
    assert targeting.count_targets(session, {"all": True}) == 5
    assert targeting.count_targets(session, {}) == 0


def test_uploaded_list_names_residences_by_number_or_id_and_explains_refusals(app, session, city):
    upload = io.BytesIO(
        f"phone\n418 555-0104\n{city['baie']}\n418-555-0199\nabc\n4185550104\n".encode()
    )
    with app.app_context():
        found, refused = targeting.parse_uploaded_list(upload)
    assert found == [city["harvey"], city["baie"]]
    assert [r.line for r in refused] == [4, 5]
    assert "aucune résidence" in explain(refused[0].why, "fr")
    assert explain(refused[1].why, "en")
