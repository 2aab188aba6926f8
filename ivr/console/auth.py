"""Who is at the console: login with lockout, roles, the page language, the audit helper."""
import functools
from dataclasses import dataclass
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select

from ivr.db import get_session
from ivr.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from models import Role, StaffUser, audit, utcnow
from models.passwords import hash_secret, verify_secret
from models.phone import display

from . import bp, login_manager
from .forms import LoginForm

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
# Verified against an unknown email so that a wrong address costs as long as a wrong password.
_DUMMY_HASH = hash_secret("not-a-real-password")


@dataclass
class Staff(UserMixin):
    """The signed-in staff member, detached from the database session."""
    id: int
    email: str
    role: str
    language: str
    phone: str | None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value


@login_manager.user_loader
def load_user(user_id: str):
    user = get_session().get(StaffUser, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active:
        return None
    return Staff(user.id, user.email, user.role, user.language, user.phone)


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.endswith(".json"):
        return {"error": "login required"}, 401
    flash(_("console.login.required"), "info")
    return redirect(url_for("console.login", next=request.full_path.rstrip("?")))


def lang() -> str:
    """The page language: the toggle's choice, else the staff member's, else French."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if current_user.is_authenticated:
        return current_user.language if current_user.language in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def _(key: str, **values) -> str:
    """The console text KEY in the page language."""
    return t(lang(), key, **values)


@bp.app_template_filter("phone")
def _phone(e164):
    """418 555-0101: how staff read a stored number."""
    return display(e164) if e164 else ""


@bp.context_processor
def inject_helpers():
    return {"_": _, "t": _, "lang": lang(), "current_user": current_user}


def role_required(role: str):
    """Only staff with ROLE (admins may do everything) reach the view; others get 403."""
    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role != role and not current_user.is_admin:
                audit_action("access.denied", "page", request.path)
                get_session().commit()
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def audit_action(action: str, entity: str = "", entity_id=None, **details) -> None:
    """Record ACTION by the signed-in staff member (committed with the change)."""
    actor = current_user.email if current_user.is_authenticated else "anonymous"
    audit(get_session(), actor, "console." + action, entity, entity_id, ip=request.remote_addr,
          **details)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/staff") and not target.startswith("//"):
        return target
    return url_for("console.campaign_list")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        email = form.email.data.strip().lower()
        user = db.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email))
        now = utcnow()
        if user is not None and user.locked_until and user.locked_until > now:
            minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
            audit(db, email, "console.login.locked", "staff", user.id, ip=request.remote_addr)
            db.commit()
            form.email.errors.append(_("console.login.locked", minutes=minutes))
        elif user is None or not user.active or not verify_secret(user.password_hash,
                                                                  form.password.data):
            if user is None:
                verify_secret(_DUMMY_HASH, form.password.data)
            else:
                user.failed_logins += 1
                if user.failed_logins >= MAX_FAILED_LOGINS:
                    user.locked_until = now + LOCKOUT
                    user.failed_logins = 0
                    audit(db, email, "console.login.lockout", "staff", user.id,
                          ip=request.remote_addr)
            audit(db, email, "console.login.failed", "staff", user.id if user else None,
                  ip=request.remote_addr)
            db.commit()
            form.password.errors.append(_("console.login.bad_credentials"))
        else:
            user.failed_logins = 0
            user.locked_until = None
            audit(db, user.email, "console.login", "staff", user.id, ip=request.remote_addr)
            db.commit()
            session.clear()
            login_user(Staff(user.id, user.email, user.role, user.language, user.phone))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("console/login.html", form=form), 200 if not form.errors else 400


@bp.post("/logout")
@login_required
def logout():
    audit_action("logout", "staff", current_user.id)
    get_session().commit()
    logout_user()
    session.pop("lang", None)
    return redirect(url_for("console.login"))


@bp.post("/language")
def set_language():
    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(_safe_next(request.form.get("next")))


@bp.get("/")
@login_required
def index():
    return redirect(url_for("console.campaign_list"))


@bp.errorhandler(CSRFError)
def csrf_error(exc):
    return render_template("console/error.html", title=_("console.error.csrf.title"),
                           text=_("console.error.csrf.text")), 400


@bp.errorhandler(403)
def forbidden(exc):
    return render_template("console/error.html", title=_("console.error.forbidden.title"),
                           text=_("console.error.forbidden.text")), 403


@bp.errorhandler(404)
def not_found(exc):
    return render_template("console/error.html", title=_("console.error.not_found.title"),
                           text=_("console.error.not_found.text")), 404
