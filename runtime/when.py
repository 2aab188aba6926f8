"""Times said and written in the city's time zone, the one place that formats them (Babel's
CLDR data), for the console (ivr/console/formats.py adds the page language and the app's
zone), the CLI and the dialer.

A moment in words: "demain à 7 h 00", "tomorrow at 7:00 a.m.", and a bare clock time
("14 h 20", "2:20 p.m."). Québec French writes 7 h 00 (24-hour clock); English a 12-hour clock
with a.m./p.m. Day and month names of `day` come from the catalogues. Written forms (lists,
logs): `written` with one of PATTERNS' kinds; a date in words: `long_date`."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time

from .i18n import t

LOCALES = {"fr": "fr_CA", "en": "en_CA"}
PATTERNS = {
    "fr": {
        "datetime": "yyyy-MM-dd HH 'h' mm",
        "seconds": "yyyy-MM-dd HH:mm:ss",
        "time": "HH:mm:ss",
        "hour": "H 'h' mm",
        "date": "yyyy-MM-dd",
    },
    "en": {
        "datetime": "yyyy-MM-dd h:mm a",
        "seconds": "yyyy-MM-dd HH:mm:ss",
        "time": "HH:mm:ss",
        "hour": "h:mm a",
        "date": "yyyy-MM-dd",
    },
}


def written(moment: datetime | None, kind: str, language: str, timezone: str) -> str:
    """MOMENT (aware, stored in UTC) as the city's clock shows it, LANGUAGE's way; '' for
    None. KIND: datetime, seconds, time, hour, date."""
    if moment is None:
        return ""
    return format_datetime(
        moment, PATTERNS[language][kind], tzinfo=ZoneInfo(timezone), locale=LOCALES[language]
    )


def hour(hhmm: str, language: str) -> str:
    """'08:00' (a calling window's bound) as '8 h 00' in French, '8:00 a.m.' in English."""
    return format_time(
        time.fromisoformat(hhmm), PATTERNS[language]["hour"], locale=LOCALES[language]
    )


def long_date(on: date, language: str) -> str:
    """ON in words: '1 décembre 2026', 'December 1, 2026'."""
    return format_date(on, format="long", locale=LOCALES[language])


def local(when: datetime, timezone: str) -> datetime:
    """WHEN (aware) in the city's time zone."""
    return when.astimezone(ZoneInfo(timezone))


def clock(when: datetime, language: str) -> str:
    """The time of day of WHEN (already local): "7 h 00" or "7:00 a.m."."""
    return format_time(when.timetz(), PATTERNS[language]["hour"], locale=LOCALES[language])


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
