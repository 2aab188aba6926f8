"""Sign-in, lockout, CSRF, cookies and language: what a staff member notices at the door."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import AuditEntry, StaffUser, utcnow
from runtime.db import get_session
from tests.fixtures.console import PASSWORD, add_staff, csrf_token, post_form, sign_in

PAGES = [
    "/staff/",
    "/staff/campaigns",
    "/staff/campaigns/new",
    "/staff/campaigns/1",
    "/staff/campaigns/1/progress.json",
    "/staff/campaigns/1/export.csv",
    "/staff/campaigns/1/summary",
    "/staff/campaigns/1/launch",
    "/staff/residents",
    "/staff/residents/1",
    "/staff/residents/1/edit",
    "/staff/residents/import",
    "/staff/residents/review",
    "/staff/residents/1/review",
    "/staff/accounts",
    "/staff/accounts/new",
    "/staff/accounts/1",
    "/staff/profile",
    "/staff/audit",
]


@pytest.mark.parametrize("path", PAGES)
def test_no_page_without_login(client, path):
    answer = client.get(path)
    if path.endswith(".json"):
        assert answer.status_code == 401
    else:
        assert answer.status_code == 302
        assert "/staff/login" in answer.location


def test_login_page_in_french_by_default(client):
    page = client.get("/staff/login")
    assert page.status_code == 200
    assert "Connexion du personnel" in page.text and 'lang="fr"' in page.text


def test_sign_in_and_out(app, client):
    add_staff(app, "op@saguenay.ca")
    answer = sign_in(client, "OP@saguenay.ca ")
    assert answer.status_code == 302 and answer.location.endswith("/staff/campaigns")
    assert client.get("/staff/campaigns").status_code == 200
    post_form(client, "/staff/logout", page="/staff/campaigns")
    assert client.get("/staff/campaigns").status_code == 302
    with app.app_context():
        actions = get_session().scalars(select(AuditEntry.action)).all()
    assert "console.login" in actions and "console.logout" in actions


def test_wrong_password_refused_with_a_reason(app, client):
    add_staff(app, "op@saguenay.ca")
    answer = sign_in(client, "op@saguenay.ca", "wrong password!!")
    assert answer.status_code == 400
    assert "Courriel ou mot de passe incorrect" in answer.text
    assert sign_in(client, "nobody@saguenay.ca").status_code == 400


def test_lockout_after_five_failures_even_with_the_right_password(app, client):
    user_id = add_staff(app, "op@saguenay.ca")
    for _ in range(5):
        assert sign_in(client, "op@saguenay.ca", "not the password").status_code == 400
    answer = sign_in(client, "op@saguenay.ca", PASSWORD)
    assert answer.status_code == 400 and "bloqué" in answer.text
    with app.app_context():
        user = get_session().get(StaffUser, user_id)
        assert user.locked_until > utcnow() + timedelta(minutes=14)
        user.locked_until = utcnow() - timedelta(seconds=1)  # fifteen minutes later
        get_session().commit()
    assert sign_in(client, "op@saguenay.ca", PASSWORD).status_code == 302


def test_four_failures_do_not_lock(app, client):
    add_staff(app, "op@saguenay.ca")
    for _ in range(4):
        sign_in(client, "op@saguenay.ca", "not the password")
    assert sign_in(client, "op@saguenay.ca").status_code == 302


def test_inactive_account_cannot_sign_in(app, client):
    add_staff(app, "gone@saguenay.ca", active=False)
    assert sign_in(client, "gone@saguenay.ca").status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/staff/login",
        "/staff/logout",
        "/staff/campaigns/new",
        "/staff/accounts/new",
        "/staff/residents/import",
        "/staff/language",
    ],
)
def test_post_without_csrf_token_refused(app, admin, path):
    answer = admin.post(
        path,
        data={
            "email": "admin@saguenay.ca",
            "password": PASSWORD,
            "title": "x",
            "message_fr": "y",
            "lang": "en",
        },
    )
    assert answer.status_code == 400
    assert "Formulaire expiré" in answer.text


def test_post_with_a_forged_token_refused(app, client):
    add_staff(app, "op@saguenay.ca")
    client.get("/staff/login")
    answer = client.post(
        "/staff/login",
        data={"email": "op@saguenay.ca", "password": PASSWORD, "csrf_token": "forged"},
    )
    assert answer.status_code == 400
    assert client.get("/staff/campaigns").status_code == 302


def test_twilio_webhooks_are_not_csrf_checked(client):
    # no CSRF token: the answer is the webhook's own (its signature check), never a CSRF 400
    answer = client.post("/voice/incoming", data={"CallSid": "CA" + "0" * 32})
    assert answer.status_code != 400
    assert client.get("/healthz").status_code in (200, 503)


def test_session_cookie_is_httponly_and_samesite_lax(app, client):
    add_staff(app, "op@saguenay.ca")
    answer = sign_in(client, "op@saguenay.ca")
    cookie = next(h for h in answer.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert PASSWORD not in cookie


def test_english_toggle(operator):
    page = operator.get("/staff/campaigns")
    assert "Campagnes d&#39;appels" in page.text
    operator.post(
        "/staff/language",
        data={"lang": "en", "next": "/staff/campaigns", "csrf_token": csrf_token(page.text)},
    )
    page = operator.get("/staff/campaigns")
    assert "Call campaigns" in page.text and 'lang="en"' in page.text


def test_login_does_not_redirect_off_site(app, client):
    add_staff(app, "op@saguenay.ca")
    page = client.get("/staff/login?next=//evil.example/")
    answer = client.post(
        "/staff/login?next=//evil.example/",
        data={"email": "op@saguenay.ca", "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert answer.location.endswith("/staff/campaigns")


def test_failed_logins_are_audited_without_the_password(app, client):
    add_staff(app, "op@saguenay.ca")
    sign_in(client, "op@saguenay.ca", "secret-typo-123")
    with app.app_context():
        entries = get_session().scalars(select(AuditEntry)).all()
    failed = [e for e in entries if e.action == "console.login.failed"]
    assert failed and failed[0].actor == "op@saguenay.ca"
    assert all("secret-typo-123" not in str(e.details) for e in entries)
