"""Defaults of the carrier simulator, in simulated seconds unless said otherwise."""

RING_S = {"human": 5.0, "voicemail": 12.0, "fax": 4.0, "unknown": 6.0}
"""How long each kind of callee lets the phone ring before picking up."""

BUSY_S = 1.0
"""How long until a busy signal is reported."""

FAILED_S = 0.5
"""How long until an unreachable number is reported failed."""

GREETING_S = 8.0
"""A voicemail greeting's length before the beep."""

HUMAN_AMD_S = 2.5
"""How long AMD listens before deciding that a person said hello."""

MACHINE_START_S = 3.5
"""How long AMD listens before deciding a machine answered (without DetectMessageEnd)."""

CHARS_PER_SECOND = 14.0
"""Speaking rate of <Say>: about 150 words a minute."""

PLAY_S = 3.0
"""Length assumed for any <Play> audio."""

KEY_S = 0.4
"""Time a caller takes to press one key."""

RECORD_S = 4.0
"""How long a callee speaks into a <Record>."""

DIAL_TALK_S = 10.0
"""How long a <Dial>led party talks once connected."""

TIME_LIMIT_S = 14400.0
"""A call's longest life once answered, unless TimeLimit says otherwise (Twilio: 4 hours)."""

HTTP_WORKERS = 32
"""Outgoing webhook requests in flight at once (real, keep-alive connections)."""

HTTP_TIMEOUT = 15.0
"""Real seconds before a webhook is given up (Twilio waits 15 s)."""

GC_FREEZE_EVERY = 2000
"""Ended calls between two gc.freeze(): the log only grows, and a full collection walks all
of it (a second's stall of the clock at 100,000 calls); frozen, it is no longer walked."""

WITHHELD_CALLER_IDS = {
    "anonymous": "+266696687",
    "restricted": "+7378742833",
    "unavailable": "+8656696",
    "unknown": "+86282452253",
    "blocked": "+2562533",
}
"""What Twilio puts in `From` when the caller withheld their number (the word spelled on a
keypad: +266696687 is ANONYMOUS): `ivr phone --from anonymous` calls with it."""


def withheld_caller_id(text: str) -> str | None:
    """Twilio's `From` for a withheld caller ID named TEXT (`anonymous`...), else None."""
    return WITHHELD_CALLER_IDS.get((text or "").strip().lower())
