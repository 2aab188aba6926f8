"""One campaign: its live progress, pause/resume/cancel, residences table, CSV, summary."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from dialer import campaigns as dialer_campaigns
from dialer.export import write_csv
from dialer.replies import replies_of
from dialer.targeting import count_targets
from models import DELIVERY_STATUSES, FINISHED, REACHED, Delivery, Residence, Role, utcnow
from models.phone import display
from runtime import csv_safe, when
from runtime.db import get_session
from runtime.i18n import explain

from . import bp
from .auth import audit_action, role_required
from .campaigns import SPOKEN_CHARS_PER_SECOND, campaign_or_404, waiting_for_window
from .criteria import describe, warnings
from .formats import local
from .forms import ConfirmForm, TestCallForm
from .language import _, lang
from .maps import campaign_picture, picture_caption

PAGE_SIZE = 100


def progress_of(status: dict) -> dict:
    """The dialer's status plus what the page shows: done, percentage, reach."""
    total = status.get("total") or 0
    done = total - (status.get("pending") or 0) - (status.get("in_progress") or 0)
    reached = status["reached"]
    return {
        **status,
        "done": done,
        "reached": reached,
        "percent": round(100 * done / total) if total else 0,
        "reach_percent": round(100 * reached / total) if total else 0,
        "finished": status.get("status") in FINISHED,
        "eta_text": eta_text(status),
    }


def eta_text(status: dict) -> str | None:
    """The expected end as a clock time, "fin prévue vers 14 h 20" (issue 15), or None."""
    if status.get("status") in FINISHED or not status.get("eta_at"):
        return None
    zone = current_app.config["TIMEZONE"]
    finish = datetime.fromisoformat(status["eta_at"])
    said = when.clock(when.local(finish, zone), lang())
    if when.local(finish, zone).date() != when.local(utcnow(), zone).date():
        said = when.moment(finish, utcnow(), zone, lang())
    return _("console.h7.eta_at", when=said)


def _status(campaign_id: int) -> dict:
    """The progress, and (running outside its calling window) the text saying until when its
    calls wait."""
    db = get_session()
    status = progress_of(dialer_campaigns.status(db, campaign_id, current_app.config["TIMEZONE"]))
    # A person confirms during the call, before the call's end settles the residence as
    # reached: counted among the confirmed only once reached, "confirmed" never exceeds
    # "person reached" in the live counts.
    status["confirmed"] = (
        db.scalar(
            select(func.count()).where(
                Delivery.campaign_id == campaign_id,
                Delivery.confirmed.is_(True),
                Delivery.status.in_(REACHED),
            )
        )
        or 0
    )
    status["waiting"] = None
    if status.get("status") == "running":
        waiting = waiting_for_window(campaign_or_404(campaign_id))
        if waiting:
            status["waiting"] = _("console.progress.waiting", **waiting)
    return status


