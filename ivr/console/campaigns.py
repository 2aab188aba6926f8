"""Campaigns: the list, the new-campaign form, the count before launch, the test call, launch."""

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from dialer import defaults
from dialer.campaigns import (
    CampaignError,
    create_campaign,
    delete_draft,
    launch,
    test_call,
    update_draft,
)
from dialer.campaigns import status as campaign_status
from dialer.dispatch import in_window
from dialer.targeting import count_targets
from models import Campaign, Priority, Role, utcnow
from models.campaign_settings import RETRY_DELAY_S
from models.phone import display
from models.sms_text import count as count_sms
from models.sms_text import to_gsm7
from runtime.db import get_session
from runtime.i18n import explain

from . import bp
from .alerts_templates import alert_templates, chosen_template, fill_campaign_form
from .auth import audit_action, role_required
from .criteria import describe, street_text, warnings
from .formats import hour, n_
from .forms import CampaignForm, ConfirmForm, TestCallForm
from .language import _, lang
from .maps import (
    campaign_picture,
    count_details,
    picture_caption,
    sector_choices,
    zone_form_data,
    zone_section,
)
from .targeting import TargetError, build_target

SPOKEN_CHARS_PER_SECOND = 14  # Polly voices read about 14 characters a second, in both languages


def waiting_for_window(campaign: Campaign) -> dict | None:
    """{start, end} (the page language's way) when CAMPAIGN, a normal one, is outside its
    calling window now: its calls wait until START. None when it may call now."""
    if campaign.priority == Priority.EMERGENCY.value or in_window(
        campaign, utcnow(), current_app.config.get("TIMEZONE") or defaults.TIMEZONE
    ):
        return None
    return {"start": hour(campaign.window_start), "end": hour(campaign.window_end)}


def _defaults() -> dict:
    """The form's first values: the dialer's defaults (the delay depends on the priority, so
    it stays blank unless the operator sets it)."""
    return {
        "rounds": defaults.ROUNDS,
        "ring_timeout_s": defaults.RING_TIMEOUT_S,
        "retry_delay_min": None,
        "leave_voicemail": defaults.LEAVE_VOICEMAIL,
        "ask_confirmation": defaults.ASK_CONFIRMATION,
        "window_start": defaults.WINDOW_START,
        "window_end": defaults.WINDOW_END,
        "expires_in_min": None,
    }


def campaign_or_404(campaign_id: int) -> Campaign:
    campaign = get_session().get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def sms_text(form: CampaignForm, language: str) -> str:
    """The SMS text of LANGUAGE as it will be sent (accents replaced when asked)."""
    text = (getattr(form, "sms_" + language).data or "").strip()
    return to_gsm7(text) if form.sms_gsm7.data else text


def campaign_fields(form: CampaignForm, target: dict) -> dict:
    return {
        "title": form.title.data.strip(),
        "message_fr": form.message_fr.data.strip(),
        "sms_fr": sms_text(form, "fr"),
        "sms_en": sms_text(form, "en"),
        "message_en": (form.message_en.data or "").strip(),
        "audio_url_fr": form.audio_url_fr.data or None,
        "audio_url_en": form.audio_url_en.data or None,
        "priority": form.priority.data,
        "target": target,
        "rounds": form.rounds.stored,
        "retry_delay_s": form.retry_delay_min.stored,
        "ring_timeout_s": form.ring_timeout_s.stored,
        "leave_voicemail": form.leave_voicemail.data,
        "ask_confirmation": form.ask_confirmation.data,
        "window_start": form.window_start.data or defaults.WINDOW_START,
        "window_end": form.window_end.data or defaults.WINDOW_END,
        "expires_at": (
            utcnow() + timedelta(minutes=form.expires_in_min.data)
            if form.expires_in_min.data
            else None
        ),
    }


@bp.get("/campaigns")
@login_required
def campaign_list():
    db = get_session()
    campaigns = db.scalars(select(Campaign).order_by(Campaign.id.desc()).limit(200)).all()
    rows = [(c, campaign_status(db, c.id)) for c in campaigns]
    return render_template("console/campaign_list.html", rows=rows)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@role_required(Role.OPERATOR.value)
def campaign_new():
    form = sector_choices(CampaignForm(data=_defaults() if request.method == "GET" else None))
    template = chosen_template(lang(), request.args.get("template"))
    if request.method == "GET" and template:
        for name in ("title", "message_fr", "message_en", "sms_fr", "sms_en", "priority"):
            getattr(form, name).data = template[name]
    if form.validate_on_submit():
        try:
            target, refused = build_target(form)
            fill_campaign_form(form, target)
        except TargetError as exc:
            getattr(form, exc.field).errors.append(explain(exc, lang()))
        else:
            db = get_session()
            try:
                campaign = create_campaign(db, current_user.email, **campaign_fields(form, target))
            except CampaignError as exc:
                db.rollback()
                flash(explain(exc, lang()), "error")
            else:
                audit_action("campaign.create", "campaign", campaign.id, title=campaign.title)
                db.commit()
                for refusal in refused:
                    flash(
                        _(
                            "console.target.refused_line",
                            line=refusal.line,
                            reason=explain(refusal.why, lang()),
                        ),
                        "warning",
                    )
                return redirect(url_for("console.campaign_page", campaign_id=campaign.id))
    status_code = 400 if form.errors or request.method == "POST" else 200
    return render_template(
        "console/campaign_new.html",
        form=form,
        templates=alert_templates(lang()),
        sms_counters=sms_counters(form),
        chars_per_second=SPOKEN_CHARS_PER_SECOND,
        map=zone_section(),
    ), status_code


