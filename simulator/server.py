"""The Simulator: its clock, network, HTTP server and the handles tests and `ivr` use.

It holds its own credentials, never a production account's (`start_for_app` and `ivr simulator`
refuse a real account), and its control API (/sim/...) asks for CONTROL_TOKEN when it listens
beyond the loopback interface.
"""

import ipaddress
import logging
import statistics
import threading
import time
from urllib.parse import urlsplit

from runtime import urls

from .api import Api
from .clock import Scheduler
from .httpserver import KeepAliveServer
from .messages import Messages
from .network import Network
from .scenario import Scenario
from .webhook import Webhooks

log = logging.getLogger(__name__)


class SimulatorRefused(RuntimeError):
    """The simulator will not run so: a real account, production, or open control."""


def is_loopback(host: str) -> bool:
    """HOST names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def refuse_real_account(config) -> None:
    """SimulatorRefused in production or with a real Twilio account configured: the simulator
    would sign its webhooks with that account's auth token."""
    if config.get("ENV_NAME") == "production":
        raise SimulatorRefused("the carrier simulator never runs in production (IVR_ENV)")
    if not config.get("USE_SIMULATOR"):
        raise SimulatorRefused(
            "a Twilio account is configured (TWILIO_ACCOUNT_SID): the simulator never holds "
            "its auth token; unset TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to use it"
        )


