"""The relay and the job wrapper: concurrent relays hand each promise once; a promise handed to
RQ twice runs once; a promise whose run raised is run again, then given up."""

import threading
from datetime import timedelta

from rq import Queue, SimpleWorker
from sqlalchemy import select

from models import OutboxJob, utcnow
from runtime import outbox, outbox_relay
from runtime.db import sessionmaker_for
from runtime.redis_conn import get_redis

RAN = "test:outbox:ran"


def note(label: str, fail_first: bool = False) -> str:
    """A promised job: appends LABEL to a Redis list (raising on its first run if asked)."""
    from runtime.queue import current_job_app

    redis = get_redis(current_job_app())
    if fail_first and not redis.incr(f"{RAN}:tries:{label}") > 1:
        raise RuntimeError("the provider did not answer")
    redis.rpush(RAN, label)
    return label


def rows(app) -> list[OutboxJob]:
    with sessionmaker_for(app)() as session:
        return list(session.scalars(select(OutboxJob).order_by(OutboxJob.id)))


def promise_due(app, count: int) -> None:
    with sessionmaker_for(app)() as session:
        for i in range(count):
            job = outbox.promise(session, "tests.outbox.test_relay.note", f"n{i}")
            job.next_try_at = utcnow() - timedelta(seconds=1)  # its fast path never came
        session.commit()


def test_relays_at_once_hand_each_promise_exactly_once(app):
    app.config["OUTBOX_REHAND_AFTER_S"] = 600.0  # handed rows are not looked at again here
    promise_due(app, 120)
    barrier = threading.Barrier(4)
    claimed, errors = [], []

    def relay():
        try:
            barrier.wait(10)
            while n := outbox_relay.relay_once(app):
                claimed.append(n)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=relay) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    handed = Queue("default", connection=get_redis(app)).job_ids
    assert len(handed) == 120 and len(set(handed)) == 120  # no promise handed twice
    assert sum(claimed) == 120
    assert {row.state for row in rows(app)} == {"handed"}


def test_a_promise_handed_to_rq_twice_runs_once(app):
    with sessionmaker_for(app)() as session:
        job = outbox.promise(session, "tests.outbox.test_relay.note", "once")
        session.commit()
    assert outbox.hand_over(app, [job])
    outbox.enqueue_job(app, job.id, job.queue, job.job_timeout)  # a relay after a lost answer
    queue = Queue("default", connection=get_redis(app))
    assert queue.job_ids == [outbox.job_id(job.id)] * 2
    with app.app_context():  # the app the jobs run in, as a worker's set_job_app gives
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert get_redis(app).lrange(RAN, 0, -1) == [b"once"]
    [row] = rows(app)
    assert (row.state, row.runs) == ("done", 1) and row.finished_at is not None


def test_a_promise_whose_run_raised_is_run_again(app):
    app.config.update(RQ_SYNC=True, OUTBOX_BACKOFF_MAX_S=0.0)
    with sessionmaker_for(app)() as session:
        job = outbox.promise(session, "tests.outbox.test_relay.note", "retried", True)
        session.commit()
    with app.app_context():
        outbox.hand_over(app, [job])  # runs at once (RQ_SYNC) and raises
    [row] = rows(app)
    assert row.state == "pending" and "did not answer" in row.last_error and row.runs == 1
    with app.app_context():
        assert outbox_relay.relay_once(app) == 1
    [row] = rows(app)
    assert (row.state, row.runs) == ("done", 2)
    assert get_redis(app).lrange(RAN, 0, -1) == [b"retried"]


def test_a_promise_that_always_raises_is_given_up_after_its_runs(app):
    app.config.update(RQ_SYNC=True, OUTBOX_BACKOFF_MAX_S=0.0, OUTBOX_MAX_RUNS=2)
    with sessionmaker_for(app)() as session:
        job = outbox.promise(session, "tests.outbox.test_relay.no_such_job")
        session.commit()
    with app.app_context():
        outbox.hand_over(app, [job])
        outbox_relay.relay_once(app)
        assert outbox_relay.relay_once(app) == 0  # given up: no longer due
    [row] = rows(app)
    assert (row.state, row.runs) == ("failed", 2) and "no_such_job" in row.last_error


def test_a_promise_whose_worker_died_mid_run_is_run_again(app):
    app.config["RQ_SYNC"] = True
    with sessionmaker_for(app)() as session:
        job = outbox.promise(session, "tests.outbox.test_relay.note", "again")
        job.state, job.runs, job.started_at = "running", 1, utcnow() - timedelta(minutes=5)
        job.next_try_at = utcnow() - timedelta(seconds=1)  # its run's lease is over
        session.commit()
    with app.app_context():
        assert outbox_relay.relay_once(app) == 1  # RQ holds no such job: its worker died
    [row] = rows(app)
    assert (row.state, row.runs) == ("done", 2)
    assert get_redis(app).lrange(RAN, 0, -1) == [b"again"]


def test_a_promise_written_before_the_hotline_moved_still_runs(app):
    """Issue 12 moved `ivr.hotline` to `hotline`: a call-back promised by the old code (its row
    names the old path) is still placed by the new one, not retried then given up."""
    with sessionmaker_for(app)() as session:
        job = outbox.promise(session, "ivr.hotline.callbacks.verify_number", 999_999)
        session.commit()
        outbox_id = job.id
    with app.app_context():
        outbox.run(outbox_id)  # no such code: the job finds nothing to call, and is done
    [row] = rows(app)
    assert (row.state, row.runs, row.last_error) == ("done", 1, None)
