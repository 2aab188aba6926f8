"""Every route of the app, every method, hostile values in the path, the query and the form:
nothing ever answers 500 (nor raises). Twilio's routes are signed with RequestValidator, the
console's are visited signed in as an administrator (CSRF off, to reach the handlers). Run on
PostgreSQL too: NUL bytes and integer overflow fail there where SQLite lets them pass."""

import re
from urllib.parse import quote, unquote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from wtforms.fields.core import UnboundField

from dialer import campaigns, dispatch
from ivr import create_app
from ivr.console import forms
from models import Campaign, StaffUser
from models.passwords import hash_secret
from runtime.db import get_session
from tests.conftest import AUTH_TOKEN, make_test_config
from tests.fixtures.console import PASSWORD, add_residence

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1b[2J",
    "0",
    "-1",
    "1",
    "99999999999",
    "99999999999999999999",
    "-99999999999999999999",
    "1-99999999999999999999",
    "1e309",
    "NaN",
    "x" * 5000,
    "é" * 300,
    "\U0001f4a9" * 20,
    "%",
    "_",
    "%_%",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    '=HYPERLINK("x")',
    "\r\n",
    "https://api.twilio.com.evil.example/x",
    "+14185550101",
    "y",
    "true",
]
"""Values every parameter is tried with."""

TWILIO_FIELDS = [
    "CallSid",
    "AccountSid",
    "From",
    "To",
    "CallStatus",
    "Direction",
    "Digits",
    "FinishedOnKey",
    "SequenceNumber",
    "CallDuration",
    "Duration",
    "AnsweredBy",
    "RecordingUrl",
    "RecordingDuration",
    "RecordingSid",
    "ParentCallSid",
]
QUERY = ["q", "page", "filter", "lang", "template", "timeout", "silences", "next"]


def console_fields() -> list[str]:
    """The field names of every console form (and the CSRF token's)."""
    names = {"csrf_token", "file"}
    for form in vars(forms).values():
        if isinstance(form, type) and issubclass(form, forms.FlaskForm):
            names |= {n for n in dir(form) if isinstance(getattr(form, n, None), UnboundField)}
    return sorted(names)


FIELDS = TWILIO_FIELDS + console_fields()
BASELINE = {
    "CallSid": "CA" + "1" * 32,
    "AccountSid": "AC" + "1" * 32,
    "From": "+14185550123",
    "To": "+14185550001",
    "CallStatus": "in-progress",
    "Digits": "1",
    "title": "Avis",
    "message_fr": "Faites bouillir l'eau.",
    "priority": "normal",
    "rounds": "1",
    "retry_delay_min": "5",
    "ring_timeout_s": "30",
    "cities": "Chicoutimi",
    "last_name": "Tremblay",
    "civic_number": "12",
    "street": "rue Racine",
    "city": "Chicoutimi",
    "postal_code": "G7H 1A1",
    "phone1": "418 555-0150",
    "language": "fr",
    "email": "nouveau@saguenay.ca",
    "role": "operator",
    "number": "+14185550150",
    "lang": "fr",
}
"""Valid values, so that a request reaches past the first check to the one under test."""


def _rules():
    app = create_app(make_test_config("sqlite://", None))
    rules = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rules.append((rule.rule, method))
    return rules


RULES = _rules()
_ARGUMENT = re.compile(r"<(?:([^:<>]+):)?(\w+)>")


@pytest.fixture
def fuzz(db_url, tmp_path, simulator):
    """The app (Twilio: the simulator) with one residence, a launched campaign and a claimed
    call; an admin client."""
    config = make_test_config(
        db_url, tmp_path, WTF_CSRF_ENABLED=False, RQ_SYNC=False, TWILIO_API_BASE_URL=simulator.url
    )
    app = create_app(config)
    residence_id = add_residence(
        app, "Tremblay", ["+14185550101"], address_recording_url="http://127.0.0.1:9/rec.wav"
    )
    with app.app_context():
        session = get_session()
        session.add(
            StaffUser(email="admin@saguenay.ca", password_hash=hash_secret(PASSWORD), role="admin")
        )
        campaign = campaigns.create_campaign(
            session, "t", title="Avis", message_fr="Eau.", target={"all": True}
        )
        campaigns.launch(app, campaign.id, "t")
        job = dispatch.claim(session, session.get(Campaign, campaign.id), lease_s=600)
        session.commit()
    client = app.test_client()
    signed_in = client.post(
        "/staff/login", data={"email": "admin@saguenay.ca", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    yield app, client, {"int": str(residence_id), "token": job.token}
    app.extensions["db_engine"].dispose()


def path_for(rule: str, values: dict) -> str:
    """RULE's path with VALUES for its arguments (quoted); an int must be digits to match, an
    any(...) one of its words."""

    def value(match):
        converter, name = match.group(1) or "", match.group(2)
        text = values[name]
        if converter == "int" and not text.isdigit():
            text = "1"
        elif converter.startswith("any("):
            words = [w.strip() for w in converter[4:-1].split(",")]
            text = text if text in words else words[0]
        return quote(text, safe="")

    return _ARGUMENT.sub(value, rule)


def send(app, client, rule, method, path_values, query, form):
    path = path_for(rule, path_values)
    query_string = urlencode(query)
    headers = {}
    if path.startswith("/voice/"):
        url = (
            app.config["PUBLIC_BASE_URL"]
            + unquote(path)
            + (f"?{query_string}" if query_string else "")
        )
        headers["X-Twilio-Signature"] = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    target = path + (f"?{query_string}" if query_string else "")
    if method == "GET":
        answer = client.get(target, headers=headers)
    else:
        answer = client.open(target, method=method, data=form, headers=headers)
    answer.close()  # a static file's answer holds the file open
    assert answer.status_code < 500, (method, target, form, answer.status_code)


hostile = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=200),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)


@pytest.mark.parametrize("rule, method", RULES, ids=[f"{m} {r}" for r, m in RULES])
def test_no_route_answers_500_to_hostile_values(fuzz, rule, method):
    app, client, real = fuzz
    valid_path = {
        "residence_id": real["int"],
        "campaign_id": "1",
        "user_id": "1",
        "template_id": "1",
        "sector_id": "1",
        "token": real["token"],
        "import_id": "x",
        "filename": "console.css",
        "kind": "address",
        "action": "pause",
    }
    valid_query = {"lang": "fr"}
    for value in HOSTILE:  # each place in turn, every parameter of it hostile
        send(app, client, rule, method, {k: value for k in valid_path}, valid_query, BASELINE)
        send(app, client, rule, method, valid_path, {k: value for k in QUERY}, BASELINE)
        if method != "GET":
            send(app, client, rule, method, valid_path, valid_query, {k: value for k in FIELDS})

    @settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        path=st.fixed_dictionaries({}, optional={k: hostile for k in valid_path}),
        query=st.dictionaries(st.sampled_from(QUERY), hostile, max_size=4),
        form=st.dictionaries(st.sampled_from(FIELDS), hostile, max_size=6),
    )
    def mixed(path, query, form):  # a few hostile values among valid ones
        send(
            app,
            client,
            rule,
            method,
            {**valid_path, **path},
            {**valid_query, **query},
            {**BASELINE, **form} if method != "GET" else {},
        )

    mixed()
