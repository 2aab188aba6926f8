"""What each outcome means, and how a call's result becomes one (the only place that decides).

Per call and per residence:
- `human`: a person answered (Twilio's AnsweredBy `human` or `unknown`): reached.
- `voicemail`: an answering machine took the whole message after its beep: reached.
- `sms_delivered`: an SMS contact's text was delivered (MessageStatus `delivered`): reached.
- `busy`: the line was busy.
- `no_answer`: it rang for the ring time, nobody answered.
- `failed`: invalid number, carrier failure, or a fax machine answered.
- `cancelled`: the campaign was cancelled (or expired) before this residence was reached.
Plus `confirmed` (a flag) when the person pressed 2. While work is left: `pending`,
`in_progress`. A call attempt given up before its call was placed is `void` (never a
residence's outcome). The statuses and the reached / final sets are in models/campaign.py.
"""

from models import REACHED, AttemptStatus, Outcome

MACHINE_ANSWERS = ("machine_end_beep", "machine_end_silence", "machine_end_other", "machine_start")
RANK = {
    Outcome.HUMAN.value: 6,
    Outcome.SMS_DELIVERED.value: 5,
    Outcome.VOICEMAIL.value: 4,
    Outcome.BUSY.value: 3,
    Outcome.NO_ANSWER.value: 2,
    Outcome.FAILED.value: 1,
    Outcome.CANCELLED.value: 0,
}


def best(*outcomes: str | None) -> str | None:
    """The best of OUTCOMES: human > sms_delivered > voicemail > busy > no_answer > failed >
    cancelled."""
    known = [o for o in outcomes if o in RANK]
    return max(known, key=RANK.__getitem__) if known else None


def is_reached(outcome: str | None) -> bool:
    return outcome in REACHED


def call_outcome(call_status: str, answered_by: str | None) -> str:
    """The outcome of one call from its final CallStatus and AMD's AnsweredBy."""
    if call_status == AttemptStatus.COMPLETED.value:
        if answered_by == "fax":
            return Outcome.FAILED.value
        if answered_by in MACHINE_ANSWERS:
            return Outcome.VOICEMAIL.value
        return Outcome.HUMAN.value  # human, unknown, or AMD never said
    return {
        AttemptStatus.BUSY.value: Outcome.BUSY.value,
        AttemptStatus.NO_ANSWER.value: Outcome.NO_ANSWER.value,
        AttemptStatus.CANCELED.value: Outcome.CANCELLED.value,
    }.get(call_status, Outcome.FAILED.value)
