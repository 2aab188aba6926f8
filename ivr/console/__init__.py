"""The staff console under /staff (issue 6): login, campaigns, residents, staff accounts."""

from flask import Blueprint
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/staff",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

login_manager = LoginManager()
csrf = CSRFProtect()
# Sign-in throttling per client address; its counters live in the app's Redis (REDIS_URL),
# in memory on the embedded setup. Redis down: the limit is skipped (logged), the database
# lockout still holds.
limiter = Limiter(
    key_func=get_remote_address, swallow_errors=True, headers_enabled=True, key_prefix="ivr-limiter"
)

# Every page's scripts and styles are files under /staff/static: nothing inline runs.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def content_security_policy(config) -> dict:
    """The policy, with the map's tile server (MAP_TILE_URL) allowed as an image source."""
    policy = dict(CONTENT_SECURITY_POLICY)
    if source := maps.tile_source(config):
        policy["img-src"] += " " + source
    return policy


def init_app(app, csrf_exempt=()) -> None:
    """Bind login, CSRF, throttling and security headers to APP; call after the blueprints
    are registered. CSRF_EXEMPT: blueprints whose posts carry no CSRF token (Twilio's)."""
    https = app.config["PUBLIC_BASE_URL"].startswith("https://")
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:  # the client's address (per-client throttling, audit) as the proxy saw it
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    # Flask's defaults already hold these keys, so setdefault would never take: set them.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = https
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    # Headers on every response (webhooks' TwiML too): CSP, nosniff, frame denial, referrer
    # policy, and HSTS on https requests when the public address is https. Redirecting http to
    # https is the proxy's job (health checks and the simulator speak http).
    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,
        content_security_policy=content_security_policy(app.config),
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        strict_transport_security=https,
        strict_transport_security_include_subdomains=False,
        session_cookie_secure=https,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
    )
    for blueprint in csrf_exempt:
        csrf.exempt(blueprint)


from . import (  # noqa: E402,F401  (routes on bp)
    alerts_templates,  # issue 15 (h2): the templates admins edit
    auth,
    campaign_flow,  # noqa: E402,F401  (issue 15: schedule, approval, follow-ups)
    campaigns,
    formats,
    maps,  # noqa: E402,F401  (issue 16: the map, named sectors)
    progress,
    residents,
    sectors,
    staff,
)
