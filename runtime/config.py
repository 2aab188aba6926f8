"""Configuration from the environment, in one place (see the README's table)."""

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values, find_dotenv

from models import session as db_session

log = logging.getLogger(__name__)

TWILIO_DEFAULT_API_BASE_URL = "https://api.twilio.com"
SIMULATOR_AUTH_TOKEN = "simulator-auth-token"
"""The simulator's own auth token: it never holds an account's."""
OUTBOX_DEFAULTS = {
    "OUTBOX_RELAY_INTERVAL_S": 1.0,  # how often an idle relay looks for promised jobs to hand
    "OUTBOX_BACKOFF_MAX_S": 30.0,  # longest wait between two hand-offs to an unreachable Redis
    "OUTBOX_REHAND_AFTER_S": 60.0,  # a handed job not yet run is looked up in RQ after this
    "OUTBOX_MAX_RUNS": 3,  # runs of a job that raises before it is marked failed
    "OUTBOX_KEEP_DAYS": 7,  # finished promises are deleted after this
}


DIALER_TUNING = (
    "DIALER_THREADS",
    "DIALER_POLL_INTERVAL_S",
    "DIALER_RECONCILE_INTERVAL_S",
    "DIALER_CLAIM_LEASE_S",
    "DIALER_MAX_IN_PROGRESS",
    "DIALER_HTTP_TIMEOUT_S",
    "DIALER_RATE_LIMIT_BACKOFF_S",
    "DIALER_AMBIGUOUS_WAIT_S",
    "DIALER_FINAL_CALLBACK_GRACE_S",
    "DIALER_FINAL_CALLBACK_AFTER_S",
    "DIALER_AMD_GRACE_S",
    "DIALER_STALL_S",
    "DIALER_HEARTBEAT_S",
    "DIALER_SMS_FINAL_GRACE_S",
)
"""The dialer's tuning variables: read here as the text given ("" when unset); their defaults
and types are the dialer's (dialer/defaults.py, `defaults.setting`)."""
PORTAL_SETTINGS = (
    "ALTCHA_HMAC_KEY",
    "ALTCHA_COST",
    "PORTAL_CLIENT_LIMIT",
    "PORTAL_SEND_CLIENT_LIMIT",
    "PORTAL_SEND_DAILY_LIMIT",
    "PORTAL_SENDS_PER_NUMBER",
)
"""The resident portal's settings: read here as the text given ("" when unset); their defaults
and types are the portal's (portal/defaults.py)."""
DEFAULTS: dict[str, Any] = {
    "DIALER_CPS": 1.0,  # calls a second the Twilio account allows, shared by every process
    "DIALER_MPS": 1.0,  # messages (SMS) a second the account allows, shared by every process
    "DATABASE_POOL_SIZE": db_session.POOL_SIZE,
    "DATABASE_CONNECT_TIMEOUT_S": db_session.CONNECT_TIMEOUT_S,
    "DATABASE_POOL_TIMEOUT_S": db_session.POOL_TIMEOUT_S,
    "METRICS_TOKEN": "",
    "METRICS_PORT": 0,  # 0: no separate metrics server
    "METRICS_BIND": "127.0.0.1",
    "LOG_FORMAT": "text",
    "STAFF_TRANSFER_NUMBER": "",
    "SIMULATOR_CONTROL_TOKEN": "",
    "VOICE_FR": "Polly.Chantal",
    "VOICE_EN": "Polly.Joanna",
    "STAFF_HOURS": "08:30-16:30",
    "TIMEZONE": "America/Toronto",  # the city's: calling windows, staff hours, dates shown
    # Failed staff sign-ins allowed per client address (Flask-Limiter's notation).
    "STAFF_LOGIN_CLIENT_LIMIT": "10 per minute;30 per hour",
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed.
    "TRUSTED_PROXIES": 0,
    "WEBHOOK_SIGNATURE_CHECK": True,
    "CAMPAIGN_APPROVAL": False,  # issue 15: a normal campaign needs a second staff member's OK
    # issue 16: the console map's tile layer, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png
    # (empty: residences and sectors on a plain background), and the credit its owner asks for
    "MAP_TILE_URL": "",
    "MAP_TILE_ATTRIBUTION": "",
    **OUTBOX_DEFAULTS,
    **{name: "" for name in DIALER_TUNING},
    **{name: "" for name in PORTAL_SETTINGS},
}
"""The one default of each setting that has one, and its type: `from_environ` fills them from
the environment, and an app built without it (SKIP_ENVIRON: tests, benchmarks) starts from
them, so no reader of `app.config` re-defaults a setting."""


def read_dotenv() -> dict[str, str]:
    """The variables of the `.env` file found from the working directory up (as `flask` finds
    it), or none; the environment's own values win over the file's."""
    path = find_dotenv(usecwd=True)
    return {k: v for k, v in dotenv_values(path).items() if v is not None} if path else {}


