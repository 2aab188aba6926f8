"""Issue 15 in the console: scheduling, approval by a second account, follow-ups and their
links, the expected end as a clock time."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from dialer import campaigns as dialer_campaigns
from models import AuditEntry, CallAttempt, Campaign, Delivery, utcnow
from runtime.db import get_session
from tests.console.test_campaigns import campaigns, create, residences  # noqa: F401
from tests.fixtures.console import add_staff, csrf_token, post_form, sign_in


def page_of(client, campaign_id):
    return client.get(f"/staff/campaigns/{campaign_id}").text


def test_schedule_then_take_it_back(app, operator, residences):  # noqa: F811
    campaign_id = int(create(operator).location.rsplit("/", 1)[1])
    url = f"/staff/campaigns/{campaign_id}"
    tomorrow = (utcnow() + timedelta(days=1)).astimezone(ZoneInfo(app.config["TIMEZONE"]))
    at = tomorrow.strftime("%Y-%m-%dT07:00")
    answer = post_form(operator, f"{url}/schedule", {"at": at}, page=url)
    assert answer.status_code == 302
    page = page_of(operator, campaign_id)
    assert "Lancement programmé : demain à 7 h 00." in page
    (campaign,) = campaigns(app)
    assert campaign.status == "draft" and campaign.scheduled_by == "operateur@saguenay.ca"
    post_form(operator, f"{url}/unschedule", page=url)
    assert campaigns(app)[0].scheduled_at is None
    assert "Lancement programmé" not in page_of(operator, campaign_id)


def test_a_time_that_is_not_one_is_refused(app, operator, residences):  # noqa: F811
    campaign_id = int(create(operator).location.rsplit("/", 1)[1])
    url = f"/staff/campaigns/{campaign_id}"
    answer = post_form(
        operator, f"{url}/schedule", {"at": "demain"}, page=url, follow_redirects=True
    )
    assert "L&#39;heure de lancement doit être dans le futur" in answer.text
    assert campaigns(app)[0].scheduled_at is None


@pytest.fixture
def approval_on(app):
    app.config["CAMPAIGN_APPROVAL"] = True


def test_a_normal_campaign_needs_a_second_person(app, client, approval_on, residences):  # noqa: F811
    add_staff(app, "operateur@saguenay.ca")
    add_staff(app, "second@saguenay.ca")
    sign_in(client, "operateur@saguenay.ca")
    campaign_id = int(create(client, priority="normal").location.rsplit("/", 1)[1])
    url = f"/staff/campaigns/{campaign_id}"
    assert "En attente de l&#39;approbation" in page_of(client, campaign_id)
    assert 'id="approve"' not in page_of(client, campaign_id)  # not by its author
    post_form(client, f"{url}/launch")
    assert campaigns(app)[0].status == "draft"  # refused
    post_form(client, f"{url}/approve", page=url)  # forged by the author: refused too
    assert campaigns(app)[0].approved_by is None

    client.post("/staff/logout", data={"csrf_token": csrf_token(page_of(client, campaign_id))})
    sign_in(client, "second@saguenay.ca")
    post_form(client, f"{url}/approve", page=url)
    assert campaigns(app)[0].approved_by == "second@saguenay.ca"
    assert "Approuvée par second@saguenay.ca" in page_of(client, campaign_id)
    post_form(client, f"{url}/launch")
    assert campaigns(app)[0].status == "running"
    summary = client.get(f"{url}/summary").text
    assert 'id="summary-approved">second@saguenay.ca' in summary


def test_an_emergency_goes_alone_with_a_reason_in_the_audit_log(
    app, operator, approval_on, residences
):  # noqa: F811
    campaign_id = int(create(operator, priority="emergency").location.rsplit("/", 1)[1])
    url = f"/staff/campaigns/{campaign_id}/launch"
    assert 'name="reason"' in operator.get(url).text
    post_form(operator, url)  # no reason: refused
    assert campaigns(app)[0].status == "draft"
    post_form(operator, url, {"reason": "Bris majeur, pas d'autre personne disponible"})
    assert campaigns(app)[0].status == "running"
    with app.app_context():
        entry = (
            get_session()
            .scalars(select(AuditEntry).where(AuditEntry.action == "campaign.launch"))
            .one()
        )
        assert entry.details["reason"] == "Bris majeur, pas d'autre personne disponible"


def test_without_the_setting_one_person_launches(app, operator, residences):  # noqa: F811
    campaign_id = int(create(operator, priority="normal").location.rsplit("/", 1)[1])
    post_form(operator, f"/staff/campaigns/{campaign_id}/launch")
    assert campaigns(app)[0].status == "running"


def finish(app, campaign_id, outcomes):
    """Give the campaign's deliveries these final outcomes, in residence order."""
    with app.app_context():
        db = get_session()
        rows = db.scalars(
            select(Delivery)
            .where(Delivery.campaign_id == campaign_id)
            .order_by(Delivery.residence_id)
        ).all()
        for delivery, outcome in zip(rows, outcomes):
            delivery.status = outcome
        db.execute(update(Campaign).values(status="completed"))
        db.commit()
        return [d.residence_id for d in rows]


