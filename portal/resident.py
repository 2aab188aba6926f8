"""Who is signed in on the portal: a residence, held in the session as "id.version". The
version is the residence's web_session_version: logout and password changes bump it, which
ends every session opened before (a copied cookie included)."""

import functools

from flask import g, redirect, request, session, url_for
from sqlalchemy import update

from models import Residence
from runtime.app import fresh_session
from runtime.db import get_session

from . import bp

KEY = "resident"
PHONE_KEY = "resident_phone"
OWN_KEYS = (KEY, PHONE_KEY)
"""What the portal keeps in the browser's session; the console's sign-in leaves them alone."""
STAFF_KEYS = ("_user_id", "_fresh", "_id")
"""Flask-Login's keys: a staff member signed in to the console in the same browser."""


def sign_in(residence: Residence, e164: str) -> None:
    fresh_session("lang", *STAFF_KEYS)
    session[KEY] = f"{residence.id}.{residence.web_session_version}"
    session[PHONE_KEY] = e164


def end_sessions(db, residence_id: int) -> None:
    """Bump the version: every session of this residence is refused from the next request on
    (one UPDATE; the caller commits)."""
    db.execute(
        update(Residence)
        .where(Residence.id == residence_id)
        .values(web_session_version=Residence.web_session_version + 1)
        .execution_options(synchronize_session=False)
    )


def sign_out() -> None:
    session.pop(KEY, None)
    session.pop(PHONE_KEY, None)


@bp.before_request
def load_resident():
    g.resident = None
    held = session.get(KEY, "")
    resident_id, _dot, version = held.partition(".")
    if not (resident_id.isdigit() and version.isdigit()):
        return
    residence = get_session().get(Residence, int(resident_id))
    if residence is None or residence.web_session_version != int(version):
        sign_out()
        return
    g.resident = residence


def resident_required(view=None, *, temporary_ok: bool = False):
    """Only a signed-in resident reaches the view; one holding a temporary password is sent to
    choose a new one first (unless TEMPORARY_OK)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if g.resident is None:
                return redirect(url_for("portal.home"))
            if g.resident.web_password_temporary and not temporary_ok:
                return redirect(url_for("portal.new_password"))
            return view(*args, **kwargs)

        return wrapped

    return decorator(view) if view is not None else decorator


def login_phone() -> str:
    """The number the resident signed in with."""
    return session.get("resident_phone", "")


@bp.app_template_global()
def portal_next() -> str:
    return request.full_path.rstrip("?")
