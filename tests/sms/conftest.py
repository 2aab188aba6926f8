"""SMS tests: the app served live behind a simulator with its own MPS limit."""

import pytest

from simulator import Simulator
from tests.fixtures.simulator import Stack

CPS, MPS = 20, 5


@pytest.fixture
def app_config(app_config):
    app_config.update(
        DIALER_CPS=CPS,
        DIALER_MPS=MPS,
        DIALER_THREADS=8,
        DIALER_POLL_INTERVAL_S=0.05,
        DIALER_RECONCILE_INTERVAL_S=0.3,
        DIALER_AMD_GRACE_S=1.0,
        DIALER_FINAL_CALLBACK_GRACE_S=2.0,
        DIALER_AMBIGUOUS_WAIT_S=1.0,
        DIALER_CLAIM_LEASE_S=8.0,
        DIALER_HTTP_TIMEOUT_S=5.0,
        DIALER_FINAL_CALLBACK_AFTER_S=3.0,
        DIALER_SMS_FINAL_GRACE_S=3.0,
    )
    return app_config


@pytest.fixture
def simulator():
    from tests.conftest import ACCOUNT_SID, AUTH_TOKEN

    sim = Simulator(ACCOUNT_SID, AUTH_TOKEN, time_scale=0.05, cps=CPS, mps=MPS).start()
    yield sim
    sim.stop()


@pytest.fixture
def sms_stack(request, simulator, app_config):
    """The app live; the simulator rings the hotline and posts texts to /sms/incoming."""
    app_config["TWILIO_API_BASE_URL"] = simulator.url
    live = request.getfixturevalue("live_app")
    simulator.set_incoming_url(app_config["HOTLINE_NUMBER"], live.url + "/voice/incoming")
    simulator.set_incoming_sms_url(app_config["TWILIO_CALLER_ID"], live.url + "/sms/incoming")
    return Stack(sim=simulator, live=live)
