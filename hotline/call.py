"""One hotline call: its server-side state (HotlineCall, keyed by CallSid) and what to answer."""

from datetime import timedelta

from sqlalchemy import delete, select

from models import HotlineCall, PhoneNumber, utcnow
from runtime.i18n import DEFAULT_LANGUAGE, t

from . import quotas

EXPIRY = timedelta(hours=1)
MAX_STRIKES = 3


class Call:
    """A call being handled: read its state, say things, move to a step, end it."""

    def __init__(self, row: HotlineCall, session, config, hooks=None):
        self.row, self.session, self.config = row, session, config
        self.data = dict(row.data or {})
        self.said: list[tuple[str, str]] = []  # (language, text)
        self.end: str | None = None  # None (ask the step's prompt), "hangup", "dial"
        self.hooks = hooks or {}
        self.jobs: list[tuple] = []  # (dotted function, *args), enqueued after commit

    @property
    def language(self) -> str:
        return self.row.language

    @language.setter
    def language(self, value: str) -> None:
        self.row.language = value

    @property
    def step(self) -> str:
        return self.row.step

    @property
    def phone(self) -> str | None:
        """The E.164 number this call registers or manages."""
        return self.data.get("phone")

    @property
    def actor(self) -> str:
        return f"hotline:{self.phone or self.row.from_number or 'unknown'}"

    def t(self, key: str, **values) -> str:
        return t(self.language, key, **values)

    def say(self, key: str, **values) -> None:
        self.said.append((self.language, self.t(key, **values)))

    def goto(self, step: str) -> None:
        """Move to STEP (its prompt is asked next); its entry hook may move on again."""
        self.row.step = step
        self.row.strikes = 0
        hook = self.hooks.get(step)
        if hook is not None:
            hook(self)

    def hangup(self, key: str | None = "common.goodbye") -> None:
        if key:
            self.say(key)
        self.end = "hangup"

    def strike(self) -> bool:
        """Count a silence or invalid key; True when this prompt had its 3 strikes."""
        self.row.strikes += 1
        return self.row.strikes >= MAX_STRIKES

    def phone_row(self, e164: str | None = None) -> PhoneNumber | None:
        e164 = e164 or self.phone
        if not e164:
            return None
        return self.session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))

    def save(self) -> None:
        self.row.data = dict(self.data)
        self.row.expires_at = utcnow() + EXPIRY


def load(session, call_sid: str) -> HotlineCall | None:
    """The unexpired state of CALL_SID, or None."""
    row = session.get(HotlineCall, call_sid)
    if row is not None and row.expires_at < utcnow():
        session.delete(row)
        session.flush()
        return None
    return row


def language_of(session, call_sid: str) -> str:
    """The language CALL_SID's caller hears (French for a call the hotline does not know)."""
    row = session.get(HotlineCall, call_sid)
    return row.language if row is not None else DEFAULT_LANGUAGE


def start(session, call_sid: str, from_number: str) -> HotlineCall:
    """Fresh state for a call (replacing any earlier one with the same CallSid)."""
    row = session.get(HotlineCall, call_sid)
    if row is None:
        row = HotlineCall(call_sid=call_sid)
        session.add(row)
    row.from_number, row.language, row.step, row.strikes = from_number[:32], "fr", "language", 0
    row.data, row.expires_at = {}, utcnow() + EXPIRY
    return row


def purge_expired(session) -> int:
    """Forget calls whose state expired (a registration never finished leaves nothing else),
    and the counters whose window ended (quotas.purge_ended: the daily caps of the hotline and
    the portal, the portal's used ALTCHA challenges). The number of calls forgotten."""
    quotas.purge_ended(session)
    result = session.execute(delete(HotlineCall).where(HotlineCall.expires_at < utcnow()))
    return result.rowcount or 0
