"""The new-campaign form, the count before launch, launch, pause/resume/cancel, CSV, summary."""

import csv
import io
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from models import Campaign, Delivery
from models.template import BUILTINS
from runtime.db import get_session
from tests.fixtures.console import add_residence, csrf_token, post_form

VALID = {
    "title": "Bris d'aqueduc",
    "message_fr": "Faites bouillir l'eau.",
    "message_en": "Boil your water.",
    "priority": "emergency",
    "cities": "Chicoutimi",
    "streets": "",
    "postal_prefixes": "",
    "rounds": "3",
    "retry_delay_min": "",
    "ring_timeout_s": "30",
    "leave_voicemail": "y",
    "ask_confirmation": "y",
}


@pytest.fixture
def residences(app):
    """Three residences in Chicoutimi (one on rue Racine at 500), one in Jonquière."""
    return [
        add_residence(app, "Tremblay", ["+14185550101"], civic="100"),
        add_residence(app, "Gagnon", ["+14185550102", "+14185550103"], civic="500"),
        add_residence(
            app,
            "Côté",
            ["+14185550104"],
            street="boulevard Talbot",
            civic="20",
            postal_code="G7J 2B2",
        ),
        add_residence(
            app,
            "Bouchard",
            ["+14185550105"],
            city="JONQUIÈRE",
            street="rue Saint-Dominique",
            postal_code="G7X 6K3",
        ),
    ]


def campaigns(app):
    with app.app_context():
        return get_session().scalars(select(Campaign)).all()


def create(client, **changes):
    return post_form(client, "/staff/campaigns/new", {**VALID, **changes})


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"title": ""}, "Ce champ est obligatoire."),
        ({"message_fr": "   "}, "Ce champ est obligatoire."),
        ({"message_fr": "x" * 1001}, "Au plus 1000 caractères."),
        ({"rounds": "0"}, "Inscrivez un nombre de 1 à 10."),
        ({"rounds": "trois"}, "Inscrivez un nombre entier."),
        ({"ring_timeout_s": "500"}, "Inscrivez un nombre de 5 à 120."),
        ({"cities": "", "postal_prefixes": "7GH"}, "« 7GH » n&#39;est pas un début de code postal"),
        ({"cities": "", "streets": "rue Racine Est"}, "Ligne 1 : écrivez « rue, secteur »"),
        (
            {"cities": "", "streets": "rue Racine Est, Chicoutimi, 500-100"},
            "Ligne 1 : le premier numéro civique doit être plus petit",
        ),
        ({"cities": ""}, "Choisissez qui appeler"),
        ({"audio_url_fr": "avis.mp3"}, "« avis.mp3 » doit être une adresse web complète"),
        ({"audio_url_en": "ftp://ville.example/a.mp3"}, "doit être une adresse web complète"),
    ],
)
def test_campaign_form_refuses_bad_input_and_saves_nothing(app, operator, changes, message):
    answer = create(operator, **changes)
    assert answer.status_code == 400
    assert message in answer.text
    assert campaigns(app) == []
    assert "Bris d&#39;aqueduc" in answer.text or changes.get("title") == ""  # nothing typed lost


def test_refusals_in_english(app, operator):
    page = operator.get("/staff/campaigns")
    operator.post("/staff/language", data={"lang": "en", "csrf_token": csrf_token(page.text)})
    answer = create(operator, rounds="11")
    assert "Enter a number from 1 to 10." in answer.text


def test_create_campaign_with_every_kind_of_target(app, operator, residences):
    answer = create(
        operator,
        cities="Jonquière",
        streets="rue Racine Est, Chicoutimi, 400-600\nboulevard Talbot, Chicoutimi",
        postal_prefixes="g7x, G7J 2",
        retry_delay_min="7",
        leave_voicemail="",
    )
    assert answer.status_code == 302
    (campaign,) = campaigns(app)
    assert answer.location.endswith(f"/staff/campaigns/{campaign.id}")
    assert campaign.status == "draft" and campaign.created_by == "operateur@saguenay.ca"
    assert campaign.target == {
        "all": False,
        "cities": ["JONQUIÈRE"],
        "streets": [
            {"street": "rue Racine Est", "city": "CHICOUTIMI", "from": 400, "to": 600},
            {"street": "boulevard Talbot", "city": "CHICOUTIMI", "from": None, "to": None},
        ],
        "postal_prefixes": ["G7X", "G7J 2"],
        "residence_ids": [],
    }
    assert (campaign.retry_delay_s, campaign.leave_voicemail, campaign.ask_confirmation) == (
        420,
        False,
        True,
    )
    page = operator.get(answer.location)
    assert "3 résidences visées" in page.text  # Gagnon (500 Racine), Côté, Bouchard


