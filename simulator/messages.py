"""Messages (SMS): Twilio's Message resource as the simulator keeps it, the carrier's side
(queued at the account's messages-per-second limit, then sent, then delivered or not, per
number as the scenario says), status callbacks with the scenario's faults, opt-out (STOP) and
inbound texts posted to the number's Messaging webhook.

Scenario keys, per number (in `numbers`, or in `default`):
- `sms`: `delivered` (default; `undelivered` for a number whose `answer` is `failed`, as before
  this key existed), `undelivered` (ErrorCode 30003), `failed` (30008),
  `landline` (undelivered, 30006: a landline or a carrier that cannot take SMS),
  `opted_out` (the create request is refused with 21610, as Twilio does for a number that
  texted STOP); a list gives successive texts to that number their own behaviour;
- `sms_delay_s`: carrier seconds from `sent` to the final status (default 1; scaled by the
  time scale like every other delay).
Callback faults (`callbacks.duplicate_rate`, `reorder_rate`, `drop_rate`) apply to each status
callback of a message as to a call's.
"""

import random
import threading
import time
from collections import deque
from xml.etree import ElementTree

from models import sms_text

from .call import iso, new_sid, rfc2822
from .errors import TwilioError

SMS_BEHAVIOURS = ("delivered", "undelivered", "failed", "landline", "opted_out")
ERROR_OF = {"undelivered": 30003, "failed": 30008, "landline": 30006}
FINAL = {"delivered", "undelivered", "failed"}
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "YES", "UNSTOP"}
"""Twilio's default opt-out and opt-in keywords (its Advanced Opt-Out off): the number is
blocked (21610) after a STOP word and unblocked after a START word; the text still goes to the
webhook."""


def segments(body: str) -> int:
    """How many segments the carrier counts (models.sms_text: GSM-7 160 / 153, UCS-2 70 / 67)."""
    return max(1, sms_text.count(body).segments)


def check_scenario(spec: dict, where: str) -> None:
    """Raise ValueError when a number's SMS keys are wrong."""
    value = spec.get("sms", "delivered")
    for v in value if isinstance(value, list) else [value]:
        if v not in SMS_BEHAVIOURS:
            raise ValueError(
                f"{where}.sms: unknown behaviour {v!r} (one of {', '.join(SMS_BEHAVIOURS)})"
            )
    delay = spec.get("sms_delay_s", 1.0)
    if not isinstance(delay, (int, float)) or delay < 0:
        raise ValueError(f"{where}.sms_delay_s must be a non-negative number")


