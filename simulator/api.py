"""The HTTP side: Twilio's 2010-04-01 REST API (the part the project uses), then /sim."""

import functools
import hmac
import json
import logging
import re
import threading
import time

import phonenumbers
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from .control import Control
from .errors import TwilioError
from .scenario import ScenarioError

log = logging.getLogger(__name__)

API = "/2010-04-01/Accounts/<account>"
ROUTES = [
    (f"{API}/Calls.json", "calls", {"GET", "POST"}),
    (f"{API}/Calls/<sid>.json", "call", {"GET", "POST", "DELETE"}),
    (f"{API}/Messages.json", "messages", {"GET", "POST"}),
    (f"{API}/Messages/<sid>.json", "message", {"GET"}),
    (f"{API}/Recordings/<sid>", "sim_recording", {"GET"}),
    ("/sim/calls", "sim_calls", {"GET"}),
    ("/sim/calls/<sid>", "sim_call", {"GET"}),
    ("/sim/calls/<sid>/keys", "sim_keys", {"POST"}),
    ("/sim/calls/<sid>/hangup", "sim_hangup", {"POST"}),
    ("/sim/messages", "sim_messages", {"GET", "POST"}),
    ("/sim/scenario", "sim_scenario", {"GET", "PUT"}),
    ("/sim/incoming", "sim_incoming", {"GET", "PUT"}),
    ("/sim/phone/calls", "sim_phone", {"POST"}),
    ("/sim/stats", "sim_stats", {"GET"}),
]
"""(path pattern, endpoint, methods): `<name>` matches one path segment."""

