"""Jobs the worker tests enqueue (imported by name in the worker process): each uses the
database the way the hotline's call-back jobs do, through the job app's engine."""

from sqlalchemy import func, select, update

from models import Residence
from runtime.db import sessionmaker_for
from runtime.queue import job_app


def touch_residences(n: int) -> int:
    """Read, then write in one transaction; returns how many residences there are."""
    with sessionmaker_for(job_app())() as session:
        count = session.scalar(select(func.count(Residence.id)))
        first = session.scalar(select(Residence.id).order_by(Residence.id).limit(1))
        session.execute(
            update(Residence).where(Residence.id == first).values(first_name=f"Test {n}")
        )
        session.commit()
        return count
