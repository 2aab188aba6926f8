"""What each hotline step does with the caller's keys: the actions and entries menus name.

A handler returns None when it handled the input, or a catalogue key to refuse it (the engine
says it, counts a strike and asks again).
"""
from sqlalchemy import select

from models import Address, Residence, audit, utcnow
from models.passwords import hash_secret, verify_secret
from models.phone import InvalidPhone, national_digits, to_e164, try_e164

from ..i18n import spoken_digits
from . import accounts, matching, pins, staff

ACTIONS, ENTRIES, RECORDINGS, ON_ENTER, PROMPT_VALUES = {}, {}, {}, {}, {}
NUMBER_REFUSALS = {"area_code": "hotline.number.area_code", "too_long": "hotline.number.too_long"}


def _register(table, name):
    def decorator(fn):
        table[name] = fn
        return fn
    return decorator


def action(name): return _register(ACTIONS, name)
def entry(name): return _register(ENTRIES, name)
def recording(name): return _register(RECORDINGS, name)
def on_enter(name): return _register(ON_ENTER, name)
def prompt_values(name): return _register(PROMPT_VALUES, name)


def spoken_number(call, e164: str | None = None) -> str:
    return spoken_digits(national_digits(e164 or call.phone), call.language)


def residence(call) -> Residence | None:
    rid = call.data.get("residence_id")
    return call.session.get(Residence, rid) if rid else None


# --- language and number ---------------------------------------------------------------

@action("set_french")
def set_french(call, _digit=None):
    call.language = "fr"
    after_language(call)


@action("set_english")
def set_english(call, _digit=None):
    call.language = "en"
    after_language(call)


def after_language(call):
    """Withheld or invalid caller ID: key the number in; else auth or registration."""
    phone = try_e164(call.row.from_number)
    if phone is None:
        call.goto("enter_number")
    else:
        route_number(call, phone, keyed=False)


def route_number(call, e164: str, keyed: bool):
    call.data.update(phone=e164, keyed=keyed)
    call.goto("auth" if call.phone_row(e164) else "unregistered")


@entry("enter_number")
def enter_number(call, digits):
    if not digits or not digits.isdigit():
        return "hotline.invalid"
    try:
        e164 = to_e164(digits)
    except InvalidPhone as exc:
        return NUMBER_REFUSALS.get(exc.code, "hotline.number.invalid")
    call.data["entered"] = e164
    call.goto("confirm_number")


@prompt_values("confirm_number")
def confirm_number_values(call):
    return {"number": spoken_number(call, call.data["entered"])}


@action("number_confirmed")
def number_confirmed(call, _digit=None):
    e164 = call.data["entered"]
    route_number(call, e164, keyed=e164 != try_e164(call.row.from_number))


@prompt_values("unregistered")
def unregistered_values(call):
    return {"number": spoken_number(call)}


# --- authentication ----------------------------------------------------------------------

@on_enter("auth")
def check_lock(call):
    phone = call.phone_row()
    if phone is not None and accounts.locked(phone):
        minutes = max(1, round((phone.locked_until - utcnow()).total_seconds() / 60))
        call.say("hotline.auth.locked", minutes=minutes)
        if staff.configured(call.config) and staff.open_now(call.config):
            call.goto("locked")
        else:
            call.hangup()


@entry("auth")
def auth(call, digits):
    if digits.startswith("*"):
        return forgot(call)
    phone = call.phone_row()
    if phone is None:
        call.goto("unregistered")
        return None
    if not digits.isdigit():
        return "hotline.invalid"
    result = accounts.check_password(call.session, phone, digits, call.actor)
    if result == "locked":
        check_lock(call)
    elif result == "wrong":
        tries = call.data["auth_tries"] = call.data.get("auth_tries", 0) + 1
        call.say("hotline.auth.wrong")
        if tries >= 3:
            call.say("hotline.auth.too_many")
            call.hangup()
    else:
        call.data["residence_id"] = phone.residence_id
        if result == "temporary":
            call.say("hotline.auth.temporary")
            call.data["pin_for"] = "change"
            call.goto("set_pin")
        else:
            say_status(call)
            call.goto("account")
    return None


def forgot(call):
    phone = call.phone_row()
    if accounts.resets_today(call.session, phone.e164) >= accounts.RESETS_PER_DAY:
        call.say("hotline.forgot.limit")
        return None
    channel = "sms" if phone.kind == "sms" else "voice"
    code = accounts.new_code(call.session, phone.e164, "password_reset", channel)
    audit(call.session, call.actor, "hotline.password_reset_requested", "residence",
          phone.residence_id, channel=channel)
    call.jobs.append(("ivr.hotline.callbacks.password_reset", code.id))
    if channel == "sms":
        call.say("hotline.forgot.sms", number=spoken_number(call))
        call.hangup()
    else:
        call.say("hotline.forgot.call", number=spoken_number(call))
        call.hangup(None)
    return None


# --- account -------------------------------------------------------------------------------

def _state(call, res):
    return call.t("hotline.state.on" if res.active else "hotline.state.off")


def say_status(call):
    call.say("hotline.account.status", state=_state(call, residence(call)))


@prompt_values("account")
def account_values(call):
    return {"toggle": call.t("hotline.toggle.off" if residence(call).active else
                             "hotline.toggle.on")}


@action("toggle_alerts")
def toggle_alerts(call, _digit=None):
    res = residence(call)
    res.active = not res.active
    audit(call.session, call.actor, "hotline.alerts_on" if res.active else "hotline.alerts_off",
          "residence", res.id)
    call.say("hotline.account.alerts_now", state=_state(call, res))


