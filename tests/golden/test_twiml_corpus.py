"""The TwiML of scripted hotline and alert-call exchanges, compared exactly with a recorded corpus.

Each scenario plays signed webhook requests (and notes what the app asked of Twilio's REST API)
and must answer byte for byte what tests/golden/corpus/<scenario>.txt holds: a move or a
refactoring changes no call. Opaque tokens are written as {token}; a drawn temporary password
is made predictable. After a deliberate change of what callers hear, re-record with
`GOLDEN_RECORD=1 .venv/bin/pytest tests/golden` and review the diff.
"""

import json
import logging
import os
import secrets
from pathlib import Path

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from dialer import campaigns, dispatch
from dialer.calls import place_call
from models import OutboxJob
from tests.fixtures.dialer import add_residence as add_dialer_residence
from tests.fixtures.hotline import add_addresses, add_residence

CORPUS = Path(__file__).parent / "corpus"
RECORD = os.environ.get("GOLDEN_RECORD") == "1"


class RestRecorder(HttpClient):
    """Twilio's REST API as far as the app can tell: every request noted, each one a success."""

    def __init__(self, log):
        super().__init__(logging.getLogger(__name__), False)
        self.log = log

    def request(
        self,
        method,
        url,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ):
        self.log.append(
            f"REST {method} {url.split('/Accounts/')[-1]} "
            + json.dumps(dict(sorted((data or {}).items())), ensure_ascii=False)
        )
        return Response(200, json.dumps({"sid": "CA" + "f" * 32, "status": "queued"}))


class Exchange:
    """Signed posts to the app, each answer written to the transcript."""

    def __init__(self, app, client):
        self.app, self.client = app, client
        self.lines: list[str] = []
        self.tokens: dict[str, str] = {}
        self.validator = RequestValidator(app.config["TWILIO_AUTH_TOKEN"])
        rest = Client(
            app.config["TWILIO_ACCOUNT_SID"],
            app.config["TWILIO_AUTH_TOKEN"],
            http_client=RestRecorder(self.lines),
        )
        rest.api.base_url = "https://api.twilio.test"
        app.extensions["twilio"] = app.extensions["dialer_twilio"] = rest

    def name(self, token: str, label: str) -> str:
        self.tokens[token] = label
        return token

    def post(self, path: str, query: str = "", **form) -> str:
        form = {"AccountSid": "AC" + "1" * 32, "CallStatus": "in-progress", **form}
        target = path + (f"?{query}" if query else "")
        url = self.app.config["PUBLIC_BASE_URL"] + target
        response = self.client.post(
            target,
            data=form,
            headers={"X-Twilio-Signature": self.validator.compute_signature(url, form)},
        )
        body = response.get_data(as_text=True)
        shown = {k: v for k, v in form.items() if k not in ("AccountSid",)}
        self.lines.append(f">>> POST {self.hide(target)} {json.dumps(shown, ensure_ascii=False)}")
        self.lines.append(f"<<< {response.status_code} {self.hide(body)}")
        return body

    def hide(self, text: str) -> str:
        for token, label in self.tokens.items():
            text = text.replace(token, "{" + label + "}")
        return text

    def compare(self, scenario: str) -> None:
        text = self.hide("\n".join(self.lines)) + "\n"
        path = CORPUS / f"{scenario}.txt"
        if RECORD:
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no recorded corpus for {scenario}: run with GOLDEN_RECORD=1"
        assert text == path.read_text(encoding="utf-8")


class HotlineCall:
    def __init__(self, exchange: Exchange, from_: str, sid: str):
        self.x, self.from_, self.sid = exchange, from_, sid

    def _post(self, path, query="", **params):
        return self.x.post(
            path,
            query,
            CallSid=self.sid,
            From=self.from_,
            To=self.x.app.config["HOTLINE_NUMBER"],
            Direction="inbound",
            **params,
        )

    def keys(self, *tokens):
        """`ivr phone --keys` tokens: digits (a prompt's entry), '-' silence, 'REC' a recording."""
        for token in tokens:
            if token == "DIAL":
                self._post("/voice/incoming")
            elif token == "-":
                self._post("/voice/hotline", query="timeout=1")
            elif token == "REC":
                self._post(
                    "/voice/hotline",
                    RecordingUrl="https://api.twilio.com/rec/RE1",
                    RecordingDuration="4",
                    Digits="#",
                )
            else:
                self._post("/voice/hotline", Digits=token, FinishedOnKey="#")
        return self


def _callback_token(app, session, func: str) -> str:
    session.expire_all()
    job = session.scalars(
        select(OutboxJob).where(OutboxJob.func.endswith(func)).order_by(OutboxJob.id.desc())
    ).first()
    assert job is not None, func
    return URLSafeSerializer(app.config["SECRET_KEY"], salt="hotline-callback").dumps(job.args[0])


