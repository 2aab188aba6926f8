"""The console as a coordinator reads it (issue 18): the city's times, French decimals and
plurals, the waiting state outside the calling window, the criteria and their warnings,
residents found without accents or by part of a number."""

from datetime import UTC, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import Campaign, Delivery
from runtime.db import get_session
from tests.console.test_campaigns import VALID, create
from tests.fixtures.console import add_residence, post_form

TORONTO = ZoneInfo("America/Toronto")


@pytest.fixture
def residences(app):
    return [
        add_residence(app, "Côté", ["+14185550101"], civic="100"),
        add_residence(
            app,
            "Tremblay",
            ["+14185550102"],
            city="JONQUIÈRE",
            street="rue Saint-Dominique",
            civic="20",
        ),
    ]


def _campaign_id(answer) -> int:
    return int(answer.location.rsplit("/", 1)[1])


def _set(app, campaign_id: int, **fields) -> None:
    with app.app_context():
        campaign = get_session().get(Campaign, campaign_id)
        for name, value in fields.items():
            setattr(campaign, name, value)
        get_session().commit()


def test_times_are_shown_in_the_city_s_time_zone(app, operator, residences):
    campaign_id = _campaign_id(create(operator))
    launched = datetime(2026, 7, 2, 13, 5, 9, tzinfo=UTC)  # 09:05:09 in Saguenay
    _set(
        app,
        campaign_id,
        status="completed",
        launched_at=launched,
        finished_at=launched + timedelta(minutes=20),
        created_at=datetime(2026, 12, 1, 14, 30, tzinfo=UTC),
    )
    summary = operator.get(f"/staff/campaigns/{campaign_id}/summary").text
    assert "2026-07-02 09:05:09" in summary and "2026-07-02 09:25:09" in summary
    assert "UTC" not in summary and "13:05" not in summary
    listing = operator.get("/staff/campaigns").text
    assert "2026-12-01 09 h 30" in listing  # winter: UTC-5


def test_french_decimals_and_plurals(app, operator, residences):
    campaign_id = _campaign_id(create(operator, cities="Chicoutimi"))
    page = unescape(operator.get(f"/staff/campaigns/{campaign_id}").text)
    assert "1 résidence visée" in page and "1 résidences" not in page
    counted = post_form(
        operator,
        "/staff/campaigns/count.json",
        {**VALID, "cities": "Laterrière"},
        page="/staff/campaigns/new",
    ).json
    assert counted["text"] == "0 résidence visée"  # French: 0 is singular
    operator.post(
        "/staff/language",
        data={"lang": "en", "next": "/staff/campaigns", "csrf_token": _token(operator)},
    )
    counted = post_form(
        operator,
        "/staff/campaigns/count.json",
        {**VALID, "cities": "Laterrière"},
        page="/staff/campaigns/new",
    ).json
    assert counted["text"] == "0 residences targeted"
    operator.post(
        "/staff/language",
        data={"lang": "fr", "next": "/staff/campaigns", "csrf_token": _token(operator)},
    )
    post_form(operator, f"/staff/campaigns/{campaign_id}/launch")
    page = operator.get(f"/staff/campaigns/{campaign_id}").text
    assert '<strong id="cps">0,0</strong>' in page


def _token(client) -> str:
    from tests.fixtures.console import csrf_token

    return csrf_token(client.get("/staff/campaigns").text)


def _outside_window() -> tuple[str, str]:
    """A one-hour calling window that does not hold the city's present hour."""
    hour = datetime.now(TORONTO).hour
    start = hour + 1 if hour < 22 else 1
    return f"{start:02d}:00", f"{start + 1:02d}:00"


