"""Request bodies are limited per route before they are read: Twilio's webhooks small, the
console's CSV uploads large, the rest in between (413, nothing changed)."""

import io

from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from models import CallAttempt, Residence
from runtime.db import get_session
from tests.conftest import AUTH_TOKEN
from tests.fixtures.console import post_form

MB = 1024 * 1024


def signed(app, path, form):
    url = app.config["PUBLIC_BASE_URL"] + path
    return {"X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(url, form)}


def test_an_oversized_webhook_is_refused_unread(app, client, caplog):
    form = {
        "CallSid": "CA" + "1" * 32,
        "CallStatus": "ringing",
        "SequenceNumber": "1",
        "Padding": "x" * (2 * MB),
    }
    for path in ("/voice/incoming", "/voice/status/alert/some-token", "/voice/hotline"):
        unsigned = client.post(path, data=form)
        assert unsigned.status_code == 413
        answer = client.post(path, data=form, headers=signed(app, path, form))
        assert answer.status_code == 413, path
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(CallAttempt)) == 0


def test_an_ordinary_console_form_has_a_middle_limit(app, admin):
    answer = admin.post("/staff/residents/1/edit", data={"last_name": "x" * (2 * MB)})
    assert answer.status_code == 413


def test_a_big_csv_within_the_upload_limit_imports(app_config, request):
    """(The default limit is lowered to 128 KiB here: the test client spools bodies over
    500 KB to a temporary file it never closes.)"""
    app_config["REQUEST_MAX_BYTES"] = 128 * 1024
    app, admin = request.getfixturevalue("app"), request.getfixturevalue("admin")
    header = (
        "last_name,first_name,language,phone,phone2,phone3,civic_number,street,apartment,"
        "city,postal_code,active,notes\n"
    )
    rows = [
        f"Famille{n},,fr,418 55{n // 10000}-{n % 10000:04d},,,{n},rue Price,,Jonquière,"
        f"G7X 1A1,1,{'note ' * 30}\n"
        for n in range(1, 1401)
    ]
    data = (header + "".join(rows)).encode()
    assert 200 * 1024 < len(data) < 480 * 1024  # above the default limit, within the upload's
    answer = post_form(
        admin,
        "/staff/residents/import",
        {"file": (io.BytesIO(data), "residents.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    state = admin.get(answer.location + ".json").json
    assert state.get("accepted") == 1400, state
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Residence)) == 1400
