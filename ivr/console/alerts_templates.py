"""Campaign templates (issue 15): the common alerts a new campaign can start from, records
(models/template.py) that admins change, add to, retire and delete under /staff/templates.

Placeholders `{secteur}` (or `{sector}`) and `{date}`: the date (today, city time, in words) is
filled when staff pick a template; the sector (the campaign's target in words) when the
campaign is saved, since the target is chosen after the template."""

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from models import Role
from models.template import (
    MAX_NAME_LENGTH,
    PLACEHOLDERS,
    CampaignTemplate,
    fill,
)
from runtime.db import get_session
from runtime.i18n import t
from runtime.when import long_date

from . import bp
from .auth import audit_action, role_required
from .criteria import street_text
from .formats import city_zone
from .forms import MAX_MESSAGE_LENGTH, MAX_SMS_LENGTH, ConfirmForm, TemplateForm
from .language import _, lang
from .targeting import TargetError

TEXT_FIELDS = ("message_fr", "message_en", "sms_fr", "sms_en")
LIMITS = {
    "title": MAX_NAME_LENGTH,
    "message_fr": MAX_MESSAGE_LENGTH,
    "message_en": MAX_MESSAGE_LENGTH,
    "sms_fr": MAX_SMS_LENGTH,
    "sms_en": MAX_SMS_LENGTH,
}


def today_words(language: str) -> str:
    """Today in the city's time zone, in words: '1 décembre 2026', 'December 1, 2026'."""
    return long_date(datetime.now(city_zone()).date(), language)


def sector_words(target: dict | None, language: str) -> str:
    """The campaign's target in LANGUAGE's words: 'toute la ville', 'Chicoutimi, Jonquière;
    rue Racine Est, Chicoutimi'..."""
    target = target or {}
    if target.get("all"):
        return t(language, "console.h2.sector_all")
    parts = []
    if target.get("cities"):
        parts.append(", ".join(city.title() for city in target["cities"]))
    if target.get("streets"):
        parts.append(", ".join(street_text(spec) for spec in target["streets"]))
    if target.get("postal_prefixes"):
        parts.append(
            t(language, "console.h2.sector_postal", prefixes=", ".join(target["postal_prefixes"]))
        )
    return "; ".join(parts) or t(language, "console.h2.sector_list")


def fill_campaign_form(form, target: dict) -> None:
    """The placeholders left in the campaign FORM's texts, filled for TARGET (each text in its
    own language); a text the filling makes too long is refused on its field (TargetError)."""
    for name, limit in LIMITS.items():
        language = "en" if name.endswith("_en") else "fr"
        field = getattr(form, name)
        if not field.data or "{" not in field.data:
            continue
        field.data = fill(
            field.data, {"sector": sector_words(target, language), "date": today_words(language)}
        )
        if len(field.data) > limit:
            raise TargetError(name, "console.form.too_long", limit=limit)


def alert_templates(page_language: str) -> list[dict]:
    """The templates offered on the campaign form (retired ones left out): the label in the
    page language, the texts in both languages with today's date filled in."""
    rows = get_session().scalars(
        select(CampaignTemplate)
        .where(CampaignTemplate.active.is_(True))
        .order_by(CampaignTemplate.position, CampaignTemplate.id)
    )
    out = []
    for row in rows:
        dates = {"fr": {"date": today_words("fr")}, "en": {"date": today_words("en")}}
        out.append(
            {
                "key": str(row.id),
                "builtin": row.key or "",
                "label": row.name(page_language),
                "priority": row.priority,
                "title": fill(row.name_fr, dates["fr"]),
                "message_fr": fill(row.message_fr, dates["fr"]),
                "message_en": fill(row.message_en, dates["en"]),
                "sms_fr": fill(row.sms_fr, dates["fr"]),
                "sms_en": fill(row.sms_en, dates["en"]),
            }
        )
    return out


def chosen_template(page_language: str, chosen: str | None) -> dict | None:
    """The offered template whose id (or built-in slug: ?template=boil_water) is CHOSEN."""
    if not chosen:
        return None
    return next(
        (tpl for tpl in alert_templates(page_language) if chosen in (tpl["key"], tpl["builtin"])),
        None,
    )


def _template_or_404(template_id: int) -> CampaignTemplate:
    row = get_session().get(CampaignTemplate, template_id)
    if row is None:
        abort(404)
    return row


@bp.get("/templates")
@role_required(Role.ADMIN.value)
def template_list():
    rows = get_session().scalars(
        select(CampaignTemplate).order_by(CampaignTemplate.position, CampaignTemplate.id)
    )
    return render_template("console/template_list.html", rows=list(rows), form=ConfirmForm())


@bp.route("/templates/new", methods=["GET", "POST"], defaults={"template_id": None})
@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN.value)
def template_edit(template_id):
    db = get_session()
    row = _template_or_404(template_id) if template_id else None
    form = TemplateForm(obj=row)
    if form.validate_on_submit():
        if row is None:
            last = db.scalar(
                select(CampaignTemplate.position)
                .order_by(CampaignTemplate.position.desc())
                .limit(1)
            )
            row = CampaignTemplate(position=(last or 0) + 1)
            db.add(row)
        row.name_fr, row.name_en = form.name_fr.data.strip(), form.name_en.data.strip()
        row.priority, row.active = form.priority.data, bool(form.active.data)
        for name in TEXT_FIELDS:
            setattr(row, name, (getattr(form, name).data or "").strip())
        row.updated_by = current_user.email
        db.flush()
        audit_action(
            "template.create" if template_id is None else "template.edit",
            "template",
            row.id,
            name=row.name_fr,
            active=row.active,
        )
        db.commit()
        flash(_("console.h2.template_saved", name=row.name(lang())), "success")
        return redirect(url_for("console.template_list"))
    return render_template(
        "console/template_edit.html",
        form=form,
        row=row,
        placeholders=" ".join("{" + name + "}" for name in PLACEHOLDERS),
    ), 400 if request.method == "POST" else 200


@bp.post("/templates/<int:template_id>/delete")
@role_required(Role.ADMIN.value)
def template_delete(template_id):
    row = _template_or_404(template_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = row.name_fr
    db = get_session()
    db.delete(row)
    audit_action("template.delete", "template", template_id, name=name)
    db.commit()
    flash(_("console.h2.template_deleted", name=name), "success")
    return redirect(url_for("console.template_list"))
