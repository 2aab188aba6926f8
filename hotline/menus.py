"""Every hotline menu: its prompt, its options (key, label, target) and the special keys: the one
source of the keys a caller hears and presses (the catalogues hold labels, never keys).

A menu is said as: its prompt (a catalogue key; entry and recording prompts name END_KEY
through `{end_key}`), then each option offered, "label, appuyez sur KEY" (runtime.keypad), then
its `outro`, the staff option (STAFF_KEY, when a staff number is configured) and the repeat option
(REPEAT_KEY) where `repeat`. The engine accepts exactly the options said, plus the shortcuts the
product's rules give every prompt without saying them: REPEAT_KEY repeats any options menu, and
BACK_KEY goes `back` where a menu has a step before it.

BACK_KEY goes to `back`, or where `handlers.BACK[name]` says for a menu reached in more than
one way (the address list: the street letters when they were asked). A `preamble` prompt is
said in full the first time and at REPEAT_KEY, not after a silence, an invalid key or a step
back to it (BACK_KEY: the menu was just heard).

An option's target is another menu (go there) or the name of an action in `handlers.ACTIONS`.
Entry menus take digits ended by END_KEY and hand them to `handlers.ENTRIES[name]`, unless the
first key is one of the menu's options (FORGOT_KEY at the password); recording menus hand the
recording to `handlers.RECORDINGS`. Silence and invalid keys are re-asked (3 strikes).
"""

from dataclasses import dataclass

from runtime.keypad import POUND, STAR, Option

from .matching import MAX_LISTED

REPEAT_KEY = "9"  # hear the menu again (every options menu; said where Menu.repeat)
STAFF_KEY = "0"  # speak with staff (when STAFF_TRANSFER_NUMBER is set and Menu.staff)
BACK_KEY = STAR  # one step back, where Menu.back is set
END_KEY = POUND  # ends an entry (digits) or a recording
FORGOT_KEY = STAR  # at the password (which has no step before it): a temporary password
CALLBACK_CONFIRM_KEY = "1"  # the person called back confirms a keyed-in number

STAFF_OPTION = Option(STAFF_KEY, "hotline.option.staff", "staff")
REPEAT_OPTION = Option(REPEAT_KEY, "hotline.option.repeat", "repeat")


@dataclass(frozen=True)
class Menu:
    prompt: str | None = None  # catalogue key said before the options
    options: tuple[Option, ...] = ()
    entry: bool = False  # digits ended by END_KEY, handled by handlers.ENTRIES[name]
    record: int = 0  # seconds of <Record> (handlers.RECORDINGS[name])
    back: str | None = None  # where BACK_KEY leads
    staff: bool = True  # offer STAFF_KEY (when a staff number is configured)
    repeat: bool = False  # say "REPEAT_KEY repeats" after the options
    empty_ok: bool = False  # END_KEY alone is an answer (told from silence by FinishedOnKey)
    outro: str | None = None  # catalogue key said after the options
    bilingual: bool = False  # said in French, then in English (each option in its language)
    preamble: bool = False  # the prompt explains: after a miss, only the options are said

    def option(self, key: str) -> Option | None:
        return next((option for option in self.options if option.key == key), None)


def _options(*options: tuple[str, str, str]) -> tuple[Option, ...]:
    return tuple(Option(key, label, target) for key, label, target in options)


