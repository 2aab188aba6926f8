"""Staff accounts and roles: only admins manage staff; every change is in the audit log."""

import re

import pytest
from sqlalchemy import select

from models import AuditEntry, StaffUser, utcnow
from runtime.db import get_session
from tests.fixtures.console import add_staff, csrf_token, post_form, sign_in

ADMIN_ONLY_GET = [
    "/staff/accounts",
    "/staff/accounts/new",
    "/staff/accounts/1",
    "/staff/audit",
    "/staff/residents/import",
    "/staff/residents/review",
    "/staff/residents/1/edit",
    "/staff/residents/1/review",
]
ADMIN_ONLY_POST = [
    "/staff/accounts/new",
    "/staff/accounts/1",
    "/staff/accounts/1/unlock",
    "/staff/residents/import",
    "/staff/residents/1/edit",
    "/staff/residents/1/deactivate",
    "/staff/residents/1/review",
]


@pytest.mark.parametrize("path", ADMIN_ONLY_GET)
def test_operator_cannot_open_admin_pages(operator, path):
    answer = operator.get(path)
    assert answer.status_code == 403 and "Accès refusé" in answer.text


@pytest.mark.parametrize("path", ADMIN_ONLY_POST)
def test_operator_cannot_post_to_admin_forms(app, operator, path):
    token = csrf_token(operator.get("/staff/campaigns").text)
    answer = operator.post(
        path,
        data={
            "csrf_token": token,
            "email": "x@saguenay.ca",
            "role": "admin",
            "language": "fr",
            "active": "y",
        },
    )
    assert answer.status_code == 403
    with app.app_context():
        assert get_session().scalar(select(StaffUser).where(StaffUser.role == "admin")) is None
        denied = (
            get_session()
            .scalars(select(AuditEntry).where(AuditEntry.action == "console.access.denied"))
            .all()
        )
    assert denied and denied[0].actor == "operateur@saguenay.ca"


def test_operator_menu_has_no_admin_links(operator):
    page = operator.get("/staff/campaigns").text
    assert "/staff/accounts" not in page and "/staff/audit" not in page


def test_admin_creates_an_operator_who_can_sign_in(app, admin):
    answer = post_form(
        admin,
        "/staff/accounts/new",
        {
            "email": "Nouveau@Saguenay.ca",
            "role": "operator",
            "language": "en",
            "phone": "418 555 0177",
            "password": "",
            "active": "y",
        },
    )
    assert answer.status_code == 200
    password = re.search(r'id="generated-password">([^<]+)<', answer.text).group(1)
    with app.app_context():
        user = get_session().scalar(
            select(StaffUser).where(StaffUser.email == "nouveau@saguenay.ca")
        )
        assert (user.role, user.language, user.phone) == ("operator", "en", "+14185550177")
        assert password not in user.password_hash
        entry = get_session().scalar(
            select(AuditEntry).where(AuditEntry.action == "console.staff.create")
        )
        assert entry.actor == "admin@saguenay.ca" and password not in str(entry.details)
    fresh = app.test_client()
    assert sign_in(fresh, "nouveau@saguenay.ca", password).status_code == 302
    # a password someone else chose: changed before anything else opens
    assert fresh.get("/staff/campaigns").location.endswith("/staff/profile/password")
    changed = post_form(
        fresh,
        "/staff/profile/password",
        {"current": password, "new": "my own long passphrase", "again": "my own long passphrase"},
    )
    assert changed.status_code == 302
    assert "Call campaigns" in fresh.get("/staff/campaigns").text  # the account's language


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"email": ""}, "Ce champ est obligatoire."),
        ({"email": "pas-un-courriel"}, "Inscrivez une adresse courriel valide"),
        ({"email": "admin@saguenay.ca"}, "Un compte utilise déjà ce courriel."),
        ({"password": "court"}, "au moins 12 caractères"),
        ({"phone": "1234"}, "indicatif régional"),
        ({"role": "superuser"}, "Choisissez une des valeurs proposées."),
    ],
)
def test_staff_form_refuses_bad_input(app, admin, changes, message):
    data = {
        "email": "new@saguenay.ca",
        "role": "operator",
        "language": "fr",
        "phone": "",
        "password": "a long enough password",
        "active": "y",
        **changes,
    }
    answer = post_form(admin, "/staff/accounts/new", data)
    assert answer.status_code == 400 and message in answer.text
    with app.app_context():
        assert len(get_session().scalars(select(StaffUser)).all()) == 1


def test_admin_cannot_demote_or_disable_themselves(app, admin):
    with app.app_context():
        me = get_session().scalar(select(StaffUser)).id
    answer = post_form(
        admin,
        f"/staff/accounts/{me}",
        {"email": "admin@saguenay.ca", "role": "operator", "language": "fr", "active": "y"},
    )
    assert answer.status_code == 400 and "propre rôle" in answer.text


def test_admin_unlocks_a_locked_account(app, admin):
    user_id = add_staff(
        app, "locked@saguenay.ca", locked_until=utcnow().replace(year=2100), failed_logins=0
    )
    page = admin.get("/staff/accounts")
    assert "Débloquer" in page.text
    admin.post(f"/staff/accounts/{user_id}/unlock", data={"csrf_token": csrf_token(page.text)})
    with app.app_context():
        assert get_session().get(StaffUser, user_id).locked_until is None
    assert sign_in(app.test_client(), "locked@saguenay.ca").status_code == 302


def test_admin_changes_a_role_and_the_operator_gains_access(app, admin):
    user_id = add_staff(app, "op2@saguenay.ca")
    post_form(
        admin,
        f"/staff/accounts/{user_id}",
        {"email": "op2@saguenay.ca", "role": "admin", "language": "fr", "active": "y"},
    )
    other = app.test_client()
    sign_in(other, "op2@saguenay.ca")
    assert other.get("/staff/accounts").status_code == 200


def test_deactivated_staff_is_signed_out(app, admin):
    user_id = add_staff(app, "op3@saguenay.ca")
    other = app.test_client()
    sign_in(other, "op3@saguenay.ca")
    assert other.get("/staff/campaigns").status_code == 200
    post_form(
        admin,
        f"/staff/accounts/{user_id}",
        {"email": "op3@saguenay.ca", "role": "operator", "language": "fr", "active": ""},
    )
    assert other.get("/staff/campaigns").status_code == 302


def test_profile_sets_the_test_call_number(app, operator):
    answer = post_form(operator, "/staff/profile", {"phone": "581 555-0144", "language": "fr"})
    assert answer.status_code == 302
    with app.app_context():
        assert get_session().scalar(select(StaffUser)).phone == "+15815550144"
    answer = post_form(operator, "/staff/profile", {"phone": "911", "language": "fr"})
    assert answer.status_code == 400


def test_audit_log_lists_actions(app, admin):
    page = admin.get("/staff/audit")
    assert "console.login" in page.text and "admin@saguenay.ca" in page.text
