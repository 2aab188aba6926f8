"""The web app's factory: the runtime's app, then the limits, the blueprints, the console and
the commands, composed here (no package below knows the others' blueprints)."""

from flask import Flask

import portal
from runtime.app import base_app
from webhooks import BLUEPRINTS as WEBHOOK_BLUEPRINTS

from . import console, limits
from .commands import register_commands


def create_app(test_config: dict | None = None) -> Flask:
    """Build the web app; nothing here touches the database or the network."""
    app = base_app("ivr", test_config)
    limits.init_app(app)  # before any route and CSRF's hook: a body too large is refused unread
    for bp in (*WEBHOOK_BLUEPRINTS, console.bp, portal.bp):
        app.register_blueprint(bp)
    # staff login, and CSRF on every form except Twilio's webhooks (they carry no token)
    console.init_app(app, csrf_exempt=WEBHOOK_BLUEPRINTS)
    portal.init_app(app)  # the residents' portal (/portail): its own limits, the same security
    register_commands(app)
    return app