def sms_counters(form) -> dict:
    """The counter under each SMS text of FORM, per language."""
    return {
        language: sms_count(
            (getattr(form, "sms_" + language).data or ""), bool(form.sms_gsm7.data), lang()
        )
        for language in ("fr", "en")
    }


def form_data_of(campaign: Campaign) -> dict:
    """The new-campaign form's values for CAMPAIGN (editing a draft, or a copy)."""
    target = campaign.target or {}
    return {
        "title": campaign.title,
        "message_fr": campaign.message_fr,
        "message_en": campaign.message_en,
        "audio_url_fr": campaign.audio_url_fr or "",
        "audio_url_en": campaign.audio_url_en or "",
        "priority": campaign.priority,
        "sms_fr": campaign.sms_fr or "",
        "sms_en": campaign.sms_en or "",
        "target_all": bool(target.get("all")),
        "cities": ", ".join(target.get("cities") or []),
        "streets": "\n".join(street_text(s) for s in target.get("streets") or []),
        "postal_prefixes": ", ".join(target.get("postal_prefixes") or []),
        **zone_form_data(target),
        "rounds": campaign.rounds,
        "retry_delay_min": campaign.retry_delay_s // RETRY_DELAY_S.shown_per,
        "ring_timeout_s": campaign.ring_timeout_s,
        "leave_voicemail": campaign.leave_voicemail,
        "ask_confirmation": campaign.ask_confirmation,
    }


def _edited_target(form, kept_ids: list[int]) -> tuple[dict, list]:
    """The target of an edited draft: its uploaded list stays unless a new one is given."""
    try:
        target, refused = build_target(form)
    except TargetError as exc:
        if exc.key != "console.target.none" or not kept_ids:
            raise
        target, refused = (
            {
                "all": False,
                "cities": [],
                "streets": [],
                "postal_prefixes": [],
                "residence_ids": [],
            },
            [],
        )
    if not target["residence_ids"]:
        target["residence_ids"] = list(kept_ids)
    return target, refused


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@role_required(Role.OPERATOR.value)
def campaign_edit(campaign_id):
    """A draft's form again, filled in; saved in place (same campaign, same id)."""
    campaign = campaign_or_404(campaign_id)
    if campaign.status != "draft":
        flash(_("console.draft.not_editable"), "error")
        return redirect(url_for("console.campaign_page", campaign_id=campaign.id))
    form = sector_choices(
        CampaignForm(data=form_data_of(campaign) if request.method == "GET" else None)
    )
    kept_ids = list((campaign.target or {}).get("residence_ids") or [])
    if form.validate_on_submit():
        try:
            target, refused = _edited_target(form, kept_ids)
            fill_campaign_form(form, target)
        except TargetError as exc:
            getattr(form, exc.field).errors.append(explain(exc, lang()))
        else:
            db = get_session()
            try:
                update_draft(db, campaign.id, current_user.email, **campaign_fields(form, target))
            except CampaignError as exc:
                db.rollback()
                flash(explain(exc, lang()), "error")
            else:
                for refusal in refused:
                    flash(
                        _(
                            "console.target.refused_line",
                            line=refusal.line,
                            reason=explain(refusal.why, lang()),
                        ),
                        "warning",
                    )
                flash(_("console.draft.saved"), "success")
                return redirect(url_for("console.campaign_page", campaign_id=campaign.id))
    status_code = 400 if form.errors or request.method == "POST" else 200
    return render_template(
        "console/campaign_new.html",
        form=form,
        editing=campaign,
        kept_list=len(kept_ids),
        templates=alert_templates(lang()),
        sms_counters=sms_counters(form),
        chars_per_second=SPOKEN_CHARS_PER_SECOND,
        map=zone_section(),
    ), status_code


