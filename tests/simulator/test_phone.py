"""`ivr phone` and `ivr simulator`, and the /sim API behind an interactive call."""

import time

import requests
from twilio.twiml.voice_response import VoiceResponse

from simulator import start_for_app

HOTLINE = "+14185550001"


def menu(form, timeout=5):
    response = VoiceResponse()
    if form.get("Digits"):
        response.say(f"Vous avez choisi {form['Digits']}.", language="fr-CA")
        return response
    response.gather(num_digits=1, timeout=timeout).say("Appuyez sur 1 ou 2.", language="fr-CA")
    response.say("Au revoir.", language="fr-CA")
    return response


def test_ivr_phone_with_scripted_keys_prints_what_is_said(
    simulator, twiml_app, app_config, request
):
    twiml_app.route("voice", menu)
    simulator.set_incoming_url(HOTLINE, twiml_app.url + "/voice")
    app_config["TWILIO_API_BASE_URL"] = simulator.url
    runner = request.getfixturevalue("runner")
    result = runner.invoke(args=["phone", "--from", "418 555-0199", "--keys", "2"])
    assert result.exit_code == 0, result.output
    assert "[fr-CA] Appuyez sur 1 ou 2." in result.output
    assert "[fr-CA] Vous avez choisi 2." in result.output
    assert "Call ended: completed" in result.output
    assert simulator.calls()[0]["from"] == "+14185550199"


def test_ivr_phone_sends_the_keys_typed(simulator, twiml_app, app_config, request):
    twiml_app.route("voice", menu)
    simulator.set_incoming_url(HOTLINE, twiml_app.url + "/voice")
    app_config["TWILIO_API_BASE_URL"] = simulator.url
    result = request.getfixturevalue("runner").invoke(args=["phone"], input="1\n")
    assert result.exit_code == 0, result.output
    assert "[fr-CA] Vous avez choisi 1." in result.output


def test_ivr_phone_refuses_a_bad_number(app_config, request, simulator):
    app_config["TWILIO_API_BASE_URL"] = simulator.url
    result = request.getfixturevalue("runner").invoke(args=["phone", "--from", "12"])
    assert result.exit_code != 0 and "--from" in result.output
    assert simulator.calls() == []


def test_an_interactive_call_waits_for_typed_keys(simulator, twiml_app):
    # 10 minutes to type (6 s here), so that a busy machine cannot make the test miss it
    twiml_app.route("voice", lambda form: menu(form, timeout=600))
    simulator.set_incoming_url(HOTLINE, twiml_app.url + "/voice")
    sim = requests.Session()
    sid = sim.post(
        simulator.url + "/sim/phone/calls",
        json={"from": "+14185550199", "to": HOTLINE, "interactive": True},
    ).json()["sid"]
    deadline = time.monotonic() + 5
    while not sim.get(f"{simulator.url}/sim/calls/{sid}").json()["waiting_for_keys"]:
        assert time.monotonic() < deadline
        time.sleep(0.002)
    assert sim.post(f"{simulator.url}/sim/calls/{sid}/keys", json={"keys": "1"}).ok
    record = simulator.wait_for_call(sid)
    assert [s["text"] for s in record["said"]][-1] == "Vous avez choisi 1."


def test_the_sim_api_refuses_a_bad_scenario_and_keeps_the_old(simulator):
    simulator.set_scenario({"default": {"answer": "busy"}})
    answer = requests.put(simulator.url + "/sim/scenario", json={"default": {"answer": "maybe"}})
    assert answer.status_code == 400 and "maybe" in answer.json()["error"]
    assert requests.get(simulator.url + "/sim/scenario").json()["default"]["answer"] == "busy"


def test_start_for_app_listens_where_the_app_points(app_config, app):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.config["TWILIO_API_BASE_URL"] = f"http://127.0.0.1:{port}"
    sim = start_for_app(app)
    try:
        assert sim.url == f"http://127.0.0.1:{port}" and sim.cps == app.config["DIALER_CPS"]
        incoming = requests.get(sim.url + "/sim/incoming").json()
        assert (
            incoming[app.config["HOTLINE_NUMBER"]]["url"]
            == app.config["PUBLIC_BASE_URL"] + "/voice/incoming"
        )
    finally:
        sim.stop()


def test_stack_routes_the_hotline_to_the_live_app(stack, app_config):
    assert stack.sim.incoming[app_config["HOTLINE_NUMBER"]][0] == stack.live.url + "/voice/incoming"
    assert stack.live.app.config["TWILIO_API_BASE_URL"] == stack.sim.url
