"""The recording proxy sends the Twilio account's credentials to Twilio's API only: the same
scheme, host and port as TWILIO_API_BASE_URL (or api.twilio.com), under its path."""

import threading

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from tests.fixtures.console import add_residence


class Recorder:
    """An HTTP server on a free port that keeps each request's Authorization header."""

    def __init__(self):
        self.authorizations = []
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _wsgi(self, environ, start_response):
        self.authorizations.append(environ.get("HTTP_AUTHORIZATION"))
        return Response(b"RIFF", mimetype="audio/x-wav")(environ, start_response)


@pytest.fixture
def recorder():
    server = Recorder()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.thread.join(5)


def fetch(app, admin, url):
    waiting = add_residence(
        app,
        "",
        ["+14185550131"],
        civic="",
        street="",
        city="",
        address_needs_review=True,
        address_recording_url=url,
    )
    return admin.get(f"/staff/residents/{waiting}/recording/address")


@pytest.mark.parametrize(
    "base, path",
    [
        ("http://127.0.0.1", "/rec.wav"),  # the same host on another port
        ("{url}/2010-04-01", "/2010-04-01x/rec.wav"),  # a path that merely starts alike
        ("https://{host}", "/rec.wav"),  # another scheme
    ],
)
def test_no_credentials_for_a_lookalike_url(app_config, request, recorder, base, path):
    app_config["TWILIO_API_BASE_URL"] = base.format(
        url=recorder.url, host=recorder.url.split("//")[1]
    )
    app = request.getfixturevalue("app")
    answer = fetch(app, request.getfixturevalue("admin"), recorder.url + path)
    assert answer.status_code == 200
    assert recorder.authorizations == [None]


def test_no_credentials_for_a_host_that_starts_like_twilio(app, admin, monkeypatch):
    """(No network here: requests.get only records what it was given.)"""
    sent = []

    def get(url, auth=None, timeout=None):
        sent.append(auth)
        raise requests.ConnectionError("not in the tests")

    monkeypatch.setattr(requests, "get", get)
    answer = fetch(app, admin, "https://api.twilio.com.evil.example/2010-04-01/Recordings/RE1")
    assert answer.status_code == 404 and sent == [None]


def test_credentials_for_the_configured_api(app_config, request, recorder):
    app_config["TWILIO_API_BASE_URL"] = recorder.url + "/2010-04-01"
    app = request.getfixturevalue("app")
    answer = fetch(app, request.getfixturevalue("admin"), recorder.url + "/2010-04-01/rec.wav")
    assert answer.status_code == 200 and answer.data == b"RIFF"
    assert recorder.authorizations[0].startswith("Basic ")
