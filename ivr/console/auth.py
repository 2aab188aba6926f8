"""Who is at the console: login with lockout and throttling, revocable sessions, roles, the page
language, the audit helper."""

import functools
from dataclasses import dataclass
from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import case, func, literal, or_, select, update

from models import Role, StaffUser, audit, utcnow
from models.audit import audit_repeated
from models.passwords import hash_secret, verify_secret
from models.phone import display
from portal import resident
from runtime.app import fresh_session
from runtime.db import get_session
from runtime.i18n import LANGUAGES, t

from . import bp, limiter, login_manager
from .forms import LoginForm
from .language import _, lang

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
    session_version: int = 0
    must_change_password: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    def get_id(self) -> str:
        """What the session holds: the account and its session version ("12.3")."""
        return f"{self.id}.{self.session_version}"

    @classmethod
    def of(cls, user: StaffUser) -> "Staff":
        return cls(
            user.id,
            user.email,
            user.role,
            user.language,
            user.phone,
            user.session_version,
            bool(user.must_change_password),
        )


@login_manager.user_loader
def load_user(session_id: str):
    """The account of a session, unless its version was bumped since (logout, password reset)
    or the account was deactivated: such sessions are signed out."""
    user_id, _dot, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = get_session().get(StaffUser, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return Staff.of(user)


def end_sessions(db, user_id: int) -> None:
    """Bump the account's session version: every session opened before is refused from the
    next request on (one UPDATE; the caller commits)."""
    db.execute(
        update(StaffUser)
        .where(StaffUser.id == user_id)
        .values(session_version=StaffUser.session_version + 1)
    )


# What a person whose password someone else chose may still reach before changing it.
OPEN_BEFORE_PASSWORD_CHANGE = {
    "console.password",
    "console.logout",
    "console.static",
    "console.set_language",
}


@bp.before_app_request
def password_to_change():
    """A generated or reset password is changed at the first sign-in, before anything else."""
    if (
        request.blueprint == "console"
        and current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in OPEN_BEFORE_PASSWORD_CHANGE
    ):
        if request.path.endswith(".json"):
            return {"error": "password change required"}, 403
        return redirect(url_for("console.password"))
    return None


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.endswith(".json"):
        return {"error": "login required"}, 401
    flash(_("console.login.required"), "info")
    return redirect(url_for("console.login", next=request.full_path.rstrip("?")))


@bp.app_template_filter("phone")
def _phone(e164):
    """418 555-0101: how staff read a stored number."""
    return display(e164) if e164 else ""


@bp.context_processor
def inject_helpers():
    return {"_": _, "t": _, "t_in": t, "lang": lang(), "current_user": current_user}


def role_required(role: str):
    """Only staff with ROLE (admins may do everything) reach the view; others get 403."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role != role and not current_user.is_admin:
                # counted on one row per person, page and 15 minutes: no flooding the log
                audit_repeated(
                    get_session(),
                    f"{current_user.email}|{request.path}",
                    current_user.email,
                    "console.access.denied",
                    "page",
                    request.path[:64],
                    ip=request.remote_addr,
                )
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def audit_action(action: str, entity: str = "", entity_id=None, **details) -> None:
    """Record ACTION by the signed-in staff member (committed with the change)."""
    actor = current_user.email if current_user.is_authenticated else "anonymous"
    audit(
        get_session(),
        actor,
        "console." + action,
        entity,
        entity_id,
        ip=request.remote_addr,
        **details,
    )


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/staff") and not target.startswith("//"):
        return target
    return url_for("console.campaign_list")


def _client_limit() -> str:
    return current_app.config["STAFF_LOGIN_CLIENT_LIMIT"]


def _refused(response) -> bool:
    """A sign-in that counts against the client's allowance: any refused form."""
    return request.method == "POST" and response.status_code == 400


def reserve_attempt(db, user_id: int, now) -> tuple[bool, bool]:
    """Count one sign-in attempt on the account BEFORE its password is checked, unless the
    account is locked: (counted, locked by this attempt). One conditional UPDATE (atomic on
    SQLite and PostgreSQL alike): the attempt that reaches MAX_FAILED_LOGINS locks the account,
    and simultaneous attempts past it find it locked, so at most MAX_FAILED_LOGINS passwords
    are checked per lockout window. A correct password then clears the count (and the lock
    its own attempt set)."""
    reaches_limit = StaffUser.failed_logins + 1 >= MAX_FAILED_LOGINS
    lock_until = literal(now + LOCKOUT, StaffUser.locked_until.type)
    row = db.execute(
        update(StaffUser)
        .where(
            StaffUser.id == user_id,
            or_(StaffUser.locked_until.is_(None), StaffUser.locked_until <= now),
        )
        .values(
            failed_logins=case((reaches_limit, 0), else_=StaffUser.failed_logins + 1),
            locked_until=case((reaches_limit, lock_until), else_=None),
        )
        .returning(StaffUser.failed_logins)
    ).first()
    db.commit()
    return row is not None, row is not None and row[0] == 0


def clear_failures(db, user_id: int) -> None:
    db.execute(
        update(StaffUser).where(StaffUser.id == user_id).values(failed_logins=0, locked_until=None)
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_client_limit, methods=["POST"], deduct_when=_refused)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        email = form.email.data.strip().lower()
        user = db.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email))
        db.commit()  # end the read: SQLite would refuse a write upgraded from a stale snapshot
        now = utcnow()
        # Unknown, inactive, locked and wrong-password attempts get the same answer and cost
        # the same time (a password hash is always verified): the page reveals nothing.
        counted = locked_now = False
        if user is not None and user.active:
            counted, locked_now = reserve_attempt(db, user.id, now)
        if counted:
            accepted = verify_secret(user.password_hash, form.password.data)
        else:
            verify_secret(_DUMMY_HASH, form.password.data)
            accepted = False
        locked = user is not None and user.active and not counted
        action = "console.login.locked" if locked else "console.login.failed"
        if accepted:
            clear_failures(db, user.id)
            audit(db, user.email, "console.login", "staff", user.id, ip=request.remote_addr)
            db.commit()
            db.refresh(user)
            fresh_session(*resident.OWN_KEYS)  # a resident of the portal in this browser
            login_user(Staff.of(user))
            return redirect(_safe_next(request.args.get("next")))
        if locked_now:
            audit(db, email, "console.login.lockout", "staff", user.id, ip=request.remote_addr)
            db.commit()
        # one audit row per account, client and 15 minutes, counting the attempts
        audit_repeated(
            db,
            f"{email}|{request.remote_addr}",
            email,
            action,
            "staff",
            user.id if user else None,
            ip=request.remote_addr,
        )
        form.password.errors.append(_("console.login.bad_credentials"))
    return render_template("console/login.html", form=form), 200 if not form.errors else 400


@bp.post("/logout")
@login_required
def logout():
    db = get_session()
    audit_action("logout", "staff", current_user.id)
    end_sessions(db, current_user.id)  # a copy of this session's cookie is now worthless
    db.commit()
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
    return render_template(
        "console/error.html", title=_("console.error.csrf.title"), text=_("console.error.csrf.text")
    ), 400


@bp.errorhandler(429)
def throttled(exc):
    """Too many refused sign-ins from this address: said in both languages, and when."""
    return render_template("console/throttled.html"), 429


@bp.errorhandler(403)
def forbidden(exc):
    return render_template(
        "console/error.html",
        title=_("console.error.forbidden.title"),
        text=_("console.error.forbidden.text"),
    ), 403


@bp.errorhandler(404)
def not_found(exc):
    return render_template(
        "console/error.html",
        title=_("console.error.not_found.title"),
        text=_("console.error.not_found.text"),
    ), 404
