"""Drafts edited, duplicated, deleted; one resident added; every field error at once; sectors
checked against the address registry; French Excel's ';' files; the review's registry
look-up and rejection; channels in words (issue 18)."""

import io
from html import unescape

from sqlalchemy import func, select

from models import Address, AuditEntry, Campaign, PhoneNumber, Residence
from runtime.db import get_session
from tests.console.test_campaigns import create
from tests.fixtures.console import add_residence, post_form

RESIDENT = {
    "last_name": "Lavoie",
    "first_name": "Marc",
    "language": "fr",
    "civic_number": "45",
    "street": "rue Price",
    "apartment": "",
    "city": "jonquiere",
    "postal_code": "g7x1b1",
    "phone1": "418 555-0142",
    "phone2": "",
    "phone3": "",
    "active": "y",
}


def _registry(app):
    with app.app_context():
        session = get_session()
        session.add_all(
            [
                Address(
                    civic_number="45", street="rue Price", city="JONQUIÈRE", postal_code="G7X 1B1"
                ),
                Address(
                    civic_number="47", street="rue Price", city="JONQUIÈRE", postal_code="G7X 1B2"
                ),
                Address(
                    civic_number="10",
                    street="rue Racine Est",
                    city="CHICOUTIMI",
                    postal_code="G7H 1A1",
                ),
            ]
        )
        session.commit()


def _count(app, model) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(model))


def test_a_draft_is_edited_in_place_duplicated_and_deleted(app, operator):
    add_residence(app, "Tremblay", ["+14185550101"])
    url = create(operator, cities="Chicoutimi").location
    form = operator.get(url + "/edit").text
    assert 'value="CHICOUTIMI"' in form and "Modifier le brouillon" in form
    answer = post_form(
        operator,
        url + "/edit",
        {
            "title": "Coupure d'eau",
            "message_fr": "Demain.",
            "priority": "normal",
            "cities": "Chicoutimi",
            "rounds": "2",
            "ring_timeout_s": "30",
        },
    )
    assert answer.status_code == 302 and answer.location == url
    with app.app_context():
        [campaign] = get_session().scalars(select(Campaign)).all()
        assert (campaign.title, campaign.rounds, campaign.priority) == (
            "Coupure d'eau",
            2,
            "normal",
        )
    copy = post_form(operator, url + "/duplicate", page=url)
    copy_page = unescape(operator.get(copy.location).text)
    assert "Coupure d'eau (copie)" in copy_page and "CHICOUTIMI" in copy_page
    post_form(operator, url + "/launch")
    # launched: history, neither edited nor deleted
    assert operator.get(url + "/edit").status_code == 302
    refused = post_form(operator, url + "/delete", page=copy.location)
    assert "plus un brouillon" in unescape(operator.get(refused.location).text)
    deleted = post_form(operator, copy.location + "/delete", page=copy.location)
    assert deleted.location.endswith("/staff/campaigns")
    assert _count(app, Campaign) == 1
    with app.app_context():
        actions = get_session().scalars(select(AuditEntry.action)).all()
    assert {"campaign.edit", "campaign.delete", "console.campaign.duplicate"} <= set(actions)


def test_one_resident_is_added_with_the_registry_s_spelling(app, admin):
    _registry(app)
    answer = post_form(admin, "/staff/residents/new", RESIDENT)
    assert answer.status_code == 302
    with app.app_context():
        residence = get_session().scalar(select(Residence))
        assert (residence.city, residence.postal_code, residence.registered_via) == (
            "JONQUIÈRE",
            "G7X 1B1",
            "staff",
        )
        assert [p.e164 for p in residence.phones] == ["+14185550142"]
    assert "Personnel" in admin.get(answer.location).text  # the channel in words


def test_every_bad_field_is_shown_at_once_and_nothing_is_saved(app, admin):
    _registry(app)
    add_residence(app, "Tremblay", ["+14185550101"])
    answer = post_form(
        admin,
        "/staff/residents/new",
        {
            **RESIDENT,
            "city": "Jonqière",
            "postal_code": "12345",
            "phone1": "418 555-0101",
            "civic_number": "",
        },
    )
    page = unescape(answer.text)
    assert answer.status_code == 400
    assert "« Jonqière » n'est pas un secteur du registre des adresses" in page
    assert "CHICOUTIMI, JONQUIÈRE" in page
    assert "A1A 1A1" in page or "code postal" in page
    assert "déjà" in page  # the number is another residence's
    assert "Ce champ est obligatoire." in page
    assert _count(app, Residence) == 1


