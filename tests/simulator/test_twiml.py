"""Each TwiML verb as Twilio runs it, on calls from a resident's phone (inbound)."""

import datetime as dt

import pytest
import requests
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

HOTLINE, RESIDENT = "+14185550001", "+14185550199"


def serve(simulator, twiml_app, **routes):
    """Route each path to a function(form) -> VoiceResponse; the hotline answers at 'voice'."""
    for path, handler in routes.items():
        twiml_app.route(path, handler)
    simulator.set_incoming_url(HOTLINE, twiml_app.url + "/voice")


def call(simulator, keys=None):
    return simulator.wait_for_call(simulator.place_call(RESIDENT, HOTLINE, keys=keys))


def texts(record):
    return [s["text"] for s in record["said"]]


def menu(form):
    response = VoiceResponse()
    gather = Gather(num_digits=1, action="/choice", timeout=5)
    gather.say("Pour le français, appuyez sur 1.", language="fr-CA", voice="Polly.Chantal")
    response.append(gather)
    response.say("Nous n'avons rien reçu.", language="fr-CA")
    return response


def choice(form):
    response = VoiceResponse()
    response.say(f"Choix {form['Digits']}")
    return response


def test_say_with_language_voice_and_loop(simulator, twiml_app):
    def voice(form):
        response = VoiceResponse()
        response.say("Bonjour", language="fr-CA", voice="Polly.Chantal", loop=2)
        response.say("Hello")
        return response

    serve(simulator, twiml_app, voice=voice)
    record = call(simulator)
    assert [(s["text"], s["language"], s["voice"]) for s in record["said"]] == [
        ("Bonjour", "fr-CA", "Polly.Chantal"),
        ("Bonjour", "fr-CA", "Polly.Chantal"),
        ("Hello", "en-US", "man"),
    ]
    assert record["direction"] == "inbound" and record["status"] == "completed"
    assert record["heard_seconds"] == pytest.approx(2 * 0.5 + 0.5)


def test_play_and_pause_take_their_time(simulator, twiml_app):
    def voice(form):
        response = VoiceResponse()
        response.play("https://example.org/avis.mp3")
        response.pause(length=20)
        response.say("Fin")
        return response

    serve(simulator, twiml_app, voice=voice)
    record = call(simulator)
    assert record["plays"][0]["url"] == "https://example.org/avis.mp3"
    gap = (
        dt.datetime.fromisoformat(record["said"][0]["at"])
        - dt.datetime.fromisoformat(record["plays"][0]["at"])
    ).total_seconds()
    assert gap >= (3 + 20) * simulator.time_scale
    assert record["duration"] >= 23


def test_gather_posts_digits_to_its_action(simulator, twiml_app):
    serve(simulator, twiml_app, voice=menu, choice=choice)
    record = call(simulator, keys=["1"])
    assert texts(record) == ["Pour le français, appuyez sur 1.", "Choix 1"]
    assert twiml_app.to("choice")[0]["form"]["Digits"] == "1"
    assert record["keys"] == ["1"]


def test_gather_on_silence_falls_through_to_the_next_verb(simulator, twiml_app):
    serve(simulator, twiml_app, voice=menu, choice=choice)
    record = call(simulator, keys=["-"])
    assert texts(record) == ["Pour le français, appuyez sur 1.", "Nous n'avons rien reçu."]
    assert twiml_app.to("choice") == [] and record["keys"] == []


def test_gather_with_action_on_empty_result_posts_empty_digits(simulator, twiml_app):
    def voice(form):
        response = VoiceResponse()
        response.gather(action="/choice", action_on_empty_result=True, timeout=3)
        return response

    serve(simulator, twiml_app, voice=voice, choice=choice)
    record = call(simulator)  # no keys at all: silence
    assert twiml_app.to("choice")[0]["form"]["Digits"] == ""
    assert texts(record) == ["Choix"]


def test_gather_finish_on_key_and_default_action_is_the_document(simulator, twiml_app):
    def voice(form):
        response = VoiceResponse()
        if "Digits" in form:
            response.say(f"Code {form['Digits']}")
            return response
        response.gather(finish_on_key="#", timeout=5).say("Entrez votre code, puis le dièse.")
        return response

    serve(simulator, twiml_app, voice=voice)
    record = call(simulator, keys=["4827#"])
    assert texts(record)[-1] == "Code 4827"
    hit = twiml_app.to("voice")[1]["form"]
    assert hit["Digits"] == "4827" and hit["FinishedOnKey"] == "#"


def test_gather_without_finish_key_submits_after_the_timeout(simulator, twiml_app):
    def voice(form):
        response = VoiceResponse()
        response.gather(action="/choice", finish_on_key="", timeout=4)
        return response

    serve(simulator, twiml_app, voice=voice, choice=choice)
    assert texts(call(simulator, keys=["12"])) == ["Choix 12"]


def test_num_digits_cuts_the_keys(simulator, twiml_app):
    serve(simulator, twiml_app, voice=menu, choice=choice)
    assert texts(call(simulator, keys=["27"]))[-1] == "Choix 2"


def test_redirect_fetches_the_next_document(simulator, twiml_app):
    def voice(form):
        response = VoiceResponse()
        response.redirect("/next?step=2", method="POST")
        response.say("never")
        return response

    serve(simulator, twiml_app, voice=voice, next=lambda form: _say("Étape deux"))
    record = call(simulator)
    assert texts(record) == ["Étape deux"]
    assert twiml_app.to("next")[0]["signed"]