def test_a_recording_per_language_is_kept_and_shown(app, operator, residences):
    answer = create(operator, audio_url_fr=" https://ville.example/avis-fr.mp3 ", audio_url_en="")
    (campaign,) = campaigns(app)
    assert (campaign.audio_url_fr, campaign.audio_url_en) == (
        "https://ville.example/avis-fr.mp3",
        None,
    )
    page = operator.get(answer.location).text
    assert "Enregistrement en français" in page and "https://ville.example/avis-fr.mp3" in page
    assert "Enregistrement en anglais" not in page


def test_blank_delay_takes_the_dialers_default_for_the_priority(app, operator, residences):
    create(operator, priority="emergency")
    create(operator, priority="normal")
    assert [c.retry_delay_s for c in campaigns(app)] == [300, 600]


def test_uploaded_list_targets_those_residences_and_reports_refused_lines(
    app, operator, residences
):
    upload = io.BytesIO(b"phone\n418 555-0101\n418-555-0105\n555-1234\n")
    answer = create(operator, cities="", upload=(upload, "list.csv"))
    assert answer.status_code == 302
    (campaign,) = campaigns(app)
    assert sorted(campaign.target["residence_ids"]) == [residences[0], residences[3]]
    page = operator.get(answer.location)
    assert "2 résidences visées" in page.text
    assert "Liste, ligne 4 ignorée" in page.text


def test_count_before_launch(app, operator, residences):
    page = operator.get("/staff/campaigns/new")
    answer = operator.post(
        "/staff/campaigns/count.json",
        data={"csrf_token": csrf_token(page.text), "cities": "chicoutimi"},
    )
    assert answer.json["count"] == 3 and answer.json["text"] == "3 résidences visées"
    answer = operator.post(
        "/staff/campaigns/count.json", data={"csrf_token": csrf_token(page.text), "target_all": "y"}
    )
    assert answer.json["count"] == 4
    answer = operator.post(
        "/staff/campaigns/count.json",
        data={"csrf_token": csrf_token(page.text), "postal_prefixes": "123"},
    )
    assert answer.json["count"] is None and "123" in answer.json["error"]
    assert operator.post("/staff/campaigns/count.json", data={"cities": "x"}).status_code == 400


def textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    return unescape(match.group(1)).strip()


@pytest.mark.parametrize(
    "key, priority",
    [
        ("boil_water", "emergency"),
        ("boil_water_lifted", "normal"),
        ("water_interruption", "normal"),
        ("evacuation", "emergency"),
    ],
)
def test_templates_fill_the_form_in_both_languages(operator, key, priority):
    page = operator.get(f"/staff/campaigns/new?template={key}").text
    builtin = next(b for b in BUILTINS if b["key"] == key)  # seeded as records (issue 15)
    assert textarea(page, "message_fr") == builtin["message_fr"]
    assert textarea(page, "message_en") == builtin["message_en"]
    assert builtin["message_fr"] != builtin["message_en"]
    assert f'value="{priority}" checked' in page


def test_launch_needs_the_confirmation_step(app, operator, residences):
    campaign_id = create(operator).location.rsplit("/", 1)[1]
    confirm = operator.get(f"/staff/campaigns/{campaign_id}/launch")
    assert "Oui, appeler 3 résidences maintenant" in confirm.text
    assert campaigns(app)[0].status == "draft"  # looking at the confirmation launches nothing
    answer = operator.post(
        f"/staff/campaigns/{campaign_id}/launch", data={"csrf_token": csrf_token(confirm.text)}
    )
    assert answer.status_code == 302
    assert campaigns(app)[0].status == "running"
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Delivery)) == 3
    progress = operator.get(f"/staff/campaigns/{campaign_id}/progress.json").json
    assert progress["status"] == "running" and progress["total"] == 3
    again = operator.get(f"/staff/campaigns/{campaign_id}/launch")  # no second confirmation
    assert again.status_code == 302 and again.location.endswith(f"/campaigns/{campaign_id}")
    assert progress["pending"] == 3 and progress["percent"] == 0


