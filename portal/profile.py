"""The dossier's form as plain data: read from a residence or from a posted form, checked,
saved. One residence per account and one registration per address (the hotline's rule)."""

import re

from sqlalchemy import select

from hotline import accounts
from models import Address, NumberKind, PhoneNumber, Residence, utcnow
from models.phone import InvalidPhone, display, to_e164
from runtime.i18n import LANGUAGES, explain, t

from .defaults import MAX_CONTACTS

POSTAL = re.compile(r"^([A-Z]\d[A-Z])\s*(\d[A-Z]\d)$")
KINDS = (NumberKind.VOICE.value, NumberKind.SMS.value)
TEXT_LIMITS = {
    "last_name": 120,
    "first_name": 120,
    "city": 80,
    "street": 160,
    "civic": 16,
    "apartment": 16,
    "description": 80,
}


def _row(number="", description="", kind=NumberKind.VOICE.value, active=True, locked=False):
    return {
        "number": number,
        "description": description,
        "kind": kind,
        "active": active,
        "locked": locked,
    }


def from_residence(residence: Residence) -> dict:
    rows = [
        _row(display(p.e164), p.description, p.kind, p.active, locked=i == 0)
        for i, p in enumerate(residence.phones)
    ]
    return {
        "last_name": residence.last_name,
        "first_name": residence.first_name,
        "language": residence.language,
        "active": residence.active,
        "contacts": rows,
        "city": residence.city,
        "street": residence.street,
        "civic": residence.civic_number,
        "apartment": residence.apartment,
        "postal_code": residence.postal_code,
        "missing": residence.address_id is None and residence.address_needs_review,
    }


def from_request(posted, residence: Residence) -> dict:
    """The form as posted; the first row's number is always the residence's own first one."""
    rows, count = [], posted.get("rows", "")
    for i in range(min(int(count), MAX_CONTACTS) if count.isdigit() else 0):
        rows.append(
            _row(
                posted.get(f"contact-{i}-number", "").strip()[:32],
                posted.get(f"contact-{i}-description", "").strip()[:80],
                posted.get(f"contact-{i}-kind", NumberKind.VOICE.value),
                posted.get(f"contact-{i}-active") == "on",
            )
        )
    first = residence.phones[0] if residence.phones else None
    if first is not None:
        if not rows:
            rows.append(_row())
        rows[0].update(number=display(first.e164), locked=True)
    return {
        "last_name": posted.get("last_name", "").strip()[:120],
        "first_name": posted.get("first_name", "").strip()[:120],
        "language": posted.get("language", "fr"),
        "active": posted.get("active") == "on",
        "contacts": rows,
        "city": posted.get("city", "").strip()[:80],
        "street": posted.get("street", "").strip()[:160],
        "civic": posted.get("civic", "").strip()[:16],
        "apartment": posted.get("apartment", "").strip()[:16],
        "postal_code": posted.get("postal_code", "").strip()[:10],
        "missing": posted.get("missing") == "on",
    }


def add_row(form: dict) -> None:
    if len(form["contacts"]) < MAX_CONTACTS:
        form["contacts"].append(_row())


def remove_row(form: dict, index: str) -> None:
    if index.isdigit() and 0 < int(index) < len(form["contacts"]):
        del form["contacts"][int(index)]


def postal_code(text: str) -> str | None:
    """'g7h1a1' -> 'G7H 1A1'; None when it is not of the form A1A 1A1."""
    match = POSTAL.match(text.strip().upper())
    return f"{match.group(1)} {match.group(2)}" if match else None


def find_address(db, city: str, street: str, civic: str) -> Address | None:
    """The registry's address, whatever the case and accents' case the resident typed."""
    for address in db.scalars(select(Address).where(Address.civic_number == civic)):
        if (
            address.street.casefold() == street.casefold()
            and address.city.casefold() == city.casefold()
        ):
            return address
    return None


