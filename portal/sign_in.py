"""The home page "Accéder à mon dossier" (sign-in), "Nouvel usager", "Mot de passe oublié?",
logout, and the human check's challenge."""

from flask import current_app, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from models import PhoneNumber
from models.phone import InvalidPhone, to_e164
from runtime.db import get_session
from runtime.i18n import explain

from . import bp, human_check, limiter, lockout, resident, sending
from .defaults import setting
from .texts import _, lang


def _refused(response) -> bool:
    """A form that counts against the client's allowance: any refused one."""
    return request.method == "POST" and response.status_code == 400


def _login_limit() -> str:
    return setting(current_app, "PORTAL_CLIENT_LIMIT")


def _send_limit() -> str:
    return setting(current_app, "PORTAL_SEND_CLIENT_LIMIT")


def _daily_limit() -> str:
    return setting(current_app, "PORTAL_SEND_DAILY_LIMIT")


def _phone_field(errors: dict) -> str | None:
    try:
        return to_e164(request.form.get("phone"))
    except InvalidPhone as refused:
        errors["phone"] = explain(refused, lang())
        return None


def _mode_field(errors: dict) -> str | None:
    mode = request.form.get("mode", "")
    if mode not in sending.MODES:
        errors["mode"] = _("portal.mode.required")
        return None
    return mode


@bp.get("/")
def home():
    if g.resident is not None:
        return redirect(url_for("portal.dossier"))
    return render_template("portal/home.html", errors={}, form={})


@bp.post("/")
@limiter.limit(_login_limit, deduct_when=_refused)
def login():
    errors: dict = {}
    e164 = _phone_field(errors)
    password = request.form.get("password", "")
    if errors or not password:
        errors.setdefault("password", _("portal.login.password_required") if not password else "")
        return render_template("portal/home.html", errors=errors, form=request.form), 400
    db = get_session()
    phone = db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))
    db.commit()
    result = lockout.check(db, phone, password, request.remote_addr)
    if result in ("ok", "temporary"):
        resident.sign_in(phone.residence, e164)
        if result == "temporary":
            return redirect(url_for("portal.new_password"))
        return redirect(url_for("portal.dossier"))
    key = "portal.login.locked" if result == "locked" else "portal.login.bad_credentials"
    return render_template("portal/home.html", errors={"form": _(key)}, form=request.form), 400


@bp.post("/deconnexion")
def logout():
    if g.resident is not None:
        db = get_session()
        resident.end_sessions(db, g.resident.id)
        db.commit()
    resident.sign_out()
    return redirect(url_for("portal.home", out=1))


@bp.get("/altcha")
def altcha_challenge():
    """A fresh proof-of-work challenge for the widget (never cached)."""
    response = current_app.json.response(human_check.challenge())
    response.headers["Cache-Control"] = "no-store"
    return response


def _send_form(template: str, errors: dict, send):
    """The common part of the new-user and forgotten-password forms: the number, the mode,
    the human check, the number's daily count; SEND(db, e164, mode) does the rest. ERRORS:
    the form's own refusals so far."""
    e164 = _phone_field(errors)
    mode = _mode_field(errors)
    db = get_session()
    if not errors and not human_check.passed(db, request.form.get("altcha")):
        errors["altcha"] = _("portal.altcha.failed")
    if errors:
        db.rollback()
        return render_template(template, errors=errors, form=request.form), 400
    if not sending.take_daily(db, e164):
        db.commit()
        return render_template(
            template, errors={"form": _("portal.send.limit")}, form=request.form
        ), 400
    send(db, e164, mode)
    return render_template("portal/sent.html", mode=mode)


def _all_clients() -> str:
    return "all"


@bp.route("/nouvel-usager", methods=["GET", "POST"])
@limiter.limit(_send_limit, methods=["POST"])
@limiter.shared_limit(
    _daily_limit, scope="portal-send-all", key_func=_all_clients, methods=["POST"]
)
def new_user():
    if request.method == "GET":
        return render_template("portal/new_user.html", errors={}, form={})
    errors = {}
    if request.form.get("conditions") != "yes":
        errors["conditions"] = _("portal.new.conditions_required")
    return _send_form(
        "portal/new_user.html",
        errors,
        lambda db, e164, mode: sending.new_user(db, e164, mode, lang(), request.remote_addr),
    )


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(_send_limit, methods=["POST"])
@limiter.shared_limit(
    _daily_limit, scope="portal-send-all", key_func=_all_clients, methods=["POST"]
)
def forgot():
    if request.method == "GET":
        return render_template("portal/forgot.html", errors={}, form={})
    return _send_form(
        "portal/forgot.html",
        {},
        lambda db, e164, mode: sending.forgotten(db, e164, mode, request.remote_addr),
    )


@bp.errorhandler(CSRFError)
def csrf_error(exc):
    return render_template(
        "portal/message.html", title=_("portal.csrf.title"), text=_("portal.csrf.text")
    ), 400


@bp.errorhandler(429)
def throttled(exc):
    return render_template(
        "portal/message.html", title=_("portal.throttled.title"), text=_("portal.throttled.text")
    ), 429