def test_pause_resume_cancel(app, operator, residences):
    campaign_id = create(operator).location.rsplit("/", 1)[1]
    url = f"/staff/campaigns/{campaign_id}"
    post_form(operator, url + "/launch")
    post_form(operator, url + "/pause", page=url)
    assert campaigns(app)[0].status == "paused"
    assert "Reprendre" in operator.get(url).text
    post_form(operator, url + "/resume", page=url)
    assert campaigns(app)[0].status == "running"
    post_form(operator, url + "/cancel", page=url)
    assert campaigns(app)[0].status == "cancelled"
    answer = post_form(operator, url + "/resume", page=url, follow_redirects=True)
    assert "annul" in answer.text.lower()  # the dialer's refusal, in French
    progress = operator.get(url + "/progress.json").json
    assert progress["cancelled"] == 3 and progress["finished"] and progress["percent"] == 100


def test_residence_table_filter_export_and_summary(app, operator, residences):
    campaign_id = create(operator).location.rsplit("/", 1)[1]
    url = f"/staff/campaigns/{campaign_id}"
    post_form(operator, url + "/launch")
    with app.app_context():
        session = get_session()
        first = session.scalar(select(Delivery).where(Delivery.residence_id == residences[0]))
        first.status, first.reached_number, first.confirmed = "human", "+14185550101", True
        session.commit()
    page = operator.get(url + "?filter=not_reached")
    assert "2 résidences" in page.text and "Tremblay" not in page.text and "Gagnon" in page.text
    assert "Tremblay" in operator.get(url).text
    export = operator.get(url + "/export.csv")
    assert export.headers["Content-Type"].startswith("text/csv")
    assert export.text.startswith("\ufeff")  # Excel's sign of UTF-8
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 3
    assert {r["Nom"]: r["Résultat"] for r in rows}["Tremblay"] == "Personne jointe"
    assert {r["Nom"]: r["Numéro"] for r in rows}["Tremblay"] == "418 555-0101"
    post_form(operator, url + "/cancel", page=url)
    summary = operator.get(url + "/summary")
    assert "Bilan" in summary.text and "1 (33 %)" in summary.text
    assert "data-print" in summary.text


def test_campaign_list_shows_status_and_reach(app, operator, residences):
    campaign_id = create(operator, title="Avis Chicoutimi").location.rsplit("/", 1)[1]
    post_form(operator, f"/staff/campaigns/{campaign_id}/launch")
    page = operator.get("/staff/campaigns")
    assert "Avis Chicoutimi" in page.text and "En cours" in page.text
    assert "0 (0 %)" in page.text


def test_test_call_refuses_a_bad_number(app, operator, residences):
    campaign_id = create(operator).location.rsplit("/", 1)[1]
    url = f"/staff/campaigns/{campaign_id}"
    answer = post_form(
        operator,
        url + "/test-call",
        {"number": "555-1234", "language": "fr"},
        page=url,
        follow_redirects=True,
    )
    assert "indicatif régional" in answer.text
    assert operator.get(url).text.count('value="+14185550199"') == 1  # own number offered


def test_test_call_reaches_the_operator_through_the_simulator(app_config, stack, residences_live):
    client = stack.live.app.test_client()
    from tests.fixtures.console import add_staff, sign_in

    add_staff(stack.live.app, "op@saguenay.ca", phone="+14185550199")
    sign_in(client, "op@saguenay.ca")
    campaign_id = post_form(client, "/staff/campaigns/new", VALID).location.rsplit("/", 1)[1]
    url = f"/staff/campaigns/{campaign_id}"
    answer = post_form(
        client,
        url + "/test-call",
        {"number": "418 555-0199", "language": "fr"},
        page=url,
        follow_redirects=True,
    )
    assert "Appel d&#39;essai envoyé au 418 555-0199" in answer.text
    stack.sim.wait_idle(20)
    (call,) = [c for c in stack.sim.calls() if c.get("to") == "+14185550199"]
    assert "Faites bouillir l'eau." in str(call)


@pytest.fixture
def residences_live(stack):
    return [add_residence(stack.live.app, "Tremblay", ["+14185550101"])]