@bp.post("/campaigns/<int:campaign_id>/duplicate")
@role_required(Role.OPERATOR.value)
def campaign_duplicate(campaign_id):
    """A new draft with this campaign's message, criteria and settings (any status)."""
    campaign = campaign_or_404(campaign_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    fields = {
        name: getattr(campaign, name)
        for name in (
            "message_fr",
            "message_en",
            "audio_url_fr",
            "audio_url_en",
            "priority",
            "rounds",
            "retry_delay_s",
            "ring_timeout_s",
            "leave_voicemail",
            "ask_confirmation",
            "window_start",
            "window_end",
        )
    }
    fields["title"] = (campaign.title + " " + _("console.draft.copy_suffix"))[:200]
    fields["target"] = dict(campaign.target or {})
    db = get_session()
    try:
        copy = create_campaign(db, current_user.email, **fields)
    except CampaignError as exc:
        db.rollback()
        flash(explain(exc, lang()), "error")
        return redirect(url_for("console.campaign_page", campaign_id=campaign.id))
    audit_action("campaign.duplicate", "campaign", copy.id, source=campaign.id)
    db.commit()
    flash(_("console.draft.duplicated"), "success")
    return redirect(url_for("console.campaign_page", campaign_id=copy.id))


@bp.post("/campaigns/<int:campaign_id>/delete")
@role_required(Role.OPERATOR.value)
def campaign_delete(campaign_id):
    """Delete a draft; a launched campaign is history and stays."""
    campaign = campaign_or_404(campaign_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    db = get_session()
    try:
        delete_draft(db, campaign.id, current_user.email)
    except CampaignError as exc:
        db.rollback()
        flash(explain(exc, lang()), "error")
        return redirect(url_for("console.campaign_page", campaign_id=campaign.id))
    flash(_("console.draft.deleted"), "success")
    return redirect(url_for("console.campaign_list"))


@bp.post("/campaigns/count.json")
@role_required(Role.OPERATOR.value)
def campaign_count():
    """How many residences the targeting fields of the form select (shown before launch)."""
    form = sector_choices(CampaignForm())
    try:
        target, refused = build_target(form)
    except TargetError as exc:
        return {"count": None, "error": explain(exc, lang()), "field": exc.field}
    db = get_session()
    count = count_targets(db, target)
    return {
        "count": count,
        "text": n_("console.campaign.count", count),
        "refused": len(refused),
        "warnings": warnings(db, target),
        **count_details(db, target, count),
    }


def sms_count(text: str, gsm7: bool, language: str) -> dict:
    """What the console shows under an SMS text: encoding, segments, cost multiplier."""
    sent = to_gsm7(text) if gsm7 else text
    counted = count_sms(sent)
    values = {
        "encoding": counted.encoding,
        "chars": len(sent),
        "segments": counted.segments,
        "multiplier": counted.cost_multiplier,
        "remaining": counted.remaining,
    }
    summary = _("console.sms.counter", **values)
    if counted.not_gsm7:
        summary += " " + _("console.sms.not_gsm7", chars=" ".join(counted.not_gsm7[:12]))
    return {
        **values,
        "per_segment": counted.per_segment,
        "not_gsm7": counted.not_gsm7,
        "sent": sent,
        "text": summary,
    }


@bp.post("/campaigns/sms-count.json")
@role_required(Role.OPERATOR.value)
def campaign_sms_count():
    """The live counter of an SMS text (the form posts `text`, and `gsm7` when accents are to
    be replaced): computed here, by the same module that the dialer's texts follow."""
    text = (request.form.get("text") or "")[:5000]
    return sms_count(text, request.form.get("gsm7") in ("y", "1", "on", "true"), lang())


@bp.post("/campaigns/<int:campaign_id>/test-call")
@role_required(Role.OPERATOR.value)
def campaign_test_call(campaign_id):
    campaign = campaign_or_404(campaign_id)
    form = TestCallForm()
    if form.validate_on_submit():
        try:
            handed = test_call(
                current_app._get_current_object(), campaign.id, form.number.data, form.language.data
            )
        except CampaignError as exc:
            flash(explain(exc, lang()), "error")
        else:
            audit_action("campaign.test_call", "campaign", campaign.id, number=form.number.data)
            get_session().commit()
            flash(
                _(
                    "console.campaign.test_call_sent"
                    if handed
                    else "console.campaign.test_call_queued",
                    number=display(form.number.data),
                ),
                "success",
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("console.campaign_page", campaign_id=campaign.id))


@bp.route("/campaigns/<int:campaign_id>/launch", methods=["GET", "POST"])
@role_required(Role.OPERATOR.value)
def campaign_launch(campaign_id):
    """The confirmation step: the count and the message once more, then launch."""
    campaign = campaign_or_404(campaign_id)
    if campaign.status != "draft":
        return redirect(url_for("console.campaign_page", campaign_id=campaign.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            launch(
                current_app._get_current_object(),
                campaign.id,
                current_user.email,
                reason=(request.form.get("reason") or "").replace("\x00", "").strip()[:500] or None,
            )
        except CampaignError as exc:
            flash(explain(exc, lang()), "error")
        else:
            audit_action("campaign.launch", "campaign", campaign.id)
            get_session().commit()
            waiting = waiting_for_window(campaign)
            # category "launch": the page drops it once the campaign no longer runs
            flash(
                _("console.campaign.launched_waiting", **waiting)
                if waiting
                else _("console.campaign.launched_now"),
                "launch",
            )
        return redirect(url_for("console.campaign_page", campaign_id=campaign.id))
    db = get_session()
    count = count_targets(db, campaign.target or {})
    return render_template(
        "console/campaign_launch.html",
        campaign=campaign,
        count=count,
        form=form,
        criteria=describe(campaign.target),
        criteria_warnings=warnings(db, campaign.target),
        zone_picture=campaign_picture(db, campaign),
        zone_caption=picture_caption(campaign.target),
    )