class Simulator:
    """Twilio's REST API and the phone network, served on host:port (0 = a free port)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        scenario: dict | None = None,
        time_scale: float = 1.0,
        cps: float = 1.0,
        host: str = "127.0.0.1",
        port: int = 0,
        control_token: str | None = None,
        mps: float | None = None,
    ):
        if time_scale <= 0 or cps <= 0 or (mps is not None and mps <= 0):
            raise ValueError("time_scale, cps and mps must be positive")
        if not is_loopback(host) and not control_token:
            raise SimulatorRefused(
                f"the simulator listens on {host}, beyond this machine: its control API "
                "(/sim/...) needs a token, set SIMULATOR_CONTROL_TOKEN"
            )
        self.account_sid, self.auth_token = account_sid, auth_token
        self.control_token = control_token or None
        self.time_scale, self.cps = float(time_scale), float(cps)
        self.host, self.port = host, port
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.clock = Scheduler(self.lock)
        self.webhooks = Webhooks(auth_token)
        self.scenario = Scenario(scenario)
        self.incoming: dict[str, tuple[str, str]] = {}
        self.incoming_status: dict[str, str] = {}
        self.network = Network(self)
        self.sms = Messages(self, mps if mps is not None else cps)
        self.api_hook = None
        """In-process tests only: `hook(phase, endpoint, method, response)` runs in the request's
        thread "before" a Twilio API request is carried out (returning False refuses it with
        a 500, nothing done) and "after" (the response not yet sent): a test can hold the
        request there, or stop a client at that exact point of a call's life."""
        self.url = None
        self._server = None
        self._thread = None

    # -- life -----------------------------------------------------------------------------
    def start(self) -> "Simulator":
        self._server = KeepAliveServer(self.host, self.port, Api(self))
        self.port = self._server.server_port
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="sim-http", daemon=True
        )
        self._thread.start()
        self.clock.start()
        log.info(
            "carrier simulator on %s (cps %s, mps %s, time scale %s)",
            self.url,
            self.cps,
            self.sms.mps,
            self.time_scale,
        )
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
        self.clock.stop()
        self.webhooks.close()

    def serve_forever(self):
        """Block until interrupted (for `ivr simulator`)."""
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass

    # -- set-up ---------------------------------------------------------------------------
    def set_scenario(self, data: dict):
        """Replace the scenario (ScenarioError when invalid, keeping the old one)."""
        scenario = Scenario(data)
        with self.lock:
            self.scenario = scenario

    def set_incoming_url(
        self, number: str, voice_url: str, method: str = "POST", status_callback: str | None = None
    ):
        """Where a call to one of the account's numbers goes (its Voice URL), and the
        number's status callback (`completed` only, as Twilio sends for inbound calls)."""
        with self.lock:
            self.incoming[number] = (voice_url, method)
            if status_callback:
                self.incoming_status[number] = status_callback
            else:
                self.incoming_status.pop(number, None)

    # -- calls ----------------------------------------------------------------------------
    def place_call(
        self, from_: str, to: str, keys: list[str] | None = None, interactive: bool = False
    ) -> str:
        """A resident's phone calls `to`; keys go to successive <Gather>s ('-' = silence)."""
        with self.lock:
            return self.network.place_inbound(from_, to, keys, interactive).sid

    def wait_for_call(self, sid: str, timeout: float = 30) -> dict:
        """Block until the call has ended and its callbacks are out; its record."""
        with self.changed:
            call = self.network.calls[sid]
            done = self.changed.wait_for(
                lambda: call.final and not call.sending and not call.outbox, timeout
            )
            if not done:
                raise TimeoutError(f"call {sid} still {call.status} after {timeout} s")
            return call.record()

    def wait_idle(self, timeout: float = 60):
        """Block until no call is queued, ringing or live and every callback is out."""
        with self.changed:
            if not self.changed.wait_for(lambda: not self.network.busy(), timeout):
                live = sum(not c.final for c in self.network.order)
                raise TimeoutError(f"simulator still busy after {timeout} s ({live} calls live)")

    def calls(self) -> list[dict]:
        with self.lock:
            return [c.record() for c in self.network.order]

    def call(self, sid: str) -> dict:
        with self.lock:
            return self.network.calls[sid].record()

    # -- messages -------------------------------------------------------------------------
    @property
    def mps(self) -> float:
        return self.sms.mps

    @property
    def message_log(self) -> list[dict]:
        return self.sms.log

    def set_incoming_sms_url(self, number: str, url: str | None) -> None:
        """Where a text to one of the account's numbers goes (its Messaging webhook)."""
        with self.lock:
            if url:
                self.sms.incoming[number] = url
            else:
                self.sms.incoming.pop(number, None)

    def send_message(self, from_, to, body, status_callback=None) -> dict:
        """An outbound message (the REST API's create); TwilioError 21610 if opted out."""
        return self.sms.create(from_, to, body, status_callback)

    def receive_message(self, from_: str, to: str, body: str) -> dict:
        """A resident texts TO: posted to its Messaging webhook; the replies sent back."""
        return self.sms.receive(from_, to, body)

    def messages_pending(self) -> bool:
        return self.sms.pending()

    def message_resource(self, m: dict) -> dict:
        return self.sms.resource(m)

    def messages(self) -> list[dict]:
        with self.lock:
            return [self.sms.record(m) for m in self.sms.log]

    # -- health ---------------------------------------------------------------------------
    def stats(self) -> dict:
        """How far the clock runs behind (ms) and how fast calls left the queue."""
        lags = sorted(self.clock.lags)
        with self.lock:
            dialled = sorted(
                c.dialled_at
                for c in self.network.order
                if c.dialled_at is not None and c.direction == "outbound-api"
            )
            live = sum(not c.final for c in self.network.order)
        span = dialled[-1] - dialled[0] if len(dialled) > 1 else 0.0

        def pct(p):
            return round(lags[min(len(lags) - 1, int(p * len(lags)))] * 1000, 3) if lags else 0

        return {
            "events": len(lags),
            "lag_ms_p50": pct(0.50),
            "lag_ms_p99": pct(0.99),
            "lag_ms_max": round(lags[-1] * 1000, 3) if lags else 0,
            "lag_ms_mean": round(statistics.fmean(lags) * 1000, 3) if lags else 0,
            "calls": len(self.network.order),
            "live": live,
            "dialled": len(dialled),
            "cps_limit": self.cps,
            "cps_achieved": round((len(dialled) - 1) / span, 2) if span else None,
            "mps_limit": self.sms.mps,
            "scheduled": self.clock.pending(),
        }


def start_for_app(app, scenario: dict | None = None, time_scale: float = 1.0) -> Simulator:
    """The simulator `ivr run` starts: where TWILIO_API_BASE_URL points, with the simulated
    account's credentials (never a real account's: SimulatorRefused), playing SCENARIO
    (default: every number answers in person) with its durations scaled by TIME_SCALE."""
    config = app.config
    refuse_real_account(config)
    parts = urlsplit(config["TWILIO_API_BASE_URL"])
    sim = Simulator(
        config["TWILIO_ACCOUNT_SID"],
        config["TWILIO_AUTH_TOKEN"],
        scenario,
        time_scale=time_scale,
        cps=float(config["DIALER_CPS"]),
        mps=float(config["DIALER_MPS"]),
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 80,
        control_token=config.get("SIMULATOR_CONTROL_TOKEN") or None,
    )
    sim.set_incoming_url(config["HOTLINE_NUMBER"], urls.incoming(config))
    for number in {config["HOTLINE_NUMBER"], config["TWILIO_CALLER_ID"]} - {""}:
        sim.set_incoming_sms_url(number, urls.sms_incoming(config))
    return sim.start()
