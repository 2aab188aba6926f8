"""Law 25: "Télécharger mes données" (what the city holds about this residence, JSON or CSV)
and "Supprimer mon inscription" (confirmed; the hotline's own removal)."""

import io
import json

from flask import Response, g, render_template, request
from sqlalchemy import select

from hotline import accounts
from models import AuditEntry, Residence
from runtime.csv_safe import writer as csv_writer
from runtime.db import get_session

from . import bp, resident
from .resident import resident_required
from .texts import _

FIELDS = (
    "last_name",
    "first_name",
    "language",
    "active",
    "civic_number",
    "street",
    "apartment",
    "city",
    "postal_code",
    "address_needs_review",
    "registered_via",
    "consent_at",
    "consent_channel",
    "consent_version",
    "created_at",
    "updated_at",
)
PHONE_FIELDS = ("e164", "position", "kind", "description", "active", "verified_at")


def _value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def held(db, residence: Residence) -> dict:
    """Everything the city holds about RESIDENCE (no password nor PIN, not even hashed)."""
    history = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "residence", AuditEntry.entity_id == str(residence.id))
        .order_by(AuditEntry.id)
    )
    return {
        "residence": {name: _value(getattr(residence, name)) for name in FIELDS},
        "hotline_pin_set": bool(residence.password_hash),
        "recordings": {
            "name": residence.name_recording_url,
            "address": residence.address_recording_url,
        },
        "numbers": [
            {name: _value(getattr(p, name)) for name in PHONE_FIELDS} for p in residence.phones
        ],
        "history": [{"at": _value(e.at), "action": e.action} for e in history],
    }


@bp.get("/mes-donnees.json")
@resident_required
def download_json():
    body = json.dumps(held(get_session(), g.resident), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=mes-donnees.json"},
    )


@bp.get("/mes-donnees.csv")
@resident_required
def download_csv():
    data = held(get_session(), g.resident)
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["section", "field", "value"])
    for name, value in data["residence"].items():
        writer.writerow(["residence", name, value])
    writer.writerow(["residence", "hotline_pin_set", data["hotline_pin_set"]])
    for i, number in enumerate(data["numbers"]):
        for name, value in number.items():
            writer.writerow([f"number {i + 1}", name, value])
    for entry in data["history"]:
        writer.writerow(["history", entry["at"], entry["action"]])
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=mes-donnees.csv"},
    )


@bp.route("/supprimer", methods=["GET", "POST"])
@resident_required
def remove():
    if request.method == "GET":
        return render_template("portal/remove.html", errors={})
    if request.form.get("confirm") != "yes":
        return render_template(
            "portal/remove.html", errors={"confirm": _("portal.remove.confirm_required")}
        ), 400
    db = get_session()
    accounts.unregister(db, g.resident, f"portal:{resident.login_phone()}")
    db.commit()
    resident.sign_out()
    return render_template(
        "portal/message.html",
        title=_("portal.remove.done.title"),
        text=_("portal.remove.done.text"),
    )