_ROUTES = [
    (re.compile(re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", re.escape(pattern))), endpoint, methods)
    for pattern, endpoint, methods in ROUTES
]


def route(method: str, path: str) -> tuple[str, dict]:
    """The endpoint and path arguments of a request; NotFound or MethodNotAllowed."""
    allowed = set()
    for pattern, endpoint, methods in _ROUTES:
        match = pattern.fullmatch(path)
        if match:
            if method in methods or (method == "HEAD" and "GET" in methods):
                return endpoint, match.groupdict()
            allowed |= methods
    if allowed:
        raise MethodNotAllowed(sorted(allowed))
    raise NotFound()


def _json(data, status=200) -> Response:
    return Response(json.dumps(data), status, mimetype="application/json")


def _phone(value: str, missing: int, invalid: int) -> str:
    """An E.164 number as Twilio takes it ('client:' and 'sip:' addresses pass as they are)."""
    value = (value or "").strip()
    if not value:
        raise TwilioError(missing)
    if value.startswith(("client:", "sip:")):
        return value
    number = _e164(value)
    if number is None:
        raise TwilioError(invalid)
    return number


@functools.lru_cache(maxsize=200_000)
def _e164(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class Api:
    """A WSGI app over the simulator."""

    def __init__(self, sim):
        self.sim = sim
        self.control = Control(sim)
        self.in_flight = 0
        self._count = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        try:
            endpoint, args = route(request.method, request.path)
        except NotFound:
            return TwilioError(20404).response()
        except HTTPException as exc:
            return exc
        if endpoint.startswith("sim_"):
            if not self._control_allowed(request):
                return _json(
                    {
                        "error": "the simulator's control API needs its token: "
                        "Authorization: Bearer <SIMULATOR_CONTROL_TOKEN>"
                    },
                    401,
                )
            try:
                return getattr(self.control, endpoint)(request, **args)
            except ScenarioError as exc:
                return _json({"error": str(exc)}, 400)
            except KeyError:
                return _json({"error": "no such call"}, 404)
        return self.twilio(request, endpoint, args)

    def _control_allowed(self, request: Request) -> bool:
        """/sim/... is open without a token (loopback only), else needs `Bearer <token>`;
        a recording's audio is Twilio's API, public like Twilio's."""
        token = self.sim.control_token
        if not token or request.path.startswith("/2010-04-01/"):
            return True
        scheme, _, given = (request.headers.get("Authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())

    # -- Twilio's API ---------------------------------------------------------------------
    def twilio(self, request, endpoint, args) -> Response:
        scenario = self.sim.scenario
        with self._count:
            self.in_flight += 1
            over = self.in_flight > scenario.max_concurrent_requests
        try:
            if over:
                return TwilioError(20429).response()
            auth = request.authorization
            if (
                auth is None
                or auth.username != self.sim.account_sid
                or auth.password != self.sim.auth_token
                or args.pop("account") != self.sim.account_sid
            ):
                return TwilioError(20003).response()
            if scenario.latency_ms:
                time.sleep(scenario.latency_ms / 1000)
            fault = scenario.api_fault()
            if fault == "error":
                return TwilioError(20500).response()
            hook = self.sim.api_hook
            if hook is not None and hook("before", endpoint, request.method, None) is False:
                return TwilioError(20500).response()  # refused: nothing was done
            try:
                response = getattr(self, endpoint + "_" + request.method.lower())(request, **args)
            except TwilioError as exc:
                response = exc.response()
            if hook is not None:
                hook("after", endpoint, request.method, response)
            if fault == "timeout":
                time.sleep(scenario.timeout_ms / 1000)
            return response
        finally:
            with self._count:
                self.in_flight -= 1

    def calls_post(self, request) -> Response:
        form = request.form
        to = _phone(form.get("To"), 21201, 21211)
        from_ = _phone(form.get("From"), 21213, 21212)
        if not form.get("Url") and not form.get("Twiml") and not form.get("ApplicationSid"):
            raise TwilioError(21205)
        params = {k: v for k, v in form.items()}
        params["To"], params["From"] = to, from_
        events = form.getlist("StatusCallbackEvent")
        events = [e for value in events for e in value.replace(",", " ").split()]
        with self.sim.lock:
            call = self.sim.network.create_outbound(params, events)
            body = call.resource()
        return _json(body, 201)

    def calls_get(self, request) -> Response:
        args = request.args
        with self.sim.lock:
            calls = list(reversed(self.sim.network.order))
            if args.get("To"):
                calls = [c for c in calls if c.to == args["To"]]
            if args.get("From"):
                calls = [c for c in calls if c.from_ == args["From"]]
            if args.get("Status"):
                calls = [c for c in calls if c.status == args["Status"]]
            return _json(self._page(request, "calls", [c.resource() for c in calls]))

    def _page(self, request, key, items) -> dict:
        size = min(max(int(request.args.get("PageSize", 50)), 1), 1000)
        page = max(int(request.args.get("Page", 0)), 0)
        start = page * size
        chunk = items[start : start + size]
        base = request.path

        def uri(n):
            return f"{base}?PageSize={size}&Page={n}"

        return {
            key: chunk,
            "end": start + max(len(chunk) - 1, 0),
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1) if start + size < len(items) else None,
            "page": page,
            "page_size": size,
            "previous_page_uri": uri(page - 1) if page > 0 else None,
            "start": start,
            "uri": uri(page),
        }

    def _call(self, sid):
        call = self.sim.network.calls.get(sid)
        if call is None:
            raise TwilioError(20404, f"The requested resource /Calls/{sid}.json was not found")
        return call

    def call_get(self, request, sid) -> Response:
        with self.sim.lock:
            return _json(self._call(sid).resource())

    def call_post(self, request, sid) -> Response:
        form = request.form
        with self.sim.lock:
            call = self._call(sid)
            if form.get("StatusCallback"):
                call.params["StatusCallback"] = form["StatusCallback"]
                call.params["StatusCallbackMethod"] = form.get("StatusCallbackMethod", "POST")
            if form.get("Url") or form.get("Twiml"):
                if call.final:
                    raise TwilioError(21220)
                self.sim.network.redirect(
                    call, form.get("Url"), form.get("Method", "POST"), form.get("Twiml")
                )
            status = form.get("Status")
            if status:
                if status not in ("canceled", "completed"):
                    raise TwilioError(20001, f"Invalid Status {status!r}")
                self.sim.network.cancel_or_hang_up(call, status)
            return _json(call.resource())

    def call_delete(self, request, sid) -> Response:
        with self.sim.lock:
            call = self._call(sid)
            if not call.final:
                raise TwilioError(20009, "Cannot delete a call that is not completed")
            self.sim.network.calls.pop(sid)
        return Response(status=204)

    def messages_post(self, request) -> Response:
        """Create a Message (the OpenAPI's CreateMessage: To, From or MessagingServiceSid,
        Body or MediaUrl, StatusCallback)."""
        form = request.form
        to = _phone(form.get("To"), 21604, 21211)
        from_ = form.get("From") or form.get("MessagingServiceSid")
        if not from_:
            raise TwilioError(21603)
        if not form.get("Body") and not form.get("MediaUrl"):
            raise TwilioError(21602)
        if len(form.get("Body", "")) > 1600:
            raise TwilioError(21617)
        with self.sim.lock:
            message = self.sim.send_message(
                from_, to, form.get("Body", ""), form.get("StatusCallback")
            )
            return _json(self.sim.message_resource(message), 201)

    def messages_get(self, request) -> Response:
        """List Messages, newest first, filtered by To, From and DateSent (a day) as the
        OpenAPI's ListMessage does."""
        args = request.args
        with self.sim.lock:
            messages = list(reversed(self.sim.message_log))
            if args.get("To"):
                messages = [m for m in messages if m["to"] == args["To"]]
            if args.get("From"):
                messages = [m for m in messages if m["from"] == args["From"]]
            items = [self.sim.message_resource(m) for m in messages]
        return _json(self._page(request, "messages", items))

    def message_get(self, request, sid) -> Response:
        sid = sid.rsplit(".", 1)[0] if sid.endswith(".json") else sid
        with self.sim.lock:
            message = self.sim.sms.by_sid.get(sid)
            if message is not None:
                return _json(self.sim.message_resource(message))
        raise TwilioError(20404, f"The requested resource /Messages/{sid}.json was not found")
