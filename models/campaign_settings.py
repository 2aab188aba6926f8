"""The settings of an alert campaign, in one table: default, bounds, unit and label.

Read by the model's column defaults (models/campaign.py), the dialer's validation
(dialer/campaigns.py, re-exported by dialer/defaults.py), the console's form and the
`ivr campaign create` options. Values are stored in the table's UNIT; a page may show another
unit (the console shows the retry delay in minutes) but converts from this one, so the bounds
agree exactly everywhere.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    """One whole-number setting of a campaign (a `Campaign` column of the same NAME)."""

    name: str
    default: int
    low: int
    high: int
    unit: str
    """"count" or "s" (seconds): what the stored number counts."""
    label: str
    """The catalogue key of the console's label."""
    help: str | None = None
    """The catalogue key of the console's help line, if any."""
    emergency_default: int | None = None
    """The default of an emergency campaign, when it differs."""
    shown_per: int = 1
    """The console shows the value divided by this (60: minutes for a value in seconds)."""

    def default_for(self, emergency: bool) -> int:
        """The default of a campaign of that priority."""
        if emergency and self.emergency_default is not None:
            return self.emergency_default
        return self.default

    def accepts(self, value: int) -> bool:
        return self.low <= value <= self.high


ROUNDS = Setting("rounds", default=3, low=1, high=10, unit="count", label="console.campaign.rounds")
"""How many times each residence's numbers are tried."""

RETRY_DELAY_S = Setting(
    "retry_delay_s",
    default=600,
    emergency_default=300,
    low=0,
    high=86400,
    unit="s",
    shown_per=60,
    label="console.campaign.retry_delay",
    help="console.campaign.retry_delay_help",
)
"""Delay between rounds: 10 min for a normal campaign, 5 min for an emergency; up to a day."""

RING_TIMEOUT_S = Setting(
    "ring_timeout_s", default=30, low=5, high=120, unit="s", label="console.campaign.ring_timeout"
)
"""How long a number rings before it counts as no answer (Twilio's `Timeout`)."""

SETTINGS: tuple[Setting, ...] = (ROUNDS, RETRY_DELAY_S, RING_TIMEOUT_S)
"""Every whole-number setting, in the order forms show them."""
BY_NAME = {setting.name: setting for setting in SETTINGS}

LEAVE_VOICEMAIL = True
"""Say the whole message to an answering machine after its beep."""

ASK_CONFIRMATION = True
"""Offer "press 2 to confirm" to a person."""

WINDOW_START = "08:00"
"""Normal campaigns call from this local time..."""

WINDOW_END = "21:00"
"""...until this one (emergency campaigns ignore the window)."""

WINDOW_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
"""A window's start or end: HH:MM on a 24-hour clock (the start before the end)."""

EXPIRES_IN_MIN = Setting(
    "expires_in_min",
    default=0,
    low=5,
    high=7 * 24 * 60,
    unit="min",
    label="console.h7.expires_in",
    help="console.h7.expires_in_help",
)
"""Minutes after its creation past which the campaign ends (blank: never).
Not a column: the console's form and `ivr campaign create --expires-in` turn it into the
campaign's `expires_at`; both refuse values outside these bounds."""
