"""Campaign templates admins edit (issue 15): seeded with the four built-ins, changed, added
to, retired and deleted under /staff/templates; placeholders filled in the campaign form."""

import re
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from sqlalchemy import select

from models import AuditEntry, Campaign, CampaignTemplate, make_engine, migrate
from runtime.db import get_session
from tests.fixtures.console import add_residence, post_form

BUILTIN_KEYS = {"boil_water", "boil_water_lifted", "water_interruption", "evacuation"}

NEW = {
    "name_fr": "Coupure de courant",
    "name_en": "Power outage",
    "priority": "normal",
    "message_fr": "Coupure de courant le {date} dans le secteur {secteur}.",
    "message_en": "Power outage on {date} in {sector}.",
    "sms_fr": "Coupure le {date} : {secteur}.",
    "sms_en": "",
    "active": "y",
}


def templates(app) -> list[CampaignTemplate]:
    with app.app_context():
        return list(get_session().scalars(select(CampaignTemplate).order_by(CampaignTemplate.id)))


def template_id(app, key: str) -> int:
    return next(row.id for row in templates(app) if row.key == key)


def textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    return unescape(match.group(1)).strip()


def buttons(client) -> str:
    """The template buttons of the new-campaign form (what it offers)."""
    page = client.get("/staff/campaigns/new").text
    return unescape(re.search(r'<div class="template-buttons">(.*?)</div>', page, re.S).group(1))


def today(language: str) -> str:
    now = datetime.now(ZoneInfo("America/Toronto")).date()
    return format_date(now, format="long", locale={"fr": "fr_CA", "en": "en_CA"}[language])


def test_a_fresh_database_gets_the_four_builtins(tmp_path):
    """`ivr db upgrade` on an empty database (SQLite here, whatever the suite runs on)."""
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(CampaignTemplate.key, CampaignTemplate.active)).all()
    engine.dispose()
    assert sorted(rows) == sorted((key, True) for key in BUILTIN_KEYS)


def test_the_migration_seeds_the_four_builtins(app):
    rows = templates(app)
    assert {row.key for row in rows} == BUILTIN_KEYS
    boil = next(row for row in rows if row.key == "boil_water")
    assert boil.name_fr == "Avis d'ébullition de l'eau" and boil.name_en == "Boil-water advisory"
    assert boil.priority == "emergency" and boil.active
    assert boil.message_fr.startswith("Avis préventif") and boil.sms_en.startswith("City of")


def test_admin_lists_edits_and_the_form_offers_the_change(app, admin):
    page = admin.get("/staff/templates")
    assert page.status_code == 200
    assert "Évacuation" in unescape(page.text)
    assert "Avis d'ébullition de l'eau" in unescape(page.text)
    tid = template_id(app, "evacuation")
    edit = admin.get(f"/staff/templates/{tid}")
    assert "Ordre d'évacuation" in textarea(edit.text, "message_fr")
    answer = post_form(
        admin,
        f"/staff/templates/{tid}",
        {**NEW, "name_fr": "Évacuation (rivière)", "message_fr": "Quittez le secteur {secteur}."},
    )
    assert answer.status_code == 302
    assert "Évacuation (rivière)" in admin.get("/staff/templates").text
    assert "Évacuation (rivière)" in buttons(admin)
    filled = admin.get(f"/staff/campaigns/new?template={tid}").text
    assert textarea(filled, "message_fr") == "Quittez le secteur {secteur}."
    with app.app_context():
        entry = (
            get_session()
            .scalars(select(AuditEntry).where(AuditEntry.action == "console.template.edit"))
            .one()
        )
        assert entry.actor == "admin@saguenay.ca"


def test_admin_adds_one_and_it_is_offered(app, admin):
    answer = post_form(admin, "/staff/templates/new", NEW)
    assert answer.status_code == 302
    assert len(templates(app)) == 5
    assert "Coupure de courant" in buttons(admin)


def test_retired_template_is_no_longer_offered(app, admin):
    tid = template_id(app, "water_interruption")
    row = next(r for r in templates(app) if r.id == tid)
    data = {
        name: getattr(row, name)
        for name in ("name_fr", "name_en", "priority", "message_fr", "message_en")
    }
    assert post_form(admin, f"/staff/templates/{tid}", data).status_code == 302  # unticked
    offered = buttons(admin)
    assert "Interruption de l'alimentation en eau" not in offered
    assert "Avis d'ébullition de l'eau" in offered
    assert "Non (retiré)" in admin.get("/staff/templates").text


def test_admin_deletes_one(app, admin):
    tid = template_id(app, "boil_water_lifted")
    answer = post_form(admin, f"/staff/templates/{tid}/delete", page="/staff/templates")
    assert answer.status_code == 302
    assert {row.key for row in templates(app)} == BUILTIN_KEYS - {"boil_water_lifted"}
    offered = buttons(admin)
    assert "Levée de l'avis d'ébullition" not in offered and "Évacuation" in offered
    assert admin.get(f"/staff/templates/{tid}").status_code == 404


def test_delete_without_csrf_is_refused(app, admin):
    tid = template_id(app, "evacuation")
    assert admin.post(f"/staff/templates/{tid}/delete").status_code == 400
    assert len(templates(app)) == 4


@pytest.mark.parametrize("url", ["/staff/templates", "/staff/templates/new", "/staff/templates/1"])
def test_an_operator_may_not_manage_templates(app, operator, url):
    assert operator.get(url).status_code == 403
    assert "/staff/templates" not in operator.get("/staff/campaigns/new").text