class Messages:
    """Part of the Simulator: every message, in and out, and the MPS queue."""

    def __init__(self, sim, mps: float):
        if mps <= 0:
            raise ValueError("mps must be positive")
        self.sim = sim
        self.mps = float(mps)
        self.log: list[dict] = []
        self.by_sid: dict[str, dict] = {}
        self.under_way = 0
        self.next_slot = 0.0
        self.opted_out: set[str] = set()
        self.incoming: dict[str, str] = {}  # our number -> its Messaging webhook URL
        self._turns: dict[str, int] = {}

    # -- outbound (the REST API) ------------------------------------------------------------
    def behaviour(self, to: str) -> tuple[str, float, int]:
        spec = self.sim.scenario.spec(to)
        turn = self._turns.get(to, 0)
        self._turns[to] = turn + 1
        # as before `sms` existed: a number whose calls fail does not take texts either
        value = spec.get("sms", "undelivered" if spec.get("answer") == "failed" else "delivered")
        if isinstance(value, list):
            value = value[min(turn, len(value) - 1)] if value else "delivered"
        return value, float(spec.get("sms_delay_s", 1.0)), turn

    def create(self, from_: str, to: str, body: str, status_callback: str | None) -> dict:
        """A message accepted (`queued`), or TwilioError 21610 for an opted-out number."""
        behaviour, delay, turn = self.behaviour(to)
        if behaviour == "opted_out" or to in self.opted_out:
            raise TwilioError(21610)
        now = time.monotonic()
        message = {
            "sid": new_sid("SM"),
            "from": from_,
            "to": to,
            "body": body,
            "status": "queued",
            "created": now,
            "updated": now,
            "sent": None,
            "error_code": None,
            "status_callback": status_callback,
            "direction": "outbound-api",
            "behaviour": behaviour,
            "segments": segments(body),
            "callbacks": [],
            "rng": random.Random(f"{self.sim.scenario.seed}:{to}:{turn}:sms"),
            "outbox": deque(),
            "held": None,
            "sending": False,
        }
        self._keep(message)
        self.under_way += 1
        self._status(message, "queued")
        slot = max(now, self.next_slot)
        self.next_slot = slot + 1.0 / self.mps
        clock = self.sim.clock
        if behaviour == "failed":
            clock.at(slot, self._final, message, "failed")
        else:
            clock.at(slot, self._status, message, "sent")
            clock.at(
                slot + self.sim.network.real(delay),
                self._final,
                message,
                "delivered" if behaviour == "delivered" else "undelivered",
            )
        return message

    def _keep(self, message: dict) -> None:
        self.log.append(message)
        self.by_sid[message["sid"]] = message

    def _final(self, message: dict, status: str) -> None:
        if message["behaviour"] != "delivered":
            message["error_code"] = ERROR_OF[message["behaviour"]]
        self.under_way -= 1
        self._status(message, status)

    def _status(self, message: dict, status: str) -> None:
        message["status"], message["updated"] = status, self.sim.network.clock_now()
        if status == "sent":
            message["sent"] = message["updated"]
        url = message["status_callback"]
        if url:
            params = {
                "MessageSid": message["sid"],
                "SmsSid": message["sid"],
                "AccountSid": self.sim.account_sid,
                "From": message["from"],
                "To": message["to"],
                "MessageStatus": status,
                "SmsStatus": status,
                "ApiVersion": "2010-04-01",
            }
            if message["error_code"]:
                params["ErrorCode"] = str(message["error_code"])
            self._callback(message, status, url, params)
        self.sim.changed.notify_all()

    def _callback(self, message: dict, status: str, url: str, params: dict) -> None:
        """Send after the message's earlier callbacks, with the scenario's faults."""
        scenario = self.sim.scenario
        entry = {"event": status, "url": url, "fault": None}
        message["callbacks"].append(entry)
        draw = message["rng"].random()
        if draw < scenario.drop_rate:
            entry["fault"] = "dropped"
            if status in FINAL and message["held"]:  # a reordered report still comes, late
                message["outbox"].extend(message["held"])
                message["held"] = None
                self._pump(message)
            return
        draw -= scenario.drop_rate
        copies = [("POST", url, params)]
        if draw < scenario.duplicate_rate:
            entry["fault"] = "duplicated"
            copies.append(("POST", url, params))
        elif draw - scenario.duplicate_rate < scenario.reorder_rate and status not in FINAL:
            entry["fault"] = "reordered"
            message["held"] = (message["held"] or []) + copies
            return
        message["outbox"].extend(copies)
        if message["held"]:
            message["outbox"].extend(message["held"])
            message["held"] = None
        self._pump(message)

    def _pump(self, message: dict) -> None:
        if message["sending"] or not message["outbox"]:
            return
        message["sending"] = True
        method, url, params = message["outbox"].popleft()
        self.sim.webhooks.send(
            method, url, params, lambda code, text: self.sim.clock.run(self._sent, message)
        )

    def _sent(self, message: dict) -> None:
        message["sending"] = False
        self._pump(message)
        self.sim.changed.notify_all()

    def pending(self) -> bool:
        return self.under_way > 0 or any(m.get("sending") or m.get("outbox") for m in self.log)

    # -- inbound (a resident texts one of the account's numbers) ---------------------------
    def receive(self, from_: str, to: str, body: str, timeout: float = 10.0) -> dict:
        """Post the text to TO's Messaging webhook (signed), wait for its TwiML, and send each
        <Message> of it back to FROM. Returns the inbound message's record and the replies.
        Call without holding the simulator's lock."""
        with self.sim.lock:
            url = self.incoming.get(to)
            word = body.strip().upper()
            if word in STOP_WORDS:
                self.opted_out.add(from_)
            elif word in START_WORDS:
                self.opted_out.discard(from_)
            now = time.monotonic()
            message = {
                "sid": new_sid("SM"),
                "from": from_,
                "to": to,
                "body": body,
                "status": "received",
                "created": now,
                "updated": now,
                "sent": now,
                "error_code": None,
                "status_callback": None,
                "direction": "inbound",
                "segments": segments(body),
                "callbacks": [],
            }
            self._keep(message)
        if not url:
            return {
                "message": self.record(message),
                "replies": [],
                "error": f"{to} has no Messaging webhook (PUT /sim/incoming sms_url)",
            }
        params = {
            "MessageSid": message["sid"],
            "SmsSid": message["sid"],
            "SmsMessageSid": message["sid"],
            "AccountSid": self.sim.account_sid,
            "From": from_,
            "To": to,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": str(message["segments"]),
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        done = threading.Event()
        answer: dict = {}

        def finished(code, text):
            answer["code"], answer["text"] = code, text
            done.set()

        self.sim.webhooks.send("POST", url, params, finished)
        done.wait(timeout)
        replies = []
        if answer.get("code") == 200:
            with self.sim.lock:
                for text in _messages_of(answer.get("text")):
                    now = time.monotonic()
                    reply = {
                        "sid": new_sid("SM"),
                        "from": to,
                        "to": from_,
                        "body": text,
                        "status": "delivered",
                        "created": now,
                        "updated": now,
                        "sent": now,
                        "error_code": None,
                        "status_callback": None,
                        "direction": "outbound-reply",
                        "segments": segments(text),
                        "callbacks": [],
                    }
                    self._keep(reply)
                    replies.append(self.record(reply))
        return {
            "message": self.record(message),
            "replies": replies,
            "status_code": answer.get("code"),
        }

    # -- views ------------------------------------------------------------------------------
    def resource(self, m: dict) -> dict:
        """The Message resource, as Twilio's API returns it."""
        uri = f"/2010-04-01/Accounts/{self.sim.account_sid}/Messages/{m['sid']}"
        return {
            "sid": m["sid"],
            "account_sid": self.sim.account_sid,
            "body": m["body"],
            "num_segments": str(m["segments"]),
            "num_media": "0",
            "direction": m["direction"],
            "from": m["from"],
            "to": m["to"],
            "status": m["status"],
            "date_created": rfc2822(m["created"]),
            "date_updated": rfc2822(m["updated"]),
            "date_sent": rfc2822(m["sent"]) if m["sent"] else None,
            "price": None,
            "price_unit": "USD",
            "error_code": m["error_code"],
            "error_message": None,
            "messaging_service_sid": None,
            "api_version": "2010-04-01",
            "uri": uri + ".json",
            "subresource_uris": {"media": uri + "/Media.json", "feedback": uri + "/Feedback.json"},
        }

    def record(self, m: dict) -> dict:
        """What /sim/messages shows of a message."""
        return {
            "sid": m["sid"],
            "from": m["from"],
            "to": m["to"],
            "body": m["body"],
            "status": m["status"],
            "error_code": m["error_code"],
            "direction": m["direction"],
            "segments": m["segments"],
            "created_at": iso(m["created"]),
            "sent_at": iso(m["sent"]) if m["sent"] else None,
            "callbacks": [dict(c) for c in m["callbacks"]],
        }


def _messages_of(twiml: str | bytes | None) -> list[str]:
    """The texts of a MessagingResponse's <Message> verbs."""
    if not twiml:
        return []
    try:
        root = ElementTree.fromstring(twiml)
    except ElementTree.ParseError:
        return []
    texts = []
    for verb in root.iter("Message"):
        body = verb.find("Body")
        texts.append((body.text if body is not None else verb.text) or "")
    return texts
