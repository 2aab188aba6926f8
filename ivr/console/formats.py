"""How the console writes times, numbers and counts: in the city's time zone (TIMEZONE), with
the page language's decimals, plurals and phone numbers (Babel's CLDR data). Times are
formatted by runtime/when.py; this adds the page language and the app's time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.numbers import format_decimal
from flask import current_app

from dialer import defaults as dialer_defaults
from runtime import when
from runtime.i18n import t
from runtime.when import LOCALES

from . import bp
from .language import lang


def city_zone() -> ZoneInfo:
    return ZoneInfo(timezone())


def timezone() -> str:
    """The city's time zone (TIMEZONE), 'America/Toronto' by default."""
    return current_app.config.get("TIMEZONE") or dialer_defaults.TIMEZONE


def local(moment: datetime | None, kind: str = "datetime") -> str:
    """MOMENT (stored in UTC) as the city's clock shows it, the page language's way; '' for
    None. KIND: datetime, seconds, time, hour, date."""
    return when.written(moment, kind, lang(), timezone())


def hour(hhmm: str) -> str:
    """'08:00' (a calling window's bound) as '8 h 00' in French, '8:00 a.m.' in English."""
    return when.hour(hhmm, lang())


def decimal(value: float | int | None, digits: int = 1) -> str:
    """0.8 as '0,8' in French, '0.8' in English."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value or 0, format=pattern, locale=LOCALES[lang()])


def plural_form(count: int, language: str | None = None) -> str:
    """CLDR's plural category of COUNT: 'one' or 'other' (French: 0 and 1 are 'one')."""
    form = Locale.parse(LOCALES[language or lang()]).plural_form(count)
    return "one" if form == "one" else "other"


def n_(key: str, count: int, **values) -> str:
    """The text KEY.one or KEY.other for COUNT in the page language ({count} filled)."""
    return t(lang(), f"{key}.{plural_form(count)}", count=count, **values)


@bp.app_template_filter("local")
def _local_filter(moment, kind: str = "datetime") -> str:
    return local(moment, kind)


@bp.app_template_filter("decimal")
def _decimal_filter(value, digits: int = 1) -> str:
    return decimal(value, digits)


@bp.app_template_filter("hour")
def _hour_filter(hhmm: str) -> str:
    return hour(hhmm)


@bp.context_processor
def _inject_formats():
    return {"n_": n_}
