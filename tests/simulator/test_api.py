"""The REST API: Twilio's shapes both ways (OpenAPI), auth, errors, 429, injected faults."""

import threading

import pytest
from twilio.base.exceptions import TwilioRestException

from tests.simulator.conftest import check_exchange, make_twilio

TO, FROM = "+14185550101", "+14185550000"
SAY = '<Response><Say>Bonjour</Say><Pause length="4"/></Response>'


def test_requests_and_answers_match_twilios_openapi(simulator, twilio, openapi):
    call = twilio.calls.create(
        to=TO,
        from_=FROM,
        twiml=SAY,
        timeout=20,
        status_callback="http://127.0.0.1:9/status",
        status_callback_event=["initiated", "answered"],
        machine_detection="DetectMessageEnd",
        async_amd="true",
        async_amd_status_callback="http://127.0.0.1:9/amd",
    )
    assert call.sid.startswith("CA") and len(call.sid) == 34
    assert call.status == "queued"
    simulator.wait_for_call(call.sid)
    fetched = twilio.calls(call.sid).fetch()
    assert fetched.status == "completed" and fetched.answered_by == "human"
    assert int(fetched.duration) >= 1
    assert [c.sid for c in twilio.calls.list(to=TO, limit=5)] == [call.sid]
    twilio.calls(call.sid).update(status="completed")
    message = twilio.messages.create(to=TO, from_=FROM, body="Avis d'ébullition")
    assert message.sid.startswith("SM") and message.status == "queued"
    assert twilio.messages(message.sid).fetch().body == "Avis d'ébullition"
    assert len(twilio.exchanges) == 6
    for exchange in twilio.exchanges:
        check_exchange(openapi, exchange)


def test_the_openapi_check_catches_a_wrong_answer(simulator, twilio, openapi):
    twilio.calls.create(to=TO, from_=FROM, twiml=SAY)
    exchange = twilio.exchanges[-1]
    exchange._content = exchange.content.replace(b'"sid": "CA', b'"sid": "XX')
    with pytest.raises(Exception, match="(?i)invalid|pattern|does not match"):
        check_exchange(openapi, exchange)


def test_dates_are_rfc_2822_and_queue_time_in_ms(simulator, twilio):
    call = twilio.calls.create(to=TO, from_=FROM, twiml=SAY)
    assert call.date_created.tzinfo is not None  # the client parsed RFC 2822
    assert call.queue_time.isdigit()
    record = simulator.wait_for_call(call.sid)
    assert (
        record["requested_at"]
        <= record["dialled_at"]
        <= record["answered_at"]
        <= record["ended_at"]
    )
    assert record["requested_at"].endswith("+00:00") and "." in record["requested_at"]


def test_wrong_credentials_get_401_code_20003(simulator):
    client = make_twilio(simulator, password="not-the-token")
    with pytest.raises(TwilioRestException) as caught:
        client.calls.create(to=TO, from_=FROM, twiml=SAY)
    assert caught.value.status == 401 and caught.value.code == 20003
    assert simulator.calls() == []


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"to": "", "from_": FROM, "twiml": SAY}, 21201),
        ({"to": "12", "from_": FROM, "twiml": SAY}, 21211),
        ({"to": TO, "from_": "", "twiml": SAY}, 21213),
        ({"to": TO, "from_": FROM}, 21205),
    ],
)
def test_bad_create_requests_get_twilios_error_codes(simulator, twilio, kwargs, code):
    with pytest.raises(TwilioRestException) as caught:
        twilio.calls.create(**kwargs)
    assert caught.value.status == 400 and caught.value.code == code
    assert caught.value.msg
    assert simulator.calls() == []


def test_an_unknown_call_is_404_code_20404(twilio):
    with pytest.raises(TwilioRestException) as caught:
        twilio.calls("CA" + "0" * 32).fetch()
    assert caught.value.status == 404 and caught.value.code == 20404


def test_redirecting_a_finished_call_is_refused_with_21220(simulator, twilio):
    call = twilio.calls.create(to=TO, from_=FROM, twiml=SAY)
    simulator.wait_for_call(call.sid)
    with pytest.raises(TwilioRestException) as caught:
        twilio.calls(call.sid).update(twiml=SAY)
    assert caught.value.code == 21220


def test_past_max_concurrent_requests_the_client_gets_20429(simulator):
    simulator.set_scenario({"api": {"max_concurrent_requests": 2, "latency_ms": 300}})
    outcomes, lock = [], threading.Lock()

    def create():
        client = make_twilio(simulator)
        try:
            client.calls.create(to=TO, from_=FROM, twiml=SAY)
            result = "created"
        except TwilioRestException as exc:
            result = (exc.status, exc.code)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("created") >= 1
    assert (429, 20429) in outcomes
    assert len(simulator.calls()) == outcomes.count("created")


def test_injected_api_errors_are_reproducible(simulator, twilio):
    def run():
        simulator.set_scenario({"seed": 3, "api": {"error_rate": 0.5}})
        seen = []
        for _ in range(12):
            try:
                twilio.calls.create(to=TO, from_=FROM, twiml=SAY)
                seen.append("ok")
            except TwilioRestException as exc:
                seen.append(exc.code)
        return seen

    first = run()
    assert 20500 in first and "ok" in first
    assert run() == first


def test_an_injected_timeout_creates_the_call_but_answers_too_late(simulator):
    simulator.set_scenario({"api": {"timeout_rate": 1.0, "timeout_ms": 1500}})
    client = make_twilio(simulator, timeout=0.3)
    with pytest.raises(Exception, match="(?i)timed? ?out"):
        client.calls.create(to=TO, from_=FROM, twiml=SAY)
    calls = simulator.calls()
    assert len(calls) == 1 and calls[0]["to"] == TO  # the call was placed all the same
