"""The model's constraints hold on SQLite and PostgreSQL alike."""

import pytest
from sqlalchemy.exc import IntegrityError

from models import Campaign, Delivery, PhoneNumber, Residence, utcnow


def residence(*numbers, **fields):
    r = Residence(
        last_name=fields.pop("last_name", "Tremblay"),
        civic_number="1234",
        street="boulevard René-Lévesque",
        city="JONQUIÈRE",
        **fields,
    )
    r.phones = [PhoneNumber(e164=n, position=i) for i, n in enumerate(numbers)]
    return r


def test_a_number_cannot_belong_to_two_residences(session):
    session.add(residence("+14186983200"))
    session.commit()
    session.add(residence("+14186983200", last_name="Gagnon"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    assert session.query(PhoneNumber).count() == 1


def test_one_delivery_per_residence_per_campaign(session):
    r = residence("+14186983200")
    c = Campaign(title="Avis d'ébullition", message_fr="Faites bouillir l'eau.")
    session.add_all([r, c])
    session.commit()
    session.add(Delivery(campaign_id=c.id, residence_id=r.id))
    session.commit()
    session.add(Delivery(campaign_id=c.id, residence_id=r.id))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    assert session.query(Delivery).count() == 1


def test_numbers_keep_their_calling_order(session):
    r = residence("+14186983201", "+14186983200", "+15815550199")
    session.add(r)
    session.commit()
    session.expire_all()
    again = session.get(Residence, r.id)
    assert [p.e164 for p in again.phones] == ["+14186983201", "+14186983200", "+15815550199"]


def test_timestamps_come_back_in_utc(session):
    r = residence("+14186983200", consent_at=utcnow())
    session.add(r)
    session.commit()
    session.expire_all()
    assert session.get(Residence, r.id).consent_at.utcoffset().total_seconds() == 0


def test_the_migrations_build_the_schema_the_models_describe(db_url):
    """`ivr db upgrade` gives the tables, columns and indexes the code expects."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from models import Base, make_engine

    engine = make_engine(db_url)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert differences == []
