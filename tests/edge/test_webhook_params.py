"""Twilio's parameters are checked at the edge: a signed callback with an overlong or
out-of-range value is logged and refused with 400, changing nothing; a TwiML route answers
the spoken apology (HTTP 200); nothing answers 500, on SQLite as on PostgreSQL."""

import pytest
from sqlalchemy import select

from dialer import campaigns, dispatch
from ivr import create_app
from models import CallAttempt, Campaign
from tests.fixtures.dialer import add_residence, signed_post

SID = "CA" + "1" * 32
HOSTILE = [
    ("CallDuration", "123456789012345"),
    ("Duration", "99999999999"),
    ("SequenceNumber", "99999999999"),
    ("CallSid", "CA" + "a" * 38),
    ("CallSid", "CA\x00" + "1" * 31),
    ("CallStatus", "completed\x00"),
    ("AnsweredBy", "machine_end_beep_" + "x" * 16),  # 33 characters
    ("AnsweredBy", "human\x00"),
    ("Digits", "2" * 70),
]


@pytest.fixture
def attempt(app, session):
    add_residence(session, ["+14185550101"])
    campaign = campaigns.create_campaign(
        session, "t", title="Avis", message_fr="Bouillez l'eau.", target={"all": True}
    )
    campaigns.launch(app, campaign.id, "t")
    return dispatch.claim(session, session.get(Campaign, campaign.id), lease_s=60)


def state(session):
    session.expire_all()
    row = session.scalars(select(CallAttempt)).one()
    return row.status, row.sid, row.outcome, row.answered_by, row.duration_s, row.sequence_number


@pytest.mark.parametrize("name, value", HOSTILE)
def test_a_status_callback_with_a_bad_value_is_refused_and_changes_nothing(
    app, client, session, attempt, name, value, caplog
):
    before = state(session)
    params = {
        "CallSid": SID,
        "CallStatus": "completed",
        "SequenceNumber": "4",
        "CallDuration": "12",
        "AnsweredBy": "human",
        name: value,
    }
    answer = signed_post(client, app, f"/voice/status/alert/{attempt.token}", params)
    assert answer.status_code == 400
    assert state(session) == before
    assert any(name in r.getMessage() for r in caplog.records if r.levelname == "WARNING")


@pytest.mark.parametrize("name, value", HOSTILE)
def test_an_amd_callback_with_a_bad_value_is_refused(app, client, session, attempt, name, value):
    before = state(session)
    params = {"CallSid": SID, "AnsweredBy": "machine_end_beep", name: value}
    answer = signed_post(client, app, f"/voice/amd/alert/{attempt.token}", params)
    assert answer.status_code == 400 and state(session) == before


@pytest.mark.parametrize("path", ["", "/keys", "/voicemail"])
@pytest.mark.parametrize("name, value", HOSTILE + [("silences", "9" * 30), ("lang", "\x00")])
def test_a_twiml_route_with_a_bad_value_says_the_apology(app, client, attempt, path, name, value):
    query = f"lang=fr&{name}={value}" if name in ("silences", "lang") else "lang=fr"
    params = {"CallSid": SID, "Digits": "1"}
    if name not in ("silences", "lang"):
        params[name] = value
    answer = signed_post(client, app, f"/voice/alert/{attempt.token}{path}", params, query)
    assert answer.status_code == 200
    assert "Nous sommes désolés" in answer.text or "désol" in answer.text, answer.text
    assert "<Hangup" in answer.text


@pytest.mark.parametrize("token", ["a" * 300, "tok\x00en", "é" * 10])
def test_a_bad_token_in_the_path_is_refused(app, client, token):
    assert (
        signed_post(
            client, app, f"/voice/status/alert/{token}", {"CallSid": SID, "CallStatus": "ringing"}
        ).status_code
        == 400
    )
    assert (
        signed_post(client, app, f"/voice/alert/{token}/voicemail", {"CallSid": SID}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "path, params",
    [
        ("/voice/incoming", {"From": "+1418555\x000101"}),
        ("/voice/hotline", {"Digits": "1" * 100}),
        ("/voice/hotline", {"RecordingUrl": "https://api.twilio.com/" + "r" * 600}),
        ("/voice/hotline", {"CallSid": "CA" + "f" * 40}),
        ("/voice/callback/tok\x00en", {}),
        ("/voice/callback/" + "t" * 300 + "/answer", {"Digits": "1"}),
    ],
)
def test_the_hotline_says_the_apology_to_bad_values(app, client, path, params):
    form = {"CallSid": SID, "From": "+14185550123", "To": "+14185550001", **params}
    answer = signed_post(client, app, path, form)
    assert answer.status_code == 200 and "<Hangup" in answer.text


def test_the_voicemail_twiml_apologises_when_the_database_is_gone(app_config):
    app_config["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    app = create_app(app_config)
    answer = signed_post(
        app.test_client(), app, "/voice/alert/some-token/voicemail", {"CallSid": SID}, "lang=en"
    )
    assert answer.status_code == 200
    assert "<Hangup" in answer.text and "<Say" in answer.text
