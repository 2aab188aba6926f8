"""Launch time for BENCH_LAUNCH_RESIDENCES (100,000) residences on PostgreSQL (target < 2 s):
the one set-based INSERT ... SELECT, next to the ORM loop (one Delivery object per residence)
measured in the same run."""

import os
import time

from sqlalchemy import select, text

from dialer import campaigns, targeting
from ivr import create_app
from models import Delivery, Residence, utcnow
from runtime.db import sessionmaker_for

from . import common


def main():
    count = int(os.environ.get("BENCH_LAUNCH_RESIDENCES", 100_000))
    common.fresh_database()
    common.bulk_residences(common.DATABASE_URL, count)
    app = create_app(common.app_config("http://127.0.0.1:9", "http://127.0.0.1:9"))
    Session = sessionmaker_for(app)
    with Session() as session:
        session.execute(text("ANALYZE"))
        session.commit()
        first = campaigns.create_campaign(
            session, "bench", title="Launch", message_fr="Avis", target={"all": True}
        )
        second = campaigns.create_campaign(
            session, "bench", title="ORM loop", message_fr="Avis", target={"all": True}
        )
        started = time.perf_counter()
        counted = targeting.count_targets(session, first.target)
        count_s = time.perf_counter() - started
    started = time.perf_counter()
    launched = campaigns.launch(app, first.id, "bench")
    launch_s = time.perf_counter() - started
    with Session() as session:
        started = time.perf_counter()
        ids = session.scalars(
            select(Residence.id).where(targeting.condition(session, second.target))
        ).all()
        now = utcnow()
        session.add_all(
            Delivery(campaign_id=second.id, residence_id=i, status="pending", next_attempt_at=now)
            for i in ids
        )
        session.commit()
        orm_s = time.perf_counter() - started
    print(
        f"residences:                 {launched} (counted before launch: {counted} in "
        f"{count_s * 1000:.0f} ms)"
    )
    print(f"launch (INSERT ... SELECT): {launch_s:.3f} s (target < 2 s)")
    print(f"ORM loop, same snapshot:    {orm_s:.3f} s ({orm_s / launch_s:.1f}x slower)")


if __name__ == "__main__":
    main()
