"""The official Twilio client, pointed at Twilio or at the carrier simulator."""
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client


def make_client(config, timeout: float = 10.0) -> Client:
    """A Client for the configured account; `api.base_url` follows TWILIO_API_BASE_URL."""
    client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                    http_client=TwilioHttpClient(timeout=timeout))
    client.api.base_url = config["TWILIO_API_BASE_URL"]
    return client


def get_client(app) -> Client:
    client = app.extensions.get("twilio")
    if client is None:
        client = app.extensions["twilio"] = make_client(app.config)
    return client
