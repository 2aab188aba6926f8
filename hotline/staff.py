"""Reaching the city's staff from the hotline: configured number and office hours."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from models import utcnow


def _hours(config) -> tuple[time, time]:
    start, _, end = (config.get("STAFF_HOURS") or "08:30-16:30").partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def configured(config) -> bool:
    return bool(config.get("STAFF_TRANSFER_NUMBER"))


def open_now(config, now: datetime | None = None) -> bool:
    """True within STAFF_HOURS, in the city's TIMEZONE."""
    now = (now or utcnow()).astimezone(ZoneInfo(config.get("TIMEZONE") or "America/Toronto"))
    start, end = _hours(config)
    return start <= now.time().replace(tzinfo=None) <= end


def spoken_hours(config, language: str) -> dict[str, str]:
    """{'start', 'end'} as said: '8 h 30' in French, '8:30' in English."""

    def say(moment: time) -> str:
        if language == "fr":
            return f"{moment.hour} h {moment.minute:02d}" if moment.minute else f"{moment.hour} h"
        return moment.strftime("%I:%M %p").lstrip("0")

    start, end = _hours(config)
    return {"start": say(start), "end": say(end)}
