"""Residents: search, view, edit, deactivate, CSV import, and the hotline's recordings to review."""

import re
import unicodedata
from urllib.parse import SplitResult, urlsplit

import requests
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from dialer.targeting import fold as fold_name
from ivr.csv_import import RowError
from ivr.residents import normalize_postal_code
from models import (
    DELIVERY_STATUSES,
    Address,
    Campaign,
    Channel,
    Delivery,
    PhoneNumber,
    Residence,
    Role,
    remove_residence,
    utcnow,
)
from models.phone import InvalidPhone, display, to_e164
from runtime.config import TWILIO_DEFAULT_API_BASE_URL
from runtime.db import get_session

from . import bp
from .auth import audit_action, role_required
from .forms import ConfirmForm, ImportForm, ResidentForm, ReviewForm
from .imports import MAX_BYTES, read_progress, start_import
from .language import _, lang

PAGE_SIZE = 50
PHONE_FIELDS = ("phone1", "phone2", "phone3")
_DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_QUERY_LENGTH = 200
_LIKE_SPECIAL = re.compile(r"[\\%_]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _origin(parts: SplitResult) -> tuple[str, str | None, int | None]:
    scheme = parts.scheme.lower()
    return scheme, parts.hostname, parts.port or _DEFAULT_PORTS.get(scheme)


def within(url: str, base: str) -> bool:
    """URL is on BASE's scheme, host and port exactly, under BASE's path (the account's
    credentials go only there: `https://api.twilio.com.evil/...` is not Twilio)."""
    try:
        target, trusted = urlsplit(url), urlsplit(base)
        if (
            not trusted.hostname
            or _origin(target) != _origin(trusted)
            or target.username
            or target.password
        ):
            return False
    except ValueError:  # a port out of range or not a number
        return False
    prefix = trusted.path.rstrip("/")
    return target.path == prefix or target.path.startswith(prefix + "/")


def residence_or_404(residence_id: int) -> Residence:
    residence = get_session().get(Residence, residence_id)
    if residence is None:
        abort(404)
    return residence


_ACCENTED = "ÀÂÄÁÃÉÈÊËÎÏÍÔÖÓÕÙÛÜÚÇŸàâäáãéèêëîïíôöóõùûüúçÿ’"
_PLAIN = "aaaaaeeeeiiioooouuuucy" * 2 + "'"
assert len(_ACCENTED) == len(_PLAIN)
_PHONE_TEXT = re.compile(r"^[\d\s().+-]+$")
MIN_PARTIAL_DIGITS = 4


def fold(text: str) -> str:
    """'Côté' -> 'cote': lower case, accents dropped (what `_folded` does in SQL)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _folded(column):
    """COLUMN lower-cased without accents, alike on SQLite (whose lower() knows only ASCII,
    hence the capitals in the table) and PostgreSQL."""
    return func.translate(func.lower(column), _ACCENTED, _PLAIN)


def _contains(column, word: str):
    """COLUMN contains WORD, ignoring case and accents; `%` and `_` in WORD are text."""
    pattern = "%" + _LIKE_SPECIAL.sub(r"\\\g<0>", fold(word)) + "%"
    return _folded(column).like(pattern, escape="\\")


def search(db, text: str) -> list[Residence]:
    """By number (any form people type, or a part of one: '555-0101'), else by name or
    address words (case and accents ignored: 'cote' finds Côté)."""
    text = text.strip()
    if not text:
        return []
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 7:
        try:
            e164 = to_e164(text)
        except InvalidPhone:
            pass
        else:
            found = db.scalars(
                select(Residence).join(PhoneNumber).where(PhoneNumber.e164 == e164)
            ).all()
            if found:
                return found
    if _PHONE_TEXT.match(text) and len(digits) >= MIN_PARTIAL_DIGITS:
        found = db.scalars(
            select(Residence)
            .where(
                Residence.id.in_(
                    select(PhoneNumber.residence_id).where(PhoneNumber.e164.like(f"%{digits}%"))
                )
            )
            .order_by(Residence.last_name, Residence.id)
            .limit(PAGE_SIZE)
        ).all()
        if found:
            return found
    query = select(Residence)
    for word in text.split():
        query = query.where(
            or_(
                *(
                    _contains(column, word)
                    for column in (
                        Residence.last_name,
                        Residence.first_name,
                        Residence.street,
                        Residence.city,
                        Residence.postal_code,
                    )
                ),
                Residence.civic_number == word,
            )
        )
    return db.scalars(query.order_by(Residence.last_name, Residence.id).limit(PAGE_SIZE)).all()


@bp.get("/residents")
@login_required
def resident_search():
    q = request.args.get("q", "")
    db = get_session()
    to_review = db.scalar(
        select(func.count())
        .select_from(Residence)
        .where(or_(Residence.address_needs_review, Residence.name_needs_review))
    )
    if len(q) > MAX_QUERY_LENGTH or _CONTROL.search(q):
        return render_template(
            "console/resident_search.html",
            q="",
            results=[],
            to_review=to_review,
            error=_("console.residents.bad_query", max=MAX_QUERY_LENGTH),
        ), 400
    return render_template(
        "console/resident_search.html", q=q, results=search(db, q), to_review=to_review
    )


HISTORY_SIZE = 20


@bp.get("/residents/<int:residence_id>")
@login_required
def resident_view(residence_id):
    """One residence: its facts, whether the hotline locked it out, and its campaigns."""
    db = get_session()
    residence = residence_or_404(residence_id)
    history = db.execute(
        select(Delivery, Campaign)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Delivery.residence_id == residence.id)
        .order_by(Delivery.id.desc())
        .limit(HISTORY_SIZE)
    ).all()
    now = utcnow()
    locked = [p for p in residence.phones if p.locked_until and p.locked_until > now]
    if residence.locked_until and residence.locked_until > now:
        locked_until = residence.locked_until
    else:
        locked_until = max((p.locked_until for p in locked), default=None)
    return render_template(
        "console/resident_view.html",
        residence=residence,
        form=ConfirmForm(),
        history=history,
        locked_until=locked_until,
        outcomes=DELIVERY_STATUSES,
    )


@bp.post("/residents/<int:residence_id>/unlock")
@role_required(Role.ADMIN.value)
def resident_unlock(residence_id):
    """Lift the hotline's lockout (too many wrong PINs) of the residence and its numbers."""
    residence = residence_or_404(residence_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    residence.failed_auth_count, residence.failed_auth_since = 0, None
    residence.locked_until = None
    for phone in residence.phones:
        phone.failed_auth_count, phone.failed_auth_since, phone.locked_until = 0, None, None
    audit_action("resident.unlock", "residence", residence.id)
    get_session().commit()
    flash(_("console.resident.unlocked"), "success")
    return redirect(url_for("console.resident_view", residence_id=residence.id))


def _phones_free(db, residence_id: int | None, numbers: list[str], form) -> bool:
    """False (with field errors) when a number is another residence's or given twice."""
    ok = True
    for name, e164 in zip(PHONE_FIELDS, numbers):
        if not e164 or getattr(form, name).errors:
            continue
        owner = db.scalar(select(PhoneNumber.residence_id).where(PhoneNumber.e164 == e164))
        if owner is not None and owner != residence_id:
            getattr(form, name).errors.append(_("console.resident.number_taken", id=owner))
            ok = False
    given = [n for n in numbers if n]
    if len(set(given)) != len(given):
        form.phone2.errors.append(_("console.resident.number_twice"))
        ok = False
    return ok


def _set_phones(db, residence: Residence, numbers: list[str], form) -> None:
    """Set the residence's numbers in order (kept ones keep their state), and each one's type,
    description and Actif from FORM."""
    given = [n for n in numbers if n]
    kept = {p.e164: p for p in residence.phones if p.e164 in given}
    for phone in [p for p in residence.phones if p.e164 not in given]:
        residence.phones.remove(phone)  # deleted with the orphan cascade
    for position, phone in enumerate(kept.values()):
        phone.position = 100 + position  # out of the way of the (residence, position) key
    if residence.id is not None:
        db.flush()
    residence.phones = [kept.get(n) or PhoneNumber(e164=n, verified_at=utcnow()) for n in given]
    for position, phone in enumerate(residence.phones):
        phone.position = position
    contact = {e164: name for name, e164 in zip(PHONE_FIELDS, numbers) if e164}
    for phone in residence.phones:  # type, description, Actif of each number (issue 14)
        name = contact[phone.e164]
        phone.kind = getattr(form, name + "_kind").data or "voice"
        phone.description = (getattr(form, name + "_description").data or "").strip()
        phone.active = getattr(form, name + "_active").data != "0"


def _postal_code(form) -> str | None:
    """The form's postal code, normalized; None (with the error on the form) when malformed."""
    try:
        return normalize_postal_code(form.postal_code.data or "")
    except RowError:
        form.postal_code.errors.append(_("console.resident.bad_postal_code"))
        return None


def registry_city(db, text: str) -> str | None:
    """The address registry's spelling of the sector TEXT ('jonquiere' -> 'JONQUIÈRE'); TEXT
    in capitals when the registry is empty; None when the registry does not know it."""
    cities = [c for c in db.scalars(select(Address.city).distinct()) if c]
    if not cities:
        return text.strip().upper()
    wanted = fold_name(text)
    return next((c for c in cities if fold_name(c) == wanted), None)


def _city(db, form) -> str | None:
    if form.city.errors or not (form.city.data or "").strip():
        return None
    city = registry_city(db, form.city.data)
    if city is None:
        known = sorted({c for c in db.scalars(select(Address.city).distinct()) if c})
        form.city.errors.append(
            _("console.resident.unknown_city", city=form.city.data.strip(), cities=", ".join(known))
        )
    return city


FIELDS = (
    "last_name",
    "first_name",
    "language",
    "civic_number",
    "street",
    "apartment",
    "city",
    "postal_code",
    "active",
)


def _no_control_characters(form) -> bool:
    """False (with the error on each field) when a text field holds a control character
    (a NUL byte breaks PostgreSQL; none belongs in a name or an address)."""
    ok = True
    for field in form:
        if isinstance(field.data, str) and _CONTROL.search(field.data):
            field.errors = [*field.errors, _("console.form.control_characters")]
            field.data = _CONTROL.sub("", field.data)
            ok = False
    return ok


def _save(db, form, residence: Residence) -> list[str] | None:
    """Check every field at once (each error shown on its field), then copy the form onto
    RESIDENCE: the names of the fields changed, or None (nothing saved) on an error."""
    valid = form.validate_on_submit()
    valid = _no_control_characters(form) and valid
    postal = _postal_code(form)
    city = _city(db, form)
    numbers = [getattr(form, n).data if not getattr(form, n).errors else "" for n in PHONE_FIELDS]
    phones_ok = _phones_free(db, residence.id, numbers, form)
    if not (valid and postal is not None and city is not None and phones_ok):
        return None
    before = {name: getattr(residence, name) for name in FIELDS}
    numbers_before = [(p.e164, p.kind, p.description, p.active) for p in residence.phones]
    for name in FIELDS:
        value = getattr(form, name).data
        if value is None:
            value = ""
        setattr(residence, name, value.strip() if isinstance(value, str) else value)
    residence.city, residence.postal_code = city, postal
    if "active" not in request.form and residence.id is None:
        residence.active = True  # a new resident is active unless staff say otherwise
    _set_phones(db, residence, numbers, form)
    changed = [name for name in FIELDS if getattr(residence, name) != before[name]]
    if [(p.e164, p.kind, p.description, p.active) for p in residence.phones] != numbers_before:
        changed.append("phones")
    return changed


@bp.route("/residents/new", methods=["GET", "POST"])
@role_required(Role.ADMIN.value)
def resident_new():
    """Add one resident (a call to the city, a paper form): checked as an edit is."""
    db = get_session()
    form = ResidentForm(
        data={"active": True, "language": "fr"} if request.method == "GET" else None
    )
    if request.method == "POST":
        residence = Residence(registered_via=Channel.STAFF.value)
        if _save(db, form, residence) is not None:
            db.add(residence)
            db.flush()
            audit_action("resident.create", "residence", residence.id)
            db.commit()
            flash(_("console.resident.created"), "success")
            return redirect(url_for("console.resident_view", residence_id=residence.id))
        db.rollback()
    return render_template(
        "console/resident_edit.html", residence=None, form=form
    ), 400 if request.method == "POST" else 200


@bp.route("/residents/<int:residence_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN.value)
def resident_edit(residence_id):
    db = get_session()
    residence = residence_or_404(residence_id)
    form = ResidentForm(obj=residence)
    if request.method == "GET":
        for name, phone in zip(PHONE_FIELDS, residence.phones):
            getattr(form, name).data = display(phone.e164)  # 418 555-0101, as people write it
            getattr(form, name + "_kind").data = phone.kind
            getattr(form, name + "_description").data = phone.description
            getattr(form, name + "_active").data = "1" if phone.active else "0"
    else:
        changed = _save(db, form, residence)
        if changed is not None:
            audit_action("resident.edit", "residence", residence.id, changed=changed)
            db.commit()
            flash(_("console.resident.saved"), "success")
            return redirect(url_for("console.resident_view", residence_id=residence.id))
        db.rollback()
        residence = residence_or_404(residence_id)
    return render_template(
        "console/resident_edit.html", residence=residence, form=form
    ), 400 if request.method == "POST" else 200


@bp.post("/residents/<int:residence_id>/deactivate")
@role_required(Role.ADMIN.value)
def resident_deactivate(residence_id):
    residence = residence_or_404(residence_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    residence.active = False
    audit_action("resident.deactivate", "residence", residence.id)
    get_session().commit()
    flash(_("console.resident.deactivated"), "success")
    return redirect(url_for("console.resident_view", residence_id=residence.id))


@bp.post("/residents/<int:residence_id>/remove")
@role_required(Role.ADMIN.value)
def resident_remove(residence_id):
    """Unregister at the resident's request: gone from the registry, its campaign history kept
    anonymised (models/removal.py)."""
    return _removed(residence_id, "console.resident.remove", "console.resident.removed")


def _removed(residence_id: int, action: str, said: str, then: str = "console.resident_search"):
    """Remove the residence (confirmed by the form), audited as ACTION; flash SAID, go to THEN."""
    residence = residence_or_404(residence_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    remove_residence(get_session(), residence, current_user.email, action, ip=request.remote_addr)
    get_session().commit()
    flash(_(said), "success")
    return redirect(url_for(then))


@bp.route("/residents/import", methods=["GET", "POST"])
@role_required(Role.ADMIN.value)
def resident_import():
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.data.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            form.file.errors.append(_("console.import.too_big", mb=MAX_BYTES // 2**20))
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                form.file.errors.append(_("console.import.not_utf8"))
            else:
                app = current_app._get_current_object()
                audit_action("resident.import", "import", None, filename=form.file.data.filename)
                get_session().commit()
                import_id = start_import(app, text, current_user.email, form.file.data.filename)
                return redirect(url_for("console.resident_import_status", import_id=import_id))
    return render_template(
        "console/resident_import.html", form=form
    ), 400 if request.method == "POST" else 200


def _import_or_404(import_id: str) -> dict:
    state = read_progress(current_app, import_id, lang())
    if state is None or state.get("actor") != current_user.email:
        abort(404)
    return state


@bp.get("/residents/import/<import_id>")
@role_required(Role.ADMIN.value)
def resident_import_status(import_id):
    return render_template(
        "console/resident_import_status.html", import_id=import_id, state=_import_or_404(import_id)
    )


@bp.get("/residents/import/<import_id>.json")
@role_required(Role.ADMIN.value)
def resident_import_progress(import_id):
    return _import_or_404(import_id)


@bp.get("/residents/review")
@role_required(Role.ADMIN.value)
def resident_review_list():
    residences = (
        get_session()
        .scalars(
            select(Residence)
            .where(or_(Residence.address_needs_review, Residence.name_needs_review))
            .order_by(Residence.created_at, Residence.id)
            .limit(PAGE_SIZE)
        )
        .all()
    )
    return render_template("console/resident_review_list.html", residences=residences)


MAX_LOOKUP = 10


def lookup_addresses(db, civic: str, street: str, city: str = "") -> list[Address]:
    """The registry's addresses on a street whose name holds STREET's words (accents, case,
    hyphens ignored), at CIVIC when given, in CITY when given: what a reviewer picks from."""
    civic, street, city = (_CONTROL.sub("", text) for text in (civic, street, city))
    words = fold_name(street).split()
    if not words:
        return []
    query = select(Address)
    if civic.strip():
        query = query.where(Address.civic_number == civic.strip())
    found = [
        a
        for a in db.scalars(
            query.order_by(Address.city, Address.street, Address.civic_number).limit(5000)
        )
        if all(w in fold_name(a.street).split() for w in words)
        and (not city.strip() or fold_name(a.city) == fold_name(city))
    ]
    return found[:MAX_LOOKUP]


def _registry_address(db, form) -> Address | None:
    """The registry's address the review form names exactly (civic, street, city alike when
    folded); None with an error on the street field when there is none."""
    for address in lookup_addresses(
        db, form.civic_number.data or "", form.street.data or "", form.city.data or ""
    ):
        if fold_name(address.street) == fold_name(form.street.data or ""):
            return address
    form.street.errors.append(_("console.review.not_in_registry"))
    return None


@bp.route("/residents/<int:residence_id>/review", methods=["GET", "POST"])
@role_required(Role.ADMIN.value)
def resident_review(residence_id):
    """A hotline registration to check: listen, type the name and address, approve only an
    address of the registry (postal code taken from it), or reject it."""
    db = get_session()
    residence = residence_or_404(residence_id)
    form = ReviewForm(obj=residence)
    if request.method == "POST":
        valid = form.validate_on_submit()
        valid = _no_control_characters(form) and valid
        postal = _postal_code(form)
        city = _city(db, form)
        unchecked = db.scalar(select(Address.id).limit(1)) is None  # no registry loaded
        address = _registry_address(db, form) if valid and city and not unchecked else None
        if valid and city and postal is not None and (unchecked or address is not None):
            for name in ("last_name", "first_name", "apartment", "civic_number", "street"):
                setattr(residence, name, (getattr(form, name).data or "").strip())
            residence.city, residence.postal_code = city, postal
            if address is not None:
                residence.address_id, residence.civic_number = address.id, address.civic_number
                residence.street, residence.city = address.street, address.city
                residence.postal_code = address.postal_code
            residence.address_needs_review = residence.name_needs_review = False
            audit_action(
                "resident.review",
                "residence",
                residence.id,
                address_id=address.id if address else None,
            )
            db.commit()
            flash(_("console.resident.approved"), "success")
            return redirect(url_for("console.resident_review_list"))
    candidates = lookup_addresses(
        db, form.civic_number.data or "", form.street.data or "", form.city.data or ""
    )
    if not candidates:  # nothing at that number: the street's other addresses
        candidates = lookup_addresses(db, "", form.street.data or "", form.city.data or "")
    return render_template(
        "console/resident_review.html",
        residence=residence,
        form=form,
        candidates=candidates,
        confirm=ConfirmForm(),
    ), 400 if request.method == "POST" else 200


@bp.post("/residents/<int:residence_id>/reject")
@role_required(Role.ADMIN.value)
def resident_reject(residence_id):
    """A hoax or spam registration: removed (as unregistering does), audited."""
    return _removed(
        residence_id,
        "console.resident.reject",
        "console.review.rejected",
        "console.resident_review_list",
    )


@bp.get("/residents/<int:residence_id>/recording/<any(address, name):kind>")
@role_required(Role.ADMIN.value)
def resident_recording(residence_id, kind):
    """The hotline's recording, fetched with the account's credentials (never exposed)."""
    url = getattr(residence_or_404(residence_id), f"{kind}_recording_url")
    if not url:
        abort(404)
    config = current_app.config
    auth = None
    if any(
        within(url, base) for base in (config["TWILIO_API_BASE_URL"], TWILIO_DEFAULT_API_BASE_URL)
    ):
        auth = (config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])
    try:
        answer = requests.get(url, auth=auth, timeout=10)
    except requests.RequestException:
        abort(404)
    if answer.status_code != 200:
        abort(404)
    return Response(answer.content, mimetype=answer.headers.get("Content-Type", "audio/wav"))
