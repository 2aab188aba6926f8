"""The console's page language, and its texts in that language (known only during a request)."""

from flask import session
from flask_login import current_user

from runtime.i18n import DEFAULT_LANGUAGE, LANGUAGES, t


def lang() -> str:
    """The page language: the toggle's choice, else the staff member's, else French."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if current_user.is_authenticated:
        return current_user.language if current_user.language in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def _(key: str, **values) -> str:
    """The console text KEY in the page language."""
    return t(lang(), key, **values)
