"""Issue 15: the form's calling window and expiry, and a priority chosen on purpose."""

from datetime import timedelta

from models import utcnow
from tests.console.test_campaigns import VALID, campaigns, create, residences  # noqa: F401


def test_no_priority_is_chosen_for_the_operator(operator):
    page = operator.get("/staff/campaigns/new").text
    assert 'value="emergency" checked' not in page and 'value="normal" checked' not in page
    assert "même hors de la plage d&#39;appel (08 h 00 à 21 h 00)" in page


def test_a_campaign_without_a_priority_is_refused_and_nothing_is_saved(app, operator):
    answer = create(operator, priority="")
    assert answer.status_code == 400
    assert "Choisissez la priorité : normale ou urgence." in answer.text
    assert campaigns(app) == []


def test_window_and_expiry_are_kept(app, operator, residences):  # noqa: F811
    before = utcnow()
    answer = create(
        operator, priority="normal", window_start="07:30", window_end="19:00", expires_in_min="90"
    )
    assert answer.status_code == 302
    (campaign,) = campaigns(app)
    assert (campaign.priority, campaign.window_start, campaign.window_end) == (
        "normal",
        "07:30",
        "19:00",
    )
    assert before + timedelta(minutes=89) < campaign.expires_at < utcnow() + timedelta(minutes=91)


def test_blank_window_and_expiry_take_the_defaults(app, operator, residences):  # noqa: F811
    create(operator, priority="normal")
    (campaign,) = campaigns(app)
    assert (campaign.window_start, campaign.window_end, campaign.expires_at) == (
        "08:00",
        "21:00",
        None,
    )


def test_bad_window_or_expiry_is_refused(app, operator):
    for changes, message in (
        ({"window_start": "25:00"}, "25:00"),
        (
            {"window_start": "21:00", "window_end": "08:00"},
            "La fin de la plage d&#39;appel doit suivre son début.",
        ),
        ({"expires_in_min": "2"}, "Inscrivez un nombre de 5 à 10080."),
    ):
        answer = create(operator, **changes)
        assert answer.status_code == 400 and message in answer.text, changes
    assert campaigns(app) == []
