"""The console answers bad input clearly, never with a 500: a search with control characters,
a huge page number, a huge civic range, a huge id in a URL; `%` and `_` are searched as text."""

import pytest
from sqlalchemy import func, select

from dialer import campaigns as dialer_campaigns
from dialer import targeting
from models import Campaign, Delivery
from runtime.db import get_session
from tests.fixtures.console import add_residence, csrf_token

HUGE = "99999999999999999999"


@pytest.fixture
def residences(app):
    return [
        add_residence(app, "Tremblay", ["+14185550101"], civic="100"),
        add_residence(app, "Gagnon", ["+14185550102"], civic="500"),
        add_residence(app, "Côté", ["+14185550104"], street="boulevard Talbot", civic="20"),
    ]


@pytest.mark.parametrize("q", ["\x00", "Tremblay\x00", "a\x1bb", "x" * 201])
def test_a_search_with_control_characters_or_too_long_is_refused_clearly(operator, q):
    answer = operator.get("/staff/residents", query_string={"q": q})
    assert answer.status_code == 400
    assert "Recherche refusée" in answer.text


@pytest.mark.parametrize(
    "q, found",
    [
        ("%", ["Pourcent"]),
        ("_", ["Souligné"]),
        ("Trem%", []),
        ("T_emblay", []),
        ("100%", ["Pourcent"]),
        ("a_b", ["Souligné"]),
        ("Trem", ["Tremblay"]),
    ],
)
def test_percent_and_underscore_are_searched_as_text(app, operator, residences, q, found):
    add_residence(app, "Pourcent", ["+14185550111"], street="100% rue Fictive")
    add_residence(app, "Souligné", ["+14185550112"], street="rue a_b")
    page = operator.get("/staff/residents", query_string={"q": q}).text
    names = [
        n
        for n in ("Tremblay", "Gagnon", "Côté", "Pourcent", "Souligné")
        if f">{n} " in page or f">{n}</a>" in page
    ]
    assert names == found


def test_a_huge_page_number_shows_the_last_page(app, operator, residences):
    with app.app_context():
        session = get_session()
        campaign = dialer_campaigns.create_campaign(
            session, "t", title="Avis", message_fr="Bouillez l'eau.", target={"all": True}
        )
        dialer_campaigns.launch(app, campaign.id, "t")
        campaign_id = campaign.id
    for page in (HUGE, "-" + HUGE, "abc", "0"):
        answer = operator.get(f"/staff/campaigns/{campaign_id}?page={page}")
        assert answer.status_code == 200 and "Tremblay" in answer.text


@pytest.mark.parametrize(
    "path",
    [
        f"/staff/residents/{HUGE}",
        f"/staff/campaigns/{HUGE}",
        f"/staff/residents/{HUGE}/edit",
        f"/staff/campaigns/{HUGE}/export.csv",
    ],
)
def test_a_huge_id_in_a_url_is_not_found(admin, path):
    assert admin.get(path).status_code == 404


def test_a_huge_street_range_is_refused_clearly(operator, residences):
    page = operator.get("/staff/campaigns/new")
    answer = operator.post(
        "/staff/campaigns/count.json",
        data={
            "csrf_token": csrf_token(page.text),
            "streets": f"rue Racine Est, Chicoutimi, 1-{HUGE}",
        },
    )
    assert answer.status_code == 200 and answer.json["count"] is None
    assert answer.json["field"] == "streets" and "999999" in answer.json["error"]
    created = operator.post(
        "/staff/campaigns/new",
        data={
            "csrf_token": csrf_token(page.text),
            "title": "Avis",
            "message_fr": "Bouillez l'eau.",
            "priority": "normal",
            "streets": f"rue Racine Est, Chicoutimi, {HUGE}-{HUGE}9",
            "rounds": "1",
            "retry_delay_min": "5",
            "ring_timeout_s": "30",
        },
    )
    assert created.status_code == 400 and "999" in created.text


@pytest.mark.parametrize(
    "low, high, expected", [(1, int(HUGE), 2), (int(HUGE), int(HUGE) + 1, 0), (200, 10**12, 1)]
)
def test_the_dialer_bounds_a_range_it_is_given(app, session, residences, low, high, expected):
    """A target from the CLI or stored JSON: no civic number is past six digits."""
    target = {
        "streets": [{"street": "rue Racine Est", "city": "CHICOUTIMI", "from": low, "to": high}],
        "residence_ids": [int(HUGE)],
    }
    assert targeting.count_targets(session, target) == expected
    campaign = dialer_campaigns.create_campaign(
        session, "t", title="Avis", message_fr="Eau.", target=target
    )
    assert dialer_campaigns.launch(app, campaign.id, "t") == expected
    assert session.scalar(select(func.count()).select_from(Delivery)) == expected
    assert session.get(Campaign, campaign.id) is not None


def test_the_cli_bounds_a_huge_range(runner, residences):
    result = runner.invoke(
        args=[
            "campaign",
            "create",
            "--title",
            "Avis",
            "--message-fr",
            "Eau.",
            "--street",
            f"rue Racine Est,CHICOUTIMI,1-{HUGE}",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "2 residences targeted" in result.output