@pytest.fixture
def exchange(app, client, monkeypatch):
    draws = iter("135792468024" * 10)
    monkeypatch.setattr(secrets, "choice", lambda _seq: next(draws))
    return Exchange(app, client)


HOTLINE = {
    # a new caller: language menu with silence, a wrong key, 9, then the whole registration
    "hotline_register_fr": (
        "+14185550123",
        [
            "DIAL",
            "-",
            "7",
            "1",
            "9",
            "3",
            "1",
            "-",
            "1",
            "1234",
            "",
            "REC",
            "REC",
            "12",
            "482916",
            "111111",
            "482916",
            "482916",
        ],
    ),
    "hotline_register_en_registry": (
        "+15815550177",
        ["DIAL", "2", "1", "1", "120", "", "RA", "*", "", "BOU", "1", "REC", "739164", "739164"],
    ),
    "hotline_silences_hang_up": ("+14185550124", ["DIAL", "-", "-", "-", "-", "-", "-"]),
    "hotline_wrong_keys_hang_up": ("+14185550125", ["DIAL", "8", "2", "5", "6", "7"]),
    "hotline_registered_account": (
        "+14185550188",
        [
            "DIAL",
            "111222",
            "258036",
            "9",
            "7",
            "1",
            "1",
            "3",
            "4",
            "2",
            "*",
            "5",
            "2",
            "2",
            "12",
            "654321",
            "654321",
            "0",
            "-",
            "-",
            "-",
        ],
    ),
    "hotline_registered_unregisters": ("+14185550188", ["DIAL", "258036", "5", "1"]),
    "hotline_locked_out": (
        "+14185550188",
        ["DIAL", "111111", "222222", "333333", "444444", "555555", "666666"],
    ),
    "hotline_keyed_number": (
        "anonymous",
        [
            "DIAL",
            "1",
            "12",
            "4185550166",
            "2",
            "4185550166",
            "1",
            "1",
            "1",
            "12",
            "",
            "REC",
            "-",
            "-",
            "739164",
            "739164",
        ],
    ),
    "hotline_forgotten_password": ("+14185550188", ["DIAL", "*"]),
    "hotline_expired_state": ("+14185550123", ["9"]),
}


@pytest.mark.parametrize("scenario", sorted(HOTLINE))
def test_hotline_corpus(scenario, exchange, app, session):
    from_, tokens = HOTLINE[scenario]
    if scenario == "hotline_register_en_registry":
        add_addresses(
            session,
            [
                ("120", street, "CHICOUTIMI")
                for street in (
                    "rue Racine Est",
                    "boulevard Talbot",
                    "rue Bagot",
                    "rue Victoria",
                    "boulevard Harvey",
                    "rue Albert",
                    "rue Riverin",
                )
            ],
        )
    if from_ == "+14185550188":
        add_residence(session, language="en" if scenario.endswith("account") else "fr")
    HotlineCall(exchange, from_, "CA" + "a" * 32).keys(*tokens)
    if scenario == "hotline_keyed_number":
        token = exchange.name(_callback_token(app, session, ".verify_number"), "token")
        answerer = HotlineCall(exchange, "+14185550000", "CA" + "b" * 32)
        answerer._post(f"/voice/callback/{token}")
        answerer._post(f"/voice/callback/{token}/answer", query="timeout=1")
        answerer._post(f"/voice/callback/{token}/answer", Digits="3")
        answerer._post(f"/voice/callback/{token}/answer", Digits="1")
        answerer._post(f"/voice/callback/{token}")
        answerer._post("/voice/callback/not-a-token")
    if scenario == "hotline_forgotten_password":
        token = exchange.name(_callback_token(app, session, ".password_reset"), "token")
        answerer = HotlineCall(exchange, "+14185550001", "CA" + "b" * 32)
        answerer._post(f"/voice/callback/{token}")
        HotlineCall(exchange, "+14185550188", "CA" + "c" * 32).keys("DIAL", "135792", "1")
    exchange.compare(scenario)


def test_hotline_corpus_with_a_staff_line(app_config, request):
    app_config["STAFF_TRANSFER_NUMBER"] = "+14186983200"
    app = request.getfixturevalue("app")
    exchange = request.getfixturevalue("exchange")
    session = request.getfixturevalue("session")
    HotlineCall(exchange, "+14185550123", "CA" + "a" * 32).keys("DIAL", "1", "0")
    HotlineCall(exchange, "+14185550124", "CA" + "d" * 32).keys("DIAL", "1", "4", "4", "4", "4")
    add_residence(session)
    HotlineCall(exchange, "+14185550188", "CA" + "e" * 32).keys(
        "DIAL", "1", "2", "3", "4", "5", "6"
    )
    assert app.config["STAFF_TRANSFER_NUMBER"]
    exchange.compare("hotline_staff_line")


