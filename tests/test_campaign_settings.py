"""One table of campaign settings (models/campaign_settings.py): the console's form, the
`ivr campaign create` options and the dialer's validation accept exactly its bounds and say
the same bounds when they refuse, in French and in English; the model's defaults are its."""

import re

import pytest
from sqlalchemy import select

from dialer import campaigns, defaults
from dialer.campaigns import CampaignError
from models import Campaign
from models.campaign_settings import RETRY_DELAY_S, RING_TIMEOUT_S, ROUNDS, SETTINGS
from runtime.db import get_session
from runtime.i18n import explain
from tests.fixtures.console import csrf_token, operator, post_form  # noqa: F401

EDGES = [(setting, edge) for setting in SETTINGS for edge in ("low", "high")]
OPTION = {
    "rounds": "--rounds",
    "retry_delay_s": "--retry-delay",
    "ring_timeout_s": "--ring-timeout",
}
FORM_FIELD = {
    "rounds": "rounds",
    "retry_delay_s": "retry_delay_min",
    "ring_timeout_s": "ring_timeout_s",
}
"""The console's field of each setting (the retry delay is typed in minutes)."""
FORM = {
    "title": "Bris d'aqueduc",
    "message_fr": "Faites bouillir l'eau.",
    "message_en": "Boil your water.",
    "priority": "normal",
    "cities": "Chicoutimi",
    "streets": "",
    "postal_prefixes": "",
    "rounds": "",
    "retry_delay_min": "",
    "ring_timeout_s": "",
    "leave_voicemail": "y",
    "ask_confirmation": "y",
}


def outside(setting, edge) -> int:
    return setting.low - 1 if edge == "low" else setting.high + 1


def stored_campaigns(app) -> list[Campaign]:
    with app.app_context():
        return get_session().scalars(select(Campaign).order_by(Campaign.id)).all()


def test_the_table_says_what_the_dialer_and_console_disagreed_on():
    assert (RING_TIMEOUT_S.low, RING_TIMEOUT_S.high, RING_TIMEOUT_S.unit) == (5, 120, "s")
    assert (RETRY_DELAY_S.low, RETRY_DELAY_S.high, RETRY_DELAY_S.unit) == (0, 86400, "s")
    assert (ROUNDS.low, ROUNDS.high) == (1, 10)
    for setting in SETTINGS:  # the console's unit divides the bounds and defaults exactly
        for value in (
            setting.low,
            setting.high,
            setting.default_for(False),
            setting.default_for(True),
        ):
            assert value % setting.shown_per == 0, setting.name


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_the_model_and_the_dialer_default_to_the_table(app, session, setting):
    session.add(Campaign(title="Sans réglages"))  # the columns' own defaults
    session.commit()
    stored = session.scalars(select(Campaign)).one()
    assert getattr(stored, setting.name) == setting.default
    created = campaigns.create_campaign(
        session, "t", title="Défauts", message_fr="Eau.", target={"all": True}, priority="emergency"
    )
    assert getattr(created, setting.name) == setting.default_for(emergency=True)
    assert getattr(defaults, setting.name.upper()) == setting.default


@pytest.mark.parametrize("setting, edge", EDGES, ids=lambda v: getattr(v, "name", v))
def test_dialer_validation_accepts_the_bounds_and_refuses_past_them(session, setting, edge):
    fields = {"title": "Bornes", "message_fr": "Eau.", "target": {"all": True}}
    created = campaigns.create_campaign(
        session, "t", **fields, **{setting.name: getattr(setting, edge)}
    )
    assert getattr(created, setting.name) == getattr(setting, edge)
    with pytest.raises(CampaignError) as refused:
        campaigns.create_campaign(session, "t", **fields, **{setting.name: outside(setting, edge)})
    assert f"entre {setting.low} et {setting.high}" in explain(refused.value, "fr")
    assert f"between {setting.low} and {setting.high}" in explain(refused.value, "en")


@pytest.mark.parametrize("setting, edge", EDGES, ids=lambda v: getattr(v, "name", v))
def test_cli_accepts_the_bounds_and_refuses_past_them(app, runner, setting, edge):
    base = ["campaign", "create", "--title", "Bornes", "--message-fr", "Eau."]
    created = runner.invoke(args=base + [OPTION[setting.name], str(getattr(setting, edge))])
    assert created.exit_code == 0, created.output
    assert getattr(stored_campaigns(app)[-1], setting.name) == getattr(setting, edge)
    refused = runner.invoke(args=base + [OPTION[setting.name], str(outside(setting, edge))])
    assert refused.exit_code != 0
    assert f"entre {setting.low} et {setting.high}" in refused.output
    assert f"between {setting.low} and {setting.high}" in refused.output
    assert len(stored_campaigns(app)) == 1
    assert (
        f"{setting.low} to {setting.high}"
        in runner.invoke(args=["campaign", "create", "--help"]).output
    )


@pytest.mark.parametrize(
    "language, said",
    [
        ("fr", "Inscrivez un nombre de {low} à {high}."),
        ("en", "Enter a number from {low} to {high}."),
    ],
)
@pytest.mark.parametrize("setting, edge", EDGES, ids=lambda v: getattr(v, "name", v))
def test_console_form_accepts_the_bounds_and_refuses_past_them(
    app, operator, setting, edge, language, said
):
    page = operator.get("/staff/campaigns/new")
    operator.post("/staff/language", data={"lang": language, "csrf_token": csrf_token(page.text)})
    per = setting.shown_per  # the console's unit: minutes for the retry delay
    low, high = setting.low // per, setting.high // per
    field = FORM_FIELD[setting.name]
    form = operator.get("/staff/campaigns/new").text
    tag = re.search(rf'<input[^>]*id="{field}"[^>]*>', form).group(0)
    assert f'min="{low}"' in tag and f'max="{high}"' in tag
    shown = getattr(setting, edge) // per
    answer = post_form(operator, "/staff/campaigns/new", {**FORM, field: str(shown)})
    assert answer.status_code == 302, answer.text
    assert getattr(stored_campaigns(app)[-1], setting.name) == getattr(setting, edge)
    past = low - 1 if edge == "low" else high + 1
    refused = post_form(operator, "/staff/campaigns/new", {**FORM, field: str(past)})
    assert refused.status_code == 400
    assert said.format(low=low, high=high) in refused.text
    assert (low * per, high * per) == (setting.low, setting.high)
    assert len(stored_campaigns(app)) == 1
