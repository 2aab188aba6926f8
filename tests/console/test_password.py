"""One's own password: changed from "Mon profil", and required after one chosen by someone
else (generated at creation, or reset by an admin) (issue 18)."""

from html import unescape

from flask.testing import FlaskClient

from models import StaffUser
from runtime.db import get_session
from tests.fixtures.console import PASSWORD, add_staff, post_form, sign_in

NEW = "a brand new passphrase"


def change(client: FlaskClient, current: str, new: str = NEW, again: str | None = None):
    return post_form(
        client,
        "/staff/profile/password",
        {"current": current, "new": new, "again": new if again is None else again},
    )


def test_my_profile_changes_my_password_and_ends_my_other_sessions(app, operator):
    assert "/staff/profile/password" in operator.get("/staff/profile").text
    other = app.test_client()
    sign_in(other, "operateur@saguenay.ca")
    for current, new, again, error in (
        ("wrong password here", NEW, NEW, "pas votre mot de passe actuel"),
        (PASSWORD, NEW, "something else entirely", "diffèrent"),
        (PASSWORD, "short", "short", "au moins 12 caractères"),
        (PASSWORD, PASSWORD, PASSWORD, "différent de l'actuel"),
    ):
        answer = change(operator, current, new, again)
        assert answer.status_code == 400 and error in unescape(answer.text)
    answer = change(operator, PASSWORD)
    assert answer.status_code == 302
    assert operator.get("/staff/campaigns").status_code == 200  # this session goes on
    assert other.get("/staff/campaigns").status_code == 302  # the other one is closed
    fresh = app.test_client()
    assert sign_in(fresh, "operateur@saguenay.ca", NEW).status_code == 302


def test_a_password_reset_by_an_admin_must_be_changed_at_sign_in(app, admin):
    user_id = add_staff(app, "agent@saguenay.ca")
    post_form(
        admin,
        f"/staff/accounts/{user_id}",
        {
            "email": "agent@saguenay.ca",
            "role": "operator",
            "language": "fr",
            "phone": "",
            "password": "reset by the admin 1",
            "active": "y",
        },
    )
    agent = app.test_client()
    sign_in(agent, "agent@saguenay.ca", "reset by the admin 1")
    for url in ("/staff/campaigns", "/staff/residents", "/staff/campaigns/1/progress.json"):
        answer = agent.get(url)
        assert answer.status_code in (302, 403)
    page = agent.get("/staff/profile/password").text
    assert "choisi par quelqu'un d'autre" in unescape(page)
    assert change(agent, "reset by the admin 1").status_code == 302
    assert agent.get("/staff/campaigns").status_code == 200
    with app.app_context():
        assert get_session().get(StaffUser, user_id).must_change_password is False


def test_guessing_the_current_password_locks_like_a_sign_in(app, operator):
    for _ in range(5):
        change(operator, "not my password at all")
    answer = change(operator, PASSWORD)
    assert answer.status_code == 400 and "Trop d'essais" in unescape(answer.text)


def test_the_audit_log_speaks_words_shows_details_and_filters(app, admin):
    from tests.fixtures.console import add_residence

    rid = add_residence(app, "Tremblay", ["+14185550101"])
    post_form(
        admin,
        f"/staff/residents/{rid}/edit",
        {
            "last_name": "Tremblay",
            "first_name": "Julie",
            "language": "fr",
            "civic_number": "100",
            "street": "rue Racine Est",
            "apartment": "",
            "city": "Chicoutimi",
            "postal_code": "G7H 1A1",
            "phone1": "418 555-0101",
            "active": "y",
        },
    )
    bad = app.test_client()
    sign_in(bad, "admin@saguenay.ca", "not the password at all")
    page = unescape(admin.get("/staff/audit").text)
    assert "Résident modifié" in page and "console.resident.edit" not in page.split("<table")[1]
    assert "Champs modifiés" in page and "Prénom" in page
    assert "Connexion refusée" in page
    assert f'href="/staff/residents/{rid}">Résidence {rid}</a>' in page
    assert '{"' not in page  # no raw JSON
    only = unescape(
        admin.get("/staff/audit", query_string={"action": "console.resident.edit"}).text
    ).split("<tbody>")[1]
    assert "Résident modifié" in only and "Connexion refusée" not in only
    mine = unescape(
        admin.get("/staff/audit", query_string={"entity": "residence", "entity_id": str(rid)}).text
    ).split("<tbody>")[1]
    assert mine.count("<tr>") == 1
    nobody = admin.get("/staff/audit", query_string={"actor": "100%_nobody"}).text
    assert nobody.split("<tbody>")[1].count("<tr>") == 0
