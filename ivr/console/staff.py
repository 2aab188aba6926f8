"""Staff accounts (admins only), each person's own profile, and the audit log."""

import secrets

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user
from sqlalchemy import func, select

from models import Role, StaffUser, utcnow
from models.audit import latest_entries
from models.passwords import hash_secret, verify_secret
from runtime.db import get_session

from . import audit_view, bp
from .auth import Staff, audit_action, clear_failures, end_sessions, reserve_attempt, role_required
from .forms import ConfirmForm, PasswordForm, ProfileForm, StaffForm
from .language import _

AUDIT_PAGE_SIZE = 50


@bp.get("/accounts")
@role_required(Role.ADMIN.value)
def staff_list():
    users = get_session().scalars(select(StaffUser).order_by(StaffUser.email)).all()
    return render_template("console/staff_list.html", users=users, form=ConfirmForm())


@bp.route("/accounts/new", methods=["GET", "POST"], defaults={"user_id": None})
@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN.value)
def staff_edit(user_id):
    db = get_session()
    user = db.get(StaffUser, user_id) if user_id else None
    if user_id and user is None:
        abort(404)
    form = StaffForm(obj=user)
    generated = None
    if form.validate_on_submit():
        same = db.scalar(select(StaffUser).where(func.lower(StaffUser.email) == form.email.data))
        if same is not None and same is not user:
            form.email.errors.append(_("console.staff.email_taken"))
        elif (
            user is not None
            and user.id == current_user.id
            and (form.role.data != user.role or not form.active.data)
        ):
            form.role.errors.append(_("console.staff.not_yourself"))
        else:
            password = form.password.data
            if user is None:
                generated = None if password else secrets.token_urlsafe(12)
                user = StaffUser(password_hash=hash_secret(password or generated))
                db.add(user)
            elif password:
                user.password_hash = hash_secret(password)
                user.failed_logins, user.locked_until = 0, None
                end_sessions(db, user.id)  # the account's open sessions end with its password
            if password or generated:
                # chosen by someone else: its owner changes it at the next sign-in
                user.must_change_password = user.id != current_user.id
            user.email, user.role, user.language = (
                form.email.data,
                form.role.data,
                form.language.data,
            )
            user.phone, user.active = form.phone.data or None, form.active.data
            db.flush()
            audit_action(
                "staff.create" if user_id is None else "staff.edit",
                "staff",
                user.id,
                email=user.email,
                role=user.role,
                active=user.active,
                password_changed=bool(password or generated),
            )
            db.commit()
            if user.id == current_user.id and password:  # the admin's own reset: stay signed in
                db.refresh(user)
                login_user(Staff.of(user))
            if generated:  # shown once, on this page only; never stored in clear nor logged
                return render_template("console/staff_created.html", user=user, password=generated)
            flash(_("console.staff.saved"), "success")
            return redirect(url_for("console.staff_list"))
    return render_template(
        "console/staff_edit.html", form=form, user=user
    ), 400 if request.method == "POST" else 200


@bp.post("/accounts/<int:user_id>/unlock")
@role_required(Role.ADMIN.value)
def staff_unlock(user_id):
    user = get_session().get(StaffUser, user_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user.failed_logins, user.locked_until = 0, None
    audit_action("staff.unlock", "staff", user.id)
    get_session().commit()
    flash(_("console.staff.unlocked", email=user.email), "success")
    return redirect(url_for("console.staff_list"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    db = get_session()
    user = db.get(StaffUser, current_user.id)
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        user.phone, user.language = form.phone.data or None, form.language.data
        session["lang"] = user.language
        audit_action("staff.profile", "staff", user.id)
        db.commit()
        flash(_("console.staff.saved"), "success")
        return redirect(url_for("console.profile"))
    return render_template(
        "console/profile.html", form=form
    ), 400 if request.method == "POST" else 200


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password (required after a generated or reset one)."""
    db = get_session()
    user = db.get(StaffUser, current_user.id)
    form = PasswordForm()
    if form.validate_on_submit():
        # guesses count as sign-in attempts do (the same atomic counter and lockout)
        counted, _locked = reserve_attempt(db, user.id, utcnow())
        if not counted:
            form.current.errors.append(_("console.password.locked"))
        elif not verify_secret(user.password_hash, form.current.data):
            form.current.errors.append(_("console.password.wrong_current"))
        elif form.current.data == form.new.data:
            form.new.errors.append(_("console.password.same"))
        else:
            clear_failures(db, user.id)
            user.password_hash = hash_secret(form.new.data)
            user.must_change_password = False
            end_sessions(db, user.id)  # other open sessions end with the old password
            audit_action("staff.password", "staff", user.id)
            db.commit()
            db.refresh(user)
            login_user(Staff.of(user))  # this one goes on
            flash(_("console.password.changed"), "success")
            return redirect(url_for("console.profile"))
    return render_template(
        "console/password.html", form=form, required=current_user.must_change_password
    ), 400 if request.method == "POST" else 200


@bp.get("/audit")
@role_required(Role.ADMIN.value)
def audit_log():
    """The whole log, newest first, AUDIT_PAGE_SIZE entries a page (?page=2 …)."""
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdigit() and len(raw) < 10 else 1
    filters = audit_view.filters_from_request()
    entries, pages = latest_entries(get_session(), page, AUDIT_PAGE_SIZE, **filters)
    return render_template(
        "console/audit.html",
        entries=entries,
        page=min(page, pages),
        pages=pages,
        filters=filters,
        actions=audit_view.known_actions(get_session()),
        entities=sorted(audit_view.ENTITY_VIEWS),
        **audit_view.helpers(),
    )
