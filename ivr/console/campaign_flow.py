"""Issue 15 on the campaign pages: a launch at a given time (and taking it back), the second
staff member's approval (CAMPAIGN_APPROVAL), follow-ups ("Rappeler les non jointes", the lifting
notice) and the link between a campaign and its follow-ups. Shown by the partial
templates/console/_campaign_flow.html, which the campaign page and the summary include."""

import re

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user
from wtforms import StringField, TextAreaField

from dialer import announce, approval, followup, schedule
from dialer.exceptions import CampaignError
from models import Campaign, Role, utcnow
from runtime.db import get_session
from runtime.i18n import explain
from runtime.when import moment, parse_local

from . import bp
from .auth import audit_action, role_required
from .campaigns import campaign_or_404
from .forms import MAX_MESSAGE_LENGTH, ConfirmForm, max_length
from .language import _, lang

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_control(value):
    """Text without control characters (PostgreSQL refuses NUL bytes; none is meant)."""
    return _CONTROL.sub("", value) if isinstance(value, str) else value


class ScheduleForm(ConfirmForm):
    at = StringField(filters=[no_control])
    reason = StringField(validators=[max_length(500)], filters=[no_control])


class FollowUpForm(ConfirmForm):
    message_fr = TextAreaField(validators=[max_length(MAX_MESSAGE_LENGTH)], filters=[no_control])
    message_en = TextAreaField(validators=[max_length(MAX_MESSAGE_LENGTH)], filters=[no_control])


@bp.app_template_global()
def campaign_flow(campaign: Campaign) -> dict:
    """What the partial shows for CAMPAIGN."""
    db = get_session()
    zone = current_app.config["TIMEZONE"]
    scheduled = (
        moment(campaign.scheduled_at, utcnow(), zone, lang())
        if campaign.scheduled_at and campaign.status == "draft"
        else None
    )
    return {
        **followup.links(db, campaign),
        "scheduled": scheduled,
        "approval": approval.required(current_app),
        "may_approve": current_user.is_authenticated
        and campaign.status == "draft"
        and not campaign.approved_by
        and current_user.email != campaign.created_by,
        "outcomes": followup.CHOOSABLE,
        "default_outcomes": followup.UNREACHED_OUTCOMES,
        "approved_at": (
            moment(campaign.approved_at, utcnow(), zone, lang()) if campaign.approved_at else None
        ),
        "announce_until": (
            moment(campaign.announce_until, utcnow(), zone, lang())
            if campaign.announce_until
            else None
        ),
    }


def _back(campaign_id: int):
    return redirect(url_for("console.campaign_page", campaign_id=campaign_id))


def _refused(error: CampaignError):
    get_session().rollback()
    flash(explain(error, lang()), "error")


@bp.post("/campaigns/<int:campaign_id>/schedule")
@role_required(Role.OPERATOR.value)
def campaign_schedule(campaign_id):
    campaign = campaign_or_404(campaign_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return _back(campaign.id)
    app = current_app._get_current_object()
    try:
        when = parse_local(form.at.data or "", app.config["TIMEZONE"])
    except ValueError:
        flash(explain(CampaignError("campaign.error.h7_schedule_past"), lang()), "error")
        return _back(campaign.id)
    try:
        schedule.schedule(
            app,
            get_session(),
            campaign.id,
            current_user.email,
            when,
            (form.reason.data or "").strip() or None,
        )
    except CampaignError as error:
        _refused(error)
    else:
        audit_action("campaign.schedule", "campaign", campaign.id, at=when.isoformat())
        get_session().commit()
        flash(
            _("console.h7.scheduled", when=moment(when, utcnow(), app.config["TIMEZONE"], lang())),
            "success",
        )
    return _back(campaign.id)


@bp.post("/campaigns/<int:campaign_id>/unschedule")
@role_required(Role.OPERATOR.value)
def campaign_unschedule(campaign_id):
    campaign = campaign_or_404(campaign_id)
    if ConfirmForm().validate_on_submit():
        try:
            schedule.unschedule(get_session(), campaign.id, current_user.email)
        except CampaignError as error:
            _refused(error)
        else:
            audit_action("campaign.unschedule", "campaign", campaign.id)
            get_session().commit()
            flash(_("console.h7.unscheduled"), "success")
    return _back(campaign.id)


@bp.post("/campaigns/<int:campaign_id>/approve")
@role_required(Role.OPERATOR.value)
def campaign_approve(campaign_id):
    campaign = campaign_or_404(campaign_id)
    if ConfirmForm().validate_on_submit():
        try:
            approval.approve(get_session(), campaign.id, current_user.email)
        except CampaignError as error:
            _refused(error)
        else:
            audit_action("campaign.approve", "campaign", campaign.id)
            get_session().commit()
            flash(_("console.h7.approved_done"), "success")
    return _back(campaign.id)


@bp.post("/campaigns/<int:campaign_id>/follow-up")
@role_required(Role.OPERATOR.value)
def campaign_follow_up(campaign_id):
    campaign = campaign_or_404(campaign_id)
    form = FollowUpForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return _back(campaign.id)
    kind = request.form.get("kind", followup.UNREACHED)
    try:
        created = followup.create_followup(
            get_session(),
            current_user.email,
            campaign.id,
            kind,
            outcomes=request.form.getlist("outcome") or None,
            message_fr=form.message_fr.data,
            message_en=form.message_en.data,
        )
    except CampaignError as error:
        _refused(error)
        return _back(campaign.id)
    audit_action("campaign.follow_up", "campaign", created.id, follows=campaign.id, kind=kind)
    get_session().commit()
    flash(_("console.h7.followup_created", count=len(created.target["residence_ids"])), "success")
    return _back(created.id)


@bp.post("/campaigns/<int:campaign_id>/announce")
@role_required(Role.OPERATOR.value)
def campaign_announce(campaign_id):
    """Whether and until when the hotline says this campaign to its callers."""
    campaign = campaign_or_404(campaign_id)
    if not ConfirmForm().validate_on_submit():
        return _back(campaign.id)
    until_text = (request.form.get("announce_until") or "").strip()
    try:
        until = parse_local(until_text, current_app.config["TIMEZONE"]) if until_text else None
    except ValueError:
        flash(explain(CampaignError("campaign.error.h7_announce_until"), lang()), "error")
        return _back(campaign.id)
    on = request.form.get("announce") == "y"
    try:
        announce.set_announcement(get_session(), campaign.id, current_user.email, on, until)
    except CampaignError as error:
        _refused(error)
    else:
        audit_action("campaign.announce", "campaign", campaign.id, announce=on)
        get_session().commit()
        flash(_("console.h7.announce_saved"), "success")
    return _back(campaign.id)
