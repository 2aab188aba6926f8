"""A moment said in words, in the city's time zone: "demain à 7 h 00", "tomorrow at 7:00 a.m.",
and a bare clock time ("14 h 20", "2:20 p.m."). Québec French writes 7 h 00 (24-hour clock);
English a 12-hour clock with a.m./p.m. Day and month names come from the catalogues."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from .i18n import t


def local(when: datetime, timezone: str) -> datetime:
    """WHEN (aware) in the city's time zone."""
    return when.astimezone(ZoneInfo(timezone))


def clock(when: datetime, language: str) -> str:
    """The time of day of WHEN (already local): "7 h 00" or "7:00 a.m."."""
    if language == "en":
        hour = when.hour % 12 or 12
        return f"{hour}:{when.minute:02d} {'a.m.' if when.hour < 12 else 'p.m.'}"
    return f"{when.hour} h {when.minute:02d}"


def day(on: date, today: date, language: str) -> str:
    """ "aujourd'hui", "demain", or "le 2 décembre", "le 1er décembre" (the year added when it is
    not this one)."""
    if on == today:
        return t(language, "when.today")
    if (on - today).days == 1:
        return t(language, "when.tomorrow")
    month = t(language, f"when.month.{on.month}")
    number = t(language, "when.first_of_month") if on.day == 1 else on.day  # "le 1er"
    text = t(language, "when.on_date", day=number, month=month)
    return text if on.year == today.year else f"{text} {on.year}"


def moment(when: datetime, now: datetime, timezone: str, language: str) -> str:
    """WHEN said from NOW's point of view in the city's time zone: "demain à 7 h 00"."""
    there, here = local(when, timezone), local(now, timezone)
    return t(
        language,
        "when.day_at",
        day=day(there.date(), here.date(), language),
        time=clock(there, language),
    )


def parse_local(text: str, timezone: str) -> datetime:
    """ "2026-12-02 07:00" (or with a T, or seconds) in the city's time zone, as an aware
    datetime; ValueError when it is not that form."""
    text = text.strip().replace("T", " ")
    form = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    return datetime.strptime(text, form).replace(tzinfo=ZoneInfo(timezone))
