"""The hotline's one entry point and one resume point: route the caller's input by the menus."""

import logging

from models.phone import try_e164
from runtime import outbox
from runtime.i18n import t
from runtime.keypad import Option

from . import account_menu, accounts, announcement_menu, handlers, identify, registration, staff  # noqa: F401 - register their handlers
from . import call as calls
from .call import Call
from .menus import BACK_KEY, END_KEY, MENUS, REPEAT_KEY, STAFF_KEY
from .twiml import render

log = logging.getLogger(__name__)


def incoming(session, config, form, app=None):
    """A new call: the alerts in force first, when there are any (announcement_menu.py); then
    a registered caller goes to the password, anyone else picks a language."""
    calls.purge_expired(session)
    accounts.purge_unverified(session)
    row = calls.start(session, form.get("CallSid", ""), form.get("From", ""))
    call = Call(row, session, config, hooks=handlers.ON_ENTER)
    phone = try_e164(row.from_number)
    known = call.phone_row(phone) if phone else None
    if known is not None and accounts.is_unverified(known.residence):
        known = None  # keyed in by someone, never confirmed: its owner calling may register it
    if known is not None:
        call.language = known.residence.language
        call.data.update(phone=phone, keyed=False)
        if not announcement_menu.start(call, known.residence_id):
            call.say("hotline.welcome")
            call.goto("auth")
    elif not announcement_menu.start(call, None):
        call.said.append(("fr", t("fr", "hotline.welcome")))
        call.goto("language")
    log.info("hotline call %s started: %s", row.call_sid, "registered" if known else "new")
    return _finish(call, app)


def resume(session, config, form, timeout: bool = False, app=None):
    """The caller answered the current step (keys, a recording) or stayed silent."""
    row = calls.load(session, form.get("CallSid", ""))
    if row is None:  # unknown or expired state: start over rather than hang up
        return incoming(session, config, form, app)
    call = Call(row, session, config, hooks=handlers.ON_ENTER)
    step = call.step
    menu = MENUS[step]
    digits = "" if timeout else form.get("Digits", "").rstrip(END_KEY)
    if menu.empty_ok and not digits and form.get("FinishedOnKey") != END_KEY:
        timeout = True  # actionOnEmptyResult posted a silence
    stepped_back = False
    if menu.record:
        refusal = handlers.RECORDINGS[step](
            call, None if timeout else form.get("RecordingUrl") or ""
        )
    elif timeout:
        refusal = "hotline.no_input"
    elif digits == BACK_KEY and menu.back:
        call.goto(handlers.BACK[step](call) if step in handlers.BACK else menu.back)
        refusal, stepped_back = None, True
    elif (option := _chosen(call, menu, digits)) is not None:
        target = option.target
        refusal = call.goto(target) if target in MENUS else handlers.ACTIONS[target](call, digits)
    elif menu.entry:
        refusal = handlers.ENTRIES[step](call, digits)
    elif digits == REPEAT_KEY:
        refusal = None  # repeat
    elif digits == STAFF_KEY and menu.staff and staff.configured(config):
        refusal = handlers.ACTIONS["staff"](call, digits)
    else:
        refusal = "hotline.invalid"
    if refusal:
        if call.strike():
            _out_of_strikes(call)
        else:
            call.say(refusal)
    log.info(
        "hotline call %s: %s -> %s%s",
        row.call_sid,
        step,
        call.end or call.step,
        " (silence)" if timeout else "",
    )
    # a step back leads to a menu just heard: its preamble, like after a miss, is not said
    return _finish(call, app, missed=(bool(refusal) and call.step == step) or stepped_back)


def _chosen(call, menu, digits) -> Option | None:
    """The option DIGITS pick: at an entry, by its first key (the forgotten password at the
    password); elsewhere, one of the options offered now."""
    if menu.entry:
        return menu.option(digits[:1]) if digits else None
    return menu.option(digits) if digits in _offered(call, menu) else None


def _offered(call, menu, values: dict | None = None) -> dict[str, dict]:
    """The options of the call's menu offered now (key -> label values): said, and accepted."""
    chosen = handlers.OFFERED.get(call.step)
    return chosen(call) if chosen else {option.key: values or {} for option in menu.options}


def _prompt_values(call) -> dict:
    return handlers.PROMPT_VALUES.get(call.step, lambda _c: {})(call)


def _out_of_strikes(call):
    if call.step == "language":
        identify.set_french(call)
    elif call.step in (announcement_menu.REGISTERED, announcement_menu.UNKNOWN):
        announcement_menu.out_of_misses(call)
    elif staff.configured(call.config) and staff.open_now(call.config):
        handlers.to_staff(call)
    else:
        call.say("hotline.too_many_strikes")
        handlers.goodbye_after_failure(call)


def _finish(call, app, missed=False):
    """Answer the call; after a miss or a step back (MISSED) a menu's preamble is not said
    again (REPEAT_KEY says it)."""
    if call.end:
        response = render(call)
    else:
        values = _prompt_values(call)
        response = render(
            call, values, _offered(call, MENUS[call.step], values), preamble=not missed
        )
    call.save()
    # the caller hears the promise: it is committed with the call's state, then handed to RQ
    promised = [outbox.promise(call.session, func, *args) for func, *args in call.jobs]
    call.session.commit()
    if promised and not outbox.hand_over(app, promised):
        log.warning(
            "hotline call %s: %s job(s) wait in the outbox for Redis",
            call.row.call_sid,
            len(promised),
        )
    return response
