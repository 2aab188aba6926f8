"""The portal's door under attack: a lockout that holds under simultaneous attempts, refused
forms without a CSRF token, the security headers, no inline script."""

import re
import threading
from datetime import timedelta
from pathlib import Path

import altcha
import pytest
import requests
from sqlalchemy import func, select

from models import AuditEntry, OneTimeCode, PhoneNumber, Residence, utcnow
from models.hotline import HotlineQuota
from models.passwords import hash_secret
from runtime.db import get_session
from tests.fixtures.console import csrf_token
from tests.portal.conftest import NUMBER, PASSWORD, TYPED, login, post

ATTACKERS = 8


def add_resident(app, e164="+14185550142", password=PASSWORD, temporary=False) -> int:
    with app.app_context():
        session = get_session()
        residence = Residence(
            last_name="Tremblay",
            web_password_hash=hash_secret(password),
            web_password_temporary=temporary,
            registered_via="web",
        )
        residence.phones.append(PhoneNumber(e164=e164, position=0, verified_at=utcnow()))
        session.add(residence)
        session.commit()
        return residence.id


def _live_login(url, password, barrier=None):
    with requests.Session() as browser:
        page = browser.get(url + "/portail/", timeout=30)
        if barrier is not None:
            barrier.wait(timeout=30)
        return browser.post(
            url + "/portail/",
            allow_redirects=False,
            timeout=60,
            data={"phone": TYPED, "password": password, "csrf_token": csrf_token(page.text)},
        )