def test_an_operator_cannot_delete_either(app, operator):
    page = operator.get("/staff/campaigns/new").text  # a page with a CSRF token
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)
    answer = operator.post("/staff/templates/1/delete", data={"csrf_token": token})
    assert answer.status_code == 403
    assert len(templates(app)) == 4


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"name_fr": "  "}, "name_fr", "Ce champ est obligatoire."),
        ({"message_fr": ""}, "message_fr", "Ce champ est obligatoire."),
        (
            {"message_fr": "Dans le secteur {ville}."},
            "message_fr",
            "Champ inconnu : {ville}. Seuls {secteur} {sector} {date} sont permis",
        ),
        ({"sms_en": "On {date.year}"}, "sms_en", "Champ inconnu : {date.year}."),
        ({"message_en": "A lone { brace"}, "message_en", "Champ inconnu : {."),
        ({"message_fr": "x" * 1001}, "message_fr", "Au plus 1000 caractères."),
        ({"name_en": "x" * 201}, "name_en", "Au plus 200 caractères."),
        ({"priority": ""}, "priority", "Choisissez la priorité"),
    ],
)
def test_refusals_are_said_and_nothing_is_saved(app, admin, changes, field, message):
    answer = post_form(admin, "/staff/templates/new", {**NEW, **changes})
    assert answer.status_code == 400
    assert message in unescape(answer.text)
    assert len(templates(app)) == 4


def test_picking_a_template_fills_the_date_and_saving_fills_the_sector(app, admin):
    add_residence(app, "Tremblay", ["+14185550101"], city="CHICOUTIMI")
    post_form(admin, "/staff/templates/new", NEW)
    tid = next(row.id for row in templates(app) if row.key is None)
    page = admin.get(f"/staff/campaigns/new?template={tid}").text
    assert textarea(page, "message_fr") == (
        f"Coupure de courant le {today('fr')} dans le secteur {{secteur}}."
    )
    assert textarea(page, "message_en") == f"Power outage on {today('en')} in {{sector}}."
    answer = post_form(
        admin,
        "/staff/campaigns/new",
        {
            "title": "Coupure de courant",
            "message_fr": textarea(page, "message_fr"),
            "message_en": textarea(page, "message_en"),
            "sms_fr": textarea(page, "sms_fr"),
            "priority": "normal",
            "cities": "Chicoutimi, Jonquière",
            "rounds": "1",
            "ring_timeout_s": "30",
        },
        page=f"/staff/campaigns/new?template={tid}",
    )
    assert answer.status_code == 302, answer.text
    with app.app_context():
        campaign = get_session().scalars(select(Campaign)).one()
    assert campaign.message_fr == (
        f"Coupure de courant le {today('fr')} dans le secteur Chicoutimi, Jonquière."
    )
    assert campaign.message_en == f"Power outage on {today('en')} in Chicoutimi, Jonquière."
    assert campaign.sms_fr == f"Coupure le {today('fr')} : Chicoutimi, Jonquière."


def test_the_whole_city_and_streets_are_said_in_words(app, admin):
    post_form(admin, "/staff/templates/new", NEW)
    base = {
        "title": "Coupure",
        "message_fr": "Secteur : {secteur}.",
        "message_en": "Area: {sector}.",
        "priority": "normal",
        "rounds": "1",
        "ring_timeout_s": "30",
    }
    assert post_form(admin, "/staff/campaigns/new", {**base, "target_all": "y"}).status_code == 302
    streets = {**base, "streets": "rue Racine Est, Chicoutimi, 100-480"}
    assert post_form(admin, "/staff/campaigns/new", streets).status_code == 302
    with app.app_context():
        first, second = get_session().scalars(select(Campaign).order_by(Campaign.id)).all()
    assert (first.message_fr, first.message_en) == (
        "Secteur : toute la ville.",
        "Area: the whole city.",
    )
    assert second.message_fr.startswith("Secteur : rue Racine Est, ")
    assert "100-480" in second.message_en


def test_a_text_the_sector_makes_too_long_is_refused(app, admin):
    answer = post_form(
        admin,
        "/staff/campaigns/new",
        {
            "title": "Coupure",
            "message_fr": "x" * 985 + "{secteur}",  # 994 characters as typed, 1006 filled
            "priority": "normal",
            "cities": "Chicoutimi, Jonquière",
            "rounds": "1",
            "ring_timeout_s": "30",
        },
    )
    assert answer.status_code == 400
    assert "Au plus 1000 caractères." in unescape(answer.text)
    with app.app_context():
        assert get_session().scalars(select(Campaign)).all() == []


def test_ivr_templates_list_shows_them(app, runner):
    with app.app_context():
        row = (
            get_session()
            .scalars(select(CampaignTemplate).where(CampaignTemplate.key == "evacuation"))
            .one()
        )
        row.active = False
        get_session().commit()
    result = runner.invoke(args=["templates", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 4
    assert lines[0].endswith("emergency\toffered\tAvis d'ébullition de l'eau\tBoil-water advisory")
    assert lines[3].endswith("emergency\tretired\tÉvacuation\tEvacuation")


def test_control_characters_are_dropped_not_a_server_error(app, admin):
    answer = post_form(
        admin, "/staff/templates/new", {**NEW, "name_fr": "Coupure\x00 de courant\x07"}
    )
    assert answer.status_code == 302
    assert any(row.name_fr == "Coupure de courant" for row in templates(app))