def address_taken(db, address_id: int, apartment: str, residence_id: int) -> bool:
    """Another residence (a confirmed one: the hotline's rule) holds this address."""
    return (
        db.scalar(
            select(Residence.id)
            .where(
                Residence.address_id == address_id,
                Residence.apartment == apartment,
                Residence.id != residence_id,
                ~accounts.unverified(),
            )
            .limit(1)
        )
        is not None
    )


def _check_contacts(db, form, residence, language, errors) -> None:
    seen = set()
    for i, row in enumerate(form["contacts"]):
        if row["locked"] or not row["number"]:
            continue
        if row["kind"] not in KINDS:
            row["kind"] = NumberKind.VOICE.value
        try:
            e164 = to_e164(row["number"])
        except InvalidPhone as refused:
            errors[f"contact-{i}"] = explain(refused, language)
            continue
        row["e164"] = e164
        if e164 in seen or (residence.phones and e164 == residence.phones[0].e164):
            errors[f"contact-{i}"] = t(language, "portal.contacts.twice")
        elif db.scalar(
            select(PhoneNumber.id).where(
                PhoneNumber.e164 == e164, PhoneNumber.residence_id != residence.id
            )
        ):
            errors[f"contact-{i}"] = t(language, "portal.contacts.taken")
        seen.add(e164)


def validate(db, form: dict, residence: Residence, language: str):
    """(errors by field, the registry's Address or None) of FORM."""
    errors: dict = {}
    if not form["last_name"]:
        errors["last_name"] = t(language, "portal.dossier.last_name_required")
    if form["language"] not in LANGUAGES:
        form["language"] = "fr"
    _check_contacts(db, form, residence, language, errors)
    address = None
    if not (form["city"] and form["street"] and form["civic"]):
        errors["address"] = t(language, "portal.address.required")
    elif not form["civic"].isdigit():
        errors["civic"] = t(language, "portal.address.civic_digits")
    else:
        address = find_address(db, form["city"], form["street"], form["civic"])
        if address is None and not form["missing"]:
            errors["address"] = t(language, "portal.address.not_found")
        elif address is not None and address_taken(db, address.id, form["apartment"], residence.id):
            errors["address"] = t(language, "portal.address.taken")
    code = postal_code(form["postal_code"]) if form["postal_code"] else None
    if address is not None and address.postal_code:
        code = address.postal_code
    if code is None:
        errors["postal_code"] = t(language, "portal.address.postal_code")
    else:
        form["postal_code"] = code
    return errors, address


def _save_contacts(db, residence: Residence, form: dict) -> None:
    first = residence.phones[0] if residence.phones else None
    wanted = [row for row in form["contacts"] if row["locked"] or row.get("e164")]
    by_number = {p.e164: p for p in residence.phones}
    keep = {row.get("e164") for row in wanted if not row["locked"]}
    for phone in list(residence.phones):
        if phone is not first and phone.e164 not in keep:
            residence.phones.remove(phone)
    for i, phone in enumerate(residence.phones):  # out of the way of the final positions
        phone.position = 1000 + i
    db.flush()
    for position, row in enumerate(wanted):
        phone = first if row["locked"] else by_number.get(row["e164"])
        if phone is None:
            phone = PhoneNumber(e164=row["e164"], verified_at=None)
            residence.phones.append(phone)
        phone.position, phone.kind = position, row["kind"]
        phone.description, phone.active = row["description"], row["active"]
    db.flush()


def save(db, residence: Residence, form: dict, address: Address | None) -> None:
    residence.last_name, residence.first_name = form["last_name"], form["first_name"]
    residence.language, residence.active = form["language"], form["active"]
    residence.apartment = form["apartment"]
    if address is not None:
        residence.address_id, residence.civic_number = address.id, address.civic_number
        residence.street, residence.city = address.street, address.city
        residence.postal_code = address.postal_code or form["postal_code"]
        residence.address_needs_review = False
    else:
        residence.address_id, residence.civic_number = None, form["civic"]
        residence.street, residence.city = form["street"], form["city"].upper()
        residence.postal_code = form["postal_code"]
        residence.address_needs_review = True
    residence.updated_at = utcnow()
    _save_contacts(db, residence, form)
