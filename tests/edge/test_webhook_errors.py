"""Every /voice/... route answers an error the same way (webhooks/voice.py): a TwiML route says
the apology and hangs up (HTTP 200), in the call's language; a status or AMD callback gets an
empty 204 (the reconciler fetches what it carried); never a 500, and nothing half-written:
a write that went through before the failure is rolled back with the rest."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from dialer import campaigns, dispatch
from ivr import create_app
from models import CallAttempt, Campaign, Delivery, HotlineCall, Residence
from runtime.i18n import t
from tests.fixtures.dialer import add_residence, signed_post

SID = "CA" + "1" * 32
CALLBACK_PREFIXES = ("/voice/status/", "/voice/amd/")


@contextmanager
def refused(app, statement: str):
    """The database fails every statement starting with STATEMENT (e.g. 'UPDATE deliveries'),
    as it would were it gone at that moment: the statements before it went through."""
    engine = app.extensions["db_engine"]

    def refuse(_conn, _cursor, text, params, _context, _many):
        if " ".join(text.split()).upper().startswith(statement.upper()):
            raise OperationalError(text, params, ConnectionError("the database went away"))

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


@pytest.fixture
def attempt(app, session):
    add_residence(session, ["+14185550101", "+14185550102"], language="en")
    campaign = campaigns.create_campaign(
        session,
        "t",
        title="Avis",
        message_fr="Bouillez l'eau.",
        message_en="Boil your water.",
        target={"all": True},
    )
    campaigns.launch(app, campaign.id, "t")
    return dispatch.claim(session, session.get(Campaign, campaign.id), lease_s=60)


def rows(session):
    session.expire_all()
    return (
        [
            (a.status, a.outcome, a.confirmed, a.answered_by)
            for a in session.scalars(select(CallAttempt).order_by(CallAttempt.id))
        ],
        [
            (d.status, d.confirmed, d.number_index)
            for d in session.scalars(select(Delivery).order_by(Delivery.id))
        ],
    )


def voice_routes(app) -> list[str]:
    return sorted(rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/voice"))


def test_every_voice_route_apologises_or_answers_204_when_the_database_is_gone(app_config):
    app_config["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    app = create_app(app_config)
    client = app.test_client()
    routes = voice_routes(app)
    assert len(routes) >= 8
    for rule in routes:
        path = rule.replace("<token>", "some-token")
        answer = signed_post(
            client,
            app,
            path,
            {"CallSid": SID, "CallStatus": "completed", "AnsweredBy": "human", "Digits": "2"},
            "lang=en",
        )
        if rule.startswith(CALLBACK_PREFIXES):
            assert (answer.status_code, answer.text) == (204, ""), rule
        else:
            assert answer.status_code == 200, rule
            assert "<Say" in answer.text and "<Hangup" in answer.text, rule
            if rule.startswith("/voice/alert/"):
                assert t("en", "alert.error") in answer.text  # the call's language, its URL's
            else:  # the database cannot tell the caller's language: French
                assert t("fr", "common.error") in answer.text, rule


def test_a_final_status_that_fails_half_way_writes_nothing_and_answers_204(
    app, client, session, attempt, caplog
):
    before = rows(session)
    with refused(app, "UPDATE deliveries"):  # after the attempt's own UPDATE
        answer = signed_post(
            client,
            app,
            f"/voice/status/alert/{attempt.token}",
            {"CallSid": SID, "CallStatus": "no-answer", "SequenceNumber": "3"},
        )
    assert (answer.status_code, answer.text) == (204, "")
    assert rows(session) == before
    assert "alert status callback error on /voice/status/alert/" in caplog.text
    # the same report, once the database is back, settles the call
    signed_post(
        client,
        app,
        f"/voice/status/alert/{attempt.token}",
        {"CallSid": SID, "CallStatus": "no-answer", "SequenceNumber": "3"},
    )
    assert rows(session)[0][0][:2] == ("no-answer", "no_answer")


def test_an_amd_verdict_that_fails_answers_204_and_writes_nothing(app, client, session, attempt):
    signed_post(
        client,
        app,
        f"/voice/status/alert/{attempt.token}",
        {"CallSid": SID, "CallStatus": "completed", "SequenceNumber": "4", "CallDuration": "20"},
    )
    before = rows(session)
    with refused(app, "UPDATE deliveries"):  # settling the call, after the AMD verdict's UPDATE
        answer = signed_post(
            client,
            app,
            f"/voice/amd/alert/{attempt.token}",
            {"CallSid": SID, "AnsweredBy": "human"},
            "lang=en",
        )
    assert (answer.status_code, answer.text) == (204, "")
    assert rows(session) == before and before[0][0][3] is None


def test_a_confirmation_that_fails_half_way_is_an_apology_in_the_calls_language(
    app, client, session, attempt
):
    before = rows(session)
    with refused(app, "UPDATE deliveries"):  # after the attempt's UPDATE confirmed = true
        answer = signed_post(
            client,
            app,
            f"/voice/alert/{attempt.token}/keys",
            {"CallSid": SID, "Digits": "2"},
            "lang=en",
        )
    assert answer.status_code == 200
    assert t("en", "alert.error") in answer.text and "<Hangup" in answer.text
    assert rows(session) == before and not before[0][0][2]


def test_a_registration_that_fails_half_way_leaves_no_residence(caller, app, session):
    phone = caller()
    phone.keys("1", "1", "1", "1234", "", "REC", "REC", "482916")
    with refused(app, "INSERT INTO phone_numbers"):  # after the residence's INSERT
        heard = phone.press("482916")
    assert heard.text == t("fr", "common.error") and heard.hangup
    assert session.scalar(select(func.count(Residence.id))) == 0
    session.expire_all()
    assert session.get(HotlineCall, phone.sid).step == "confirm_pin"  # its state as before


def test_a_bug_is_apologised_for_in_the_callers_language(caller, session):
    phone = caller()
    phone.keys("2")  # English
    row = session.get(HotlineCall, phone.sid)
    row.step = "a-step-from-an-older-version"
    session.commit()
    heard = phone.press("1")
    assert heard.text == t("en", "common.error") and heard.hangup


def test_the_sms_webhooks_answer_204_when_the_database_is_gone(app_config):
    """A text's status report or a resident's reply arriving while the database is down is
    logged and answered 204 (the reconciler fetches texts with no final status), never a 500."""
    app_config["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    app = create_app(app_config)
    client = app.test_client()
    answers = [
        signed_post(
            client,
            app,
            "/sms/status/some-token",
            {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered"},
        ),
        signed_post(
            client,
            app,
            "/sms/incoming",
            {
                "MessageSid": "SM" + "2" * 32,
                "From": "+14185550101",
                "To": "+14185550001",
                "Body": "ARRÊT",
            },
        ),
    ]
    assert [(a.status_code, a.text) for a in answers] == [(204, ""), (204, "")]
