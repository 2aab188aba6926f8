"""Every default of the dialer, in one place."""

from typing import Any

from flask import Flask

from models import campaign_settings

# A campaign's own settings (default, bounds, unit) are one table in models/campaign_settings.py;
# their defaults are named here too, for the dialer's code.
ROUNDS = campaign_settings.ROUNDS.default
"""How many times each residence's numbers are tried."""

RETRY_DELAY_S = campaign_settings.RETRY_DELAY_S.default
"""Delay between rounds of a normal campaign (10 min)."""

RETRY_DELAY_EMERGENCY_S = campaign_settings.RETRY_DELAY_S.default_for(emergency=True)
"""Delay between rounds of an emergency campaign (5 min)."""

RING_TIMEOUT_S = campaign_settings.RING_TIMEOUT_S.default
"""How long a number rings before it counts as no answer (Twilio's `Timeout`)."""

LEAVE_VOICEMAIL = campaign_settings.LEAVE_VOICEMAIL
ASK_CONFIRMATION = campaign_settings.ASK_CONFIRMATION
WINDOW_START = campaign_settings.WINDOW_START
WINDOW_END = campaign_settings.WINDOW_END

CLAIM_LEASE_S = 45.0
"""A worker holds a claimed delivery this long; past it, its unsent call is checked at the
provider and the delivery is handed to another worker (`DIALER_CLAIM_LEASE_S`)."""

CLAIM_MARGIN_S = 5.0
"""A claim that has no call slot this long before its lease ends (at most a quarter of the
lease) is given back rather than placed late."""

OUTAGE_BACKOFF_S = (0.25, 0.5, 1.0, 2.0, 4.0)
"""Waits of a sender thread after successive connection errors (Redis or the database);
the last one repeats until the service answers again."""

FINAL_CALLBACK_GRACE_S = 60.0
"""Past ring time plus this margin, a call with no final callback is fetched from the REST API."""

AMD_GRACE_S = 10.0
"""An answered call that ended before its AMD result is settled (by fetching it) after this."""

POLL_INTERVAL_S = 0.5
"""How often an idle dialer looks for due deliveries."""

RECONCILE_INTERVAL_S = 2.0
"""How often the reconciler checks leases, missing callbacks, completion and expiry."""

STALL_S = 60.0
"""A worker whose deliveries have been due this long with no call placed is stalled
(`DIALER_STALL_S`)."""

HEARTBEAT_S = 5.0
"""How often a worker rewrites its heartbeat row (`DIALER_HEARTBEAT_S`)."""

HTTP_TIMEOUT_S = 10.0
"""Timeout of one REST request to the provider; past it the request is ambiguous."""

MAX_IN_PROGRESS = 0
"""Optional cap on calls in progress for the whole account, claimed to ended (e.g. what the
city's trunk or Twilio plan carries); 0 = no cap (`DIALER_MAX_IN_PROGRESS`)."""

RATE_LIMIT_BACKOFF_S = (0.25, 0.5, 1.0, 2.0, 4.0)
"""Waits after successive 429 / 20429 answers."""


def setting(app: Flask, name: str, default: Any) -> Any:
    """Setting NAME (e.g. DIALER_THREADS) as the app's config holds it (runtime/config.py reads
    the environment), else DEFAULT (converted to DEFAULT's type; tuples from comma-separated
    text)."""
    value = app.config.get(name)
    if value in (None, ""):
        return default
    if isinstance(default, tuple):
        return tuple(float(v) for v in (value.split(",") if isinstance(value, str) else value))
    if default is None:
        return float(value)
    return type(default)(value)
