"""A call's state and its record: the Twilio resource and the simulator's log entry."""

import datetime as dt
import functools
import math
import secrets
import time
from email.utils import format_datetime

FINAL = {"completed", "busy", "no-answer", "failed", "canceled"}


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


_EPOCH_OFFSET = time.time() - time.monotonic()


def wall(monotonic_t: float | None) -> dt.datetime | None:
    """A monotonic instant as an aware UTC datetime."""
    if monotonic_t is None:
        return None
    return dt.datetime.fromtimestamp(monotonic_t + _EPOCH_OFFSET, dt.UTC)


def rfc2822(monotonic_t: float | None) -> str | None:
    """Twilio's date format, to the second (formatted once per second: it is on every call)."""
    if monotonic_t is None:
        return None
    return _rfc2822_second(math.floor(monotonic_t + _EPOCH_OFFSET))


@functools.lru_cache(maxsize=4096)
def _rfc2822_second(epoch_s: int) -> str:
    return format_datetime(dt.datetime.fromtimestamp(epoch_s, dt.UTC))


def iso(monotonic_t: float | None) -> str | None:
    t = wall(monotonic_t)
    return t.isoformat(timespec="microseconds") if t else None


class Call:
    """One call, outbound (REST API) or inbound (a resident's phone)."""

    def __init__(
        self,
        account_sid: str,
        direction: str,
        from_: str,
        to: str,
        params: dict,
        requested_at: float,
    ):
        self.sid = new_sid("CA")
        self.account_sid = account_sid
        self.direction = direction
        self.from_ = from_
        self.to = to
        self.params = params  # the create request's form, Twilio's names
        self.status = "queued"
        self.answered_by = None
        self.requested_at = requested_at
        self.dialled_at = None
        self.answered_at = None
        self.ended_at = None
        self.updated_at = requested_at
        self.said: list[dict] = []
        self.keys: list[str] = []
        self.recordings: list[dict] = []
        self.plays: list[dict] = []
        self.dials: list[dict] = []
        self.twiml_errors: list[dict] = []
        self.callbacks: list[dict] = []
        self.heard_seconds = 0.0
        self.speech: list[tuple[float, float]] = []  # (ends at, seconds heard) of each
        self.duration_s = None  # simulated seconds from answer to hang-up
        self.sequence = 0
        self.spec: dict = {}
        self.turn = 0
        self.key_tokens: list[str] = []
        self.interactive = False
        self.greeting_end = None  # monotonic time a voicemail's beep sounds
        self.generation = 0  # bumped when the running TwiML is replaced or stops
        self.gather = None  # the <Gather> waiting for keys, if any
        self.document_url = None
        self.rng = None
        self.time_limit = None  # the clock's handle of the TimeLimit hang-up

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def resource(self) -> dict:
        """The Call resource of Twilio's 2010-04-01 API."""
        base = f"/2010-04-01/Accounts/{self.account_sid}/Calls/{self.sid}"
        queue_ms = self.queue_time_ms()
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "parent_call_sid": None,
            "date_created": rfc2822(self.requested_at),
            "date_updated": rfc2822(self.updated_at),
            "to": self.to,
            "to_formatted": self.to,
            "from": self.from_,
            "from_formatted": self.from_,
            "phone_number_sid": None,
            "status": self.status,
            "start_time": rfc2822(self.answered_at or self.dialled_at),
            "end_time": rfc2822(self.ended_at),
            "duration": None if self.duration_s is None else str(self.duration_s),
            "price": None,
            "price_unit": "USD",
            "direction": self.direction,
            "answered_by": self.answered_by,
            "api_version": "2010-04-01",
            "forwarded_from": None,
            "group_sid": None,
            "caller_name": None,
            "queue_time": str(queue_ms),
            "trunk_sid": None,
            "uri": base + ".json",
            "subresource_uris": {
                "notifications": base + "/Notifications.json",
                "recordings": base + "/Recordings.json",
                "events": base + "/Events.json",
            },
        }

    def queue_time_ms(self) -> int:
        end = self.dialled_at if self.dialled_at is not None else time.monotonic()
        if self.final and self.dialled_at is None:
            end = self.ended_at
        return max(0, int(round((end - self.requested_at) * 1000)))

    def record(self) -> dict:
        """The simulator's log entry: everything that happened, for tests and people."""
        return {
            "sid": self.sid,
            "direction": self.direction,
            "from": self.from_,
            "to": self.to,
            "status": self.status,
            "answered_by": self.answered_by,
            "expected_answer": self.spec.get("answer"),
            "requested_at": iso(self.requested_at),
            "dialled_at": iso(self.dialled_at),
            "answered_at": iso(self.answered_at),
            "ended_at": iso(self.ended_at),
            "queue_time_ms": self.queue_time_ms(),
            "duration": self.duration_s,
            "said": list(self.said),
            "keys": list(self.keys),
            "recordings": list(self.recordings),
            "plays": list(self.plays),
            "dials": list(self.dials),
            "heard_seconds": round(self.heard_seconds, 3),
            "twiml_errors": list(self.twiml_errors),
            "callbacks": list(self.callbacks),
            "waiting_for_keys": self.gather is not None and self.interactive,
        }
