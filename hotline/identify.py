"""Who is calling: language, caller ID or a keyed-in number, password and lockout."""

from models import audit
from models.phone import InvalidPhone, to_e164, try_e164
from runtime.keypad import key_name

from . import accounts, staff
from .account_menu import say_status
from .handlers import action, entry, goodbye_after_failure, on_enter, prompt_values, spoken_number
from .menus import FORGOT_KEY

NUMBER_REFUSALS = {"area_code": "hotline.number.area_code", "too_long": "hotline.number.too_long"}


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
    phone = call.phone_row(e164)
    if phone is not None and (keyed or not accounts.is_unverified(phone.residence)):
        call.goto("auth")
    elif keyed and (
        refusal := accounts.verification_refusal(call.session, e164, caller_e164(call))
    ):
        verification_refused(call, refusal)
    else:  # a number keyed in by someone else and never confirmed: its owner may register it
        call.goto("unregistered")


def caller_e164(call) -> str | None:
    return try_e164(call.row.from_number)


def verification_refused(call, refusal: str):
    """A verification call-back cap is spent: say why; another number may still be keyed."""
    call.say(refusal, limit=accounts.REFUSAL_LIMITS[refusal])
    if refusal == "hotline.verify.limit_number":
        call.goto("enter_number")
    else:
        call.hangup()


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
def before_password(call):
    """A locked number hears the lock; a number registered with no PIN yet (by staff or an
    import) is told so and offered a temporary one, instead of failing at the password."""
    check_lock(call)
    phone = call.phone_row()
    if (
        call.step == "auth"
        and not call.end
        and phone is not None
        and not accounts.has_pin(call.session, phone)
    ):
        call.goto("no_pin")


def check_lock(call, refused=False):
    """Say the lock and end (or offer staff); REFUSED: check_password refused the attempt."""
    phone = call.phone_row()
    if phone is None:
        return
    left = accounts.lock_left(phone)
    if left is not None or refused:
        left = accounts.LOCK_FOR if left is None else left  # attempts spent, lock being set
        minutes = max(1, round(left.total_seconds() / 60))
        call.say("hotline.auth.locked", minutes=minutes)
        if staff.configured(call.config) and staff.open_now(call.config):
            call.goto("locked")
        else:
            call.hangup()


@entry("auth")
def auth(call, digits):
    phone = call.phone_row()
    if phone is None:
        call.goto("unregistered")
        return None
    if not digits.isdigit():
        return "hotline.invalid"
    if accounts.locked(phone):  # locked meanwhile, by failures in another call
        check_lock(call)
        return None
    result = accounts.check_password(call.session, phone, digits, call.actor)
    if result == "locked":
        check_lock(call, refused=True)
    elif result == "wrong":
        tries = call.data["auth_tries"] = call.data.get("auth_tries", 0) + 1
        call.say("hotline.auth.wrong")
        if tries >= 3:
            call.say("hotline.auth.too_many")
            call.say("hotline.next.forgot", forgot_key=key_name(call.language, FORGOT_KEY))
            goodbye_after_failure(call)
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


@action("forgot")
def forgot(call, _digits=None):
    """FORGOT_KEY at the password: a temporary one by call-back, or by SMS to a mobile (3 a day)."""
    phone = call.phone_row()
    if phone is None:
        call.goto("unregistered")
        return None
    if not accounts.take_reset(call.session, phone.e164):
        call.say("hotline.forgot.limit")
        return None
    channel = "sms" if phone.kind == "sms" else "voice"
    code = accounts.new_code(call.session, phone.e164, "password_reset", channel)
    audit(
        call.session,
        call.actor,
        "hotline.password_reset_requested",
        "residence",
        phone.residence_id,
        channel=channel,
    )
    call.jobs.append(("hotline.callbacks.password_reset", code.id, call.row.call_sid))
    if channel == "sms":
        call.say("hotline.forgot.sms", number=spoken_number(call))
        call.hangup()
    else:
        call.say("hotline.forgot.call", number=spoken_number(call))
        call.hangup(None)
    return None
