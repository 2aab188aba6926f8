"""The resident web portal under /portail (issue 13): the city's new-user procedure online:
sign-in, new user, forgotten password, the residence's file (dossier), the hotline's PIN,
data download and removal. One account with the hotline (the same residence rows)."""

from flask import Blueprint
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

bp = Blueprint(
    "portal",
    __name__,
    url_prefix="/portail",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# Per-client and all-clients limits of the portal's forms, beside the console's limiter and
# configured the same way (RATELIMIT_STORAGE_URI: the app's Redis, in memory on the embedded
# setup; Redis down: the limit is skipped and logged, the database counters still hold).
limiter = Limiter(
    key_func=get_remote_address,
    swallow_errors=True,
    headers_enabled=True,
    key_prefix="portal-limiter",
)


def init_app(app) -> None:
    """Bind the portal's limiter to APP (after the console's init_app: CSRF, secure cookies
    and the security headers are the app's, set up there for every page)."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)


from . import account, dossier, privacy, registry, sign_in, texts  # noqa: E402,F401  (routes)
