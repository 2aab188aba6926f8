"""A residence's contacts in the order they are tried, whatever their type (voice or SMS).

One list for the claim (dispatch) and for moving on (settle): the residence's active numbers by
position. An SMS contact that opted out stays in the list (so the positions of the others do not
move under a running campaign) and is settled `failed` at its turn without being texted.
"""

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import NumberKind, PhoneNumber


class Contact(NamedTuple):
    e164: str
    kind: str
    opted_out: bool

    @property
    def texts(self) -> bool:
        return self.kind == NumberKind.SMS.value


def contacts_of(session: Session, residence_id: int) -> list[Contact]:
    """The residence's active contacts in calling order."""
    rows = session.execute(
        select(PhoneNumber.e164, PhoneNumber.kind, PhoneNumber.sms_opted_out_at)
        .where(PhoneNumber.residence_id == residence_id, PhoneNumber.active.is_(True))
        .order_by(PhoneNumber.position, PhoneNumber.id)
    ).all()
    return [Contact(r.e164, r.kind, r.sms_opted_out_at is not None) for r in rows]
