"""Registering a residence: consent, address (registry or recording), name, PIN, done."""

import logging

from sqlalchemy import select

from models import Address, utcnow
from models.passwords import hash_secret, verify_secret
from models.phone import national_digits
from runtime.keypad import key_name

from . import accounts, matching, pins
from .account_menu import say_status
from .handlers import action, back, entry, offered, recording, residence, spoken_number
from .identify import caller_e164, verification_refused
from .menus import CALLBACK_CONFIRM_KEY, MENUS

log = logging.getLogger(__name__)


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
    call.data.update(apt=digits, letters_asked=False, letters_retried=False)
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
        call.data["letters_asked"] = True
        call.say("hotline.street_letters.why")  # once: a re-ask or * says the question only
        call.goto("street_letters")


@entry("street_letters")
def street_letters(call, digits):
    if not digits or not all(c in "23456789" for c in digits):
        return "hotline.invalid"
    found = matching.candidates(call.session, call.data["civic"], digits)
    if not found and not call.data.get("letters_retried"):  # one slip: once more
        call.data["letters_retried"] = True
        call.say("hotline.street_letters.none")
        return None
    _offer(call, found, narrowing=True)


@back("address_choice")
def address_choice_back(call):
    """One step back: the street letters when they were asked, else the apartment."""
    return "street_letters" if call.data.get("letters_asked") else "apartment"


@offered("address_choice")
def address_choice_offered(call):
    """A key per address found (the menu's address keys, in order), then "not in the list"."""
    pairs = zip(_address_options(), _choices(call))
    return {
        **{option.key: {"address": matching.spoken(address)} for option, address in pairs},
        **{
            option.key: {}
            for option in MENUS["address_choice"].options
            if option.target != "address_chosen"
        },
    }


def _address_options():
    return [o for o in MENUS["address_choice"].options if o.target == "address_chosen"]


def _choices(call):
    ids = call.data.get("choices", [])
    found = {a.id: a for a in call.session.scalars(select(Address).where(Address.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


@action("address_chosen")
def address_chosen(call, digit):
    keys = [option.key for option in _address_options()]
    address = _choices(call)[keys.index(digit)]  # offered, so one of the addresses found
    if matching.is_taken(
        call.session, address.id, call.data.get("apt", ""), verified=not call.data.get("keyed")
    ):
        call.goto("address_taken")
        return None
    call.data.update(address_id=address.id, address_recording=None)
    call.goto("name_record")


@recording("address_record")
@recording("address_taken_record")  # the address is taken: a message for staff to check
def address_record(call, url):
    if not url:
        return "hotline.no_input"
    call.data.update(address_recording=url, address_id=None)
    call.goto("name_record")


@recording("name_record")
def name_record(call, url):
    """The name said; the end key alone skips it; a first silence asks again."""
    if url is None and not call.data.get("name_asked_again"):
        call.data["name_asked_again"] = True
        return "hotline.no_input"
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


def _may_register(call, keyed) -> bool:
    """Check the address and the number once more (another call may have taken them); the
    caller's own number first drops unconfirmed registrations holding either."""
    data = call.data
    if data.get("address_id") and matching.is_taken(
        call.session, data["address_id"], data.get("apt", ""), verified=not keyed
    ):
        call.goto("address_taken")
        return False
    existing = call.phone_row()
    if existing is not None:
        if keyed or not accounts.is_unverified(existing.residence):
            call.goto("auth")  # registered meanwhile, by another call
            return False
        accounts.drop_unverified(
            call.session, existing.residence, call.actor, "number_registered_by_its_owner"
        )
    if not keyed and data.get("address_id"):
        accounts.drop_unverified_at(
            call.session, data["address_id"], data.get("apt", ""), call.actor
        )
    return True


def finish_registration(call, pin_hash):
    """DONE: the residence and its number are created here, all at once, or not at all.

    The caller's own number (caller ID) replaces a registration keyed in by someone else and
    never confirmed, for that number or that address; a keyed-in number first takes its
    verification call-back from the daily caps."""
    data = call.data
    keyed = bool(data.get("keyed"))
    if keyed:  # first: its counter row also makes simultaneous registrations of it wait
        refusal = accounts.take_verification(call.session, call.phone, caller_e164(call))
        if refusal:
            verification_refused(call, refusal)
            return
    if not _may_register(call, keyed):
        if keyed:
            accounts.give_back_verification(call.session, call.phone, caller_e164(call))
        return
    res = accounts.register(call.session, {**data, "pin_hash": pin_hash}, call.language, call.actor)
    log.info(
        "hotline call %s registered residence %s (%s, %s)",
        call.row.call_sid,
        res.id,
        "address from the registry" if res.address_id else "address recorded for review",
        "keyed-in number awaiting confirmation" if data.get("keyed") else "caller ID",
    )
    address = call.session.get(Address, res.address_id) if res.address_id else None
    spoken_address = (
        matching.spoken(address) if address else call.t("hotline.done.address_recorded")
    )
    if data.get("keyed"):  # registered once its owner confirms
        code = accounts.new_code(call.session, call.phone, "number_verification")
        call.jobs.append(("hotline.callbacks.verify_number", code.id))
        call.say(
            "hotline.done.pending",
            number=spoken_number(call),
            confirm_key=key_name(call.language, CALLBACK_CONFIRM_KEY),
        )
        call.say("hotline.done.keyed", number=spoken_number(call), address=spoken_address)
    else:
        call.say("hotline.done", number=spoken_number(call), address=spoken_address)
    call.data = {"phone": call.phone, "registered": res.id}
    call.hangup(None)