ALERTS = {
    "alert_fr_confirm": (
        {"language": "fr"},
        [
            ("", {}),
            ("/keys", {"query": "timeout=true"}),
            ("/keys", {"Digits": "3"}),
            ("/keys", {"Digits": "1"}),
            ("/keys", {"Digits": "2"}),
        ],
    ),
    "alert_en_silences": (
        {"language": "en"},
        [
            ("", {}),
            ("/keys", {"query": "silences=0&timeout=true"}),
            ("/keys", {"query": "silences=1&timeout=true"}),
            ("/keys", {"query": "silences=1"}),
        ],
    ),
    "alert_no_confirmation": (
        {"language": "fr", "ask_confirmation": False},
        [("", {}), ("/keys", {"Digits": "2"}), ("/keys", {"Digits": "1"})],
    ),
    "alert_recording_and_voicemail": (
        {"language": "en", "audio_url_en": "https://ville.example/en.mp3"},
        [("", {}), ("/voicemail", {}), ("/keys", {"Digits": "2"})],
    ),
    "alert_french_only": ({"language": "en", "message_en": ""}, [("", {}), ("/voicemail", {})]),
}


def _alert(app, session, exchange, language="fr", **fields):
    add_dialer_residence(session, ["+14185550101", "+14185550102"], language=language)
    fields.setdefault("title", "Avis")
    fields.setdefault("message_fr", "Faites bouillir l'eau.")
    fields.setdefault("message_en", "Boil your water.")
    fields.setdefault("target", {"all": True})
    campaign = campaigns.create_campaign(session, "t", **fields)
    campaigns.launch(app, campaign.id, "t")
    return dispatch.claim(session, campaign, lease_s=60)


@pytest.mark.parametrize("scenario", sorted(ALERTS))
def test_alert_call_corpus(scenario, exchange, app, session):
    fields, steps = ALERTS[scenario]
    job = _alert(app, session, exchange, **fields)
    token = exchange.name(job.token, "token")
    for path, params in steps:
        params = dict(params)
        query = params.pop("query", "")
        query = f"lang={job.language}" + (f"&{query}" if query else "")
        exchange.post(f"/voice/alert/{token}{path}", query, CallSid="CA" + "1" * 32, **params)
    exchange.compare(scenario)


def test_alert_call_corpus_unknown_token_and_bad_language(exchange, app, session):
    _alert(app, session, exchange)
    for path in ("", "/keys", "/voicemail"):
        exchange.post(f"/voice/alert/not-a-token{path}", "lang=en", CallSid="CA" + "1" * 32)
    exchange.post("/voice/alert/not-a-token", "lang=xx", CallSid="CA" + "1" * 32)
    exchange.compare("alert_unknown_token")


@pytest.mark.parametrize(
    "answered_by, voicemail",
    [
        ("machine_end_beep", True),
        ("machine_end_silence", False),
        ("fax", True),
        ("human", True),
        ("machine_start", True),
    ],
)
def test_alert_call_corpus_amd(answered_by, voicemail, exchange, app, session):
    job = _alert(app, session, exchange, language="en", leave_voicemail=voicemail)
    token = exchange.name(job.token, "token")
    place_call(app, token, job.to, job.language, 30)
    for _ in range(2):  # the second verdict is ignored
        exchange.post(
            f"/voice/amd/alert/{token}",
            f"lang={job.language}",
            CallSid="CA" + "1" * 32,
            AnsweredBy=answered_by,
        )
    exchange.post(
        f"/voice/status/alert/{token}",
        "",
        CallSid="CA" + "1" * 32,
        CallStatus="completed",
        SequenceNumber="4",
        CallDuration="20",
    )
    exchange.compare(f"alert_amd_{answered_by}_{'voicemail' if voicemail else 'no_voicemail'}")


def test_every_recorded_scenario_is_played():
    """A scenario dropped from this file would leave its recording unchecked."""
    played = (
        set(HOTLINE)
        | set(ALERTS)
        | {"hotline_staff_line", "alert_unknown_token"}
        | {
            f"alert_amd_{a}_{'voicemail' if v else 'no_voicemail'}"
            for a, v in [
                ("machine_end_beep", True),
                ("machine_end_silence", False),
                ("fax", True),
                ("human", True),
                ("machine_start", True),
            ]
        }
    )
    assert {p.stem for p in CORPUS.glob("*.txt")} == played