def test_a_normal_campaign_launched_outside_its_window_says_it_is_waiting(
    app, operator, residences
):
    campaign_id = _campaign_id(create(operator, priority="normal"))
    start, end = _outside_window()
    _set(app, campaign_id, window_start=start, window_end=end)
    launched = post_form(operator, f"/staff/campaigns/{campaign_id}/launch")
    page = unescape(operator.get(launched.location).text)
    expected = f"{int(start[:2])} h 00"
    assert f"en attente de {expected}" in page and "les appels commencent" not in page
    assert 'class="flash flash-launch"' in page  # the page's script drops it once finished
    progress = operator.get(f"/staff/campaigns/{campaign_id}/progress.json").json
    assert progress["waiting"].startswith(f"En attente de {expected}")
    _set(app, campaign_id, priority="emergency")  # emergencies call at any hour
    assert operator.get(f"/staff/campaigns/{campaign_id}/progress.json").json["waiting"] is None


def test_criteria_are_shown_and_one_matching_nothing_is_flagged_with_suggestions(
    app, operator, residences
):
    answer = create(
        operator,
        cities="Jonqière, Chicoutimi",
        streets="Saint-Dominique, Jonquière\nrue Racine Est, Arvida",
    )
    campaign_id = _campaign_id(answer)
    draft = unescape(operator.get(f"/staff/campaigns/{campaign_id}").text)
    assert "Critères de ciblage" in draft and "JONQIÈRE, CHICOUTIMI" in draft
    assert "Le secteur « JONQIÈRE » ne correspond à aucune résidence active." in draft
    assert "Vouliez-vous dire « JONQUIÈRE »" in draft
    assert "La rue « Saint-Dominique, JONQUIÈRE » ne correspond" in draft
    assert "« rue Saint-Dominique »" in draft  # the registry's spelling, suggested
    assert "« CHICOUTIMI » ne correspond" not in draft
    confirm = unescape(operator.get(f"/staff/campaigns/{campaign_id}/launch").text)
    assert "JONQIÈRE, CHICOUTIMI" in confirm and "Vouliez-vous dire" in confirm
    counted = post_form(
        operator,
        "/staff/campaigns/count.json",
        {**VALID, "cities": "Jonqière"},
        page="/staff/campaigns/new",
    ).json
    assert counted["count"] == 0 and "JONQUIÈRE" in counted["warnings"][0]
    post_form(operator, f"/staff/campaigns/{campaign_id}/launch")
    _set(app, campaign_id, status="completed")
    for url in (f"/staff/campaigns/{campaign_id}", f"/staff/campaigns/{campaign_id}/summary"):
        assert "rue Racine Est, ARVIDA" in unescape(operator.get(url).text)


def test_confirmed_never_exceeds_reached_in_the_live_counts(app, operator, residences):
    campaign_id = _campaign_id(create(operator, cities="Chicoutimi, Jonquière"))
    post_form(operator, f"/staff/campaigns/{campaign_id}/launch")
    with app.app_context():
        session = get_session()
        first, second = session.scalars(select(Delivery).order_by(Delivery.id)).all()
        first.status, first.confirmed = "in_progress", True  # pressed 2, call not over yet
        second.status, second.confirmed = "human", True
        session.commit()
    progress = operator.get(f"/staff/campaigns/{campaign_id}/progress.json").json
    assert progress["confirmed"] == 1 and progress["human"] == 1


def test_residents_are_found_without_accents_and_by_part_of_a_number(app, operator, residences):
    page = operator.get("/staff/residents?q=cote").text
    assert f"/staff/residents/{residences[0]}" in page
    assert f"/staff/residents/{residences[0]}" in operator.get("/staff/residents?q=COTE").text
    page = operator.get("/staff/residents?q=555-0101").text
    assert f"/staff/residents/{residences[0]}" in page
    assert f"/staff/residents/{residences[1]}" not in page
    page = operator.get("/staff/residents?q=jonquiere").text
    assert f"/staff/residents/{residences[1]}" in page


def test_a_resident_without_a_name_can_be_opened_from_the_results(app, operator):
    nameless = add_residence(app, "", ["+14185550177"])
    page = operator.get("/staff/residents?q=4185550177").text
    assert f'href="/staff/residents/{nameless}">(sans nom)</a>' in page


def test_the_console_has_its_own_favicon(client):
    page = client.get("/staff/login").text
    assert 'rel="icon" href="/staff/static/favicon.svg"' in page
    with client.get("/staff/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert icon.get_data().startswith(b"<svg")
