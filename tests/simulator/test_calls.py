"""Calls: ring time, answers, AMD, status callbacks in Twilio's order, live updates."""

from datetime import datetime
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from simulator.webhook import form_encode, signature
from tests.conftest import AUTH_TOKEN

TO, FROM = "+14185550101", "+14185550000"
EVENTS = ["initiated", "ringing", "answered", "completed"]


def message(form):
    response = VoiceResponse()
    response.say("Avis important de la Ville de Saguenay.", language="fr-CA")
    response.pause(length=3)
    return response


def waiting(seconds):
    def handler(form):
        response = VoiceResponse()
        response.pause(length=seconds)
        return response

    return handler


def saying(text):
    def handler(form):
        response = VoiceResponse()
        response.say(text)
        return response

    return handler


def dial(twilio, app, to=TO, **kwargs):
    kwargs.setdefault("status_callback", app.url + "/status")
    kwargs.setdefault("status_callback_event", EVENTS)
    return twilio.calls.create(to=to, from_=FROM, url=app.url + "/voice", **kwargs)


@pytest.mark.parametrize(
    "answer, status, answered",
    [
        ("human", "completed", True),
        ("voicemail", "completed", True),
        ("fax", "completed", True),
        ("unknown", "completed", True),
        ("no-answer", "no-answer", False),
        ("busy", "busy", False),
        ("failed", "failed", False),
    ],
)
def test_each_answer_kind_ends_with_twilios_status(
    simulator, twilio, twiml_app, answer, status, answered
):
    twiml_app.route("voice", message)
    simulator.set_scenario({"numbers": {TO: {"answer": answer}}})
    call = dial(twilio, twiml_app)
    record = simulator.wait_for_call(call.sid)
    assert record["status"] == status
    assert (record["answered_at"] is not None) == answered
    assert bool(twiml_app.to("voice")) == answered
    statuses = [h["form"]["CallStatus"] for h in twiml_app.to("status")]
    assert statuses[-1] == status
    assert twilio.calls(call.sid).fetch().status == status


def test_status_callbacks_carry_twilios_parameters_in_order(simulator, twilio, twiml_app):
    twiml_app.route("voice", message)
    call = dial(twilio, twiml_app)
    record = simulator.wait_for_call(call.sid)
    hits = twiml_app.to("status")
    forms = [h["form"] for h in hits]
    assert [f["CallStatus"] for f in forms] == ["queued", "ringing", "in-progress", "completed"]
    assert [f["SequenceNumber"] for f in forms] == ["0", "1", "2", "3"]
    for form in forms:
        assert form["CallSid"] == call.sid and form["CallbackSource"] == "call-progress-events"
        assert form["Direction"] == "outbound-api" and form["ApiVersion"] == "2010-04-01"
        assert form["To"] == TO and form["From"] == FROM and form["Timestamp"].endswith("+0000")
    assert "CallDuration" not in forms[2]
    assert int(forms[-1]["CallDuration"]) == record["duration"] >= 3
    assert all(h["content_type"] == "application/x-www-form-urlencoded" for h in hits)


def test_only_the_asked_events_are_sent_but_completed_always(simulator, twilio, twiml_app):
    twiml_app.route("voice", message)
    call = dial(twilio, twiml_app, status_callback_event=["answered"])
    simulator.wait_for_call(call.sid)
    forms = [h["form"] for h in twiml_app.to("status")]
    assert [f["CallStatus"] for f in forms] == ["in-progress", "completed"]
    assert [f["SequenceNumber"] for f in forms] == ["0", "1"]


def test_ring_time_beyond_timeout_is_no_answer(simulator, twilio, twiml_app):
    twiml_app.route("voice", message)
    simulator.set_scenario({"numbers": {TO: {"answer": "human", "ring_s": 25}}})
    late = dial(twilio, twiml_app, timeout=20)
    assert simulator.wait_for_call(late.sid)["status"] == "no-answer"
    in_time = dial(twilio, twiml_app, timeout=30)
    assert simulator.wait_for_call(in_time.sid)["status"] == "completed"


