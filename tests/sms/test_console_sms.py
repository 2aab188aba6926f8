"""The console: SMS texts on the new-campaign form with their live counter (encoding, segments,
cost), the accent replacement, templates' short versions; `sms_delivered` shown by the
campaign page, the status JSON, the CSV export and the printable summary; replies listed."""

import csv
import io
import json

from sqlalchemy import select

from dialer.worker import drain
from models import Campaign
from runtime.db import get_session
from tests.fixtures.console import add_staff, csrf_token, post_form, sign_in
from tests.sms.test_replies import MOBILE, add_mobile, text
from tests.sms.test_sms_campaigns import launch

FORM = {
    "title": "Avis d'ébullition",
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
    "sms_fr": "Ville de Saguenay : même filtrée, faites bouillir l'eau.",
    "sms_en": "City of Saguenay: boil your water.",
}


def count(client, text, gsm7=False):
    token = csrf_token(client.get("/staff/campaigns/new").text)
    data = {"csrf_token": token, "text": text}
    if gsm7:
        data["gsm7"] = "y"
    answer = client.post("/staff/campaigns/sms-count.json", data=data)
    assert answer.status_code == 200
    return answer.get_json()


def test_the_counter_says_encoding_segments_and_cost(operator):
    assert (
        count(operator, "Avis d'ébullition")["text"]
        == "GSM-7 · 17 caractères · 1 segment(s) · coût ×1"
    )
    accented = count(operator, "Même l'eau filtrée" + "." * 60)
    assert (accented["encoding"], accented["segments"], accented["multiplier"]) == ("UCS-2", 2, 2)
    assert accented["text"].endswith("Hors GSM-7 : ê")
    replaced = count(operator, "Même l'eau filtrée" + "." * 60, gsm7=True)
    assert (replaced["encoding"], replaced["segments"], replaced["sent"][:4]) == (
        "GSM-7",
        1,
        "Meme",
    )


def test_the_counter_needs_a_signed_in_operator_and_its_token(client, operator):
    assert (
        operator.post("/staff/campaigns/sms-count.json", data={"text": "x"}).status_code == 400
    )  # no CSRF token


def test_a_campaign_keeps_its_sms_texts_accents_replaced_when_asked(app, operator):
    assert post_form(operator, "/staff/campaigns/new", {**FORM, "sms_gsm7": "y"}).status_code == 302
    with app.app_context():
        campaign = get_session().scalars(select(Campaign)).one()
        assert campaign.sms_fr == "Ville de Saguenay : meme filtrée, faites bouillir l'eau."
        assert campaign.sms_en == "City of Saguenay: boil your water."
        campaign_id = campaign.id
    page = operator.get(f"/staff/campaigns/{campaign_id}").text
    assert "Texto en français" in page and "meme filtrée" in page


def test_a_form_shows_the_count_of_what_was_typed_and_refuses_a_too_long_text(operator):
    answer = post_form(operator, "/staff/campaigns/new", {**FORM, "sms_fr": "ê" * 1601})
    assert answer.status_code == 400 and "Au plus 1600 caractères." in answer.text
    assert "UCS-2 · 1601 caractères · 24 segment(s) · coût ×24" in answer.text


def test_templates_fill_their_short_sms_versions(operator):
    page = operator.get("/staff/campaigns/new?template=boil_water").text
    assert "Ville de Saguenay : avis d&#39;ébullition. Faites bouillir" in page
    assert "GSM-7 · 136 caractères · 1 segment(s) · coût ×1" in page


def test_sms_delivered_everywhere_staff_look(sms_stack, session):
    app = sms_stack.live.app
    add_mobile(session)
    campaign = launch(sms_stack, session, rounds=1)
    assert drain(app, timeout=60)
    text(sms_stack, "Est-ce que l'eau du lac est bonne?")
    runner = app.test_cli_runner()
    status = json.loads(
        runner.invoke(args=["campaign", "status", str(campaign.id), "--json"]).output
    )
    assert (status["sms_delivered"], status["reached"], status["total"]) == (1, 1, 1)
    exported = runner.invoke(args=["campaign", "export", str(campaign.id)]).output
    [row] = list(csv.DictReader(io.StringIO(exported)))
    assert (row["outcome"], row["number"]) == ("sms_delivered", MOBILE)
    add_staff(app, "operateur@saguenay.ca")
    client = app.test_client()
    sign_in(client, "operateur@saguenay.ca")
    page = client.get(f"/staff/campaigns/{campaign.id}").text
    assert "Texto livré" in page and 'data-key="sms_delivered">1<' in page
    assert "Est-ce que l&#39;eau du lac est bonne?" in page and "418 555-0177" in page
    assert (
        client.get(f"/staff/campaigns/{campaign.id}/progress.json").get_json()["sms_delivered"] == 1
    )
    summary = client.get(f"/staff/campaigns/{campaign.id}/summary").text
    assert "Texto livré" in summary and "1 (100 %)" in summary
    assert "Ville de Saguenay : faites bouillir" in summary  # the SMS text is printed too
