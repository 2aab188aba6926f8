"""Every webhook carries X-Twilio-Signature for the account's token; forgeries are caught."""

from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from simulator import Simulator
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.simulator.conftest import make_twilio

TO, FROM = "+14185550101", "+14185550000"


def menu(form):
    response = VoiceResponse()
    response.gather(num_digits=1, action="/choice?lang=fr").say("Appuyez sur 1")
    return response


def wait(form):
    response = VoiceResponse()
    response.pause(length=5)
    return response


def place(sim, twiml_app, **extra):
    twiml_app.route("voice", menu)
    twiml_app.route("choice", wait)
    sim.set_scenario({"numbers": {TO: {"answer": "human", "keys": ["1"]}}})
    call = make_twilio(sim).calls.create(
        to=TO,
        from_=FROM,
        url=twiml_app.url + "/voice",
        status_callback=twiml_app.url + "/st",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
        machine_detection="Enable",
        async_amd="true",
        async_amd_status_callback=twiml_app.url + "/amd",
        **extra,
    )
    return sim.wait_for_call(call.sid)


def test_every_kind_of_webhook_is_signed(simulator, twiml_app):
    place(simulator, twiml_app)
    paths = {h["path"] for h in twiml_app.hits}
    assert paths == {"/voice", "/choice", "/st", "/amd"}
    assert all(h["signed"] for h in twiml_app.hits)


def test_get_callbacks_are_signed_over_their_query(simulator, twiml_app):
    place(simulator, twiml_app, status_callback_method="GET")
    gets = [h for h in twiml_app.hits if h["method"] == "GET"]
    assert len(gets) == 4 and all(h["signed"] for h in gets)
    assert gets[0]["form"]["CallStatus"] == "queued"


def test_a_forged_signature_is_detected_by_the_validator(simulator, twiml_app):
    place(simulator, twiml_app)
    hit = twiml_app.to("st")[-1]
    url, form = twiml_app.url + "/st", hit["form"]
    validator = RequestValidator(AUTH_TOKEN)
    genuine = validator.compute_signature(url, form)
    assert validator.validate(url, form, genuine)
    forged_by_other_account = RequestValidator("someone-else").compute_signature(url, form)
    assert not validator.validate(url, form, forged_by_other_account)
    tampered = {**form, "CallStatus": "busy"}
    assert not validator.validate(url, tampered, genuine)


def test_a_simulator_with_another_token_fails_the_apps_check(twiml_app):
    other = Simulator(ACCOUNT_SID, "another-token", time_scale=0.01, cps=50).start()
    try:
        twiml_app.route("voice", menu)
        other.set_incoming_url("+14185550001", twiml_app.url + "/voice")
        other.wait_for_call(other.place_call("+14185550199", "+14185550001"))
    finally:
        other.stop()
    assert twiml_app.hits and not any(h["signed"] for h in twiml_app.hits)
