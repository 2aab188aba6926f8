"""The staff console under /staff (issue 6): login, campaigns, residents, staff accounts."""
from flask import Blueprint
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

bp = Blueprint("console", __name__, url_prefix="/staff", template_folder="templates",
               static_folder="static", static_url_path="/static")

login_manager = LoginManager()
csrf = CSRFProtect()

# Blueprints Twilio (or a load balancer) posts to: they cannot carry a CSRF token.
CSRF_EXEMPT_BLUEPRINTS = ("health", "hotline", "alerts")


def init_app(app) -> None:
    """Bind login and CSRF to APP; call after the blueprints are registered."""
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    if app.config.get("PUBLIC_BASE_URL", "").startswith("https://"):
        app.config.setdefault("SESSION_COOKIE_SECURE", True)
    login_manager.init_app(app)
    csrf.init_app(app)
    for name in CSRF_EXEMPT_BLUEPRINTS:
        if name in app.blueprints:
            csrf.exempt(app.blueprints[name])


from . import auth, campaigns, progress, residents, staff  # noqa: E402,F401  (routes on bp)