MENUS: dict[str, Menu] = {
    "language": Menu(
        options=(
            Option("1", "hotline.language.french", "set_french", "fr"),
            Option("2", "hotline.language.english", "set_english", "en"),
        ),
        staff=False,
        bilingual=True,
    ),
    "enter_number": Menu("hotline.enter_number.prompt", entry=True, staff=False),
    "confirm_number": Menu(
        "hotline.confirm_number.prompt",
        _options(
            ("1", "hotline.confirm_number.right", "number_confirmed"),
            ("2", "hotline.confirm_number.again", "enter_number"),
        ),
        back="enter_number",
    ),
    "unregistered": Menu(
        "hotline.unregistered.prompt",
        _options(
            ("1", "hotline.unregistered.register", "consent"),
            ("2", "hotline.unregistered.other", "enter_number"),
        ),
        repeat=True,
        preamble=True,
    ),
    # a number registered by staff or an import, with no PIN yet: a temporary one by call-back
    "no_pin": Menu(
        "hotline.no_pin.prompt", _options(("1", "hotline.no_pin.callback", "forgot")), repeat=True
    ),
    "auth": Menu(
        "hotline.auth.prompt",
        _options((FORGOT_KEY, "hotline.auth.forgot", "forgot")),
        entry=True,
        staff=False,
    ),
    "locked": Menu(),  # the lock was said: only the staff option (offered when configured)
    "account": Menu(
        options=_options(
            ("1", "hotline.account.toggle", "toggle_alerts"),
            ("2", "hotline.account.change_pin", "change_pin"),
            ("3", "hotline.account.hear_info", "hear_info"),
            ("4", "hotline.account.language", "choose_language"),
            ("5", "hotline.account.unregister", "unregister"),
        ),
        repeat=True,
    ),
    "confirm_off": Menu(
        "hotline.confirm_off.prompt",
        _options(
            ("1", "hotline.confirm_off.confirm", "alerts_off_confirmed"),
            ("2", "hotline.confirm_off.keep", "account"),
        ),
        back="account",
        preamble=True,
    ),
    "choose_language": Menu(
        options=_options(
            ("1", "hotline.choose_language.french", "alerts_french"),
            ("2", "hotline.choose_language.english", "alerts_english"),
        ),
        back="account",
    ),
    "unregister": Menu(
        options=_options(
            ("1", "hotline.unregister.confirm", "unregister_confirmed"),
            ("2", "hotline.unregister.keep", "account"),
        ),
        back="account",
    ),
    # registration
    "consent": Menu(
        "hotline.consent.prompt",
        _options(
            ("1", "hotline.consent.accept", "consent_accepted"),
            ("2", "hotline.consent.cancel", "cancel"),
        ),
        back="unregistered",
        preamble=True,
    ),
    "civic": Menu("hotline.civic.prompt", entry=True, back="consent", staff=False),
    "apartment": Menu(
        "hotline.apartment.prompt", entry=True, back="civic", staff=False, empty_ok=True
    ),
    "street_letters": Menu(
        "hotline.street_letters.prompt", entry=True, back="apartment", staff=False
    ),
    # the addresses found, one per key (handlers.OFFERED says which are offered), then 0
    "address_choice": Menu(
        options=(
            *(
                Option(str(i), "hotline.address_choice.item", "address_chosen")
                for i in range(1, MAX_LISTED + 1)
            ),
            Option("0", "hotline.address_choice.none", "address_record"),
        ),
        back="apartment",
        staff=False,
    ),  # or the street letters, when asked (handlers.BACK)
    "address_taken": Menu(
        "hotline.address_taken.prompt",
        _options(
            ("1", "hotline.address_taken.other", "civic"),
            ("2", "hotline.address_taken.message", "address_taken_record"),
        ),
        preamble=True,
    ),
    "address_record": Menu("hotline.address_record.prompt", record=30, staff=False),
    # the address said for staff to check (Residence.address_needs_review): someone who moved in
    "address_taken_record": Menu("hotline.address_taken_record.prompt", record=30, staff=False),
    "name_record": Menu("hotline.name_record.prompt", record=10, staff=False),
    "set_pin": Menu("hotline.set_pin.prompt", entry=True, staff=False),
    "confirm_pin": Menu("hotline.confirm_pin.prompt", entry=True, back="set_pin", staff=False),
    # --- h1: the alerts in force, said before anything else (hotline/announcement_menu.py) ---
    # a registered caller, in the residence's language: 1 goes on to the password, 9 repeats
    "announcement": Menu(
        "hotline.h1_announce.prompt",
        _options(("1", "hotline.h1_announce.go_on", "announce_go_on")),
        staff=False,
        repeat=True,
        preamble=True,
    ),
    # anyone else, in French then in English: the key that goes on chooses the language
    "announcement_language": Menu(
        "hotline.h1_announce.prompt",
        (
            Option("1", "hotline.h1_announce.go_on_french", "announce_french", "fr"),
            Option("2", "hotline.h1_announce.go_on_english", "announce_english", "en"),
        ),
        staff=False,
        repeat=True,
        preamble=True,
        bilingual=True,
    ),
}

CALLBACK_MENU = Menu(
    "hotline.callback.verify.prompt",
    _options((CALLBACK_CONFIRM_KEY, "hotline.callback.verify.confirm", "number_confirmed")),
    outro="hotline.callback.verify.otherwise",
    staff=False,
)
"""What the person called to confirm a keyed-in number hears (hotline/callbacks.py); any other
key, or silence, leaves the number unconfirmed."""


def _check(menus: dict[str, Menu]) -> None:
    """Refuse, at import, a menu whose options take a key its shortcuts already use."""
    for name, menu in menus.items():
        keys = [option.key for option in menu.options]
        taken = {END_KEY} | ({BACK_KEY} if menu.back else set())
        if not menu.entry:
            taken |= {REPEAT_KEY} | ({STAFF_KEY} if menu.staff else set())
        elif any(key.isdigit() for key in keys):
            raise ValueError(f"menu {name}: an entry option on a digit would hide entries")
        if len(set(keys)) != len(keys) or taken & set(keys):
            raise ValueError(f"menu {name}: a key is used twice: {keys}")


_check(MENUS)
