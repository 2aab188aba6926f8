"""The per-residence CSV export of a campaign (cells neutralised against formulas)."""

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Delivery, Residence
from runtime import csv_safe

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

COLUMNS = [
    "residence_id",
    "last_name",
    "address",
    "number",
    "outcome",
    "rounds",
    "confirmed",
    "last_attempt_at",
    "call_sid",
]


def write_csv(session: Session, campaign_id: int, stream: "SupportsWrite[str]") -> int:
    """One row per residence: address, number reached or last tried, outcome, rounds,
    confirmed, last attempt time, call SID; returns the rows written."""
    writer = csv_safe.writer(stream)
    writer.writerow(COLUMNS)
    # a removed residence's delivery stays, anonymised (residence None): an outer join
    rows = session.execute(
        select(Delivery, Residence)
        .outerjoin(Residence, Residence.id == Delivery.residence_id)
        .where(Delivery.campaign_id == int(campaign_id))
        .order_by(
            Residence.city, Residence.street, Residence.civic_number, Residence.id, Delivery.id
        )
        .execution_options(yield_per=2000)
    )
    count = 0
    for delivery, residence in rows:
        writer.writerow(
            [
                *(
                    (residence.id, residence.last_name, residence.address_line)
                    if residence
                    else ("", "", "")
                ),
                delivery.reached_number or delivery.last_number or "",
                delivery.status,
                delivery.round,
                "yes" if delivery.confirmed else "no",
                delivery.last_attempt_at.isoformat(timespec="seconds")
                if delivery.last_attempt_at
                else "",
                delivery.last_call_sid or "",
            ]
        )
        count += 1
    return count