@pytest.mark.parametrize(
    "answer, detection, expected",
    [
        ("human", "Enable", "human"),
        ("voicemail", "Enable", "machine_start"),
        ("fax", "Enable", "fax"),
        ("unknown", "Enable", "unknown"),
        ("human", "DetectMessageEnd", "human"),
        ("voicemail", "DetectMessageEnd", "machine_end_beep"),
    ],
)
def test_synchronous_amd_puts_answered_by_on_the_twiml_request(
    simulator, twilio, twiml_app, answer, detection, expected
):
    twiml_app.route("voice", message)
    simulator.set_scenario({"numbers": {TO: {"answer": answer}}})
    call = dial(twilio, twiml_app, machine_detection=detection)
    record = simulator.wait_for_call(call.sid)
    assert twiml_app.to("voice")[0]["form"]["AnsweredBy"] == expected
    assert record["answered_by"] == expected
    assert twiml_app.to("status")[-1]["form"]["AnsweredBy"] == expected


@pytest.mark.parametrize(
    "greeting_end, expected",
    [
        ("beep", "machine_end_beep"),
        ("silence", "machine_end_silence"),
        ("other", "machine_end_other"),
    ],
)
def test_async_amd_posts_the_result_after_the_greeting(
    simulator, twilio, twiml_app, greeting_end, expected
):
    def voice(form):
        response = message(form)
        response.pause(length=25)
        return response

    twiml_app.route("voice", voice)
    # a 20 s greeting (0.2 s here): the message starts well before its end, even on a busy CI
    simulator.set_scenario(
        {"numbers": {TO: {"answer": "voicemail", "greeting_s": 20, "greeting_end": greeting_end}}}
    )
    call = dial(
        twilio,
        twiml_app,
        machine_detection="DetectMessageEnd",
        async_amd="true",
        async_amd_status_callback=twiml_app.url + "/amd",
    )
    record = simulator.wait_for_call(call.sid, timeout=10)
    assert "AnsweredBy" not in twiml_app.to("voice")[0]["form"]  # fetched at answer
    amd = twiml_app.to("amd")
    assert len(amd) == 1 and amd[0]["form"]["AnsweredBy"] == expected
    assert int(amd[0]["form"]["MachineDetectionDuration"]) >= 20000
    # the message was said during the greeting: nothing of it after the beep
    assert [s["after_beep"] for s in record["said"]] == [False]


def test_a_machine_hears_only_what_is_said_after_the_beep(simulator, twilio, twiml_app):
    def voice(form):
        response = VoiceResponse()
        response.pause(length=7)
        response.say("Avis important de la Ville de Saguenay.", language="fr-CA")
        return response

    twiml_app.route("voice", voice)
    simulator.set_scenario({"numbers": {TO: {"answer": "voicemail", "greeting_s": 6}}})
    record = simulator.wait_for_call(dial(twilio, twiml_app).sid)
    assert record["said"][0]["after_beep"] is True
    assert record["heard_seconds"] == pytest.approx(
        len("Avis important de la Ville de Saguenay.") / 14, abs=0.01
    )


def test_successive_answers_per_number(simulator, twilio, twiml_app):
    twiml_app.route("voice", message)
    simulator.set_scenario({"numbers": {TO: {"answer": ["no-answer", "busy", "human"]}}})
    statuses = [
        simulator.wait_for_call(dial(twilio, twiml_app, timeout=5).sid)["status"] for _ in range(4)
    ]
    assert statuses == ["no-answer", "busy", "completed", "completed"]


def test_a_mix_is_reproducible_and_roughly_its_shares(simulator):
    from simulator import Scenario

    data = {"seed": 7, "mix": {"human": 0.6, "voicemail": 0.3, "busy": 0.1}}
    numbers = [f"+1418555{n:04d}" for n in range(1000)]
    first = [Scenario(data).behaviour(n)[0]["answer"] for n in numbers]
    assert first == [Scenario(data).behaviour(n)[0]["answer"] for n in numbers]
    assert 520 < first.count("human") < 680 and 230 < first.count("voicemail") < 370
    other = [Scenario({**data, "seed": 8}).behaviour(n)[0]["answer"] for n in numbers]
    assert other != first


def test_redirecting_a_live_call_stops_its_twiml_and_runs_the_new(simulator, twilio, twiml_app):
    def long_wait(form):
        response = VoiceResponse()
        response.say("Veuillez patienter.")
        response.pause(length=60)
        response.say("never said")
        return response

    twiml_app.route("voice", long_wait)
    call = dial(twilio, twiml_app)
    _wait_until(simulator, call.sid, lambda r: r["said"])
    twilio.calls(call.sid).update(twiml="<Response><Say>Nouveau message</Say></Response>")
    record = simulator.wait_for_call(call.sid)
    assert [s["text"] for s in record["said"]] == ["Veuillez patienter.", "Nouveau message"]


