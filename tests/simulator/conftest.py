"""A small TwiML app of the tests' own, served on a real port, that logs what it receives."""

import copy
import json
import threading

import pytest
from flask import Flask, request
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from werkzeug.serving import make_server

from tests.conftest import ACCOUNT_SID, AUTH_TOKEN


class TwimlApp:
    """Routes answer with a handler(form) -> VoiceResponse; every request is kept in `hits`."""

    def __init__(self):
        self.flask = Flask("twiml_test_app")
        self.handlers = {}
        self.hits: list[dict] = []
        self.lock = threading.Lock()
        self.validator = RequestValidator(AUTH_TOKEN)
        self.flask.add_url_rule("/<path:path>", "any", self._any, methods=["GET", "POST"])
        self.server = make_server("127.0.0.1", 0, self.flask, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def route(self, path, handler):
        self.handlers["/" + path.lstrip("/")] = handler
        return self.url + "/" + path.lstrip("/")

    def _any(self, path):
        path = "/" + path
        form = (
            request.form.to_dict(flat=True)
            if request.method == "POST"
            else request.args.to_dict(flat=True)
        )
        url = self.url + (request.full_path if request.query_string else request.path)
        signed = self.validator.validate(
            url,
            form if request.method == "POST" else {},
            request.headers.get("X-Twilio-Signature", ""),
        )
        hit = {
            "path": path,
            "method": request.method,
            "form": form,
            "signed": signed,
            "content_type": request.content_type,
        }
        with self.lock:
            self.hits.append(hit)
        handler = self.handlers.get(path)
        if handler is None:
            return "", 204
        result = handler(form)
        if isinstance(result, tuple):
            return result
        return str(result), 200, {"Content-Type": "text/xml"}

    def to(self, path) -> list[dict]:
        with self.lock:
            return [h for h in self.hits if h["path"] == "/" + path.lstrip("/")]

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def twiml_app():
    app = TwimlApp()
    yield app
    app.stop()


SPEC_PATH = "/work/shared/twilio/twilio_api_v2010.json"


@pytest.fixture(scope="session")
def twilio_spec():
    """Twilio's own description of the 2010-04-01 API, read where the team keeps it."""
    with open(SPEC_PATH) as f:
        return json.load(f)


def make_twilio(sim, timeout=10.0, password=AUTH_TOKEN) -> Client:
    """The official client pointed at the simulator; `.exchanges` keeps requests.Responses."""
    http = TwilioHttpClient(timeout=timeout)
    exchanges = []
    http.session.hooks["response"].append(lambda response, *a, **k: exchanges.append(response))
    client = Client(ACCOUNT_SID, password, http_client=http)
    client.api.base_url = sim.url
    client.exchanges = exchanges
    return client


@pytest.fixture
def twilio(simulator) -> Client:
    """The official Twilio client, pointed at the simulator."""
    return make_twilio(simulator)


@pytest.fixture(scope="session")
def openapi(twilio_spec):
    """Twilio's OpenAPI description, its server (api.twilio.com) moved to 127.0.0.1:{port}."""
    spec = copy.deepcopy(twilio_spec)
    local = [{"url": "http://127.0.0.1:{port}", "variables": {"port": {"default": "80"}}}]
    spec["servers"] = local
    for item in spec["paths"].values():
        if "servers" in item:
            item["servers"] = local
    return OpenAPI.from_dict(spec)


def check_exchange(openapi, response):
    """Validate one request the official client sent, and the simulator's answer to it."""
    request = RequestsOpenAPIRequest(response.request)
    openapi.validate_request(request)
    openapi.validate_response(request, RequestsOpenAPIResponse(response))
