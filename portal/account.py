"""The resident's secrets: the portal password (forced after a temporary one) and the
hotline's keypad PIN (NIP), under the hotline's own rules."""

import hmac

from flask import g, redirect, render_template, request, url_for

from hotline import accounts, pins
from models import audit
from models.passwords import hash_secret, verify_secret
from models.phone import national_digits
from runtime.db import get_session

from . import bp, passwords, resident
from .resident import resident_required
from .texts import _


def _login_digits() -> str:
    return national_digits(resident.login_phone()) if resident.login_phone() else ""


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@resident_required(temporary_ok=True)
def new_password():
    """Choose a new password: forced after a temporary one; otherwise the current one is
    asked first."""
    forced = g.resident.web_password_temporary
    if request.method == "GET":
        return render_template("portal/password.html", errors={}, forced=forced)
    errors = {}
    current = request.form.get("current", "")
    chosen = request.form.get("password", "")
    if not forced and not verify_secret(g.resident.web_password_hash, current):
        errors["current"] = _("portal.password.current_wrong")
    refusal = passwords.refusal(chosen, _login_digits())
    if refusal:
        errors["password"] = _(refusal)
    elif not hmac.compare_digest(chosen, request.form.get("confirm", "")):
        errors["confirm"] = _("portal.password.mismatch")
    if errors:
        return render_template("portal/password.html", errors=errors, forced=forced), 400
    db = get_session()
    residence = g.resident
    residence.web_password_hash = hash_secret(chosen)
    residence.web_password_temporary = False
    audit(
        db,
        f"portal:{resident.login_phone()}",
        "portal.password_changed",
        "residence",
        residence.id,
        ip=request.remote_addr,
    )
    resident.end_sessions(db, residence.id)  # other sessions (a stolen cookie) end here
    db.commit()
    db.refresh(residence)
    resident.sign_in(residence, resident.login_phone())
    return redirect(url_for("portal.dossier", saved="password"))


@bp.route("/nip", methods=["GET", "POST"])
@resident_required
def pin():
    """Set or change the PIN the hotline asks for, with the hotline's rules."""
    if request.method == "GET":
        return render_template("portal/pin.html", errors={})
    errors = {}
    chosen = request.form.get("pin", "").strip()
    refusal = pins.refusal(chosen, _login_digits())
    if refusal:
        errors["pin"] = _(refusal)
    elif not hmac.compare_digest(chosen, request.form.get("confirm", "").strip()):
        errors["confirm"] = _("portal.pin.mismatch")
    if errors:
        return render_template("portal/pin.html", errors=errors), 400
    db = get_session()
    accounts.set_password(db, g.resident, hash_secret(chosen), f"portal:{resident.login_phone()}")
    db.commit()
    return redirect(url_for("portal.dossier", saved="pin"))
