"""The reconciler settles a call whose callbacks were all lost from the provider's own record
of it, answering machine included (mutation testing found the fetched AnsweredBy unchecked:
docs/mutants.md). End to end through the carrier simulator."""

from datetime import timedelta

from sqlalchemy import select, update

from dialer import dispatch, reconcile
from dialer.calls import place_call
from models import CallAttempt, Campaign, Delivery, utcnow
from tests.dialer.test_claims import app_config, one_residence_campaign, redis_switch  # noqa: F401
from tests.dialer.test_end_to_end import e2e, simulator  # noqa: F401 (fixtures)


def test_a_lost_voicemail_call_is_settled_as_voicemail_from_the_providers_record(e2e, session):
    """The worker died before the create request's answer and every callback was lost: the
    reconciler adopts the call and reads its AnsweredBy, so the residence is reached by its
    voicemail (not by a person: the console counts them apart)."""
    app = e2e.live.app
    campaign = one_residence_campaign(e2e, session)
    e2e.sim.set_scenario(
        {
            "seed": 8,
            "default": {"answer": "voicemail", "greeting_s": 1},
            "callbacks": {"drop_rate": 1.0},
        }
    )
    job = dispatch.claim(session, session.get(Campaign, campaign.id), 60.0)
    assert dispatch.mark_requested(session, job.attempt_id, utcnow())
    sid = place_call(app, job.token, job.to, job.language, job.ring_timeout_s)  # answer lost
    assert e2e.sim.wait_for_call(sid)["answered_by"].startswith("machine")
    long_ago = utcnow() - timedelta(seconds=60)  # past the HTTP timeout and every grace
    session.execute(update(CallAttempt).values(created_at=long_ago, requested_at=long_ago))
    session.commit()
    reconcile.run_once(app, session)
    session.expire_all()
    attempt = session.scalar(select(CallAttempt))
    assert (attempt.sid, attempt.outcome) == (sid, "voicemail")
    delivery = session.scalar(select(Delivery))
    assert (delivery.status, delivery.reached_number) == ("voicemail", "+14185551234")
    assert [c["sid"] for c in e2e.sim.calls()] == [sid]  # adopted, not dialled again
