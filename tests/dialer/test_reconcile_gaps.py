"""A call answered and ended with no answering-machine verdict at all (the person hung up
before AMD decided) is settled by the reconciler as reached, whether its final status callback
was lost or came and only the verdict is missing: no verdict will ever come, so waiting for
one would leave the residence in progress for good (mutation testing found the reconciler's
`wait_for_amd=False` unchecked: docs/mutants.md). End to end through the carrier simulator."""

import pytest
from sqlalchemy import select

from dialer import dispatch, reconcile
from dialer.worker import Dialer
from models import CallAttempt, Campaign, Delivery
from tests.dialer.test_claims import one_residence_campaign
from tests.dialer.test_end_to_end import CPS, e2e, simulator  # noqa: F401 (fixtures)
from tests.fixtures.outage import wait_for

NUMBER = "+14185551234"


@pytest.fixture
def app_config(app_config):
    """The reconciler run by the test itself, every grace at 0: due at once."""
    app_config.update(
        DIALER_CPS=CPS,
        DIALER_AMD_GRACE_S=0,
        DIALER_FINAL_CALLBACK_GRACE_S=0,
        DIALER_FINAL_CALLBACK_AFTER_S=0,
        DIALER_AMBIGUOUS_WAIT_S=0,
        DIALER_HTTP_TIMEOUT_S=5.0,
    )
    return app_config


def place_call_hung_up_before_amd(e2e, session, drop_rate: float) -> str:
    """The residence's one number answered by a person who hangs up after one (simulated)
    second, before AMD's 2.5 s: the call completes, the provider has no AnsweredBy for it."""
    campaign = one_residence_campaign(e2e, session)
    e2e.sim.set_scenario(
        {
            "seed": 8,
            "default": {"answer": "human", "hangup_after_s": 1},
            "callbacks": {"drop_rate": drop_rate},
        }
    )
    job = dispatch.claim(session, session.get(Campaign, campaign.id), 60.0)
    Dialer(e2e.live.app)._place(session, job)
    sid = session.scalar(select(CallAttempt.sid))
    record = e2e.sim.wait_for_call(sid)
    assert (record["status"], record["answered_by"]) == ("completed", None)
    return sid


def assert_reached_by_a_person(session, sid):
    session.expire_all()
    attempt = session.scalar(select(CallAttempt))
    assert (attempt.sid, attempt.status, attempt.outcome) == (sid, "completed", "human")
    delivery = session.scalar(select(Delivery))
    assert (delivery.status, delivery.reached_number) == ("human", NUMBER)


def test_a_call_ended_with_its_callbacks_lost_and_no_verdict_is_settled_as_reached(e2e, session):
    """Every callback lost: the reconciler fetches the call, finds it completed with no
    AnsweredBy, and settles the residence reached by a person (what a completed call without a
    verdict means), not waiting for a verdict the provider will never send."""
    sid = place_call_hung_up_before_amd(e2e, session, drop_rate=1.0)
    session.expire_all()
    assert session.scalar(select(CallAttempt.status)) == "queued"  # nothing came back

    assert reconcile.run_once(e2e.live.app, session)["fetched"] == 1
    assert_reached_by_a_person(session, sid)
    assert [c["sid"] for c in e2e.sim.calls()] == [sid]  # settled, not dialled again
    reconcile.run_once(e2e.live.app, session)
    session.expire_all()
    assert session.scalar(select(Campaign.status)) == "completed"


def test_a_completed_call_whose_verdict_never_comes_is_settled_by_the_reconciler(e2e, session):
    """The final callback came (completed, no AnsweredBy), so the attempt waits for AMD's
    verdict; none comes: the reconciler's fetch settles it reached by a person."""
    sid = place_call_hung_up_before_amd(e2e, session, drop_rate=0.0)

    def completed_and_waiting():
        session.expire_all()
        return session.execute(select(CallAttempt.status, CallAttempt.outcome)).one() == (
            "completed",
            None,
        )

    assert wait_for(completed_and_waiting, timeout=10)  # the final callback, no verdict
    assert session.scalar(select(Delivery.status)) == "in_progress"

    assert reconcile.run_once(e2e.live.app, session)["fetched"] == 1
    assert_reached_by_a_person(session, sid)
    reconcile.run_once(e2e.live.app, session)
    session.expire_all()
    assert session.scalar(select(Campaign.status)) == "completed"
