"""Fictitious demo data: residences of Saguenay's sectors with 555-01xx numbers, and addresses."""

import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Address, Channel, PhoneNumber, Residence, utcnow

from .addresses import street_key

SECTORS = {
    "CHICOUTIMI": (
        ["rue Racine Est", "boulevard Talbot", "rue Jacques-Cartier Est", "boulevard Saint-Paul"],
        ["G7H", "G7G", "G7J"],
    ),
    "JONQUIÈRE": (
        [
            "boulevard Harvey",
            "rue Saint-Dominique",
            "boulevard René-Lévesque",
            "rue du Roi-Georges",
        ],
        ["G7X", "G7S", "G8A"],
    ),
    "LA BAIE": (
        ["rue Victoria", "boulevard de la Grande-Baie Nord", "rue Bagot", "rue Albert"],
        ["G7B"],
    ),
}
LAST = [
    "Tremblay",
    "Gagnon",
    "Bouchard",
    "Côté",
    "Girard",
    "Simard",
    "Lavoie",
    "Harvey",
    "Fortin",
    "Gauthier",
    "Savard",
    "Boivin",
    "Bergeron",
    "Morin",
    "Pelletier",
    "Smith",
]
FIRST = [
    "Éric",
    "Marie",
    "Jean",
    "Louise",
    "Pierre",
    "Nathalie",
    "Gilles",
    "Sylvie",
    "Réjean",
    "Diane",
    "Luc",
    "Johanne",
    "John",
    "Mary",
]
AREA_CODES = ["418", "581", "367"]


def demo_numbers() -> list[str]:
    """The 300 fictitious numbers the demo uses, in E.164."""
    return [f"+1{ac}55501{i:02d}" for ac in AREA_CODES for i in range(100)]


def load_demo(session: Session, count: int = 250, seed: int = 2026) -> int:
    """Add COUNT demo residences and a registry of their streets; returns residences added."""
    if session.scalar(select(func.count(Residence.id))):
        return 0
    rng = random.Random(seed)
    numbers = demo_numbers()
    addresses = []
    for city, (streets, prefixes) in SECTORS.items():
        for street in streets:
            for civic in range(100, 400, 10):
                postal = (
                    f"{rng.choice(prefixes)} {rng.randint(1, 9)}"
                    f"{rng.choice('ABCEGHJKLMN')}{rng.randint(1, 9)}"
                )
                addresses.append(
                    Address(
                        civic_number=str(civic),
                        street=street,
                        city=city,
                        postal_code=postal,
                        street_key=street_key(street),
                    )
                )
    session.add_all(addresses)
    session.flush()
    chosen = rng.sample(addresses, count)
    for i, address in enumerate(chosen):
        last_name = rng.choice(LAST)
        residence = Residence(
            last_name=last_name,
            first_name=rng.choice(FIRST),
            language="en" if last_name == "Smith" or rng.random() < 0.08 else "fr",
            civic_number=address.civic_number,
            address_id=address.id,
            street=address.street,
            city=address.city,
            postal_code=address.postal_code,
            active=rng.random() > 0.04,
            registered_via=Channel.IMPORT.value,
            consent_at=utcnow(),
            consent_channel=Channel.IMPORT.value,
        )
        phones = [numbers[i]]
        if i + count < len(numbers) and rng.random() < 0.15:
            phones.append(numbers[i + count])
        residence.phones = [
            PhoneNumber(e164=n, position=p, verified_at=utcnow()) for p, n in enumerate(phones)
        ]
        session.add(residence)
    session.commit()
    return count
