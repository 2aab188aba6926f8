"""The account menu of an authenticated caller: alerts on/off, password, information,
language, unregistering."""

from models import Address, audit

from . import accounts, matching, streets
from .handlers import action, prompt_values, residence, spoken_number


def _state(call, res):
    return call.t("hotline.state.on" if res.active else "hotline.state.off")


def say_status(call):
    call.say("hotline.account.status", state=_state(call, residence(call)))


@prompt_values("account")
def account_values(call):
    return {
        "toggle": call.t("hotline.toggle.off" if residence(call).active else "hotline.toggle.on")
    }


@action("toggle_alerts")
def toggle_alerts(call, _digit=None):
    """Alerts on at once; off only once confirmed (confirm_off)."""
    if residence(call).active:
        call.goto("confirm_off")
    else:
        _set_alerts(call, True)


@action("alerts_off_confirmed")
def alerts_off_confirmed(call, _digit=None):
    _set_alerts(call, False)
    call.goto("account")


def _set_alerts(call, active: bool):
    res = residence(call)
    res.active = active
    audit(
        call.session,
        call.actor,
        "hotline.alerts_on" if res.active else "hotline.alerts_off",
        "residence",
        res.id,
    )
    call.say("hotline.account.alerts_now", state=_state(call, res))


@action("change_pin")
def change_pin(call, _digit=None):
    call.data["pin_for"] = "change"
    call.goto("set_pin")


@action("hear_info")
def hear_info(call, _digit=None):
    res = residence(call)
    address = (
        spoken_address(call, res)
        if res.street and not res.address_needs_review
        else call.t("hotline.account.address_review")
    )
    call.say(
        "hotline.account.info",
        number=spoken_number(call),
        address=address,
        language_name=call.t(f"hotline.language.name.{res.language}"),
    )


def spoken_address(call, res) -> str:
    """The residence's address as said at registration: civic number, street, city (the
    registry's spelling when it has one), the apartment, no postal code."""
    address = call.session.get(Address, res.address_id) if res.address_id else None
    said = (
        matching.spoken(address)
        if address is not None
        else f"{res.civic_number} {streets.spoken_street(res.street)}, "
        f"{streets.spoken_city(res.city)}"
    )
    return (
        call.t("hotline.account.apartment", address=said, apartment=res.apartment)
        if res.apartment
        else said
    )


def _alerts_language(call, language):
    """The residence's one language: its alert calls and this line (said so)."""
    res = residence(call)
    res.language = call.language = language
    audit(
        call.session, call.actor, "hotline.language_changed", "residence", res.id, language=language
    )
    call.say(
        "hotline.choose_language.done", language_name=call.t(f"hotline.language.name.{language}")
    )
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