@action("change_pin")
def change_pin(call, _digit=None):
    call.data["pin_for"] = "change"
    call.goto("set_pin")


@action("hear_info")
def hear_info(call, _digit=None):
    res = residence(call)
    address = (res.address_line if res.street and not res.address_needs_review
               else call.t("hotline.account.address_review"))
    call.say("hotline.account.info", number=spoken_number(call), address=address,
             language_name=call.t(f"hotline.language.name.{res.language}"))


def _alerts_language(call, language):
    res = residence(call)
    res.language = call.language = language
    audit(call.session, call.actor, "hotline.language_changed", "residence", res.id,
          language=language)
    call.say("hotline.choose_language.done", language_name=call.t(f"hotline.language.name.{language}"))
    call.goto("account")


@action("alerts_french")
def alerts_french(call, _digit=None):
    _alerts_language(call, "fr")


@action("alerts_english")
def alerts_english(call, _digit=None):
    _alerts_language(call, "en")


@action("unregister_confirmed")
def unregister_confirmed(call, _digit=None):
    accounts.unregister(call.session, residence(call), call.actor)
    call.data.pop("residence_id", None)
    call.say("hotline.unregister.done")
    call.hangup()


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


# --- registration ------------------------------------------------------------------------

@action("consent_accepted")
def consent_accepted(call, _digit=None):
    call.data["consent_at"] = utcnow().isoformat()
    call.goto("civic")


@action("cancel")
def cancel(call, _digit=None):
    call.say("hotline.consent.cancelled")
    call.hangup()


@entry("civic")
def civic(call, digits):
    if not digits.isdigit() or len(digits) > 6:
        return "hotline.invalid"
    call.data["civic"] = digits.lstrip("0") or digits
    call.goto("apartment")


@entry("apartment")
def apartment(call, digits):
    if digits and (not digits.isdigit() or len(digits) > 6):
        return "hotline.invalid"
    call.data["apt"] = digits
    if not matching.registry_loaded(call.session):
        call.goto("address_record")
        return None
    _offer(call, matching.candidates(call.session, call.data["civic"]))


def _offer(call, found, narrowing=False):
    if not found:
        call.say("hotline.address.not_found")
        call.goto("address_record")
    elif len(found) <= matching.MAX_LISTED:
        call.data["choices"] = [a.id for a in found]
        call.goto("address_choice")
    elif narrowing:
        call.say("hotline.street_letters.more")
    else:
        call.goto("street_letters")


@entry("street_letters")
def street_letters(call, digits):
    if not digits or not all(c in "23456789" for c in digits):
        return "hotline.invalid"
    _offer(call, matching.candidates(call.session, call.data["civic"], digits), narrowing=True)


@prompt_values("address_choice")
def address_choice_values(call):
    items = [call.t("hotline.address_choice.item", address=matching.spoken(address),
                    digit=str(i))
             for i, address in enumerate(_choices(call), start=1)]
    return {"choices": " ".join(items)}


def _choices(call):
    ids = call.data.get("choices", [])
    found = {a.id: a for a in call.session.scalars(select(Address).where(Address.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


@action("address_chosen")
def address_chosen(call, digit):
    choices = _choices(call)
    index = int(digit) - 1
    if index >= len(choices):
        return "hotline.invalid"
    address = choices[index]
    if matching.is_taken(call.session, address.id, call.data.get("apt", "")):
        call.goto("address_taken")
        return None
    call.data.update(address_id=address.id, address_recording=None)
    call.goto("name_record")


@recording("address_record")
def address_record(call, url):
    if not url:
        return "hotline.no_input"
    call.data.update(address_recording=url, address_id=None)
    call.goto("name_record")


@recording("name_record")
def name_record(call, url):
    call.data["name_recording"] = url or None
    call.data["pin_for"] = "register"
    call.goto("set_pin")


@entry("set_pin")
def set_pin(call, digits):
    refusal = pins.refusal(digits, national_digits(call.phone))
    if refusal:
        call.say(refusal)  # a rule, not a strike: nobody loses a registration over it
        return None
    call.data["pin_hash"] = hash_secret(digits)
    call.goto("confirm_pin")


@entry("confirm_pin")
def confirm_pin(call, digits):
    pin_hash = call.data.pop("pin_hash", None)
    if not pin_hash or not verify_secret(pin_hash, digits):
        call.say("hotline.pin.mismatch")
        call.goto("set_pin")
        return None
    if call.data.get("pin_for") == "change":
        accounts.set_password(call.session, residence(call), pin_hash, call.actor)
        call.say("hotline.pin_changed")
        say_status(call)
        call.goto("account")
    else:
        finish_registration(call, pin_hash)
    return None


def finish_registration(call, pin_hash):
    """DONE: the residence and its number are created here, all at once, or not at all."""
    data = call.data
    if data.get("address_id") and matching.is_taken(call.session, data["address_id"],
                                                    data.get("apt", "")):
        call.goto("address_taken")
        return
    if call.phone_row() is not None:  # registered meanwhile, by another call
        call.goto("auth")
        return
    res = accounts.register(call.session, {**data, "pin_hash": pin_hash}, call.language,
                            call.actor)
    address = call.session.get(Address, res.address_id) if res.address_id else None
    spoken_address = (matching.spoken(address) if address
                      else call.t("hotline.done.address_recorded"))
    if data.get("keyed"):
        code = accounts.new_code(call.session, call.phone, "number_verification")
        call.jobs.append(("ivr.hotline.callbacks.verify_number", code.id))
        call.say("hotline.done.pending", number=spoken_number(call))
    call.say("hotline.done", number=spoken_number(call), address=spoken_address)
    call.data = {"phone": call.phone, "registered": res.id}
    call.hangup(None)
