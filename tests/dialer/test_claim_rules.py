"""The rules of a claim that only the slow end-to-end runs used to exercise (mutation testing
found them unchecked by the fast tests, docs/mutants.md): the optional cap on calls in
progress, a create request refused with 429 that is retried then given back, a short lease,
and normal notices standing back while an emergency waits for a call slot."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from dialer import campaigns, dispatch, reconcile, settle
from dialer.worker import Dialer
from models import CallAttempt, Campaign, Delivery, utcnow
from runtime.db import sessionmaker_for
from runtime.pacing import EMERGENCY_FLAG, redis_for
from tests.dialer.test_claims import one_residence_campaign
from tests.dialer.test_end_to_end import e2e, simulator  # noqa: F401 (fixtures)
from tests.fixtures.dialer import add_residence


def _campaign(app, session, residences: int) -> Campaign:
    for i in range(residences):
        add_residence(session, [f"+1418555{i:04d}"], civic=str(100 + i))
    campaign = campaigns.create_campaign(
        session, "t", title="Avis", message_fr="Avis", target={"all": True}
    )
    campaigns.launch(app, campaign.id, "t")
    return session.get(Campaign, campaign.id)


def test_a_cap_of_one_call_in_progress_means_one_at_a_time(app, session):
    campaign = _campaign(app, session, 2)
    assert dispatch.claim(session, campaign, lease_s=60, max_in_progress=1)
    assert dispatch.claim(session, campaign, lease_s=60, max_in_progress=1) is None


def test_the_cap_on_calls_in_progress_holds_the_next_claim_until_a_call_ends(app, session):
    campaign = _campaign(app, session, 3)
    first = dispatch.claim(session, campaign, lease_s=60, max_in_progress=2)
    second = dispatch.claim(session, campaign, lease_s=60, max_in_progress=2)
    assert first and second
    assert dispatch.claim(session, campaign, lease_s=60, max_in_progress=2) is None
    session.expire_all()
    assert (
        session.scalar(
            select(Delivery.status).where(
                Delivery.id.not_in((first.delivery_id, second.delivery_id))
            )
        )
        == "pending"
    )

    settle.bind_sid(session, first.attempt_id, "CA" + "1" * 32)
    assert settle.record_final(session, first.attempt_id, "busy", sid="CA" + "1" * 32)
    session.commit()  # one call over: one place free
    third = dispatch.claim(session, campaign, lease_s=60, max_in_progress=2)
    assert third and third.delivery_id not in (first.delivery_id, second.delivery_id)
    assert dispatch.claim(session, campaign, lease_s=60, max_in_progress=2) is None


def test_a_call_over_but_awaiting_its_answering_machine_verdict_frees_its_place(app, session):
    campaign = _campaign(app, session, 2)
    first = dispatch.claim(session, campaign, lease_s=60, max_in_progress=1)
    sid = "CA" + "2" * 32
    assert settle.record_progress(session, first.attempt_id, "in-progress", 1, sid=sid)
    assert settle.record_final(session, first.attempt_id, "completed", sid=sid) is None
    session.commit()  # hung up; AMD's verdict not in yet: the residence is not settled ...
    assert session.get(CallAttempt, first.attempt_id).outcome is None
    second = dispatch.claim(session, campaign, lease_s=60, max_in_progress=1)
    assert second and second.delivery_id != first.delivery_id  # ... but no call is under way


def test_without_a_cap_every_due_residence_is_claimed(app, session):
    campaign = _campaign(app, session, 3)
    jobs = [dispatch.claim(session, campaign, lease_s=60) for _ in range(3)]
    assert len({job.delivery_id for job in jobs if job}) == 3


def test_a_request_refused_with_429_is_retried_then_given_back_at_once(e2e, session):
    """Every create request is refused with 20429: the thread retries after each back-off
    (its request mark taken back each time, so the retry may be marked again), then gives the
    claim back itself: the residence is due again at once and the attempt does not count. It
    is not left `in_progress` for the reconciler to find after the HTTP timeout."""
    app = e2e.live.app
    app.config["DIALER_RATE_LIMIT_BACKOFF_S"] = (0.01, 0.01)
    add_residence(session, ["+14185554321"], civic="200")  # another thread's call, in flight
    campaign = one_residence_campaign(e2e, session)
    e2e.sim.set_scenario(
        {"seed": 8, "default": {"answer": "human"}, "api": {"max_concurrent_requests": 0}}
    )
    view = session.get(Campaign, campaign.id)
    in_flight, job = dispatch.claim(session, view, 60.0), dispatch.claim(session, view, 60.0)
    assert dispatch.mark_requested(session, in_flight.attempt_id, utcnow())
    Dialer(app)._place(session, job)
    session.expire_all()
    attempt = session.get(CallAttempt, job.attempt_id)
    assert (attempt.outcome, attempt.error) == ("void", "rate limited (429)")
    assert session.get(Delivery, job.delivery_id).status == "pending"
    assert e2e.sim.calls() == []
    # the other call's request stays marked: past its lease it is not handed out again
    e2e.sim.set_scenario({"seed": 8, "default": {"answer": "human"}})  # calls listed again
    session.execute(update(Delivery).values(lease_until=utcnow() - timedelta(seconds=1)))
    session.commit()
    reconcile.run_once(app, session)
    session.expire_all()
    assert session.get(Delivery, in_flight.delivery_id).status == "in_progress"
    assert session.get(CallAttempt, in_flight.attempt_id).outcome is None


def test_a_claim_with_a_short_lease_is_still_placed_when_a_slot_is_free(e2e, session):
    """A claim is given back only when no call slot comes before its lease ends (less a
    margin of at most a quarter of the lease): with a free slot, a 2 s lease still calls."""
    campaign = one_residence_campaign(e2e, session, priority="normal")
    job = dispatch.claim(session, session.get(Campaign, campaign.id), 2.0)
    Dialer(e2e.live.app)._place(session, job)
    e2e.sim.wait_idle()
    assert [c["to"] for c in e2e.sim.calls()] == ["+14185551234"]


def test_a_normal_notice_claims_nobody_while_an_emergency_waits_for_a_slot(app, session):
    campaign = _campaign(app, session, 1)
    campaign.window_start, campaign.window_end = "00:00", "23:59"
    session.commit()
    flag = redis_for(app)
    flag.set(EMERGENCY_FLAG, 1, px=60_000)  # an emergency caller waits for a call slot
    dialer = Dialer(app)
    assert dialer._next_job(session) is None
    session.expire_all()
    assert session.scalar(select(Delivery.status)) == "pending"
    flag.delete(EMERGENCY_FLAG)
    assert dialer._next_job(session) is not None


@pytest.mark.parametrize(
    "fields, home, heard",
    [
        ({"message_en": "Boil water."}, "fr", "en"),  # English only: everybody in English
        ({"message_fr": "Faites bouillir l'eau."}, "en", "fr"),
        (
            {"audio_url_fr": "https://ville.example/avis-fr.mp3", "message_en": "Boil water."},
            "fr",
            "fr",
        ),  # a French recording is a French message
        (
            {
                "message_fr": "Faites bouillir l'eau.",
                "audio_url_en": "https://ville.example/en.mp3",
            },
            "en",
            "en",
        ),
    ],
)
def test_each_home_is_called_in_its_language_when_the_campaign_has_it(
    app, session, fields, home, heard
):
    add_residence(session, ["+14185550101"], language=home)
    campaign = campaigns.create_campaign(
        session,
        "t",
        title="Avis",
        target={"all": True},
        window_start="00:00",
        window_end="23:59",
        **fields,
    )
    campaigns.launch(app, campaign.id, "t")
    job = Dialer(app)._next_job(session)  # as a sender thread claims: through the worker
    assert job.language == heard


def test_the_most_overdue_residence_is_claimed_first(app, session):
    campaign = _campaign(app, session, 3)
    last = session.scalar(select(Delivery.id).order_by(Delivery.id.desc()).limit(1))
    session.execute(
        update(Delivery)
        .where(Delivery.id == last)
        .values(next_attempt_at=utcnow() - timedelta(minutes=5))
    )  # due again long ago (a retry)
    session.commit()
    assert dispatch.claim(session, campaign, lease_s=60).delivery_id == last


def test_simultaneous_claims_never_pass_the_cap(app, session):
    """Eight sender threads claim at once under a cap of one call in progress: one call.
    (PostgreSQL: the advisory lock serializes them; SQLite: its database lock.)"""
    campaign = dispatch.view_of(_campaign(app, session, 8))  # a plain value, for threads
    barrier, jobs = threading.Barrier(8), []

    def claim():
        with sessionmaker_for(app)() as own:
            barrier.wait(30)
            jobs.append(dispatch.claim(own, campaign, lease_s=60, max_in_progress=1))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(jobs) == 8
    assert len([job for job in jobs if job]) == 1
