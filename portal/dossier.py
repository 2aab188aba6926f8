"""Le dossier (the seed's steps 6-8): names, language, the "Actif" switch, the contacts table
and the address chosen from the registry, or submitted for staff review when it is missing.
Rows are added and removed by the form's own buttons (the page works without JavaScript);
nothing is saved until "Confirmer"."""

from flask import g, redirect, render_template, request, url_for

from models import audit
from runtime.db import get_session

from . import bp, profile, resident
from .resident import resident_required
from .texts import lang


@bp.get("/dossier")
@resident_required
def dossier():
    return render_template(
        "portal/dossier.html",
        form=profile.from_residence(g.resident),
        errors={},
        saved=request.args.get("saved"),
    )


@bp.post("/dossier")
@resident_required
def dossier_save():
    form = profile.from_request(request.form, g.resident)
    action = request.form.get("action", "save")
    if action == "add":
        profile.add_row(form)
        return render_template("portal/dossier.html", form=form, errors={}, saved=None)
    if action.startswith("remove-"):
        profile.remove_row(form, action.removeprefix("remove-"))
        return render_template("portal/dossier.html", form=form, errors={}, saved=None)
    db = get_session()
    errors, address = profile.validate(db, form, g.resident, lang())
    if errors:
        db.rollback()
        return render_template("portal/dossier.html", form=form, errors=errors, saved=None), 400
    profile.save(db, g.resident, form, address)
    audit(
        db,
        f"portal:{resident.login_phone()}",
        "portal.dossier_saved",
        "residence",
        g.resident.id,
        ip=request.remote_addr,
        active=g.resident.active,
        address_needs_review=g.resident.address_needs_review,
    )
    db.commit()
    return redirect(url_for("portal.dossier", saved="dossier"))
