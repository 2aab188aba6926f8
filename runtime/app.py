"""The Flask app every process starts from: settings, logging and the database, bound.

Nothing here touches the database or the network. The web app (`ivr.create_app`) adds its
blueprints, limits, console and commands to it; `python -m dialer` runs on it as it is.
"""

import logging
from typing import Any

from flask import Flask, session

from . import config, db, logs


def base_app(import_name: str, test_config: dict[str, Any] | None = None) -> Flask:
    """An app named IMPORT_NAME with the environment's settings (only config.DEFAULTS when
    TEST_CONFIG has SKIP_ENVIRON), then TEST_CONFIG's, logging configured and the database
    bound."""
    app = Flask(import_name, instance_relative_config=False)
    skip_environ = test_config is not None and test_config.get("SKIP_ENVIRON")
    app.config.update(config.DEFAULTS if skip_environ else config.from_environ())
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    logs.configure(app.config["LOG_FORMAT"])
    # The twilio client logs every request's headers at INFO: eight lines per call.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    db.init_app(app)
    return app


def fresh_session(*keep: str) -> None:
    """At a sign-in: nothing of the anonymous session carries over (its CSRF token, half-done
    forms), except the keys in KEEP: the console and the portal share the one session cookie
    of a browser, and signing in on one must not sign the other's user out."""
    kept = {key: session[key] for key in keep if key in session}
    session.clear()
    session.update(kept)
