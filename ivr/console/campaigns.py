"""Campaigns: the list, the new-campaign form, the count before launch, the test call, launch."""
from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from dialer import defaults
from dialer.campaigns import CampaignError, create_campaign, launch, test_call
from dialer.campaigns import status as campaign_status
from dialer.targeting import count_targets
from runtime.db import get_session
from runtime.i18n import explain
from models import Campaign, Role, utcnow

from . import bp
from .alerts_templates import ALERTS, alert_templates
from .auth import audit_action, role_required
from .forms import CampaignForm, ConfirmForm, TestCallForm
from .language import _, lang
from .targeting import TargetError, build_target

SPOKEN_CHARS_PER_SECOND = 14  # Polly voices read about 14 characters a second, in both languages


def _defaults() -> dict:
    """The form's first values: the dialer's defaults (the delay depends on the priority, so
    it stays blank unless the operator sets it)."""
    return {"rounds": defaults.ROUNDS, "ring_timeout_s": defaults.RING_TIMEOUT_S,
            "retry_delay_min": None, "leave_voicemail": defaults.LEAVE_VOICEMAIL,
            "ask_confirmation": defaults.ASK_CONFIRMATION, "window_start": defaults.WINDOW_START,
            "window_end": defaults.WINDOW_END, "expires_in_min": None}


def campaign_or_404(campaign_id: int) -> Campaign:
    campaign = get_session().get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def campaign_fields(form: CampaignForm, target: dict) -> dict:
    return {"title": form.title.data.strip(), "message_fr": form.message_fr.data.strip(),
            "message_en": (form.message_en.data or "").strip(),
            "audio_url_fr": form.audio_url_fr.data or None,
            "audio_url_en": form.audio_url_en.data or None, "priority": form.priority.data,
            "target": target, "rounds": form.rounds.stored,
            "retry_delay_s": form.retry_delay_min.stored,
            "ring_timeout_s": form.ring_timeout_s.stored,
            "leave_voicemail": form.leave_voicemail.data,
            "ask_confirmation": form.ask_confirmation.data,
            "window_start": form.window_start.data or defaults.WINDOW_START,
            "window_end": form.window_end.data or defaults.WINDOW_END,
            "expires_at": (utcnow() + timedelta(minutes=form.expires_in_min.data)
                           if form.expires_in_min.data else None)}


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
    form = CampaignForm(data=_defaults() if request.method == "GET" else None)
    chosen = request.args.get("template")
    if request.method == "GET" and chosen in ALERTS:
        template = next(a for a in alert_templates(lang()) if a["key"] == chosen)
        for name in ("title", "message_fr", "message_en", "priority"):
            getattr(form, name).data = template[name]
    if form.validate_on_submit():
        try:
            target, refused = build_target(form)
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
                    flash(_("console.target.refused_line", line=refusal.line,
                            reason=explain(refusal.why, lang())), "warning")
                return redirect(url_for("console.campaign_page", campaign_id=campaign.id))
    status_code = 400 if form.errors or request.method == "POST" else 200
    return render_template("console/campaign_new.html", form=form,
                           templates=alert_templates(lang()),
                           chars_per_second=SPOKEN_CHARS_PER_SECOND), status_code


@bp.post("/campaigns/count.json")
@role_required(Role.OPERATOR.value)
def campaign_count():
    """How many residences the targeting fields of the form select (shown before launch)."""
    form = CampaignForm()
    try:
        target, refused = build_target(form)
    except TargetError as exc:
        return {"count": None, "error": explain(exc, lang()), "field": exc.field}
    count = count_targets(get_session(), target)
    return {"count": count, "text": _("console.campaign.count", count=count),
            "refused": len(refused)}


@bp.post("/campaigns/<int:campaign_id>/test-call")
@role_required(Role.OPERATOR.value)
def campaign_test_call(campaign_id):
    campaign = campaign_or_404(campaign_id)
    form = TestCallForm()
    if form.validate_on_submit():
        try:
            handed = test_call(current_app._get_current_object(), campaign.id, form.number.data,
                               form.language.data)
        except CampaignError as exc:
            flash(explain(exc, lang()), "error")
        else:
            audit_action("campaign.test_call", "campaign", campaign.id, number=form.number.data)
            get_session().commit()
            flash(_("console.campaign.test_call_sent" if handed else
                    "console.campaign.test_call_queued", number=form.number.data), "success")
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
            launch(current_app._get_current_object(), campaign.id, current_user.email,
                   reason=(request.form.get("reason") or "").replace("\x00", "").strip()[:500]
                   or None)
        except CampaignError as exc:
            flash(explain(exc, lang()), "error")
        else:
            audit_action("campaign.launch", "campaign", campaign.id)
            get_session().commit()
            flash(_("console.campaign.launched"), "success")
        return redirect(url_for("console.campaign_page", campaign_id=campaign.id))
    count = count_targets(get_session(), campaign.target or {})
    return render_template("console/campaign_launch.html", campaign=campaign, count=count,
                           form=form)
