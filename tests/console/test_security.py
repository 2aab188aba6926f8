"""The console's door under attack (issue 11): atomic lockout, per-client throttling, identical
refusals, the CLI unlock, revocable sessions, security headers, the audit log's aggregation
and pages."""

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from models import AuditEntry, StaffUser, audit, utcnow
from runtime.db import get_session
from tests.fixtures.console import PASSWORD, add_staff, csrf_token, post_form, sign_in

ATTACKERS = 8


@pytest.fixture
def make_app(app_config):
    """Build the app with settings changed (and Redis's throttling counters emptied)."""
    from ivr import create_app
    from runtime.redis_conn import get_redis

    apps = []

    def make(**settings):
        app = create_app({**app_config, **settings})
        get_redis(app).flushdb()
        apps.append(app)
        return app

    yield make
    for app in apps:
        get_redis(app).flushdb()
        app.extensions["db_engine"].dispose()


def _audit_counts(app, action: str) -> int:
    with app.app_context():
        return get_session().scalar(
            select(func.coalesce(func.sum(AuditEntry.count), 0)).where(AuditEntry.action == action)
        )


def _live_sign_in(url: str, email: str, password: str, barrier=None) -> requests.Response:
    """Sign in over real HTTP with a session of its own; wait at BARRIER before posting."""
    with requests.Session() as browser:
        page = browser.get(url + "/staff/login", timeout=30)
        if barrier is not None:
            barrier.wait(timeout=30)
        return browser.post(
            url + "/staff/login",
            allow_redirects=False,
            timeout=60,
            data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
        )


