"""What each outcome means, and how a call's result becomes one (the only place that decides).

Per call and per residence:
- `human`: a person answered (Twilio's AnsweredBy `human` or `unknown`): reached.
- `voicemail`: an answering machine took the whole message after its beep: reached.
- `busy`: the line was busy.
- `no_answer`: it rang for the ring time, nobody answered.
- `failed`: invalid number, carrier failure, or a fax machine answered.
- `cancelled`: the campaign was cancelled (or expired) before this residence was reached.
Plus `confirmed` (a flag) when the person pressed 2. While work is left: `pending`,
`in_progress`.
"""
from models import Outcome

REACHED = (Outcome.HUMAN.value, Outcome.VOICEMAIL.value)
FINAL_CALL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
QUEUED_AT_PROVIDER = ("creating", "ambiguous", "queued", "initiated")
"""A call not yet ringing: cancelling it at the provider stops it."""
LIVE_CALL_STATUSES = QUEUED_AT_PROVIDER + ("ringing", "in-progress")
"""A call in progress: claimed and not yet over (what the optional cap counts)."""
MACHINE_ANSWERS = ("machine_end_beep", "machine_end_silence", "machine_end_other",
                   "machine_start")
RANK = {Outcome.HUMAN.value: 5, Outcome.VOICEMAIL.value: 4, Outcome.BUSY.value: 3,
        Outcome.NO_ANSWER.value: 2, Outcome.FAILED.value: 1, Outcome.CANCELLED.value: 0}
FINAL_DELIVERY = tuple(RANK)


def best(*outcomes: str | None) -> str | None:
    """The best of OUTCOMES: human > voicemail > busy > no_answer > failed > cancelled."""
    known = [o for o in outcomes if o in RANK]
    return max(known, key=RANK.__getitem__) if known else None


def is_reached(outcome: str | None) -> bool:
    return outcome in REACHED


def call_outcome(call_status: str, answered_by: str | None) -> str:
    """The outcome of one call from its final CallStatus and AMD's AnsweredBy."""
    if call_status == "completed":
        if answered_by == "fax":
            return Outcome.FAILED.value
        if answered_by in MACHINE_ANSWERS:
            return Outcome.VOICEMAIL.value
        return Outcome.HUMAN.value  # human, unknown, or AMD never said
    return {"busy": Outcome.BUSY.value, "no-answer": Outcome.NO_ANSWER.value,
            "canceled": Outcome.CANCELLED.value}.get(call_status, Outcome.FAILED.value)
