"""Every hotline menu: its prompt, its digits and where each leads (one table).

An option's target is either another menu (go there) or the name of an action in
`handlers.ACTIONS`. Entry menus take digits ended by # and hand them to `handlers.ENTRIES`;
recording menus hand the recording to `handlers.RECORDINGS`. Everywhere: silence and invalid
keys are re-asked (3 strikes), 9 repeats an options menu, 0 reaches staff when configured,
* goes `back`.
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Menu:
    prompt: str                                            # catalogue key
    options: dict[str, str] = field(default_factory=dict)  # digit -> menu or action
    entry: bool = False          # digits ended by #, handled by handlers.ENTRIES[name]
    record: int = 0              # seconds of <Record> (handlers.RECORDINGS[name])
    back: str | None = None      # where * leads
    staff: bool = True           # offer 0 = staff (when a staff number is configured)
    repeat: bool = False         # say "9 repeats" after the prompt
    empty_ok: bool = False       # "#" alone is an answer (told from silence by FinishedOnKey)


MENUS: dict[str, Menu] = {
    "language": Menu("hotline.language.prompt", {"1": "set_french", "2": "set_english"},
                     staff=False),
    "enter_number": Menu("hotline.enter_number.prompt", entry=True, staff=False),
    "confirm_number": Menu("hotline.confirm_number.prompt",
                           {"1": "number_confirmed", "2": "enter_number"}, back="enter_number"),
    "unregistered": Menu("hotline.unregistered.prompt", {"1": "consent", "2": "enter_number"},
                         repeat=True),
    "auth": Menu("hotline.auth.prompt", entry=True, staff=False),  # * = forgotten password
    "locked": Menu("hotline.option.staff", {}),
    "account": Menu("hotline.account.prompt",
                    {"1": "toggle_alerts", "2": "change_pin", "3": "hear_info",
                     "4": "choose_language", "5": "unregister"}, repeat=True),
    "choose_language": Menu("hotline.choose_language.prompt",
                            {"1": "alerts_french", "2": "alerts_english"}, back="account"),
    "unregister": Menu("hotline.unregister.prompt",
                       {"1": "unregister_confirmed", "2": "account"}, back="account"),
    # registration
    "consent": Menu("hotline.consent.prompt", {"1": "consent_accepted", "2": "cancel"},
                    back="unregistered"),
    "civic": Menu("hotline.civic.prompt", entry=True, back="consent", staff=False),
    "apartment": Menu("hotline.apartment.prompt", entry=True, back="civic", staff=False,
                      empty_ok=True),
    "street_letters": Menu("hotline.street_letters.prompt", entry=True, back="civic",
                           staff=False),
    "address_choice": Menu("hotline.address_choice.prompt",
                           {**{str(i): "address_chosen" for i in range(1, 6)},
                            "0": "address_record"}, back="civic", staff=False),
    "address_taken": Menu("hotline.address_taken.prompt", {"1": "civic"}),
    "address_record": Menu("hotline.address_record.prompt", record=30, staff=False),
    "name_record": Menu("hotline.name_record.prompt", record=10, staff=False),
    "set_pin": Menu("hotline.set_pin.prompt", entry=True, staff=False),
    "confirm_pin": Menu("hotline.confirm_pin.prompt", entry=True, back="set_pin", staff=False),
}