def test_call_again_those_not_reached_and_see_the_link_both_ways(app, operator, residences):  # noqa: F811
    campaign_id = int(create(operator, cities="", target_all="y").location.rsplit("/", 1)[1])
    post_form(operator, f"/staff/campaigns/{campaign_id}/launch")
    ids = finish(app, campaign_id, ["human", "no_answer", "busy", "voicemail"])
    url = f"/staff/campaigns/{campaign_id}"
    assert "Rappeler les non jointes" in page_of(operator, campaign_id)
    answer = post_form(
        operator,
        f"{url}/follow-up",
        {"kind": "unreached", "outcome": ["no_answer", "busy", "failed"]},
        page=url,
    )
    assert answer.status_code == 302
    follow = max(campaigns(app), key=lambda c: c.id)
    assert follow.follows_id == campaign_id and follow.follow_kind == "unreached"
    assert sorted(follow.target["residence_ids"]) == [ids[1], ids[2]]
    assert follow.message_fr == "Faites bouillir l'eau." and follow.status == "draft"
    assert "Rappel des résidences non jointes de" in page_of(operator, follow.id)
    assert f'/staff/campaigns/{follow.id}"' in page_of(operator, campaign_id)

    answer = post_form(
        operator, f"{url}/follow-up", {"kind": "lifting", "message_fr": "Levé."}, page=url
    )
    lifting = max(campaigns(app), key=lambda c: c.id)
    assert lifting.follow_kind == "lifting" and lifting.message_fr == "Levé."
    assert sorted(lifting.target["residence_ids"]) == [ids[0], ids[3]]  # those reached


def test_a_lifting_notice_needs_its_message(app, operator, residences):  # noqa: F811
    campaign_id = int(create(operator).location.rsplit("/", 1)[1])
    post_form(operator, f"/staff/campaigns/{campaign_id}/launch")
    finish(app, campaign_id, ["human", "human", "human"])
    url = f"/staff/campaigns/{campaign_id}"
    answer = post_form(
        operator, f"{url}/follow-up", {"kind": "lifting"}, page=url, follow_redirects=True
    )
    assert len(campaigns(app)) == 1
    assert "Inscrivez le message en français ou en anglais" in answer.text


def test_the_expected_end_is_a_clock_time(app, operator, residences):  # noqa: F811
    campaign_id = int(create(operator, priority="emergency").location.rsplit("/", 1)[1])
    post_form(operator, f"/staff/campaigns/{campaign_id}/launch")
    with app.app_context():
        db = get_session()
        now = utcnow()
        for i in range(10):  # one call a second over the last 10 s, each one reached
            db.add(
                CallAttempt(
                    campaign_id=campaign_id,
                    to_number="+14185550101",
                    token=f"t{i}",
                    status="completed",
                    outcome="human",
                    requested_at=now - timedelta(seconds=i + 0.5),
                )
            )
        db.commit()
        assert dialer_campaigns.status(db, campaign_id)["eta_at"]
    page = page_of(operator, campaign_id)
    assert re.search(r"fin prévue vers \d{1,2} h \d\d", page), page
    progress = operator.get(f"/staff/campaigns/{campaign_id}/progress.json").json
    assert re.fullmatch(r"fin prévue vers \d{1,2} h \d\d", progress["eta_text"])


def test_staff_choose_whether_and_until_when_the_hotline_says_it(app, operator, residences):  # noqa: F811
    campaign_id = int(create(operator).location.rsplit("/", 1)[1])
    url = f"/staff/campaigns/{campaign_id}"
    assert "Annoncée à la ligne info pendant la campagne et 24 h après." in page_of(
        operator, campaign_id
    )
    post_form(
        operator,
        f"{url}/announce",
        {"announce": "y", "announce_until": "2030-01-05T18:00"},
        page=url,
    )
    assert (
        "Annoncée à la ligne info; fin de l&#39;annonce : le 5 janvier 2030 à 18 h 00."
        in page_of(operator, campaign_id)
    )
    post_form(operator, f"{url}/announce", {}, page=url)
    assert campaigns(app)[0].announce is False
    assert "Non annoncée à la ligne info." in page_of(operator, campaign_id)


def test_a_nul_byte_in_a_follow_up_message_is_no_500(app, operator, residences):  # noqa: F811
    campaign_id = int(create(operator).location.rsplit("/", 1)[1])
    post_form(operator, f"/staff/campaigns/{campaign_id}/launch")
    finish(app, campaign_id, ["no_answer", "busy", "human"])
    url = f"/staff/campaigns/{campaign_id}"
    answer = post_form(operator, f"{url}/follow-up", {"message_fr": "Eau\x00 potable"}, page=url)
    assert answer.status_code == 302
    assert max(campaigns(app), key=lambda c: c.id).message_fr == "Eau potable"
