"""One minimum for a staff password (models/passwords.py), in the console and `ivr staff create`."""

from html import unescape

import pytest
from sqlalchemy import select

from models import StaffUser
from models.passwords import MIN_STAFF_PASSWORD_LENGTH, verify_secret
from runtime.db import get_session
from runtime.i18n import t
from tests.fixtures.console import admin, csrf_token, post_form  # noqa: F401

SHORT = "p" * (MIN_STAFF_PASSWORD_LENGTH - 1)
ENOUGH = "p" * MIN_STAFF_PASSWORD_LENGTH


def staff_password_hash(app, email: str) -> str | None:
    with app.app_context():
        user = get_session().scalar(select(StaffUser).where(StaffUser.email == email))
        return user.password_hash if user else None


def test_the_minimum_is_twelve():
    assert MIN_STAFF_PASSWORD_LENGTH == 12


def test_cli_refuses_one_short_and_accepts_the_minimum(app, runner):
    short = runner.invoke(
        args=["staff", "create", "court@saguenay.ca"], env={"IVR_STAFF_PASSWORD": SHORT}
    )
    assert short.exit_code != 0
    assert f"at least {MIN_STAFF_PASSWORD_LENGTH} characters" in short.output
    assert staff_password_hash(app, "court@saguenay.ca") is None
    enough = runner.invoke(
        args=["staff", "create", "assez@saguenay.ca"], env={"IVR_STAFF_PASSWORD": ENOUGH}
    )
    assert enough.exit_code == 0, enough.output
    assert verify_secret(staff_password_hash(app, "assez@saguenay.ca"), ENOUGH)


@pytest.mark.parametrize(
    "language, said",
    [
        ("fr", "Le mot de passe doit avoir au moins {length} caractères."),
        ("en", "The password must have at least {length} characters."),
    ],
)
def test_console_refuses_one_short_and_accepts_the_minimum(app, admin, language, said):
    admin.post("/staff/language", data={"lang": language, "csrf_token": _token(admin)})
    data = {
        "email": "nouveau@saguenay.ca",
        "role": "operator",
        "language": "fr",
        "phone": "",
        "active": "y",
    }
    form = admin.get("/staff/accounts/new").text
    assert t(
        language,
        "console.staff.password_help",  # the help line says the minimum
        length=MIN_STAFF_PASSWORD_LENGTH,
    ) in unescape(form)
    short = post_form(admin, "/staff/accounts/new", {**data, "password": SHORT})
    assert short.status_code == 400
    assert said.format(length=MIN_STAFF_PASSWORD_LENGTH) in short.text
    assert staff_password_hash(app, "nouveau@saguenay.ca") is None
    enough = post_form(admin, "/staff/accounts/new", {**data, "password": ENOUGH})
    assert enough.status_code in (200, 302), enough.text
    assert verify_secret(staff_password_hash(app, "nouveau@saguenay.ca"), ENOUGH)


def _token(client) -> str:
    return csrf_token(client.get("/staff/accounts").text)
