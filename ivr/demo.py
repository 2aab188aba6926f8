"""Fictitious demo data: residences of Saguenay's sectors with 555-01xx numbers, and addresses
(placed along their streets: the map of issue 16)."""

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
STREET_LINES = {
    # (latitude, longitude) of civic 100 and of civic 390, WGS 84: plausible, not surveyed
    "rue Racine Est": ((48.4272, -71.0735), (48.4289, -71.0608)),
    "boulevard Talbot": ((48.4170, -71.0780), (48.3985, -71.0845)),
    "rue Jacques-Cartier Est": ((48.4236, -71.0705), (48.4262, -71.0560)),
    "boulevard Saint-Paul": ((48.4205, -71.0865), (48.4060, -71.0920)),
    "boulevard Harvey": ((48.4185, -71.2440), (48.4065, -71.2330)),
    "rue Saint-Dominique": ((48.4210, -71.2530), (48.4150, -71.2445)),
    "boulevard René-Lévesque": ((48.4240, -71.2320), (48.4180, -71.2150)),
    "rue du Roi-Georges": ((48.4225, -71.2485), (48.4170, -71.2575)),
    "rue Victoria": ((48.3365, -70.8860), (48.3330, -70.8745)),
    "boulevard de la Grande-Baie Nord": ((48.3420, -70.8790), (48.3495, -70.8620)),
    "rue Bagot": ((48.3395, -70.8835), (48.3350, -70.8905)),
    "rue Albert": ((48.3380, -70.8770), (48.3430, -70.8715)),
}
"""Each demo street as a straight line along which its civic numbers 100 to 390 are spread."""
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


def demo_place(street: str, civic: int) -> tuple[float, float]:
    """(latitude, longitude) of a demo address: along its street's line, by civic number."""
    (lat0, lon0), (lat1, lon1) = STREET_LINES[street]
    t = (civic - 100) / 290
    return round(lat0 + t * (lat1 - lat0), 6), round(lon0 + t * (lon1 - lon0), 6)


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
                latitude, longitude = demo_place(street, civic)
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
                        latitude=latitude,
                        longitude=longitude,
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
