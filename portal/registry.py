"""The address registry's type-ahead for the dossier: city -> street -> civic number, as small
JSON lists (the page's script fills the fields' suggestions; without it, the server checks
what was typed)."""

from flask import g, jsonify, request
from sqlalchemy import select

from models import Address
from runtime.db import get_session

from . import bp

LISTED = 20


def _folded(name: str) -> str:
    return request.args.get(name, "").strip().casefold()[:160]


def _authorised():
    return g.resident is not None


@bp.get("/adresses/villes.json")
def cities():
    if not _authorised():
        return jsonify(error="login required"), 401
    names = get_session().scalars(select(Address.city).distinct().order_by(Address.city))
    return jsonify(list(names))


@bp.get("/adresses/rues.json")
def streets():
    """Streets of the city whose name contains the typed text (any case)."""
    if not _authorised():
        return jsonify(error="login required"), 401
    typed = _folded("q")
    names = get_session().scalars(
        select(Address.street)
        .distinct()
        .where(Address.city == request.args.get("ville", ""))
        .order_by(Address.street)
    )
    return jsonify([n for n in names if typed in n.casefold()][:LISTED])


@bp.get("/adresses/numeros.json")
def civic_numbers():
    """Civic numbers of the street starting with the typed digits, with their postal codes."""
    if not _authorised():
        return jsonify(error="login required"), 401
    typed = request.args.get("q", "").strip()[:16]
    rows = get_session().execute(
        select(Address.civic_number, Address.postal_code).where(
            Address.city == request.args.get("ville", ""),
            Address.street == request.args.get("rue", ""),
            Address.civic_number.startswith(typed, autoescape=True),
        )
    )
    found = sorted(rows, key=lambda r: (len(r.civic_number), r.civic_number))[:LISTED]
    return jsonify([{"civic": r.civic_number, "postal_code": r.postal_code} for r in found])
