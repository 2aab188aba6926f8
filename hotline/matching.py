"""Finding the caller's address in the municipal registry from keypad digits."""

from sqlalchemy import exists, func, or_, select

from models import Address, Residence

from . import accounts, streets

MAX_LISTED = 5


def registry_loaded(session) -> bool:
    return bool(session.scalar(select(func.count(Address.id))))


def candidates(session, civic_number: str, letters: str = "") -> list[Address]:
    """Registry addresses with CIVIC_NUMBER whose street's keypad key starts with LETTERS (or
    what they stand for: a street type keyed first, ST for Saint ...: streets.letter_variants)."""
    query = select(Address).where(Address.civic_number == civic_number)
    if letters:
        query = query.where(
            or_(
                *(
                    Address.street_key.startswith(variant)
                    for variant in streets.letter_variants(letters)
                )
            )
        )
    return list(session.scalars(query.order_by(Address.street, Address.city, Address.id)))


def is_taken(session, address_id: int, apartment: str, verified: bool = False) -> bool:
    """True when a residence at this address (and apartment) already has a registration; for a
    VERIFIED one (the caller's own number), registrations nobody confirmed do not count."""
    taken = [Residence.address_id == address_id, Residence.apartment == apartment]
    if verified:
        taken.append(~accounts.unverified())
    return bool(session.scalar(select(exists().where(*taken))))


def spoken(address: Address) -> str:
    """'1234 Boulevard René-Lévesque, Jonquière' for a menu item."""
    return (
        f"{address.civic_number} {streets.spoken_street(address.street)}, "
        f"{streets.spoken_city(address.city)}"
    )
