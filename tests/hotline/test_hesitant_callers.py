"""Issue 18's population of hesitant callers: silence on 20 % of prompts, a wrong key on 10 %,
* on 5 % (seeded); every one of them registers. How long it takes is measured by
bench/bench_hesitant_callers.py, not asserted here."""

import random

from sqlalchemy import func, select

from models import Residence
from tests.fixtures.hesitant import ADDRESS, STREETS, walk
from tests.fixtures.hotline import Caller, add_addresses

CALLERS = 100


def test_a_hundred_hesitant_callers_all_register(client, app, session):
    # many residences share a civic number in a city: one per apartment here
    add_addresses(session, [(ADDRESS[0], street, "CHICOUTIMI") for street in STREETS])
    failed = []
    for i in range(CALLERS):
        caller = Caller(client, app, f"+1418556{i:04d}")
        result = walk(caller, session, random.Random(1800 + i))
        if not result.registered:
            failed.append((i, [h.text[:80] for h in caller.heard[-3:]]))
        session.execute(Residence.__table__.update().values(apartment=str(i + 1)))
        session.commit()
    assert failed == []
    assert session.scalar(select(func.count(Residence.id))) == CALLERS