def test_an_edit_checks_the_sector_and_the_audit_says_what_changed(app, admin):
    _registry(app)
    rid = add_residence(
        app, "Tremblay", ["+14185550101"], city="JONQUIÈRE", street="rue Price", civic="45"
    )
    edit = {**RESIDENT, "last_name": "Tremblay", "phone1": "+14185550101", "city": "Jonqière"}
    assert post_form(admin, f"/staff/residents/{rid}/edit", edit).status_code == 400
    answer = post_form(
        admin, f"/staff/residents/{rid}/edit", {**edit, "city": "JONQUIERE", "first_name": "Julie"}
    )
    assert answer.status_code == 302
    with app.app_context():
        entry = get_session().scalar(
            select(AuditEntry).where(AuditEntry.action == "console.resident.edit")
        )
        assert set(entry.details["changed"]) == {"first_name", "postal_code"}


def test_a_semicolon_separated_file_is_imported(app, admin):
    text = (
        "last_name;first_name;language;phone;civic_number;street;city;postal_code\n"
        "Lavoie;Marc;fr;418 555-0121;10;rue Price;Jonquière;G7X 1B1\n"
    )
    answer = post_form(
        admin,
        "/staff/residents/import",
        {"file": (io.BytesIO(text.encode("utf-8-sig")), "excel.csv")},
        content_type="multipart/form-data",
    )
    state = admin.get(answer.location + ".json").json
    assert state["accepted"] == 1 and state["refused"] == []


def test_the_review_approves_only_a_registry_address_and_can_reject(app, admin):
    _registry(app)
    waiting = add_residence(
        app,
        "",
        ["+14185550131"],
        civic="",
        street="",
        city="",
        postal_code="",
        address_needs_review=True,
        name_needs_review=True,
    )
    url = f"/staff/residents/{waiting}/review"
    answer = post_form(
        admin,
        url,
        {
            "last_name": "Bergeron",
            "civic_number": "99999",
            "street": "rue Inconnue",
            "city": "Jonquière",
        },
    )
    assert answer.status_code == 400 and "pas au registre" in unescape(answer.text)
    looked_up = post_form(
        admin,
        url,
        {"last_name": "Bergeron", "civic_number": "46", "street": "price", "city": "Jonquière"},
    )
    assert "45 rue Price, JONQUIÈRE" in looked_up.text and "G7X 1B2" in looked_up.text
    answer = post_form(
        admin,
        url,
        {"last_name": "Bergeron", "civic_number": "45", "street": "Rue Price", "city": "jonquière"},
    )
    assert answer.status_code == 302
    with app.app_context():
        residence = get_session().get(Residence, waiting)
        assert (residence.street, residence.postal_code, residence.address_needs_review) == (
            "rue Price",
            "G7X 1B1",
            False,
        )
        assert residence.address_id is not None
    spam = add_residence(
        app, "", ["+14185550139"], civic="", street="", city="", address_needs_review=True
    )
    answer = post_form(
        admin, f"/staff/residents/{spam}/reject", page=f"/staff/residents/{spam}/review"
    )
    assert answer.status_code == 302
    with app.app_context():
        assert get_session().get(Residence, spam) is None
        assert (
            get_session().scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+14185550139"))
            is None
        )


def test_a_resident_s_campaigns_and_phone_lockout_are_shown_and_lifted(app, admin):
    from datetime import timedelta

    from models import Delivery, utcnow

    rid = add_residence(app, "Tremblay", ["+14185550101"])
    with app.app_context():
        session = get_session()
        campaign = Campaign(
            title="Avis d'ébullition", message_fr="…", status="completed", launched_at=utcnow()
        )
        session.add(campaign)
        session.flush()
        session.add(Delivery(campaign_id=campaign.id, residence_id=rid, status="voicemail"))
        phone = session.scalar(select(PhoneNumber))
        phone.failed_auth_count, phone.locked_until = 5, utcnow() + timedelta(minutes=15)
        session.commit()
    page = unescape(admin.get(f"/staff/residents/{rid}").text)
    assert "Avis d'ébullition" in page and "Boîte vocale" in page
    assert "La ligne téléphonique refuse ce résident" in page
    answer = post_form(admin, f"/staff/residents/{rid}/unlock", page=f"/staff/residents/{rid}")
    assert "Blocage levé" in unescape(admin.get(answer.location).text)
    with app.app_context():
        phone = get_session().scalar(select(PhoneNumber))
        assert (phone.failed_auth_count, phone.locked_until) == (0, None)
