"""Named sectors (issue 16), admins only: upload them as GeoJSON, list them, delete them."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from dialer.zones import MAX_BYTES, ZoneError, delete_sector, import_sectors
from models import Role, Sector
from runtime.db import get_session
from runtime.i18n import explain

from . import bp
from .auth import role_required
from .formats import n_
from .forms import ConfirmForm, SectorForm
from .language import _, lang


@bp.route("/sectors", methods=["GET", "POST"])
@role_required(Role.ADMIN.value)
def sector_list():
    db = get_session()
    form = SectorForm()
    status = 200
    if form.validate_on_submit():
        data = form.file.data.read(MAX_BYTES + 1)
        try:
            sectors = import_sectors(db, data, form.name_property.data.strip(), current_user.email)
        except ZoneError as exc:
            db.rollback()
            form.file.errors.append(explain(exc, lang()))
            status = 400
        else:
            flash(n_("console.map.sectors_imported", len(sectors)), "success")
            return redirect(url_for("console.sector_list"))
    elif form.errors:
        status = 400
    sectors = db.scalars(select(Sector).order_by(Sector.name)).all()
    return render_template(
        "console/sectors.html", form=form, sectors=sectors, confirm=ConfirmForm()
    ), status


@bp.post("/sectors/<int:sector_id>/delete")
@role_required(Role.ADMIN.value)
def sector_delete(sector_id):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    db = get_session()
    try:  # refused while a draft targets it (it would launch to nobody in it)
        name = delete_sector(db, sector_id, current_user.email)
    except ZoneError as exc:
        db.rollback()
        flash(explain(exc, lang()), "error")
    else:
        flash(_("console.map.sector_deleted", name=name), "success")
    return redirect(url_for("console.sector_list"))
