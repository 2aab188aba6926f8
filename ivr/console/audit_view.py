"""The audit log as staff read it: actions in words, details as labelled values, links to what
an entry is about, and filters (issue 18)."""

import re

from flask import request, url_for
from sqlalchemy import select

from models import AuditEntry
from models.phone import display
from models.removal import REMOVED_NUMBER
from runtime.i18n import CATALOGUES

from .criteria import describe
from .formats import local
from .language import _, lang

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # a NUL byte breaks PostgreSQL
ENTITY_VIEWS = {
    "residence": ("console.resident_view", "residence_id"),
    "campaign": ("console.campaign_page", "campaign_id"),
    "staff": ("console.staff_edit", "user_id"),
    "template": ("console.template_edit", "template_id"),
}


def _known(key: str) -> bool:
    return key in CATALOGUES[lang()]


def action_label(action: str) -> str:
    """'console.login.failed' -> 'Connexion refusée' (the code itself when it has no words
    yet: a feature added later still shows)."""
    key = f"console.audit.do.{action}"
    return _(key) if _known(key) else action


def entity_label(entity: str) -> str:
    key = f"console.audit.on.{entity}"
    return _(key) if _known(key) else entity


def entity_link(entry: AuditEntry) -> str | None:
    view = ENTITY_VIEWS.get(entry.entity)
    if view and entry.entity_id.isdigit():
        return url_for(view[0], **{view[1]: int(entry.entity_id)})
    return None


def _value(key: str, value) -> str:
    if isinstance(value, bool):
        return _("console.yes") if value else _("console.no")
    if key == "target" and isinstance(value, dict):
        return "; ".join(
            f"{label} : {text}" if lang() == "fr" else f"{label}: {text}"
            for label, text in describe(value)
        )
    if key == "changed" and isinstance(value, list):
        return ", ".join(field_label(name) for name in value)
    if isinstance(value, list):
        return ", ".join(_value(key, v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_value(k, v)}" for k, v in value.items())
    text = str(value)
    if text.startswith("+1") and text[1:].isdigit() and len(text) == 12:
        return display(text)
    if text.startswith(REMOVED_NUMBER) and text[len(REMOVED_NUMBER) :].isdigit():
        return _("console.audit.removed_number", residence=text[len(REMOVED_NUMBER) :])
    return text


def field_label(name: str) -> str:
    key = f"console.audit.key.{name}"
    return _(key) if _known(key) else name


def details(entry: AuditEntry) -> list[tuple[str, str]]:
    """(label, value) pairs of the entry's details, in the page language."""
    return [
        (field_label(k), _value(k, v))
        for k, v in (entry.details or {}).items()
        if v not in (None, "", [], {})
    ]


def actor_label(actor: str) -> str:
    """'hotline:+14185550101' -> 'Ligne téléphonique (418 555-0101)'."""
    for prefix, channel in (("hotline:", "hotline"), ("portal:", "web")):
        if actor.startswith(prefix):
            number = actor.split(":", 1)[1]
            return f"{_('console.channel.' + channel)} ({_value('', number)})"
    if actor in ("system", "cli"):
        return _(f"console.audit.actor.{actor}")
    return actor


def filters_from_request() -> dict:
    """The filters in the query string (?action=...&actor=...&entity=...&entity_id=...)."""
    wanted = {
        name: _CONTROL.sub("", request.args.get(name) or "").strip()[:254]
        for name in ("action", "actor", "entity", "entity_id")
    }
    return {k: v for k, v in wanted.items() if v}


def known_actions(session) -> list[tuple[str, str]]:
    """Every action in the log, as (code, words), sorted by words."""
    codes = session.scalars(select(AuditEntry.action).distinct()).all()
    return sorted(((c, action_label(c)) for c in codes), key=lambda pair: pair[1].lower())


def helpers() -> dict:
    return {
        "action_label": action_label,
        "entity_label": entity_label,
        "entity_link": entity_link,
        "details": details,
        "actor_label": actor_label,
        "local": local,
    }
