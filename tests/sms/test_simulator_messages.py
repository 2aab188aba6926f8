"""The simulator's Messages API (Twilio's OpenAPI both ways), its status callbacks (Twilio's
parameter names, signed, faults), per-number behaviour, the MPS queue, opt-out and inbound
texts."""

from datetime import datetime

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.twiml.messaging_response import MessagingResponse

from simulator import Simulator
from simulator.scenario import ScenarioError
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.simulator.conftest import check_exchange, make_twilio, openapi, twilio_spec, twiml_app  # noqa: F401 (fixtures)

TO, FROM = "+14185550101", "+14185550000"


@pytest.fixture
def simulator():
    sim = Simulator(ACCOUNT_SID, AUTH_TOKEN, time_scale=0.01, cps=50, mps=10).start()
    yield sim
    sim.stop()


@pytest.fixture
def twilio(simulator):
    return make_twilio(simulator)


def statuses(twiml_app, path):
    return [(h["form"]["MessageStatus"], h["form"].get("ErrorCode")) for h in twiml_app.to(path)]


def test_create_list_fetch_match_twilios_openapi(simulator, twilio, openapi, twiml_app):
    url = twiml_app.route("/status/1", lambda form: ("", 204))
    message = twilio.messages.create(
        to=TO, from_=FROM, body="Avis d'ébullition", status_callback=url
    )
    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert (message.status, message.num_segments, message.direction) == (
        "queued",
        "1",
        "outbound-api",
    )
    simulator.wait_idle()
    fetched = twilio.messages(message.sid).fetch()
    assert (fetched.status, fetched.error_code, fetched.body) == (
        "delivered",
        None,
        "Avis d'ébullition",
    )
    assert fetched.date_sent is not None
    assert [m.sid for m in twilio.messages.list(to=TO, limit=5)] == [message.sid]
    assert twilio.messages.list(to="+14185550199", limit=5) == []
    for exchange in twilio.exchanges:
        check_exchange(openapi, exchange)
    hits = twiml_app.to("/status/1")
    assert all(h["signed"] for h in hits)
    assert [h["form"]["MessageStatus"] for h in hits] == ["queued", "sent", "delivered"]
    assert set(hits[-1]["form"]) >= {
        "MessageSid",
        "SmsSid",
        "AccountSid",
        "From",
        "To",
        "MessageStatus",
        "SmsStatus",
        "ApiVersion",
    }
    assert hits[-1]["form"]["MessageSid"] == message.sid


@pytest.mark.parametrize(
    "behaviour, expected",
    [
        ("undelivered", [("queued", None), ("sent", None), ("undelivered", "30003")]),
        ("landline", [("queued", None), ("sent", None), ("undelivered", "30006")]),
        ("failed", [("queued", None), ("failed", "30008")]),
        (
            ["undelivered", "delivered"],
            [("queued", None), ("sent", None), ("undelivered", "30003")],
        ),
    ],
)
def test_each_number_behaves_as_its_scenario_says(
    simulator, twilio, twiml_app, behaviour, expected
):
    simulator.set_scenario({"numbers": {TO: {"sms": behaviour, "sms_delay_s": 2}}})
    url = twiml_app.route("/status/2", lambda form: ("", 204))
    message = twilio.messages.create(to=TO, from_=FROM, body="Test", status_callback=url)
    simulator.wait_idle()
    assert statuses(twiml_app, "/status/2") == expected
    fetched = twilio.messages(message.sid).fetch()
    assert fetched.status == expected[-1][0]
    if expected[-1][1]:
        assert fetched.error_code == int(expected[-1][1])
    if isinstance(behaviour, list):  # the second text to that number is delivered
        url = twiml_app.route("/status/3", lambda form: ("", 204))
        twilio.messages.create(to=TO, from_=FROM, body="Test", status_callback=url)
        simulator.wait_idle()
        assert statuses(twiml_app, "/status/3")[-1] == ("delivered", None)


def test_an_opted_out_number_is_refused_with_21610(simulator, twilio):
    simulator.set_scenario({"numbers": {TO: {"sms": "opted_out"}}})
    with pytest.raises(TwilioRestException) as refused:
        twilio.messages.create(to=TO, from_=FROM, body="Test")
    assert (refused.value.status, refused.value.code) == (400, 21610)
    assert simulator.messages() == []


