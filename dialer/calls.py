"""The provider side of an alert call: create it, cancel it, fetch it, find a lost one.

Everything goes through the official twilio client (`runtime.twilio_client`). Callback URLs carry
the attempt's opaque token, so a callback names its attempt even when the create request's
answer (with the SID) was lost.
"""

import logging
from datetime import datetime, timedelta
from typing import Any, cast

from flask import Flask
from sqlalchemy import select
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from models import QUEUED_AT_PROVIDER, AttemptChannel, CallAttempt
from runtime import urls
from runtime.db import sessionmaker_for
from runtime.twilio_client import make_client

from . import defaults

log = logging.getLogger(__name__)
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


def client_for(app: Flask) -> Client:
    """The dialer's client: one per app, with the dialer's HTTP timeout."""
    client: Client | None = app.extensions.get("dialer_twilio")
    if client is None:
        timeout = defaults.setting(app, "DIALER_HTTP_TIMEOUT_S", defaults.HTTP_TIMEOUT_S)
        client = app.extensions["dialer_twilio"] = make_client(app.config, timeout=timeout)
    return client


def place_call(app: Flask, token: str, to: str, language: str, ring_timeout_s: int) -> str:
    """calls.create with async AMD (DetectMessageEnd) and token-bearing callbacks; the SID."""
    config = app.config
    call = client_for(app).calls.create(
        to=to,
        from_=config["TWILIO_CALLER_ID"],
        url=urls.alert(config, token, language),
        method="POST",
        status_callback=urls.alert_status(config, token),
        status_callback_method="POST",
        status_callback_event=STATUS_EVENTS,
        timeout=int(ring_timeout_s),
        machine_detection="DetectMessageEnd",
        async_amd="true",
        async_amd_status_callback=urls.alert_amd(config, token, language),
        async_amd_status_callback_method="POST",
    )
    return cast(str, call.sid)  # twilio is untyped


def is_rate_limited(error: Exception) -> bool:
    return isinstance(error, TwilioRestException) and (error.status == 429 or error.code == 20429)


def is_definite_refusal(error: Exception) -> bool:
    """A 4xx answer: the provider did not place the call (and will not)."""
    return (
        isinstance(error, TwilioRestException)
        and 400 <= (error.status or 0) < 500
        and not is_rate_limited(error)
    )


def fetch_resource(resources: Any, kind: str, sid: str) -> Any:
    """`resources(sid).fetch()` (calls or messages): what the REST API sees now, or None when
    it cannot be fetched."""
    try:
        return resources(sid).fetch()
    except (TwilioException, OSError) as error:
        log.warning("could not fetch %s %s: %s", kind, sid, error)
        return None


def first_unowned(listed: list[Any], since: datetime, taken_sids: set[str]) -> Any:
    """The first of LISTED (calls or messages to one number) created at or after SINCE (2 s of
    clock slack) that no attempt owns: the answer we lost; None when there is none."""
    lower = since - timedelta(seconds=2)
    for item in sorted(listed, key=lambda i: i.date_created or since):
        created = item.date_created
        if item.sid in taken_sids or (created is not None and created < lower):
            continue
        return item
    return None


def fetch_call(app: Flask, sid: str) -> Any:
    """The call as the REST API sees it now, or None when it cannot be fetched."""
    return fetch_resource(client_for(app).calls, "call", sid)


def find_lost_call(app: Flask, to: str, since: datetime, taken_sids: set[str]) -> Any:
    """A call to TO created at or after SINCE that no attempt owns: the answer we lost."""
    return first_unowned(client_for(app).calls.list(to=to, limit=50), since, taken_sids)


def hang_up_or_redirect(app: Flask, sid: str, url: str | None = None) -> bool:
    """Send the live call to URL (the voicemail message), or hang it up; False if it ended."""
    for attempt in range(3):
        try:
            if url:
                client_for(app).calls(sid).update(url=url, method="POST")
            else:
                client_for(app).calls(sid).update(status="completed")
            return True
        except TwilioRestException as error:
            if error.status < 500 or attempt == 2:  # a 5xx was not applied: try again
                log.info("call %s could not be updated (probably over): %s", sid, error)
                return False
        except (TwilioException, OSError) as error:  # answer lost: it may have been applied
            log.warning("call %s: update answer lost (%s); not repeated", sid, error)
            return False
    return False


def cancel_queued_calls(app: Flask, campaign_id: int) -> int:
    """Cancel at the provider the campaign's calls not yet ringing; returns how many."""
    with sessionmaker_for(app)() as session:
        sids = list(
            session.scalars(
                select(CallAttempt.sid).where(
                    CallAttempt.campaign_id == campaign_id,
                    CallAttempt.sid.is_not(None),
                    CallAttempt.channel == AttemptChannel.VOICE.value,
                    CallAttempt.outcome.is_(None),
                    CallAttempt.status.in_(QUEUED_AT_PROVIDER),
                )
            )
        )
    cancelled = 0
    for sid in sids:
        try:
            client_for(app).calls(sid).update(status="canceled")
            cancelled += 1
        except (TwilioException, OSError) as error:
            log.info("call %s not cancelled (already ringing or over): %s", sid, error)
    return cancelled