def test_record_posts_the_recording_and_the_key_that_ended_it(simulator, twiml_app):
    def voice(form):
        response = VoiceResponse()
        response.say("Laissez votre message après le bip.")
        response.record(action="/recorded", max_length=30, finish_on_key="#")
        return response

    def recorded(form):
        return _say(f"Reçu {form['RecordingDuration']} secondes")

    serve(simulator, twiml_app, voice=voice, recorded=recorded)
    record = call(simulator, keys=["speak#"])
    form = twiml_app.to("recorded")[0]["form"]
    assert form["RecordingUrl"].startswith(simulator.url)
    assert form["RecordingSid"].startswith("RE") and form["Digits"] == "#"
    assert form["RecordingDuration"] == "4"
    assert texts(record)[-1] == "Reçu 4 secondes"
    assert record["recordings"][0]["sid"] == form["RecordingSid"]
    audio = requests.get(form["RecordingUrl"] + ".wav", timeout=5)
    assert audio.ok and audio.content.startswith(b"RIFF")


def test_pound_at_once_records_nothing_and_goes_on_to_the_next_verb(simulator, twiml_app):
    """Like Twilio with an empty recording: no request to the action URL, the next verb runs
    at once (not after 4 s of speech)."""

    def voice(form):
        response = VoiceResponse()
        response.say("Dites votre nom après le bip.")
        response.record(action="/recorded", max_length=30, finish_on_key="#", timeout=5)
        response.say("Aucun nom enregistré.")
        return response

    serve(simulator, twiml_app, voice=voice, recorded=lambda form: _say("Reçu"))
    record = call(simulator, keys=["#"])
    assert texts(record)[-1] == "Aucun nom enregistré."
    assert twiml_app.to("recorded") == [] and record["recordings"] == []
    assert record["keys"] == ["#"]


@pytest.mark.parametrize(
    "answer, status", [("human", "completed"), ("busy", "busy"), ("no-answer", "no-answer")]
)
def test_dial_posts_the_dialled_calls_outcome(simulator, twiml_app, answer, status):
    def voice(form):
        response = VoiceResponse()
        dial = Dial(action="/dialled", timeout=20)
        dial.number("+14185550777")
        response.append(dial)
        return response

    simulator.set_scenario({"numbers": {"+14185550777": {"answer": answer}}})
    serve(simulator, twiml_app, voice=voice, dialled=lambda form: _say(form["DialCallStatus"]))
    record = call(simulator)
    assert twiml_app.to("dialled")[0]["form"]["DialCallStatus"] == status
    assert record["dials"][0]["number"] == "+14185550777"


def test_hangup_ends_the_call_there(simulator, twiml_app):
    def voice(form):
        response = VoiceResponse()
        response.say("Au revoir")
        response.hangup()
        response.say("never")
        return response

    serve(simulator, twiml_app, voice=voice)
    record = call(simulator)
    assert texts(record) == ["Au revoir"] and record["status"] == "completed"


@pytest.mark.parametrize("reason, status", [("busy", "busy"), ("rejected", "no-answer")])
def test_reject_leaves_the_call_unanswered(simulator, twiml_app, reason, status):
    def voice(form):
        response = VoiceResponse()
        response.reject(reason=reason)
        return response

    serve(simulator, twiml_app, voice=voice)
    record = call(simulator)
    assert record["status"] == status and record["answered_at"] is None
    assert record["said"] == []


def test_invalid_twiml_ends_the_call_like_twilio_and_logs_12100(simulator, twiml_app):
    serve(
        simulator,
        twiml_app,
        voice=lambda form: ("<Response><Say>oops</Respons>", 200, {"Content-Type": "text/xml"}),
    )
    record = call(simulator)
    assert record["twiml_errors"][0]["code"] == 12100
    assert texts(record) == ["We are sorry, an application error has occurred. Goodbye."]
    assert record["status"] == "completed"


def test_an_http_error_from_the_app_is_logged_as_11200(simulator, twiml_app):
    serve(simulator, twiml_app, voice=lambda form: ("boom", 500))
    record = call(simulator)
    assert record["twiml_errors"][0]["code"] == 11200
    assert record["status"] == "completed"


def test_keys_run_out_into_silence(simulator, twiml_app):
    def voice(form):
        response = VoiceResponse()
        response.gather(num_digits=1, action="/again", timeout=2).say("Un chiffre")
        response.say("Rien reçu")
        return response

    serve(simulator, twiml_app, voice=voice, again=voice)
    record = call(simulator, keys=["5"])
    assert record["keys"] == ["5"]
    assert texts(record) == ["Un chiffre", "Un chiffre", "Rien reçu"]


def _say(text):
    response = VoiceResponse()
    response.say(text)
    return response


def test_an_inbound_call_posts_completed_to_the_numbers_status_callback(simulator, twiml_app):
    serve(simulator, twiml_app, voice=lambda form: _say("Bonjour"))
    simulator.set_incoming_url(
        HOTLINE, twiml_app.url + "/voice", status_callback=twiml_app.url + "/ended"
    )
    record = call(simulator)
    [ended] = twiml_app.to("ended")
    assert ended["signed"] and ended["form"]["CallStatus"] == "completed"
    assert ended["form"]["Direction"] == "inbound"
    assert ended["form"]["CallDuration"] == str(record["duration"])


def test_a_gather_with_nowhere_to_post_ends_like_twilio(simulator, twilio):
    twiml = '<Response><Gather numDigits="1"><Say>Un chiffre</Say></Gather></Response>'
    simulator.set_scenario({"numbers": {"+14185550101": {"answer": "human", "keys": ["1"]}}})
    call = twilio.calls.create(to="+14185550101", from_="+14185550000", twiml=twiml)
    record = simulator.wait_for_call(call.sid)
    assert record["twiml_errors"][0]["code"] == 11200
    assert record["status"] == "completed"