def test_texts_leave_the_queue_at_the_mps_limit(simulator, twilio):
    sids = [
        twilio.messages.create(to=f"+1418555{i:04d}", from_=FROM, body="Test").sid
        for i in range(25)
    ]
    simulator.wait_idle()
    sent = sorted(datetime.fromisoformat(m["sent_at"]).timestamp() for m in simulator.messages())
    assert len(sent) == len(sids)
    # never more than MPS (10) texts sent within one second of the carrier's clock
    for i, t in enumerate(sent):
        assert sum(1 for u in sent[i:] if u < t + 1.0 - 0.005) <= 10


def test_callback_faults_apply_to_texts(simulator, twilio, twiml_app):
    simulator.set_scenario({"callbacks": {"duplicate_rate": 1.0}})
    url = twiml_app.route("/status/4", lambda form: ("", 204))
    twilio.messages.create(to=TO, from_=FROM, body="Test", status_callback=url)
    simulator.wait_idle()
    assert [s for s, _ in statuses(twiml_app, "/status/4")] == [
        "queued",
        "queued",
        "sent",
        "sent",
        "delivered",
        "delivered",
    ]
    simulator.set_scenario({"callbacks": {"drop_rate": 1.0}})
    url = twiml_app.route("/status/5", lambda form: ("", 204))
    message = twilio.messages.create(to=TO, from_=FROM, body="Test", status_callback=url)
    simulator.wait_idle()
    assert twiml_app.to("/status/5") == []
    assert twilio.messages(message.sid).fetch().status == "delivered"  # the API still knows
    [record] = [m for m in simulator.messages() if m["sid"] == message.sid]
    assert [c["fault"] for c in record["callbacks"]] == ["dropped"] * 3


def test_a_text_in_reaches_the_numbers_webhook_and_its_reply_goes_back(simulator, twiml_app):
    def answer(form):
        response = MessagingResponse()
        response.message(f"Reçu : {form['Body']}")
        return response

    simulator.set_incoming_sms_url(FROM, twiml_app.route("/sms", answer))
    result = requests.post(
        simulator.url + "/sim/messages", json={"from": TO, "to": FROM, "body": "ARRÊT"}, timeout=10
    )
    assert result.status_code == 201
    assert [r["body"] for r in result.json()["replies"]] == ["Reçu : ARRÊT"]
    [hit] = twiml_app.to("/sms")
    assert hit["signed"] and hit["form"]["Body"] == "ARRÊT" and hit["form"]["From"] == TO
    assert hit["form"]["MessageSid"].startswith("SM") and hit["form"]["NumSegments"] == "1"
    simulator.wait_idle(timeout=10)  # texts in and replies hold nothing up
    log = requests.get(simulator.url + "/sim/messages", timeout=10).json()
    assert [(m["direction"], m["from"], m["body"]) for m in log] == [
        ("inbound", TO, "ARRÊT"),
        ("outbound-reply", FROM, "Reçu : ARRÊT"),
    ]


def test_stop_and_start_words_block_and_unblock_the_number(simulator, twilio):
    simulator.receive_message(TO, FROM, "stop")
    with pytest.raises(TwilioRestException) as refused:
        twilio.messages.create(to=TO, from_=FROM, body="Test")
    assert refused.value.code == 21610
    simulator.receive_message(TO, FROM, "START")
    assert twilio.messages.create(to=TO, from_=FROM, body="Test").status == "queued"


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"sms": "lost"}, "numbers.+14185550101.sms: unknown behaviour 'lost'"),
        ({"sms_delay_s": -1}, "numbers.+14185550101.sms_delay_s must be a non-negative number"),
    ],
)
def test_a_wrong_sms_scenario_is_refused_and_says_why(simulator, spec, message):
    with pytest.raises(ScenarioError, match=message.replace("+", r"\+")):
        simulator.set_scenario({"numbers": {TO: spec}})
    answer = requests.put(simulator.url + "/sim/scenario", json={"numbers": {TO: spec}}, timeout=10)
    assert answer.status_code == 400 and "sms" in answer.json()["error"]
