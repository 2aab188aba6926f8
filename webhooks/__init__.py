"""The HTTP endpoints Twilio calls (/voice/...): thin adapters that check the signature and the
parameters, then hand the request to the hotline or the dialer and answer their TwiML.

The app composes `BLUEPRINTS` with its own (ivr/factory.py).
"""

from . import alerts, health, hotline, sms
from .signature import twilio_signed

BLUEPRINTS = (health.bp, hotline.bp, alerts.bp, sms.bp)
"""Every blueprint Twilio (or a load balancer) posts to: none can carry a CSRF token."""

__all__ = ["BLUEPRINTS", "twilio_signed"]
