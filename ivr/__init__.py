"""The app: its factory, configuration, CLI, and the hotline's menus and prompts."""
import logging

from flask import Flask

from . import config as config_module


def create_app(test_config: dict | None = None) -> Flask:
    """Build the web app; nothing here touches the database or the network."""
    app = Flask(__name__, instance_relative_config=False)
    settings = config_module.from_environ() if test_config is None or not test_config.get(
        "SKIP_ENVIRON") else {}
    app.config.update(settings)
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    _configure_logging(app)

    from . import db
    db.init_app(app)

    from . import limits
    limits.init_app(app)  # before any route and CSRF's hook: a body too large is refused unread

    from webhooks import register_blueprints
    register_blueprints(app)

    from .console import init_app as init_console
    init_console(app)  # staff login, and CSRF on every form except Twilio's webhooks

    from .cli import register_commands
    register_commands(app)
    return app


def _configure_logging(app: Flask) -> None:
    from .logs import configure
    configure(app.config.get("LOG_FORMAT") or "text")
    # The twilio client logs every request's headers at INFO: eight lines per call.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
