"""The portal's page language (French first, English one click away) and its texts."""

from flask import redirect, request, session, url_for

from runtime.i18n import DEFAULT_LANGUAGE, LANGUAGES, t

from . import bp
from .defaults import MAX_CONTACTS


def lang() -> str:
    """The page language: the visitor's choice, else French."""
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def _(key: str, **values) -> str:
    """The portal text KEY in the page language."""
    return t(lang(), key, **values)


@bp.context_processor
def inject_texts():
    other = "en" if lang() == "fr" else "fr"
    return {"_": _, "lang": lang(), "other_lang": other, "max_contacts": MAX_CONTACTS}


@bp.post("/langue")
def set_language():
    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    target = request.form.get("next", "")
    if not (target.startswith("/portail") and not target.startswith("//")):
        target = url_for("portal.home")
    return redirect(target)
