"""How large a request body may be, per route, refused (413) before the body is read; how
large a number a URL's path may carry.

Twilio's webhooks are small (WEBHOOK_MAX_BYTES), the console's CSV uploads large
(UPLOAD_MAX_BYTES), everything else REQUEST_MAX_BYTES. A body announced larger is refused
from its Content-Length; one sent without a length is cut off by Werkzeug at the same limit.
"""

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

MAX_PATH_INT = 2**31 - 1
"""The largest `<int:...>` a URL may carry (an INTEGER key); a larger one is a 404."""


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` bounded to an INTEGER column's range: /staff/residents/10**20 is a 404,
    never an overflow in the database."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_PATH_INT, signed=False):
        super().__init__(url_map, fixed_digits, min, max, signed)


WEBHOOK_BLUEPRINTS = {"hotline", "alerts"}
UPLOAD_ENDPOINTS = {
    "console.resident_import",
    "console.campaign_new",
    "console.campaign_edit",
    "console.campaign_count",
    "console.sector_list",  # named sectors as GeoJSON (issue 16)
}


def limit_for(app: Flask, blueprint: str | None, endpoint: str | None) -> int:
    config = app.config
    if blueprint in WEBHOOK_BLUEPRINTS:
        return config["WEBHOOK_MAX_BYTES"]
    if endpoint in UPLOAD_ENDPOINTS:
        return config["UPLOAD_MAX_BYTES"]
    return config["REQUEST_MAX_BYTES"]


def init_app(app: Flask) -> None:
    """Register the limits; call before any route is added and any hook reads the body."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.config.setdefault("WEBHOOK_MAX_BYTES", 64 * 1024)
    app.config.setdefault("UPLOAD_MAX_BYTES", 21 * 1024 * 1024)
    app.config.setdefault("REQUEST_MAX_BYTES", 1024 * 1024)
    app.config["MAX_CONTENT_LENGTH"] = app.config["REQUEST_MAX_BYTES"]

    @app.before_request
    def _limit_body():
        limit = limit_for(app, request.blueprint, request.endpoint)
        request.max_content_length = limit
        if request.content_length is not None and request.content_length > limit:
            abort(413)
