"""The phone network and Twilio's call engine: pacing, ringing, answers, AMD, status callbacks.

Everything here runs holding the simulator's lock: on the clock thread, on an API thread,
or on the webhook thread that brought an answer back (through `clock.run`).
"""

import gc
import logging
import math
import threading
import time
from collections import deque

from . import defaults
from .call import Call, rfc2822
from .callbacks import Callbacks
from .twiml import APPLICATION_ERROR, truthy
from .verbs import Interpreter

log = logging.getLogger(__name__)


class Network(Callbacks):
    """Calls from request to hang-up, as Twilio and the callee's phone would make them happen."""

    def __init__(self, sim):
        self.sim = sim
        self.clock = sim.clock
        self.calls: dict[str, Call] = {}
        self.order: list[Call] = []
        self.active: set[str] = set()  # calls live, or with callbacks still to send
        self.last_slot = 0.0
        self.settled = 0
        self.interpreter = Interpreter(self)
        self.clock.on_error = self._event_failed

    # -- time ---------------------------------------------------------------------------
    def real(self, sim_seconds: float) -> float:
        return sim_seconds * self.sim.time_scale

    def later(self, sim_seconds: float, fn, *args) -> list:
        return self.clock.at(self.clock_now() + self.real(sim_seconds), fn, *args)

    def clock_now(self) -> float:
        """The current instant: the running event's due time, or now for other threads."""
        if threading.current_thread() is self.clock.thread:
            return self.clock.now
        return time.monotonic()

    # -- outbound calls -------------------------------------------------------------------
    def create_outbound(self, params: dict, events: list[str]) -> Call:
        """A call from the REST API: queued, then dialled when the account's CPS allows."""
        call = Call(
            self.sim.account_sid,
            "outbound-api",
            params["From"],
            params["To"],
            params,
            time.monotonic(),
        )
        call.events = events
        self._register(call, params["To"])
        slot = max(call.requested_at, self.last_slot + 1.0 / self.sim.cps)
        self.last_slot = slot
        self.clock.at(slot, self._dial, call)
        return call

    def _register(self, call: Call, callee: str):
        spec, turn = self.sim.scenario.behaviour(callee)
        call.spec, call.turn = spec, turn
        call.rng = self.sim.scenario.callback_rng(callee, turn)
        call.key_tokens = [str(k) for k in spec.get("keys", [])]
        call.outbox = deque()
        call.sending = False
        call.held = None
        self.calls[call.sid] = call
        self.order.append(call)
        self.active.add(call.sid)

    def _dial(self, call: Call):
        if call.final:
            return
        now = self.clock_now()
        call.dialled_at = call.updated_at = now
        self.status_event(call, "initiated")
        answer = call.spec["answer"]
        if answer == "failed":
            self.later(defaults.FAILED_S, self.end, call, "failed")
            return
        call.status = "ringing"
        self.status_event(call, "ringing")
        if answer == "busy":
            self.later(defaults.BUSY_S, self.end, call, "busy")
            return
        timeout = _number(call.params.get("Timeout"), 60)
        timeout = min(max(timeout, 5), 600)
        ring = float(call.spec.get("ring_s", defaults.RING_S.get(answer, 5.0)))
        if answer == "no-answer" or ring > timeout:
            self.later(timeout, self.end, call, "no-answer")
        else:
            self.later(ring, self._answer, call)

    def _answer(self, call: Call):
        if call.final:
            return
        now = self.clock_now()
        call.status, call.answered_at, call.updated_at = "in-progress", now, now
        answer = call.spec["answer"]
        if answer == "voicemail":
            greeting = float(call.spec.get("greeting_s", defaults.GREETING_S))
            call.greeting_end = now + self.real(greeting)
        if "hangup_after_s" in call.spec:
            self.later(float(call.spec["hangup_after_s"]), self.end, call, "completed")
        call.time_limit = self.later(
            _number(call.params.get("TimeLimit"), defaults.TIME_LIMIT_S),
            self.end,
            call,
            "completed",
        )
        self.status_event(call, "answered")
        detection = call.params.get("MachineDetection")
        if detection not in ("Enable", "DetectMessageEnd"):
            self.start_twiml(call)
            return
        answered_by, after = self.amd_result(call, detection)
        if truthy(call.params.get("AsyncAmd")):
            self.start_twiml(call)
            self.later(after, self._amd_done, call, answered_by, after)
        else:
            self.later(after, self._amd_sync, call, answered_by)

    def amd_result(self, call: Call, detection: str) -> tuple[str, float]:
        """What AMD decides for this callee, and after how many simulated seconds."""
        answer = call.spec["answer"]
        limit = _number(call.params.get("MachineDetectionTimeout"), 30)
        if answer == "human":
            return "human", min(defaults.HUMAN_AMD_S, limit)
        if answer == "fax":
            return "fax", min(2.0, limit)
        if answer == "unknown":
            return "unknown", limit
        if detection == "Enable":
            return "machine_start", min(defaults.MACHINE_START_S, limit)
        greeting = float(call.spec.get("greeting_s", defaults.GREETING_S))
        if greeting + 0.5 > limit:
            return "unknown", limit
        end = call.spec.get("greeting_end", "beep")
        return f"machine_end_{end}", greeting + 0.5

    def _amd_sync(self, call: Call, answered_by: str):
        if call.final:
            return
        call.answered_by = answered_by
        self.start_twiml(call)

    def _amd_done(self, call: Call, answered_by: str, after: float):
        if call.final:
            return
        call.answered_by = answered_by
        url = call.params.get("AsyncAmdStatusCallback")
        if url:
            params = {
                **self.base_params(call),
                "AnsweredBy": answered_by,
                "MachineDetectionDuration": str(int(after * 1000)),
            }
            params.pop("CallStatus", None)
            self.queue_callback(
                call, "amd", url, call.params.get("AsyncAmdStatusCallbackMethod", "POST"), params
            )

    def start_twiml(self, call: Call):
        """Run the call's first document: inline Twiml, or fetched from Url."""
        if call.params.get("Twiml"):
            self.interpreter.run_text(call, call.params["Twiml"], None)
        else:
            self.interpreter.fetch(call, call.params["Url"], call.params.get("Method", "POST"))

    # -- inbound calls --------------------------------------------------------------------
    def place_inbound(self, from_: str, to: str, keys, interactive=False) -> Call:
        """A resident's phone calls one of the account's numbers."""
        call = Call(self.sim.account_sid, "inbound", from_, to, {}, time.monotonic())
        self._register(call, from_)
        call.spec = {**call.spec, "answer": "human"}
        if keys is not None:
            call.key_tokens = list(keys)
        call.interactive = interactive
        call.events = []
        call.dialled_at = call.requested_at
        call.status = "ringing"
        voice = self.sim.incoming.get(to)
        if voice is None:
            call.twiml_errors.append(
                {
                    "code": 11200,
                    "message": f"no Voice URL for {to}",
                    "url": None,
                    "at": rfc2822(time.monotonic()),
                }
            )
            self.clock.soon(self.end, call, "failed")
        else:
            url, method = voice
            call.params = {"Url": url, "Method": method}
            if to in self.sim.incoming_status:
                call.params["StatusCallback"] = self.sim.incoming_status[to]
            self.clock.soon(self.interpreter.fetch, call, url, method)
        return call

    def answer_inbound(self, call: Call):
        """Twilio picks up an inbound call when its first document does not <Reject>."""
        if call.direction == "inbound" and call.answered_at is None and not call.final:
            now = self.clock_now()
            call.status, call.answered_at, call.updated_at = "in-progress", now, now
            call.time_limit = self.later(defaults.TIME_LIMIT_S, self.end, call, "completed")

    def _event_failed(self, args):
        """A bug of the simulator's own must not leave a call live forever: end it, logged."""
        for call in args:
            if isinstance(call, Call) and not call.final:
                call.twiml_errors.append(
                    {
                        "code": 0,
                        "message": "simulator error (see its log)",
                        "url": None,
                        "at": rfc2822(self.clock_now()),
                    }
                )
                try:
                    self.end(call, "failed")
                except Exception:
                    log.exception("could not end call %s", call.sid)

    # -- the end --------------------------------------------------------------------------
    def end(self, call: Call, status: str):
        """The call is over; send `completed` and wake whoever waits for it."""
        if call.final:
            return
        now = self.clock_now()
        call.status, call.ended_at, call.updated_at = status, now, now
        self.clock.cancel(call.time_limit)
        self.interrupt(call)
        if call.answered_at is not None:
            call.duration_s = max(
                0, math.ceil((now - call.answered_at) / self.sim.time_scale - 1e-6)
            )
        else:
            call.duration_s = 0
        self.status_event(call, "completed")
        self.settle(call)

    def settle(self, call: Call):
        """Forget an ended call whose callbacks are all out, and wake whoever waits for it
        (only then: a waiter woken at every callback would fight the clock for the lock)."""
        if call.final and not call.sending and not call.outbox and call.sid in self.active:
            self.active.discard(call.sid)
            self.settled += 1
            if self.settled % defaults.GC_FREEZE_EVERY == 0:
                gc.freeze()
            self.sim.changed.notify_all()

    def application_error(self, call: Call, code: int, message: str, url: str | None):
        """What Twilio does with a document it cannot run: say so and hang up."""
        log.warning("call %s: Twilio error %s at %s: %s", call.sid, code, url, message)
        call.twiml_errors.append(
            {"code": code, "message": message, "url": url, "at": rfc2822(self.clock_now())}
        )
        self.answer_inbound(call)
        call.generation += 1
        call.gather = None
        length = self.interpreter.say(call, APPLICATION_ERROR, "en-US", "man")
        self.interpreter.after(call, call.generation, length, lambda: self.end(call, "completed"))

    def busy(self) -> bool:
        """Is any call, callback or message still under way?"""
        return bool(self.active) or self.sim.messages_pending()

    def cancel_or_hang_up(self, call: Call, status: str):
        """Status=canceled|completed from the REST API."""
        if call.final:
            return
        if call.status in ("queued", "ringing"):
            self.end(call, "canceled")
        elif status == "completed":
            self.end(call, "completed")

    def interrupt(self, call: Call):
        """The running document is dropped: speech under way stops being heard."""
        now = self.clock_now()
        for ends, heard in call.speech:
            if ends > now:  # cut off: the rest was never heard
                call.heard_seconds -= min(heard, (ends - now) / self.sim.time_scale)
        call.speech = []
        call.generation += 1
        call.gather = None

    def redirect(self, call: Call, url: str | None, method: str, twiml: str | None):
        """Url or Twiml from the REST API: stop the running document, run the new one."""
        if call.status in ("queued", "ringing"):
            if twiml:
                call.params["Twiml"] = twiml
            else:
                call.params.pop("Twiml", None)
                call.params["Url"], call.params["Method"] = url, method
            return
        self.interrupt(call)
        if twiml:
            self.interpreter.run_text(call, twiml, None)
        else:
            self.interpreter.fetch(call, url, method)


def _number(value, default: float) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return default