def test_redirecting_a_live_call_to_a_url_fetches_it(simulator, twilio, twiml_app):
    twiml_app.route("voice", waiting(600))
    twiml_app.route("after", saying("Après le bip"))
    call = dial(twilio, twiml_app)
    _wait_until(simulator, call.sid, lambda r: r["answered_at"])
    twilio.calls(call.sid).update(url=twiml_app.url + "/after", method="POST")
    record = simulator.wait_for_call(call.sid)
    assert [s["text"] for s in record["said"]] == ["Après le bip"]
    assert twiml_app.to("after")[0]["signed"]


def test_completed_hangs_up_a_live_call(simulator, twilio, twiml_app):
    twiml_app.route("voice", waiting(600))
    call = dial(twilio, twiml_app)
    _wait_until(simulator, call.sid, lambda r: r["answered_at"])
    twilio.calls(call.sid).update(status="completed")
    assert simulator.wait_for_call(call.sid)["status"] == "completed"


def test_canceled_stops_a_queued_or_ringing_call_but_not_a_live_one(simulator, twilio, twiml_app):
    twiml_app.route("voice", waiting(30))
    simulator.set_scenario({"numbers": {TO: {"answer": "human", "ring_s": 300}}})
    ringing = dial(twilio, twiml_app, timeout=600)
    _wait_until(simulator, ringing.sid, lambda r: r["status"] == "ringing")
    assert twilio.calls(ringing.sid).update(status="canceled").status == "canceled"
    assert simulator.wait_for_call(ringing.sid)["answered_at"] is None
    simulator.set_scenario({})
    live = dial(twilio, twiml_app)
    _wait_until(simulator, live.sid, lambda r: r["answered_at"])
    assert twilio.calls(live.sid).update(status="canceled").status == "in-progress"
    twilio.calls(live.sid).update(status="completed")
    assert simulator.wait_for_call(live.sid)["status"] == "completed"


def test_status_callbacks_are_signed_for_their_url(simulator, twilio, twiml_app):
    twiml_app.route("voice", message)
    call = dial(twilio, twiml_app, status_callback=twiml_app.url + "/status?attempt=9")
    simulator.wait_for_call(call.sid)
    hits = twiml_app.hits
    assert len(hits) == 5 and all(h["signed"] for h in hits)


def _wait_until(simulator, sid, predicate, timeout=10):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = simulator.call(sid)
        if predicate(record):
            return record
        time.sleep(0.005)
    raise AssertionError(f"call {sid} never reached the expected state: {record}")


def test_the_simulator_signs_and_encodes_as_twilio_does():
    url = "https://ville.example/status?campaign=7&lang=fr"
    params = {
        "CallStatus": "in-progress",
        "From": "+14185550000",
        "Caller": "+14185550000",
        "Timestamp": "Thu, 26 Nov 2026 14:11:23 +0000",
        "Body": "Avis: eau bouillie à 100 °C",
        "Empty": "",
        "A&B": "x=y",
    }
    official = RequestValidator(AUTH_TOKEN)
    assert signature(AUTH_TOKEN.encode(), url, params) == official.compute_signature(url, params)
    assert official.validate(url, params, signature(AUTH_TOKEN.encode(), url, params))
    assert not official.validate(url, params, signature(b"another-token", url, params))
    assert form_encode(params) == urlencode(params)


def test_a_callee_hanging_up_mid_sentence_did_not_hear_the_rest(simulator, twilio, twiml_app):
    text = "Avis important de la Ville de Saguenay. " * 10  # about 29 s of speech
    twiml_app.route("voice", saying(text))
    simulator.set_scenario({"numbers": {TO: {"answer": "human", "hangup_after_s": 10}}})
    record = simulator.wait_for_call(dial(twilio, twiml_app).sid)
    assert record["duration"] == 10
    # speech began once the TwiML was fetched (real milliseconds, 100 times longer here)
    started = (
        datetime.fromisoformat(record["said"][0]["at"])
        - datetime.fromisoformat(record["answered_at"])
    ).total_seconds()
    expected = 10 - started / simulator.time_scale
    assert record["heard_seconds"] == pytest.approx(expected, abs=0.2)
    assert record["heard_seconds"] < 10


def test_time_limit_hangs_up_a_call_that_would_go_on(simulator, twilio, twiml_app):
    twiml_app.route("voice", waiting(600))
    record = simulator.wait_for_call(dial(twilio, twiml_app, time_limit=15).sid)
    assert record["status"] == "completed" and record["duration"] == 15