def test_simultaneous_wrong_passwords_lock_the_account_at_the_limit(app_config, live_app):
    """Eight wrong passwords at once (threads against the live server): exactly five are
    checked, the fifth locks the account, the others are refused as locked; the right password
    is then refused too."""
    live_app.app.config["STAFF_LOGIN_CLIENT_LIMIT"] = "1000 per minute"  # the lock alone
    user_id = add_staff(live_app.app, "op@saguenay.ca")
    barrier = threading.Barrier(ATTACKERS)
    answers = [None] * ATTACKERS

    def attack(i):
        answers[i] = _live_sign_in(live_app.url, "op@saguenay.ca", f"guess number {i}!", barrier)

    threads = [threading.Thread(target=attack, args=(i,)) for i in range(ATTACKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert [a.status_code for a in answers] == [400] * ATTACKERS

    right = _live_sign_in(live_app.url, "op@saguenay.ca", PASSWORD)
    assert right.status_code == 400 and "bloqué" in right.text
    with live_app.app.app_context():
        user = get_session().get(StaffUser, user_id)
        assert user.locked_until > utcnow() + timedelta(minutes=14)
    # the audit log counts every attempt, on one row per kind (updated atomically)
    assert _audit_counts(live_app.app, "console.login.failed") == 5
    assert _audit_counts(live_app.app, "console.login.locked") == ATTACKERS - 5 + 1
    assert _audit_counts(live_app.app, "console.login.lockout") == 1


def _refusal(answer, email: str) -> str:
    """The page of a refused sign-in, without what legitimately differs (token, typed email)."""
    return re.sub(r'value="[^"]*"', 'value=""', answer.text.replace(email, "EMAIL"))


def test_unknown_locked_inactive_and_wrong_answers_are_identical(app, client):
    add_staff(app, "op@saguenay.ca")
    add_staff(app, "locked@saguenay.ca", locked_until=utcnow() + timedelta(minutes=10))
    add_staff(app, "gone@saguenay.ca", active=False)
    answers = {
        email: sign_in(client, email, password)
        for email, password in [
            ("op@saguenay.ca", "wrong password!!"),
            ("nobody@saguenay.ca", PASSWORD),
            ("locked@saguenay.ca", PASSWORD),
            ("gone@saguenay.ca", PASSWORD),
        ]
    }
    assert {a.status_code for a in answers.values()} == {400}
    pages = {_refusal(answer, email) for email, answer in answers.items()}
    assert len(pages) == 1
    assert "Courriel ou mot de passe incorrect" in pages.pop()


def test_a_client_refused_too_often_is_throttled_with_a_bilingual_page(make_app):
    app = make_app(STAFF_LOGIN_CLIENT_LIMIT="3 per minute")
    add_staff(app, "op@saguenay.ca")
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    for i in range(3):
        assert sign_in(attacker, f"victim{i}@saguenay.ca", "guess").status_code == 400
    answer = sign_in(attacker, "op@saguenay.ca", PASSWORD)
    assert answer.status_code == 429
    assert "Trop d&#39;essais de connexion" in answer.text
    assert "Too many sign-in attempts" in answer.text
    assert int(answer.headers["Retry-After"]) > 0
    # another address is not held back, and the account was never touched
    colleague = app.test_client()
    colleague.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert sign_in(colleague, "op@saguenay.ca").status_code == 302


def test_successful_sign_ins_do_not_use_up_the_allowance(make_app):
    app = make_app(STAFF_LOGIN_CLIENT_LIMIT="2 per minute")
    add_staff(app, "op@saguenay.ca")
    for _ in range(4):  # an office behind one address signs in all day
        client = app.test_client()
        assert sign_in(client, "op@saguenay.ca").status_code == 302


def test_cli_unlock_lets_a_locked_out_admin_in(app, client, runner):
    add_staff(app, "admin@saguenay.ca", role="admin")
    for _ in range(5):
        sign_in(client, "admin@saguenay.ca", "attacker guess")
    assert sign_in(client, "admin@saguenay.ca").status_code == 400

    result = runner.invoke(args=["staff", "unlock", "Admin@Saguenay.ca"])
    assert result.exit_code == 0, result.output
    assert "unlocked admin@saguenay.ca" in result.output
    assert sign_in(client, "admin@saguenay.ca").status_code == 302
    assert client.get("/staff/accounts").status_code == 200
    missing = runner.invoke(args=["staff", "unlock", "nobody@saguenay.ca"])
    assert missing.exit_code != 0 and "no staff account" in missing.output


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_cookie_captured_before_logout_is_refused_after(app, admin):
    stolen = _session_cookie(admin)
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/staff/accounts").status_code == 200  # the copy works while signed in
    post_form(admin, "/staff/logout", page="/staff/campaigns")
    answer = thief.get("/staff/accounts")
    assert answer.status_code == 302 and "/staff/login" in answer.location
    # signing in again opens a new session; the old copy stays dead
    assert sign_in(admin, "admin@saguenay.ca").status_code == 302
    assert thief.get("/staff/accounts").status_code == 302


def test_a_password_reset_by_an_admin_ends_the_accounts_other_sessions(app, admin):
    user_id = add_staff(app, "op@saguenay.ca")
    operator = app.test_client()
    assert sign_in(operator, "op@saguenay.ca").status_code == 302
    assert operator.get("/staff/campaigns").status_code == 200
    answer = post_form(
        admin,
        f"/staff/accounts/{user_id}",
        {
            "email": "op@saguenay.ca",
            "role": "operator",
            "language": "fr",
            "phone": "",
            "active": "y",
            "password": "a brand new passphrase",
        },
    )
    assert answer.status_code == 302
    refused = operator.get("/staff/campaigns")
    assert refused.status_code == 302 and "/staff/login" in refused.location
    assert admin.get("/staff/accounts").status_code == 200  # the admin's own session goes on
    assert sign_in(operator, "op@saguenay.ca", "a brand new passphrase").status_code == 302


def test_an_admin_resetting_their_own_password_stays_signed_in(app, admin):
    with app.app_context():
        user_id = get_session().scalar(select(StaffUser.id))
    other_device = app.test_client()
    assert sign_in(other_device, "admin@saguenay.ca").status_code == 302
    answer = post_form(
        admin,
        f"/staff/accounts/{user_id}",
        {
            "email": "admin@saguenay.ca",
            "role": "admin",
            "language": "fr",
            "phone": "",
            "active": "y",
            "password": "a brand new passphrase",
        },
    )
    assert answer.status_code == 302
    assert admin.get("/staff/accounts").status_code == 200
    assert other_device.get("/staff/accounts").status_code == 302


HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/staff/login"),
        ("get", "/staff/campaigns"),
        ("get", "/staff/static/console.js"),
        ("post", "/voice/incoming"),
        ("get", "/healthz"),
    ],
)
def test_security_headers_on_every_response(client, method, path):
    answer = getattr(client, method)(path)
    for name, value in HEADERS.items():
        assert answer.headers.get(name) == value, name
    csp = answer.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "Strict-Transport-Security" not in answer.headers  # http: no HSTS
    answer.close()


