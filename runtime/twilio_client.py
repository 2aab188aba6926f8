"""The official Twilio client, pointed at Twilio or at the carrier simulator."""

from collections.abc import Mapping
from typing import Any

from flask import Flask
from requests.adapters import HTTPAdapter
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

POOL_SIZE = 64
"""Kept-alive connections per client. The library keeps cpu_count + 4 for HTTPS (10 for
HTTP): at 50 calls a second and 0.2 s an answer the dialer's threads have 10-20 requests
out at once, and each one past the pool would pay a new TLS handshake."""


def make_client(config: Mapping[str, Any], timeout: float = 10.0) -> Client:
    """A Client for the configured account; `api.base_url` follows TWILIO_API_BASE_URL."""
    http = TwilioHttpClient(timeout=timeout)
    for scheme in ("https://", "http://"):
        http.session.mount(scheme, HTTPAdapter(pool_maxsize=POOL_SIZE))
    client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], http_client=http)
    client.api.base_url = config["TWILIO_API_BASE_URL"]
    return client


def get_client(app: Flask) -> Client:
    client: Client | None = app.extensions.get("twilio")
    if client is None:
        client = app.extensions["twilio"] = make_client(app.config)
    return client
