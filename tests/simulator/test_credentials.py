"""The simulator never holds a production account's token, and its control API (/sim/...)
needs a token when it listens beyond this machine (loopback stays open for the tests)."""

import socket

import pytest
import requests
from twilio.rest import Client

from simulator import Simulator, SimulatorRefused, start_for_app
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.simulator.test_phone import HOTLINE, menu

REAL = {
    "USE_SIMULATOR": False,
    "TWILIO_ACCOUNT_SID": "AC" + "2" * 32,
    "TWILIO_AUTH_TOKEN": "the-real-auth-token",
}


@pytest.mark.parametrize("changes", [REAL, {"ENV_NAME": "production"}])
def test_start_for_app_refuses_a_real_account_or_production(app, changes):
    app.config.update(changes)
    with pytest.raises(SimulatorRefused) as refused:
        sim = start_for_app(app)
        sim.stop()
    assert "TWILIO_ACCOUNT_SID" in str(refused.value) or "production" in str(refused.value)


@pytest.mark.parametrize("changes", [REAL, {"ENV_NAME": "production"}])
def test_ivr_simulator_refuses_a_real_account_before_listening(app, runner, changes):
    """(The port is taken: without the refusal the command fails to listen instead.)"""
    app.config.update(changes)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = runner.invoke(args=["simulator", "--port", str(taken.getsockname()[1])])
    assert result.exit_code == 1
    assert "the-real-auth-token" not in result.output
    assert "TWILIO_ACCOUNT_SID" in result.output or "production" in result.output


def test_beyond_loopback_the_control_api_needs_a_token():
    with pytest.raises(SimulatorRefused, match="SIMULATOR_CONTROL_TOKEN"):
        Simulator(ACCOUNT_SID, AUTH_TOKEN, host="0.0.0.0")
    sim = Simulator(
        ACCOUNT_SID, AUTH_TOKEN, time_scale=0.01, cps=50, host="0.0.0.0", control_token="s3cret"
    ).start()
    try:
        base = f"http://127.0.0.1:{sim.port}"
        hostile = {"number": HOTLINE, "url": "http://evil.example/collect"}
        assert requests.put(base + "/sim/incoming", json=hostile, timeout=5).status_code == 401
        assert (
            requests.post(base + "/sim/phone/calls", json={"to": HOTLINE}, timeout=5).status_code
            == 401
        )
        assert (
            requests.get(
                base + "/sim/calls", timeout=5, headers={"Authorization": "Bearer wrong"}
            ).status_code
            == 401
        )
        assert sim.incoming == {} and sim.calls() == []
        assert (
            requests.get(
                base + "/sim/calls", timeout=5, headers={"Authorization": "Bearer s3cret"}
            ).json()
            == []
        )
        # Twilio's API keeps its own (Basic) authentication
        client = Client(ACCOUNT_SID, AUTH_TOKEN)
        client.api.base_url = base
        assert client.calls.list() == []
    finally:
        sim.stop()


def test_a_token_protects_loopback_too_and_ivr_phone_sends_it(twiml_app, app_config, request):
    sim = Simulator(
        ACCOUNT_SID, AUTH_TOKEN, time_scale=0.01, cps=50, control_token="s3cret"
    ).start()
    try:
        twiml_app.route("voice", menu)
        sim.set_incoming_url(HOTLINE, twiml_app.url + "/voice")
        assert requests.get(sim.url + "/sim/calls", timeout=5).status_code == 401
        app_config.update(TWILIO_API_BASE_URL=sim.url, SIMULATOR_CONTROL_TOKEN="s3cret")
        result = request.getfixturevalue("runner").invoke(args=["phone", "--keys", "1"])
        assert result.exit_code == 0, result.output
        assert "Vous avez choisi 1." in result.output
    finally:
        sim.stop()