class ConfigError(RuntimeError):
    """The configuration cannot run in this environment."""


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _flag(raw: str | None, default: bool, name: str = "a boolean setting") -> bool:
    """The boolean RAW (the variable NAME's value): 1/true/yes/on or 0/false/no/off, any case;
    unset or empty is DEFAULT; anything else (a typo such as `enabled`) is refused with a
    ConfigError naming NAME and the value, never read as off."""
    value = (raw or "").strip().lower()
    if not value:
        return default
    if value in _TRUE or value in _FALSE:
        return value in _TRUE
    raise ConfigError(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off")


def _bytes(env: Mapping[str, str], name: str, default: int) -> int:
    """A size in bytes: a positive whole number; unset or empty is DEFAULT."""
    value = (env.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) <= 0:
        raise ConfigError(f"{name}={value!r} is not a size in bytes (a positive whole number)")
    return int(value)


def instance_dir() -> Path:
    """Where development keeps its SQLite file and generated secret."""
    path = Path(os.environ.get("IVR_INSTANCE_PATH", Path.cwd() / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _dev_secret_key() -> str:
    key_file = instance_dir() / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def from_environ(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read the settings of interfaces.md from ENVIRON (by default the environment over the
    `.env` file, for every entry point: gunicorn, `ivr`, `python -m dialer`), filling
    development defaults."""
    env = {**read_dotenv(), **os.environ} if environ is None else environ
    production = env.get("IVR_ENV", env.get("FLASK_ENV", "development")) == "production"
    settings = {
        "ENV_NAME": "production" if production else "development",
        "DATABASE_URL": env.get("DATABASE_URL") or "",
        "REDIS_URL": env.get("REDIS_URL") or "",
        "SECRET_KEY": env.get("SECRET_KEY") or "",
        "PUBLIC_BASE_URL": (env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID") or "",
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN") or "",
        "TWILIO_API_BASE_URL": (env.get("TWILIO_API_BASE_URL") or "").rstrip("/"),
        "TWILIO_CALLER_ID": env.get("TWILIO_CALLER_ID") or "",
        "HOTLINE_NUMBER": env.get("HOTLINE_NUMBER") or "",
        # Set by the Procfile under gunicorn: /metrics adds up every web worker's counters.
        "PROMETHEUS_MULTIPROC_DIR": env.get("PROMETHEUS_MULTIPROC_DIR") or "",
        "WEBHOOK_SIGNATURE_CHECK": _flag(
            env.get("WEBHOOK_SIGNATURE_CHECK"),
            DEFAULTS["WEBHOOK_SIGNATURE_CHECK"],
            "WEBHOOK_SIGNATURE_CHECK",
        ),
        "CAMPAIGN_APPROVAL": _flag(
            env.get("CAMPAIGN_APPROVAL"), DEFAULTS["CAMPAIGN_APPROVAL"], "CAMPAIGN_APPROVAL"
        ),
        "WEBHOOK_MAX_BYTES": _bytes(env, "WEBHOOK_MAX_BYTES", 64 * 1024),
        "UPLOAD_MAX_BYTES": _bytes(env, "UPLOAD_MAX_BYTES", 21 * 1024 * 1024),
        "REQUEST_MAX_BYTES": _bytes(env, "REQUEST_MAX_BYTES", 1024 * 1024),
    }
    for name, default in DEFAULTS.items():
        if name not in settings:  # the value given, in the default's type; unset or empty: it
            settings[name] = type(default)(env.get(name) or default)
    settings["LOG_FORMAT"] = str(settings["LOG_FORMAT"]).strip().lower()
    if production:
        missing = [
            name
            for name in ("SECRET_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
            if not settings[name]
        ]
        if not env.get("PUBLIC_BASE_URL"):
            missing.append("PUBLIC_BASE_URL")
        if missing:
            raise ConfigError("production needs these environment variables: " + ", ".join(missing))
        if not settings["DATABASE_URL"]:
            raise ConfigError("production needs DATABASE_URL")
        if not settings["WEBHOOK_SIGNATURE_CHECK"]:
            raise ConfigError(
                "production refuses WEBHOOK_SIGNATURE_CHECK="
                f"{env.get('WEBHOOK_SIGNATURE_CHECK')!r}: Twilio's signature is "
                "always checked in production"
            )
    else:
        if not settings["DATABASE_URL"]:
            settings["DATABASE_URL"] = f"sqlite:///{instance_dir() / 'ivr.sqlite3'}"
            log.info("development: DATABASE_URL not set, using %s", settings["DATABASE_URL"])
        if not settings["SECRET_KEY"]:
            settings["SECRET_KEY"] = _dev_secret_key()
            log.info("development: SECRET_KEY not set, using a generated key kept in instance/")
        if not settings["REDIS_URL"]:
            log.info("development: REDIS_URL not set, using the in-process Redis stand-in")
    settings["USE_SIMULATOR"] = not settings["TWILIO_ACCOUNT_SID"]
    if settings["USE_SIMULATOR"]:
        settings["TWILIO_ACCOUNT_SID"] = "AC" + "0" * 32
        if settings["TWILIO_AUTH_TOKEN"]:
            log.warning(
                "TWILIO_AUTH_TOKEN is ignored without TWILIO_ACCOUNT_SID: the simulator "
                "signs with its own token, never an account's"
            )
        settings["TWILIO_AUTH_TOKEN"] = SIMULATOR_AUTH_TOKEN
        log.info("no Twilio account configured: the carrier simulator stands in for Twilio")
    if not settings["TWILIO_API_BASE_URL"]:
        settings["TWILIO_API_BASE_URL"] = (
            "http://127.0.0.1:5050" if settings["USE_SIMULATOR"] else TWILIO_DEFAULT_API_BASE_URL
        )
    settings["TWILIO_CALLER_ID"] = settings["TWILIO_CALLER_ID"] or "+14185550000"
    settings["HOTLINE_NUMBER"] = settings["HOTLINE_NUMBER"] or "+14185550001"
    return settings