def test_simultaneous_wrong_passwords_lock_the_residence_at_the_limit(app_config, live_app):
    """Eight wrong passwords at once against the live server: five are checked, the fifth
    locks the residence, the others are refused as locked; the right one is then refused."""
    live_app.app.config["PORTAL_CLIENT_LIMIT"] = "1000 per minute"  # the lock alone
    residence_id = add_resident(live_app.app)
    barrier = threading.Barrier(ATTACKERS)
    answers = [None] * ATTACKERS

    def attack(i):
        answers[i] = _live_login(live_app.url, f"guess number {i}!", barrier)

    threads = [threading.Thread(target=attack, args=(i,)) for i in range(ATTACKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert [a.status_code for a in answers] == [400] * ATTACKERS
    assert (
        sum("Trop d'essais" in a.text or "Trop d&#39;essais" in a.text for a in answers)
        == ATTACKERS - 4
    )
    right = _live_login(live_app.url, PASSWORD)
    assert right.status_code == 400 and "bloqué pendant 15 minutes" in right.text
    with live_app.app.app_context():
        session = get_session()
        residence = session.get(Residence, residence_id)
        assert residence.web_locked_until > utcnow() + timedelta(minutes=14)
        failed = session.scalar(
            select(func.sum(AuditEntry.count)).where(AuditEntry.action == "portal.login_failed")
        )
        assert failed == 5


def _live_forgot(url, barrier):
    """A forgotten-password form for the resident's number, its ALTCHA solved, sent when every
    thread is ready."""
    with requests.Session() as browser:
        page = browser.get(url + "/portail/mot-de-passe-oublie", timeout=30)
        challenge = altcha.Challenge.from_dict(
            browser.get(url + "/portail/altcha", timeout=30).json()
        )
        solution = altcha.Payload(challenge, altcha.solve_challenge(challenge)).to_base64()
        barrier.wait(timeout=30)
        return browser.post(
            url + "/portail/mot-de-passe-oublie",
            allow_redirects=False,
            timeout=60,
            data={
                "phone": TYPED,
                "mode": "sms",
                "altcha": solution,
                "csrf_token": csrf_token(page.text),
            },
        )


def test_simultaneous_forgotten_passwords_send_three_at_most(request, app_config, simulator):
    """Eight forgotten-password forms for one number at once, against the live server: three
    temporary passwords are sent (the number's daily cap), the others are refused."""
    app_config.update(
        TWILIO_API_BASE_URL=simulator.url,
        PORTAL_SEND_CLIENT_LIMIT="1000 per hour",  # the per-number cap alone
        RQ_SYNC=True,
    )
    live_app = request.getfixturevalue("live_app")
    add_resident(live_app.app)
    barrier = threading.Barrier(ATTACKERS)
    answers = [None] * ATTACKERS

    def ask(i):
        answers[i] = _live_forgot(live_app.url, barrier)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(ATTACKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    sent = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 400]
    assert len(sent) == 3 and len(refused) == ATTACKERS - 3
    assert all("un texto (SMS)" in a.text for a in sent)
    assert all("nombre maximal de messages" in a.text for a in refused)
    assert len([m for m in simulator.messages() if m["to"] == NUMBER]) == 3
    with live_app.app.app_context():
        session = get_session()
        assert session.get(HotlineQuota, f"portal-send:{NUMBER}").count == 3
        codes = session.scalar(
            select(func.count(OneTimeCode.id)).where(OneTimeCode.phone_e164 == NUMBER)
        )
        assert codes == 3


def test_the_lock_ends_and_the_right_password_then_works(app, client):
    residence_id = add_resident(app)
    for i in range(5):
        login(client, TYPED, f"wrong {i}")
    assert "bloqué" in login(client, TYPED, PASSWORD).text
    with app.app_context():
        session = get_session()
        session.get(Residence, residence_id).web_locked_until = utcnow() - timedelta(seconds=1)
        session.commit()
    assert login(client, TYPED, PASSWORD).headers["Location"].endswith("/portail/dossier")


def test_a_client_refused_too_often_is_throttled(app, client):
    add_resident(app)
    for i in range(10):
        assert login(client, "418 555-0199", f"wrong {i}").status_code == 400
    assert login(client, TYPED, PASSWORD).status_code == 429


def test_the_hotline_lock_and_the_portal_lock_are_separate(app, client):
    """Wrong keypad PINs do not lock the web password, nor the reverse."""
    residence_id = add_resident(app)
    with app.app_context():
        session = get_session()
        session.get(Residence, residence_id).locked_until = utcnow() + timedelta(minutes=10)
        session.commit()
    assert login(client, TYPED, PASSWORD).status_code == 302


def test_a_form_without_its_csrf_token_is_refused(app, client):
    add_resident(app)
    answer = client.post("/portail/", data={"phone": TYPED, "password": PASSWORD})
    assert answer.status_code == 400 and "expiré" in answer.text


@pytest.mark.parametrize(
    "path", ["/portail/", "/portail/nouvel-usager", "/portail/mot-de-passe-oublie"]
)
def test_security_headers_on_portal_pages(client, path):
    answer = client.get(path)
    assert answer.status_code == 200
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


TEMPLATES = sorted(
    (Path(__file__).resolve().parents[2] / "portal" / "templates" / "portal").glob("*.html")
)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_portal_template_needs_inline_script_or_style_or_outside_resource(template):
    text = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", text)
    assert "<style" not in text and " style=" not in text
    assert not re.search(r"(src|href)=\"(https?:)?//", text)


def test_pages_sit_behind_the_sign_in(client):
    for path in (
        "/portail/dossier",
        "/portail/nip",
        "/portail/mot-de-passe",
        "/portail/mes-donnees.json",
        "/portail/supprimer",
    ):
        assert client.get(path).headers["Location"].endswith("/portail/"), path
    assert client.get("/portail/adresses/villes.json").status_code == 401


def test_https_gives_a_secure_session_cookie(app_config):
    from ivr import create_app

    app = create_app({**app_config, "PUBLIC_BASE_URL": "https://alertes.saguenay.ca"})
    try:
        add_resident(app)
        client = app.test_client()
        answer = post(client, "/portail/", {"phone": TYPED, "password": PASSWORD})
        assert "Secure" in answer.headers["Set-Cookie"]
    finally:
        app.extensions["db_engine"].dispose()