TEMPLATES = Path(__file__).resolve().parents[2] / "ivr" / "console" / "templates" / "console"


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_no_console_template_needs_inline_script_or_style(template):
    """The CSP forbids inline scripts, handlers and style attributes: none may be written."""
    source = (TEMPLATES / template).read_text()
    assert not re.search(r"<script(?![^>]*(src=|application/json))", source)
    assert not re.search(r"\s(on[a-z]+|style)=", source)


def test_console_pages_carry_no_inline_script(admin):
    for path in [
        "/staff/campaigns",
        "/staff/campaigns/new",
        "/staff/residents",
        "/staff/accounts",
        "/staff/audit",
        "/staff/profile",
    ]:
        page = admin.get(path).text
        assert not re.search(r"<script(?![^>]*(src=|application/json))", page), path
        assert not re.search(r"\s(on[a-z]+|style)=", page), path


def test_https_public_address_gives_a_secure_cookie_and_hsts(make_app):
    https_app = make_app(PUBLIC_BASE_URL="https://alertes.saguenay.ca")
    add_staff(https_app, "op@saguenay.ca")
    client = https_app.test_client()
    base = "https://alertes.saguenay.ca"
    page = client.get("/staff/login", base_url=base)
    answer = client.post(
        "/staff/login",
        base_url=base,
        headers={"Referer": base + "/staff/login"},
        data={"email": "op@saguenay.ca", "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    assert answer.status_code == 302
    cookie = next(h for h in answer.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert client.get("/voice/incoming", base_url=base).headers["Strict-Transport-Security"]


def test_repeated_failures_are_one_audit_row_with_a_count(app, client):
    add_staff(app, "op@saguenay.ca")
    for _ in range(3):
        sign_in(client, "op@saguenay.ca", "wrong password!!")
    for _ in range(7):
        sign_in(client, "nobody@saguenay.ca", "wrong password!!")
    with app.app_context():
        rows = (
            get_session()
            .scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "console.login.failed")
                .order_by(AuditEntry.id)
            )
            .all()
        )
    assert [(r.actor, r.count) for r in rows] == [("op@saguenay.ca", 3), ("nobody@saguenay.ca", 7)]
    assert rows[0].details["ip"] == "127.0.0.1" and rows[0].last_at >= rows[0].at


def test_audit_log_is_paged_newest_first(app, admin):
    with app.app_context():
        db = get_session()
        for i in range(120):
            audit(db, "system", f"test.entry{i:03d}")
        db.commit()
    first = admin.get("/staff/audit")
    assert first.status_code == 200
    rows = first.text.split("<tbody>")[1]  # (the action filter lists every action)
    assert "test.entry119" in rows and "test.entry069" not in rows
    assert 'rel="next" href="/staff/audit?page=2"' in first.text
    assert "Page 1 de 3" in first.text
    last = admin.get("/staff/audit?page=3")
    rows = last.text.split("<tbody>")[1]
    assert "test.entry000" in rows and "test.entry119" not in rows
    assert 'rel="prev"' in last.text and 'rel="next"' not in last.text
    for bad in ["0", "abc", "99999999999999999999", "-1", "%00"]:
        assert admin.get(f"/staff/audit?page={bad}").status_code == 200
    post_form(admin, "/staff/language", {"lang": "en", "next": "/staff/audit"}, page="/staff/audit")
    assert "Page 1 of 3, newest first." in admin.get("/staff/audit").text


def test_behind_a_trusted_proxy_each_client_is_throttled_on_its_own_address(make_app):
    """Behind the proxy every request comes from its address: without TRUSTED_PROXIES one
    attacker would throttle everyone."""
    app = make_app(STAFF_LOGIN_CLIENT_LIMIT="2 per minute", TRUSTED_PROXIES=1)
    add_staff(app, "op@saguenay.ca")
    attacker, colleague = app.test_client(), app.test_client()
    attacker.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.7"
    colleague.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.20"
    for _ in range(2):
        assert sign_in(attacker, "nobody@saguenay.ca", "guess").status_code == 400
    assert sign_in(attacker, "op@saguenay.ca").status_code == 429
    assert sign_in(colleague, "op@saguenay.ca").status_code == 302


def test_repeated_refusals_of_an_admin_page_are_one_audit_row(app, operator):
    for _ in range(6):
        assert operator.get("/staff/audit").status_code == 403
    with app.app_context():
        rows = (
            get_session()
            .scalars(select(AuditEntry).where(AuditEntry.action == "console.access.denied"))
            .all()
        )
    assert [(r.actor, r.entity_id, r.count) for r in rows] == [
        ("operateur@saguenay.ca", "/staff/audit", 6)
    ]
