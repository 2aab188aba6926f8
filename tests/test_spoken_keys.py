"""Every key a caller hears is a key the conversation takes, and every key it takes is heard:
in both languages, for every hotline menu (with and without a staff line), the number's
verification call-back, the temporary-password call and the alert call (with and without the
confirmation). The keys heard are read from the TwiML's <Say> ("appuyez sur 1", "press the star
key"); the keys taken are found by pressing each key, through signed webhook requests, at the
menu: a key not taken is answered "Ce choix n'est pas valide" (the alert call and the call-back
have no such answer: a key they do not offer replays the menu, or leaves the number unconfirmed).

The only keys taken unsaid are the shortcuts the product's rules give every prompt: 9 repeats
any menu, * goes one step back where there is one (docs: /work/shared/product/hotline.md, "On
every prompt").
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from dialer import campaigns, dispatch
from hotline import accounts
from hotline.callbacks import token_for
from hotline.menus import MENUS
from models import Address, HotlineCall, PhoneNumber, Residence, utcnow
from models.passwords import hash_secret
from runtime.i18n import t
from tests.fixtures.dialer import add_residence as add_alert_residence
from tests.fixtures.dialer import signed_post
from tests.fixtures.hotline import Caller, Heard, add_addresses

KEYS = "0123456789*"
SAID = {
    "fr": re.compile(r"(?:appuyez(?: seulement)? sur|puis) (\d|l'étoile|le carré)"),
    "en": re.compile(r"(?:press|then) (\d|the star key|the pound key)"),
}
NAMED = {"l'étoile": "*", "le carré": "#", "the star key": "*", "the pound key": "#"}
REPEAT, BACK = "9", "*"
PIN_HASH = hash_secret("258036")
_numbers = iter(range(4185551000, 4185559999))


def said_keys(element) -> set[str]:
    """The keys the <Say> elements under ELEMENT tell the caller to press."""
    keys = set()
    for say in element.iter("Say"):
        language = "fr" if say.get("language", "").startswith("fr") else "en"
        keys |= {NAMED.get(key, key) for key in SAID[language].findall(say.text or "")}
    return keys


# --- the hotline ------------------------------------------------------------------------------


def _residence(session, language) -> Residence:
    e164 = f"+1{next(_numbers)}"
    residence = Residence(
        language=language,
        civic_number="1234",
        street="boulevard Harvey",
        city="JONQUIÈRE",
        postal_code="G7X 1A1",
        active=True,
        password_hash=PIN_HASH,
        registered_via="staff",
    )
    residence.phones.append(PhoneNumber(e164=e164, kind="voice", verified_at=utcnow()))
    session.add(residence)
    session.commit()
    return residence


def _state(session, menu, language) -> tuple[str, dict]:
    """A caller's number and the call's data that put a call at MENU."""
    e164 = f"+1{next(_numbers)}"
    if menu in ("announcement", "announcement_language"):  # the alerts in force said first
        alert = campaigns.create_campaign(
            session,
            "t",
            title="Avis",
            message_fr="Avis.",
            message_en="Notice.",
            target={"all": True},
        )
        e164, data = _state(session, "auth" if menu == "announcement" else "unregistered", language)
        return e164, {**data, "alerts": [alert.id]}
    if menu in (
        "auth",
        "account",
        "choose_language",
        "unregister",
        "locked",
        "confirm_off",
        "no_pin",
    ):
        residence = _residence(session, language)
        if menu == "no_pin":  # registered by an import, without a PIN
            residence.password_hash = None
            session.commit()
        e164 = residence.phones[0].e164
        return e164, {"phone": e164, "keyed": False, "residence_id": residence.id}
    if menu == "confirm_number":
        return e164, {"entered": f"+1{next(_numbers)}"}
    if menu == "address_choice":  # two addresses found: keys 1 and 2 (and 0), not 3 to 5
        found = session.scalars(
            select(Address.id).where(Address.civic_number == "120").order_by(Address.id)
        ).all()
        return e164, {
            "phone": e164,
            "keyed": False,
            "civic": "120",
            "apt": "",
            "choices": list(found[:2]),
        }
    if menu == "confirm_pin":
        return e164, {"phone": e164, "keyed": False, "pin_for": "register", "pin_hash": PIN_HASH}
    if menu in ("apartment", "street_letters"):
        return e164, {"phone": e164, "keyed": False, "civic": "120"}
    return e164, {"phone": e164, "keyed": False, "consent_at": utcnow().isoformat()}


class Hotline:
    def __init__(self, client, app, session, language):
        self.client, self.app, self.session, self.language = client, app, session, language

    def at(self, menu) -> Caller:
        """A caller whose call waits at MENU (its state, as the server keeps it)."""
        e164, data = _state(self.session, menu, self.language)
        caller = Caller(self.client, self.app, e164)
        self.session.add(
            HotlineCall(
                call_sid=caller.sid,
                from_number=e164,
                language=self.language,
                step=menu,
                strikes=0,
                data=data,
                expires_at=utcnow() + timedelta(hours=1),
            )
        )
        self.session.commit()
        return caller

    def prompt(self, menu) -> Heard:
        return self.at(menu).silence()

    def taken(self, menu, key) -> bool:
        """Whether KEY pressed at MENU is taken (not refused as an invalid choice)."""
        heard = self.at(menu).press(key)
        assert t(self.language, "common.error") not in heard, (menu, key, heard)
        return t(self.language, "hotline.invalid") not in heard


@pytest.fixture(params=[False, True], ids=["no-staff-line", "staff-line"])
def staff_line(request, app_config):
    if request.param:
        app_config["STAFF_TRANSFER_NUMBER"] = "+14186983200"
    return request.param


OPTION_MENUS = sorted(name for name, menu in MENUS.items() if not menu.entry and not menu.record)
ENTRY_MENUS = sorted(name for name, menu in MENUS.items() if menu.entry or menu.record)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_hotline_menu_takes_the_keys_it_says_and_only_those(staff_line, language, request):
    app, client, session = (request.getfixturevalue(name) for name in ("app", "client", "session"))
    add_addresses(
        session, [("120", "rue Racine Est", "CHICOUTIMI"), ("120", "rue Riverin", "CHICOUTIMI")]
    )
    hotline = Hotline(client, app, session, language)
    staff_offered = set()
    for menu in OPTION_MENUS:
        if menu == "locked" and not staff_line:
            continue  # reached only when staff can be offered
        heard = hotline.prompt(menu)
        assert heard.gather is not None and heard.gather.get("numDigits") == "1", menu
        said = said_keys(heard.gather)
        assert said, f"{menu}: no key is said"
        taken = {key for key in KEYS if hotline.taken(menu, key)}
        shortcuts = {REPEAT} | ({BACK} if MENUS[menu].back else set())
        assert said <= taken, f"{menu} ({language}): said but refused: {said - taken}"
        assert taken - said <= shortcuts, (
            f"{menu} ({language}): taken but never said: {taken - said - shortcuts}"
        )
        assert REPEAT in taken, menu
        if "0" in said and menu != "address_choice":  # there, 0 = not in the list
            staff_offered.add(menu)
    assert ("account" in staff_offered) == staff_line


@pytest.mark.parametrize("language", ["fr", "en"])
def test_entries_say_the_key_that_ends_them_and_the_star_only_where_it_is_an_option(
    language, client, app, session
):
    hotline = Hotline(client, app, session, language)
    for menu in ENTRY_MENUS:
        heard = hotline.prompt(menu)
        node = heard.gather if heard.gather is not None else heard.record
        said = said_keys(heard.xml)
        assert node.get("finishOnKey") == "#" and "#" in said, menu
        assert said <= {"#", "*"}, f"{menu}: {said}"
        if MENUS[menu].record:
            continue
        answer = hotline.at(menu).press("*")  # taken: anything but the same prompt again
        star_taken = answer.gather is None or _gather_text(answer) != _gather_text(heard)
        if "*" in said:
            assert star_taken, f"{menu}: says the star key, refuses it"
        else:
            assert not star_taken or MENUS[menu].back, f"{menu}: takes the star key unsaid"


def _gather_text(heard) -> str:
    return " ".join(say.text or "" for say in heard.gather.iter("Say"))


def test_every_menu_of_the_hotline_is_walked():
    """A menu added without being walked above would escape the check."""
    assert set(OPTION_MENUS) | set(ENTRY_MENUS) == set(MENUS)
    assert set(OPTION_MENUS) >= {
        "language",
        "account",
        "address_choice",
        "locked",
        "announcement",
        "announcement_language",
    }


# --- the hotline's call-backs -------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_verification_call_back_confirms_by_the_key_it_says_only(
    language, client, app, session
):
    residence = _residence(session, language)
    phone = residence.phones[0]
    phone.verified_at, phone.active = None, False
    session.commit()

    def token():
        code = accounts.new_code(session, phone.e164, "number_verification")
        session.commit()
        return token_for(app.config, code.id)

    heard = Heard(
        signed_post(client, app, f"/voice/callback/{token()}", {"CallSid": "CA" + "b" * 32}).text
    )
    said = said_keys(heard.gather)
    assert said and heard.gather.get("numDigits") == "1"
    confirming = set()
    for key in KEYS:
        answer = Heard(
            signed_post(
                client,
                app,
                f"/voice/callback/{token()}/answer",
                {"CallSid": "CA" + "b" * 32, "Digits": key},
            ).text
        )
        assert t(language, "common.error") not in answer
        if t(language, "hotline.callback.verify.done") in answer:
            confirming.add(key)
    assert confirming == said


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_temporary_password_call_says_no_key_and_takes_none(language, client, app, session):
    residence = _residence(session, language)
    code = accounts.new_code(session, residence.phones[0].e164, "password_reset")
    session.commit()
    heard = Heard(
        signed_post(
            client,
            app,
            f"/voice/callback/{token_for(app.config, code.id)}",
            {"CallSid": "CA" + "b" * 32},
        ).text
    )
    assert t(language, "common.error") not in heard and heard.hangup
    assert said_keys(heard.xml) == set() and heard.gather is None


# --- the alert call -----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("confirmation", [True, False], ids=["confirmation", "no-confirmation"])
def test_the_alert_call_says_its_keys_and_only_those_do_something(
    language, confirmation, client, app, session
):
    add_alert_residence(session, ["+14185550101"], language=language)
    campaign = campaigns.create_campaign(
        session,
        "t",
        title="Avis",
        ask_confirmation=confirmation,
        message_fr="Faites bouillir l'eau.",
        message_en="Boil your water.",
        target={"all": True},
    )
    campaigns.launch(app, campaign.id, "t")
    token = dispatch.claim(session, campaign, lease_s=60).token

    def post(path="", **form):
        return Heard(
            signed_post(
                client,
                app,
                f"/voice/alert/{token}{path}",
                {"CallSid": "CA" + "1" * 32, **form},
                f"lang={language}",
            ).text
        )

    menu = post()
    said = said_keys(menu.gather)
    labels = {
        "fr": (
            r"Pour réécouter le message, appuyez sur (\d)",
            r"Pour confirmer la réception, appuyez sur (\d)",
        ),
        "en": (r"To hear the message again, press (\d)", r"To confirm you received it, press (\d)"),
    }[language]
    repeat, confirm = (set(re.findall(label, menu.text)) for label in labels)
    assert said == repeat | confirm and len(repeat) == 1, menu.text
    assert len(confirm) == (1 if confirmation else 0), menu.text
    confirming = set()
    for key in KEYS + "#":
        answer = post("/keys", Digits=key)
        assert t(language, "alert.error") not in answer
        if t(language, "alert.confirmed") in answer:
            confirming.add(key)
        else:  # any other key: the message and the menu again
            assert answer.gather is not None and said_keys(answer.gather) == said, key
    assert confirming == confirm
