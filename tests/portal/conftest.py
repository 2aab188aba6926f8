"""Portal tests: a cheap ALTCHA, jobs run inline, the simulator taking the SMS and calls."""

import re

import altcha
import pytest

from tests.fixtures.console import csrf_token

NUMBER = "+14185550142"
TYPED = "418 555-0142"
PASSWORD = "une maison sur la riviere"


@pytest.fixture(autouse=True)
def _portal_config(app_config):
    app_config["RQ_SYNC"] = True
    app_config["ALTCHA_COST"] = "10"


@pytest.fixture
def db(app):
    """A database session of its own (no app context held: the test client's requests each
    get theirs, as in production)."""
    from runtime.db import sessionmaker_for

    with sessionmaker_for(app)() as session:
        yield session


@pytest.fixture
def sim(simulator, app):
    """The carrier simulator receiving the portal's SMS (the Twilio client points at it)."""
    app.config["TWILIO_API_BASE_URL"] = simulator.url
    return simulator


def solved(client) -> str:
    """Solve the portal's ALTCHA challenge as the widget would: its form field's value."""
    challenge = altcha.Challenge.from_dict(client.get("/portail/altcha").get_json())
    return altcha.Payload(challenge, altcha.solve_challenge(challenge)).to_base64()


def post(client, url, data, page=None, human=False):
    """POST DATA to URL with the CSRF token of PAGE (default URL) and, when HUMAN, a solved
    ALTCHA."""
    token = csrf_token(client.get(page or url).text)
    extra = {"altcha": solved(client)} if human else {}
    return client.post(url, data={"csrf_token": token, **extra, **data})


def register(client, typed=TYPED, mode="sms", **data):
    return post(
        client,
        "/portail/nouvel-usager",
        {"phone": typed, "mode": mode, "conditions": "yes", **data},
        human=True,
    )


def forgot(client, typed=TYPED, mode="sms"):
    return post(client, "/portail/mot-de-passe-oublie", {"phone": typed, "mode": mode}, human=True)


def login(client, typed=TYPED, password=PASSWORD):
    return post(client, "/portail/", {"phone": typed, "password": password})


def code_in(sim, number=NUMBER) -> str:
    """The temporary password of the last SMS sent to NUMBER."""
    bodies = [m["body"] for m in sim.messages() if m["to"] == number]
    assert bodies, "no SMS sent to " + number
    return re.search(r"\b(\d{6})\b", bodies[-1]).group(1)


def signed_up(client, sim, password=PASSWORD, typed=TYPED):
    """A new user through the whole procedure: registered, temporary password, new one."""
    assert register(client, typed).status_code == 200
    assert login(client, typed, code_in(sim)).headers["Location"].endswith("/portail/mot-de-passe")
    answer = post(client, "/portail/mot-de-passe", {"password": password, "confirm": password})
    assert answer.headers["Location"].endswith("/portail/dossier?saved=password"), answer.text
    return answer
