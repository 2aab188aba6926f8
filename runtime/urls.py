"""Every /voice/... URL Twilio is given, built here only (webhooks/ serves them).

Each is absolute, on PUBLIC_BASE_URL. Opaque tokens (an attempt's, a call-back's) are
URL-safe as drawn. SILENCE: the URL a `<Redirect>` after a `<Gather>` posts when the caller
said nothing (silence is an event the conversation routes like any input).
"""

from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import urlencode


def _absolute(config: Mapping[str, Any], path: str, **query: object) -> str:
    given = {name: value for name, value in query.items() if value is not None}
    return cast(str, config["PUBLIC_BASE_URL"]) + path + (f"?{urlencode(given)}" if given else "")


# -- the hotline ---------------------------------------------------------------------------


def incoming(config: Mapping[str, Any]) -> str:
    """Where the hotline number rings."""
    return _absolute(config, "/voice/incoming")


def hotline_resume(config: Mapping[str, Any], silence: bool = False) -> str:
    """The hotline call's one resume point (its state is on the server)."""
    return _absolute(config, "/voice/hotline", timeout="1" if silence else None)


def callback(config: Mapping[str, Any], token: str) -> str:
    """A hotline call-back (a number's verification, a temporary password)."""
    return _absolute(config, f"/voice/callback/{token}")


def callback_answer(config: Mapping[str, Any], token: str, silence: bool = False) -> str:
    """The keys pressed during a verification call-back."""
    return _absolute(config, f"/voice/callback/{token}/answer", timeout="1" if silence else None)


# -- the alert call ------------------------------------------------------------------------


def alert(config: Mapping[str, Any], token: str, language: str) -> str:
    """The alert call answered: the message and its menu."""
    return _absolute(config, f"/voice/alert/{token}", lang=language)


def alert_keys(
    config: Mapping[str, Any], token: str, language: str, silences: int, silence: bool = False
) -> str:
    """The key pressed after the message (SILENCES: how many times it met silence already)."""
    return _absolute(
        config,
        f"/voice/alert/{token}/keys",
        lang=language,
        silences=silences,
        timeout="true" if silence else None,
    )


def alert_voicemail(config: Mapping[str, Any], token: str, language: str) -> str:
    """After an answering machine's beep: the whole message once."""
    return _absolute(config, f"/voice/alert/{token}/voicemail", lang=language)


def alert_status(config: Mapping[str, Any], token: str) -> str:
    """The alert call's status callbacks."""
    return _absolute(config, f"/voice/status/alert/{token}")


def alert_amd(config: Mapping[str, Any], token: str, language: str) -> str:
    """The answering-machine detection's verdict."""
    return _absolute(config, f"/voice/amd/alert/{token}", lang=language)


# -- SMS (alert texts and the residents' replies) ----------------------------------------


def sms_status(config: Mapping[str, Any], token: str) -> str:
    """The status callback of an alert text (MessageStatus: queued ... delivered)."""
    return _absolute(config, f"/sms/status/{token}")


def sms_incoming(config: Mapping[str, Any]) -> str:
    """The city number's Messaging webhook: what residents text (ARRÊT, REPRISE, AIDE...)."""
    return _absolute(config, "/sms/incoming")