def _replies(db, campaign_id: int) -> list[dict]:
    """The texts residents sent back after this campaign, their time in the city's zone."""
    zone = ZoneInfo(current_app.config.get("TIMEZONE") or "America/Toronto")
    return [
        {
            "when": r.received_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            "number": r.from_number,
            "residence_id": r.residence_id,
            "body": r.body,
        }
        for r in replies_of(db, campaign_id)
    ]


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def campaign_page(campaign_id):
    campaign = campaign_or_404(campaign_id)
    only = request.args.get("filter", "")
    # a removed residence's delivery stays, anonymised (residence None): an outer join
    query = (
        select(Delivery, Residence)
        .outerjoin(Residence, Delivery.residence_id == Residence.id)
        .where(Delivery.campaign_id == campaign.id)
    )
    if only == "not_reached":
        query = query.where(Delivery.status.not_in(REACHED))
    elif only in DELIVERY_STATUSES:
        query = query.where(Delivery.status == only)
    db = get_session()
    shown = db.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-shown // PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)  # 10**20 is the last
    rows = db.execute(
        query.order_by(Residence.street, Residence.civic_number, Residence.id, Delivery.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    target_count, criteria_warnings = None, []
    if campaign.status == "draft":
        target_count = count_targets(db, campaign.target or {})
        criteria_warnings = warnings(db, campaign.target)
    test_form = TestCallForm(data={"number": current_user.phone or "", "language": lang()})
    return render_template(
        "console/campaign_page.html",
        campaign=campaign,
        progress=_status(campaign.id),
        rows=rows,
        shown=shown,
        page=page,
        pages=pages,
        only=only,
        outcomes=DELIVERY_STATUSES,
        form=ConfirmForm(),
        test_form=test_form,
        chars_per_second=SPOKEN_CHARS_PER_SECOND,
        target_count=target_count,
        criteria=describe(campaign.target),
        criteria_warnings=criteria_warnings,
        zone_picture=campaign_picture(db, campaign),
        zone_caption=picture_caption(campaign.target),
        replies=_replies(db, campaign.id),
    )


@bp.get("/campaigns/<int:campaign_id>/progress.json")
@login_required
def campaign_progress(campaign_id):
    campaign_or_404(campaign_id)
    return _status(campaign_id)


@bp.post("/campaigns/<int:campaign_id>/<any(pause, resume, cancel):action>")
@role_required(Role.OPERATOR.value)
def campaign_action(campaign_id, action):
    campaign = campaign_or_404(campaign_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        getattr(dialer_campaigns, action)(
            current_app._get_current_object(), campaign.id, current_user.email
        )
    except dialer_campaigns.CampaignError as exc:
        flash(explain(exc, lang()), "error")
    else:
        audit_action(f"campaign.{action}", "campaign", campaign.id)
        get_session().commit()
        flash(_(f"console.campaign.done_{action}"), "success")
    return redirect(url_for("console.campaign_page", campaign_id=campaign.id))


def export_for_staff(campaign_id: int) -> str:
    """The dialer's per-residence CSV as staff open it in Excel: headers and values in the
    page language, times in the city's zone, numbers as people write them, a byte order mark
    (Excel's sign of UTF-8) and, in French, ';' between cells (French Excel's separator)."""
    raw = io.StringIO()
    write_csv(get_session(), campaign_id, raw)
    rows = list(csv.reader(io.StringIO(raw.getvalue())))
    header = rows[0]
    at = {name: i for i, name in enumerate(header)}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv_safe.writer(out, delimiter=";" if lang() == "fr" else ",")
    writer.writerow([_(f"console.export.{name}") for name in header])
    for row in rows[1:]:
        outcome, number = row[at["outcome"]], row[at["number"]]
        row[at["outcome"]] = (
            _(f"console.outcome.{outcome}") if outcome in DELIVERY_STATUSES else outcome
        )
        row[at["confirmed"]] = (
            _("console.yes") if row[at["confirmed"]] == "yes" else _("console.no")
        )
        row[at["number"]] = display(number) if number else ""
        when = row[at["last_attempt_at"]]
        row[at["last_attempt_at"]] = local(datetime.fromisoformat(when), "seconds") if when else ""
        writer.writerow(row)
    return out.getvalue()


@bp.get("/campaigns/<int:campaign_id>/export.csv")
@login_required
def campaign_export(campaign_id):
    campaign_or_404(campaign_id)
    text = export_for_staff(campaign_id)
    audit_action("campaign.export", "campaign", campaign_id)
    get_session().commit()
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=campaign-{campaign_id}.csv"},
    )


@bp.get("/campaigns/<int:campaign_id>/summary")
@login_required
def campaign_summary(campaign_id):
    campaign = campaign_or_404(campaign_id)
    progress = _status(campaign.id)
    duration = None
    if campaign.launched_at and campaign.finished_at:
        duration = int((campaign.finished_at - campaign.launched_at).total_seconds())
    return render_template(
        "console/campaign_summary.html",
        campaign=campaign,
        progress=progress,
        duration=duration,
        outcomes=DELIVERY_STATUSES,
        criteria=describe(campaign.target),
        zone_picture=campaign_picture(get_session(), campaign),
        zone_caption=picture_caption(campaign.target),
    )
