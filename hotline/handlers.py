"""The tables the menus' targets resolve through, and helpers every handler uses.

A handler returns None when it handled the input, or a catalogue key to refuse it (the engine
says it, counts a strike and asks again). Handlers live in `identify.py` (language, number,
password), `account_menu.py` and `registration.py`; each registers itself with a decorator.
PROMPT_VALUES fill a step's prompt and labels; OFFERED, for a menu whose options depend on the
call (the addresses found), gives the options offered now (key -> label values): only those are
said, and only those are accepted. BACK, for a menu reached in more than one way, gives the
step its BACK_KEY leads to. A recording handler gets the recording's URL, "" when the caller
pressed the end key without a recording, None after a silence.
"""

from models import Residence
from models.phone import national_digits
from runtime.i18n import spoken_digits

from . import staff

ACTIONS, ENTRIES, RECORDINGS, ON_ENTER, PROMPT_VALUES, OFFERED, BACK = {}, {}, {}, {}, {}, {}, {}


def _register(table, name):
    def decorator(fn):
        table[name] = fn
        return fn

    return decorator


def action(name):
    return _register(ACTIONS, name)


def entry(name):
    return _register(ENTRIES, name)


def recording(name):
    return _register(RECORDINGS, name)


def on_enter(name):
    return _register(ON_ENTER, name)


def prompt_values(name):
    return _register(PROMPT_VALUES, name)


def offered(name):
    return _register(OFFERED, name)


def back(name):
    return _register(BACK, name)


def spoken_number(call, e164: str | None = None) -> str:
    return spoken_digits(national_digits(e164 or call.phone))


def residence(call) -> Residence | None:
    rid = call.data.get("residence_id")
    return call.session.get(Residence, rid) if rid else None


@action("staff")
def to_staff(call, _digit=None):
    if not staff.configured(call.config):
        return "hotline.invalid"
    if not staff.open_now(call.config):
        call.say("hotline.staff.closed", **staff.spoken_hours(call.config, call.language))
        return None
    call.say("hotline.staff.transfer")
    call.end = "dial"
    return None


def goodbye_after_failure(call):
    """After too many misses: say what to do next (the staff hours, when a staff line is
    configured), then goodbye."""
    if staff.configured(call.config):
        call.say("hotline.next.staff_hours", **staff.spoken_hours(call.config, call.language))
    else:
        call.say("hotline.next.call_again")
    call.hangup()
