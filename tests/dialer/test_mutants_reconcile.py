"""The reconciler settles a call whose callbacks were all lost from the provider's own record
of it, answering machine included (mutation testing found the fetched AnsweredBy unchecked:
docs/mutants.md). End to end through the carrier simulator."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from dialer import campaigns, dispatch, reconcile, schedule
from dialer.calls import place_call
from dialer.worker import Dialer
from models import AuditEntry, CallAttempt, Campaign, Delivery, utcnow
from runtime import pacing
from runtime.db import sessionmaker_for
from tests.dialer.test_claims import app_config, one_residence_campaign, redis_switch  # noqa: F401
from tests.dialer.test_end_to_end import e2e, run_campaign, simulator  # noqa: F401 (fixtures)
from tests.dialer.test_reconcile_gaps import (
    assert_reached_by_a_person,
    place_call_hung_up_before_amd,
)
from tests.fixtures.dialer import add_residence
from tests.fixtures.outage import wait_for

TEXTED = "+14185551234"

TEXTS = {"sms_fr": "Ville : faites bouillir l'eau.", "sms_en": "City: boil water."}


def launch_any_time(e2e, session, **fields):
    """A one-round campaign to every residence, called at any hour (run_campaign's FIELDS)."""
    fields.update(rounds=1, window_start="00:00", window_end="23:59")
    return run_campaign(e2e, session, {}, **fields)


def lose_callbacks(e2e, default, numbers=None):
    """The simulator answers DEFAULT (NUMBERS apart) and loses every status callback."""
    e2e.sim.set_scenario(
        {"seed": 8, "default": default, "numbers": numbers or {}, "callbacks": {"drop_rate": 1.0}}
    )


def test_a_lost_voicemail_call_is_settled_as_voicemail_from_the_providers_record(e2e, session):
    """The worker died before the create request's answer and every callback was lost: the
    reconciler adopts the call and reads its AnsweredBy, so the residence is reached by its
    voicemail (not by a person: the console counts them apart)."""
    app = e2e.live.app
    campaign = one_residence_campaign(e2e, session)
    lose_callbacks(e2e, {"answer": "voicemail", "greeting_s": 1})
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


# -- expiry, orphaned claims and completion (the reconciler's other passes) ---------------------


def _launched(app, session, title="Avis", **fields):
    campaign = campaigns.create_campaign(
        session, "t", title=title, message_fr="Message", target={"all": True}, **fields
    )
    campaigns.launch(app, campaign.id, "t")
    return campaign.id


def _deliveries(session, campaign_id, **values):
    """Write VALUES on the campaign's residences (the state a pass finds), or read them."""
    if values:
        session.execute(
            update(Delivery).where(Delivery.campaign_id == campaign_id).values(**values)
        )
        session.commit()
    session.expire_all()
    return list(session.scalars(select(Delivery).where(Delivery.campaign_id == campaign_id)))


def _campaign(session, campaign_id):
    session.expire_all()
    return session.get(Campaign, campaign_id)


def _system_entries(session, action):
    session.expire_all()
    return [
        (e.actor, e.entity, e.entity_id)
        for e in session.scalars(select(AuditEntry).where(AuditEntry.action == action))
    ]


def test_expiry_ends_the_campaigns_past_their_time_and_no_other(app, session):
    """A running and a paused campaign past their expiry end `expired`, their waiting
    residences closed, the journal saying so; a campaign still within its time keeps calling."""
    add_residence(session, ["+14185550101"])
    later = utcnow() + timedelta(hours=1)
    running, paused, current = (
        _launched(app, session, title=t, expires_at=later) for t in ("A", "B", "C")
    )
    campaigns.pause(app, paused, "t")
    session.execute(
        update(Campaign).where(Campaign.id.in_((running, paused))).values(expires_at=utcnow())
    )
    session.commit()
    assert reconcile.run_once(app, session)["expired"] == 2
    for campaign_id in (running, paused):
        campaign = _campaign(session, campaign_id)
        assert campaign.status == "expired" and campaign.finished_at is not None
        assert [d.status for d in _deliveries(session, campaign_id)] == ["cancelled"]
    assert sorted(_system_entries(session, "campaign.expire")) == [
        ("system", "campaign", str(running)),
        ("system", "campaign", str(paused)),
    ]
    assert (_campaign(session, current).status, _campaign(session, current).finished_at) == (
        "running",
        None,
    )
    assert [d.status for d in _deliveries(session, current)] == ["pending"]


def test_a_residence_put_back_to_pending_after_a_cancel_is_closed_by_the_next_pass(app, session):
    """A call ending after its campaign was cancelled may put its residence back to pending
    (a busy line): the reconciler closes it (its best outcome kept), nothing calls it again;
    a running campaign's waiting residences are left to be called."""
    add_residence(session, ["+14185550101"])
    cancelled = _launched(app, session, title="A")
    campaigns.cancel(app, cancelled, "t")
    _deliveries(session, cancelled, status="pending", best_outcome="busy")
    reconcile.run_once(app, session)
    assert [d.status for d in _deliveries(session, cancelled)] == ["busy"]
    running = _launched(app, session, title="B")
    _deliveries(session, cancelled, status="pending", best_outcome=None)
    reconcile.run_once(app, session)
    assert [d.status for d in _deliveries(session, cancelled)] == ["cancelled"]
    assert [d.status for d in _deliveries(session, running)] == ["pending"]


def test_a_residence_left_in_progress_with_no_call_is_called_again(app, session):
    """A residence `in_progress` whose lease is over and whose calls are all settled (or that
    has none) goes back to pending and is claimed again; one whose call is still under way,
    or whose lease runs, or that is closed, is left alone."""
    add_residence(session, ["+14185550101"])
    add_residence(session, ["+14185550102"], civic="102")
    add_residence(session, ["+14185550103"], civic="103")
    add_residence(session, ["+14185550104"], civic="104")
    campaign_id = _launched(app, session)
    campaign = session.get(Campaign, campaign_id)
    jobs = [dispatch.claim(session, campaign, 60.0) for _ in range(2)]
    settled, ringing = jobs
    past = utcnow() - timedelta(seconds=5)
    session.execute(
        update(CallAttempt).where(CallAttempt.id == settled.attempt_id).values(outcome="busy")
    )
    session.execute(  # its call requested and ringing, no verdict due yet
        update(CallAttempt)
        .where(CallAttempt.id == ringing.attempt_id)
        .values(sid=f"CA{ringing.attempt_id:032d}", status="ringing", requested_at=utcnow())
    )
    session.execute(update(Delivery).values(lease_until=past))  # every lease over
    rest = [d for d in _deliveries(session, campaign_id) if d.status == "pending"]
    session.execute(  # a residence closed with a lease left over, and one still held
        update(Delivery).where(Delivery.id == rest[0].id).values(status="human")
    )
    session.execute(
        update(Delivery)
        .where(Delivery.id == rest[1].id)
        .values(status="in_progress", lease_until=utcnow() + timedelta(minutes=5))
    )
    session.commit()
    assert reconcile.run_once(app, session)["orphans"] == 1
    status = {d.id: d.status for d in _deliveries(session, campaign_id)}
    assert status == {
        settled.delivery_id: "pending",
        ringing.delivery_id: "in_progress",
        rest[0].id: "human",
        rest[1].id: "in_progress",
    }
    again = dispatch.claim(session, session.get(Campaign, campaign_id), 60.0)
    assert again is not None and again.delivery_id == settled.delivery_id


def test_a_campaign_completes_when_its_last_residence_is_closed_and_not_before(app, session):
    """A running campaign whose residences are all closed completes (its end time shown, the
    journal saying so); another with one residence still waiting, or one in progress, keeps
    running."""
    add_residence(session, ["+14185550101"])
    done, waiting, calling = (_launched(app, session, title=t) for t in ("A", "B", "C"))
    _deliveries(session, done, status="human", best_outcome="human")
    _deliveries(session, calling, status="in_progress")
    assert reconcile.run_once(app, session)["completed"] == 1
    campaign = _campaign(session, done)
    assert campaign.status == "completed" and campaign.finished_at is not None
    assert _system_entries(session, "campaign.complete") == [("system", "campaign", str(done))]
    for campaign_id in (waiting, calling):
        assert _campaign(session, campaign_id).status == "running"
    _deliveries(session, waiting, status="voicemail", best_outcome="voicemail")
    reconcile.run_once(app, session)
    assert _campaign(session, waiting).status == "completed"
    assert _campaign(session, calling).status == "running"


def test_an_expired_campaigns_call_not_yet_answered_is_cancelled_at_the_provider(e2e, session):
    """The campaign expires while a call it placed is still queued at the provider: the
    reconciler cancels it there, the residence's phone stops ringing for a notice over."""
    app = e2e.live.app
    campaign = one_residence_campaign(e2e, session, expires_at=utcnow() + timedelta(hours=1))
    e2e.sim.set_scenario(
        {
            "seed": 8,
            "default": {"answer": "human", "ring_s": 600},  # rings until it is cancelled
            "callbacks": {"drop_rate": 1.0},  # the call stays `queued` in the database
        }
    )
    job = dispatch.claim(session, session.get(Campaign, campaign.id), 60.0)
    assert dispatch.mark_requested(session, job.attempt_id, utcnow())
    sid = place_call(app, job.token, job.to, job.language, job.ring_timeout_s)
    session.execute(
        update(CallAttempt).where(CallAttempt.id == job.attempt_id).values(sid=sid, status="queued")
    )
    session.execute(update(Campaign).values(expires_at=utcnow()))
    session.commit()
    assert reconcile.run_once(app, session)["expired"] == 1
    assert e2e.sim.wait_for_call(sid, timeout=10)["status"] == "canceled"


def test_the_reconcilers_pass_launches_a_campaign_whose_time_has_come(app, session):
    """A launch at a given time is started by the reconciler's own pass (no one else calls
    it): its residences are then called."""
    add_residence(session, ["+14185550101"])
    campaign = campaigns.create_campaign(
        session, "t", title="Avis", message_fr="Message", target={"all": True}
    )
    schedule.schedule(app, session, campaign.id, "op", utcnow() + timedelta(minutes=5))
    session.execute(update(Campaign).values(scheduled_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert reconcile.run_once(app, session)["scheduled"] == 1
    assert _campaign(session, campaign.id).status == "running"
    assert [d.status for d in _deliveries(session, campaign.id)] == ["pending"]


def text_then_call_campaign(e2e, session, sms_behaviour):
    """One residence: an SMS contact (the simulator's SMS_BEHAVIOUR for it), then a voice one;
    every status callback lost. Its text sent by the dialer; the text's record at the provider
    once final."""
    residence = add_residence(session, [TEXTED, "+14185551235"])
    residence.phones[0].kind = "sms"
    session.commit()
    lose_callbacks(
        e2e, {"answer": "human"}, numbers={TEXTED: {"sms": sms_behaviour, "answer": "human"}}
    )
    campaign = launch_any_time(e2e, session, **TEXTS)
    job = dispatch.claim(session, session.get(Campaign, campaign.id), 60.0)
    assert (job.channel, job.to) == ("sms", TEXTED)
    Dialer(e2e.live.app)._place(session, job)
    sid = session.scalar(select(CallAttempt.sid))

    def final():
        return next(m for m in e2e.sim.messages() if m["sid"] == sid)["status"] in (
            "delivered",
            "undelivered",
        )

    assert wait_for(final, timeout=10)
    session.expire_all()
    assert session.scalar(select(CallAttempt.status)) == "queued"  # no callback came
    long_ago = utcnow() - timedelta(seconds=600)  # past DIALER_SMS_FINAL_GRACE_S
    session.execute(update(CallAttempt).values(created_at=long_ago, requested_at=long_ago))
    session.commit()
    return sid


@pytest.mark.parametrize(
    "sms_behaviour, text, residence",
    [
        # delivered: reached by text, no error code
        ("delivered", ("delivered", "sms_delivered", None), ("sms_delivered", 0, False)),
        # a landline (30006): the same number called next, not the next contact
        ("landline", ("undelivered", "failed", "30006"), ("pending", 0, True)),
    ],
)
def test_a_text_whose_final_status_was_lost_is_settled_from_the_providers_record(
    e2e, session, sms_behaviour, text, residence
):
    """The text's status callbacks were all lost: the reconciler fetches the message and
    settles it from its status and error code, as the callback would have (a landline's
    30006 gives the same number a voice call instead of moving to the next contact)."""
    sid = text_then_call_campaign(e2e, session, sms_behaviour)
    assert reconcile.run_once(e2e.live.app, session)["fetched"] == 1
    session.expire_all()
    attempt = session.scalar(select(CallAttempt))
    assert attempt.sid == sid
    assert (attempt.status, attempt.outcome, attempt.error) == text
    delivery = session.scalar(select(Delivery))
    assert (delivery.status, delivery.number_index, delivery.voice_fallback) == residence


def test_a_call_adopted_while_ringing_takes_its_status_and_no_other_claim_does(e2e, session):
    """The worker died before the create request's answer; the call still rings when the
    reconciler finds it: the attempt adopts its SID and its live status ("ringing"). Another
    residence's claim, its call not yet requested, keeps its own status ("creating") and its
    unmarked request, so that its thread can still place the call, and the claim can still be
    taken back when its lease ends: given the other call's status, it would look placed, never
    be taken back, and its residence would stay in progress for good, never called."""
    app = e2e.live.app
    add_residence(session, ["+14185551234"])
    add_residence(session, ["+14185551236"], civic="102")
    lose_callbacks(e2e, {"answer": "no-answer"})
    # rings for 120 simulated seconds: 6 s at the simulator's time scale
    campaign = launch_any_time(e2e, session, ring_timeout_s=120)
    ringing = dispatch.claim(session, session.get(Campaign, campaign.id), 60.0)
    assert dispatch.mark_requested(session, ringing.attempt_id, utcnow())
    sid = place_call(app, ringing.token, ringing.to, ringing.language, ringing.ring_timeout_s)
    assert wait_for(lambda: e2e.sim.call(sid)["status"] == "ringing", timeout=5)
    long_ago = utcnow() - timedelta(seconds=60)  # past the HTTP timeout: the answer is lost
    session.execute(
        update(CallAttempt)
        .where(CallAttempt.id == ringing.attempt_id)
        .values(created_at=long_ago, requested_at=long_ago)
    )
    session.commit()
    other = dispatch.claim(session, session.get(Campaign, campaign.id), 60.0)  # not requested

    assert reconcile.run_once(app, session)["ambiguous"] == 1
    session.expire_all()
    adopted = session.get(CallAttempt, ringing.attempt_id)
    assert (adopted.sid, adopted.status, adopted.outcome) == (sid, "ringing", None)
    claimed = session.get(CallAttempt, other.attempt_id)
    assert (claimed.sid, claimed.status, claimed.outcome) == (None, "creating", None)
    assert claimed.requested_at is None  # not marked: its thread can still place the call

    # the other claim's thread died too: its lease ends, the reconciler takes the claim back
    session.execute(
        update(Delivery)
        .where(Delivery.id == other.delivery_id)
        .values(lease_until=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    reconcile.run_once(app, session)
    session.expire_all()
    assert session.get(Delivery, other.delivery_id).status == "pending"  # called again
    assert session.get(Delivery, ringing.delivery_id).status == "in_progress"  # still ringing
    assert [c["sid"] for c in e2e.sim.calls()] == [sid]


def test_a_claim_is_taken_back_only_when_its_own_lease_is_over(e2e, session):
    """Two claims, neither requested yet (their threads wait for a call slot): the one whose
    lease ended is taken back (its residence queued again); the other, its lease still
    running, stays its thread's, which can still mark and place its call."""
    app = e2e.live.app
    add_residence(session, ["+14185551234"])
    add_residence(session, ["+14185551236"], civic="102")
    campaign = launch_any_time(e2e, session)
    late = dispatch.claim(session, session.get(Campaign, campaign.id), 60.0)
    live = dispatch.claim(session, session.get(Campaign, campaign.id), 60.0)
    session.execute(
        update(Delivery)
        .where(Delivery.id == late.delivery_id)
        .values(lease_until=utcnow() - timedelta(seconds=1))
    )
    session.commit()

    assert reconcile.run_once(app, session)["ambiguous"] == 1
    session.expire_all()
    assert session.get(Delivery, late.delivery_id).status == "pending"
    assert session.get(CallAttempt, late.attempt_id).outcome == "void"
    assert session.get(Delivery, live.delivery_id).status == "in_progress"
    assert session.get(CallAttempt, live.attempt_id).outcome is None
    assert dispatch.mark_requested(session, live.attempt_id, utcnow())  # still its thread's
    assert e2e.sim.calls() == []


def test_the_reconciler_waits_as_long_as_configured_before_resolving(e2e, session):
    """DIALER_HTTP_TIMEOUT_S and DIALER_AMBIGUOUS_WAIT_S as configured, not the defaults: a
    marked claim whose create request may still be in flight on a slow provider (60 s HTTP
    timeout) is not resolved after 20 s (found no call, it would be given back and its
    residence called again while the first request goes through: a doubled alert); an
    ambiguous one not before the configured 30 s wait. Past them, both are resolved."""
    app = e2e.live.app
    app.config.update(DIALER_HTTP_TIMEOUT_S=60.0, DIALER_AMBIGUOUS_WAIT_S=30.0)
    add_residence(session, ["+14185551234"])
    add_residence(session, ["+14185551236"], civic="102")
    campaign = launch_any_time(e2e, session)
    in_flight = dispatch.claim(session, session.get(Campaign, campaign.id), 600.0)
    ambiguous = dispatch.claim(session, session.get(Campaign, campaign.id), 600.0)
    for job in (in_flight, ambiguous):
        assert dispatch.mark_requested(session, job.attempt_id, utcnow())
    session.execute(
        update(CallAttempt).where(CallAttempt.id == ambiguous.attempt_id).values(status="ambiguous")
    )

    def requested(seconds_ago):
        at = utcnow() - timedelta(seconds=seconds_ago)
        session.execute(update(CallAttempt).values(created_at=at, requested_at=at))
        session.commit()

    requested(20)  # past the defaults (10 s, 5 s), within the configured times
    assert reconcile.run_once(app, session)["ambiguous"] == 0
    session.expire_all()
    assert [a.outcome for a in session.scalars(select(CallAttempt))] == [None, None]
    assert {d.status for d in session.scalars(select(Delivery))} == {"in_progress"}

    requested(50)  # past the ambiguous wait; within wait + HTTP timeout (90 s)
    assert reconcile.run_once(app, session)["ambiguous"] == 1
    session.expire_all()
    assert [a.outcome for a in session.scalars(select(CallAttempt))] == [None, "void"]
    assert session.get(Delivery, in_flight.delivery_id).status == "in_progress"

    requested(95)  # past 30 + 60 s: no call at the provider, given back
    assert reconcile.run_once(app, session)["ambiguous"] == 1
    session.expire_all()
    assert [a.outcome for a in session.scalars(select(CallAttempt))] == ["void", "void"]
    assert {d.status for d in session.scalars(select(Delivery))} == {"pending"}


def test_a_test_call_waiting_for_its_slot_is_resolved_only_after_the_configured_lease(e2e, session):
    """A campaign's test call (no residence) still waiting for a call slot is not resolved
    before DIALER_CLAIM_LEASE_S as configured (here 120 s, not the default 45 s); past it,
    no call at the provider, it is given up as never placed."""
    app = e2e.live.app
    app.config["DIALER_CLAIM_LEASE_S"] = 120.0
    campaign = launch_any_time(e2e, session)
    attempt = CallAttempt(
        campaign_id=campaign.id,
        to_number="+14185551234",
        purpose="test",
        token="test-call",
        status="creating",
        created_at=utcnow() - timedelta(seconds=60),
    )
    session.add(attempt)
    session.commit()
    assert reconcile.run_once(app, session)["ambiguous"] == 0
    session.execute(update(CallAttempt).values(created_at=utcnow() - timedelta(seconds=130)))
    session.commit()
    assert reconcile.run_once(app, session)["ambiguous"] == 1
    session.expire_all()
    assert session.get(CallAttempt, attempt.id).outcome == "void"


def test_a_text_sent_before_the_crash_is_adopted_not_sent_again(e2e, session):
    """The worker died between a text's create request and its answer, and every status
    callback was lost: the reconciler finds the message in the provider's list of messages to
    that number (not its list of calls), adopts its SID and settles the residence from its
    status; the contact is not texted a second time."""
    from dialer.texts import send_text

    app = e2e.live.app
    app.config["DIALER_SMS_FINAL_GRACE_S"] = 600.0  # settled by the adoption, not a later fetch
    add_residence(session, [TEXTED, "+14185551235"]).phones[0].kind = "sms"
    session.commit()
    lose_callbacks(e2e, {"answer": "human"})
    campaign = launch_any_time(e2e, session, **TEXTS)
    job = dispatch.claim(session, session.get(Campaign, campaign.id), 60.0)
    assert job.channel == "sms"
    assert dispatch.mark_requested(session, job.attempt_id, utcnow())
    sid = send_text(app, job.token, job.to, job.body)  # answer lost
    assert wait_for(lambda: e2e.sim.messages()[0]["status"] == "delivered", timeout=10)
    long_ago = utcnow() - timedelta(seconds=60)  # past the HTTP timeout: the answer is lost
    session.execute(update(CallAttempt).values(created_at=long_ago, requested_at=long_ago))
    session.commit()

    assert reconcile.run_once(app, session)["ambiguous"] == 1
    session.expire_all()
    attempt = session.scalar(select(CallAttempt))
    assert (attempt.sid, attempt.status, attempt.outcome) == (sid, "delivered", "sms_delivered")
    assert attempt.requested_at is not None
    assert session.scalar(select(Delivery.status)) == "sms_delivered"
    assert [m["sid"] for m in e2e.sim.messages()] == [sid]  # adopted, not sent again
    assert e2e.sim.calls() == []


def test_a_call_whose_final_callback_was_lost_is_fetched_after_ring_time_and_grace(e2e, session):
    """DIALER_FINAL_CALLBACK_GRACE_S as configured (20 s, not the default 60 s): a call whose
    final callback never came is fetched once its ring time (30 s) and that grace are over,
    not before, and its residence settled from it."""
    app = e2e.live.app
    app.config.update(DIALER_FINAL_CALLBACK_GRACE_S=20.0, DIALER_FINAL_CALLBACK_AFTER_S=None)
    sid = place_call_hung_up_before_amd(e2e, session, drop_rate=1.0)
    requested(session, 45)  # within 30 + 20 s
    assert reconcile.run_once(app, session)["fetched"] == 0
    session.expire_all()
    assert session.scalar(select(CallAttempt.outcome)) is None
    requested(session, 55)
    assert reconcile.run_once(app, session)["fetched"] == 1
    assert_reached_by_a_person(session, sid)


def test_a_call_awaiting_its_verdict_is_fetched_after_the_configured_amd_grace(e2e, session):
    """DIALER_AMD_GRACE_S as configured (30 s, not the default 10 s): a call that ended and
    waits for AMD's verdict is fetched once that grace after its end is over, not before."""
    app = e2e.live.app
    app.config["DIALER_AMD_GRACE_S"] = 30.0
    sid = place_call_hung_up_before_amd(e2e, session, drop_rate=1.0)
    requested(session, 120)  # long past ring time and every other grace

    def ended(seconds_ago):  # its final callback came (completed), the verdict awaited
        at = utcnow() - timedelta(seconds=seconds_ago)
        session.execute(update(CallAttempt).values(status="completed", ended_at=at))
        session.commit()

    ended(20)
    assert reconcile.run_once(app, session)["fetched"] == 0
    ended(40)
    assert reconcile.run_once(app, session)["fetched"] == 1
    assert_reached_by_a_person(session, sid)


def test_a_text_is_fetched_after_the_configured_sms_grace(e2e, session):
    """DIALER_SMS_FINAL_GRACE_S as configured (20 s, not the default 60 s): a text with no
    final status is fetched once that grace after its sending is over, not before."""
    app = e2e.live.app
    app.config.update(
        DIALER_SMS_FINAL_GRACE_S=20.0,  # the shortest of the graces, here
        DIALER_AMD_GRACE_S=30.0,
        DIALER_FINAL_CALLBACK_GRACE_S=60.0,
        DIALER_FINAL_CALLBACK_AFTER_S=None,
    )
    text_then_call_campaign(e2e, session, "delivered")
    requested(session, 10)
    assert reconcile.run_once(app, session)["fetched"] == 0
    session.expire_all()
    assert session.scalar(select(CallAttempt.outcome)) is None
    requested(session, 25)
    assert reconcile.run_once(app, session)["fetched"] == 1
    session.expire_all()
    assert session.scalar(select(Delivery.status)) == "sms_delivered"


def requested(session, seconds_ago):
    """The attempts were created and requested SECONDS_AGO."""
    at = utcnow() - timedelta(seconds=seconds_ago)
    session.execute(update(CallAttempt).values(created_at=at, requested_at=at))
    session.commit()


def test_a_call_never_placed_does_not_adopt_another_campaigns_call_to_that_number(e2e, session):
    """Two campaigns call the same residence. The first campaign's claim marked its request,
    which never reached the provider (the worker died); the second campaign's call to that
    number went through just after. Resolving the first claim, the reconciler finds only a
    call another attempt owns: the claim was never placed, its residence is called again for
    that campaign. Taking the other call for it would fail on its SID (unique) at every pass:
    the claim never resolved, the residence never called for that campaign."""
    app = e2e.live.app
    add_residence(session, ["+14185551234"])
    e2e.sim.set_scenario({"seed": 8, "default": {"answer": "human"}})
    lost = launch_any_time(e2e, session)
    job = dispatch.claim(session, session.get(Campaign, lost.id), 60.0)
    assert dispatch.mark_requested(session, job.attempt_id, utcnow())  # the request dies
    long_ago = utcnow() - timedelta(seconds=60)
    session.execute(update(CallAttempt).values(created_at=long_ago, requested_at=long_ago))
    session.commit()
    other = launch_any_time(e2e, session)
    placed = dispatch.claim(session, session.get(Campaign, other.id), 60.0)
    assert placed.to == job.to
    Dialer(app)._place(session, placed)
    sid = session.get(CallAttempt, placed.attempt_id).sid
    assert sid is not None

    assert reconcile.run_once(app, session)["ambiguous"] == 1
    session.expire_all()
    lost_attempt = session.get(CallAttempt, job.attempt_id)
    assert (lost_attempt.sid, lost_attempt.outcome) == (None, "void")
    assert session.get(Delivery, job.delivery_id).status == "pending"  # called again
    assert [c["sid"] for c in e2e.sim.calls()] == [sid]


def test_a_call_still_ringing_when_fetched_is_fetched_again_after_the_grace(e2e, session):
    """Every callback lost; the reconciler's first fetch finds the call still ringing. The
    fetch is held back for one grace (a hint shared by the workers), then allowed again: the
    call, over by then, is fetched again and settled (a hint that never expired would leave
    the residence in progress for good)."""
    app = e2e.live.app
    app.config["DIALER_FINAL_CALLBACK_GRACE_S"] = 0.5
    add_residence(session, ["+14185551234"])
    lose_callbacks(e2e, {"answer": "no-answer"})
    # rings for 40 simulated seconds: 2 s at the simulator's time scale
    campaign = launch_any_time(e2e, session, ring_timeout_s=40)
    job = dispatch.claim(session, session.get(Campaign, campaign.id), 60.0)
    Dialer(app)._place(session, job)
    sid = session.scalar(select(CallAttempt.sid))
    assert wait_for(lambda: e2e.sim.call(sid)["status"] == "ringing", timeout=5)
    requested(session, 60)  # past every grace
    assert reconcile.run_once(app, session)["fetched"] == 1  # still ringing: not settled
    session.expire_all()
    assert session.scalar(select(CallAttempt.outcome)) is None
    assert reconcile.run_once(app, session)["fetched"] == 0  # held back for the grace

    assert e2e.sim.wait_for_call(sid)["status"] == "no-answer"
    assert wait_for(lambda: reconcile.run_once(app, session)["fetched"] == 1, timeout=10)
    session.expire_all()
    assert session.execute(select(CallAttempt.status, CallAttempt.outcome)).one() == (
        "no-answer",
        "no_answer",
    )
    assert session.scalar(select(Delivery.status)) != "in_progress"


def test_a_lost_final_callback_is_fetched_while_redis_is_down(e2e, session, redis_switch):
    """The fetch hint lives in Redis; with Redis down, the reconciler still fetches a call
    whose final callback was lost and settles it (a hint only: never a reason to wait)."""
    app = e2e.live.app
    sid = place_call_hung_up_before_amd(e2e, session, drop_rate=1.0)
    requested(session, 120)
    redis_switch.down()
    try:
        assert reconcile.run_once(app, session)["fetched"] == 1
        assert_reached_by_a_person(session, sid)
        # settled: not fetched again (the fetches of a pass are capped, oldest first: settled
        # calls fetched over and over would push the unsettled ones out), even long after
        session.execute(update(CallAttempt).values(ended_at=utcnow() - timedelta(seconds=120)))
        session.commit()
        assert reconcile.run_once(app, session)["fetched"] == 0
    finally:
        redis_switch.up()


def test_with_no_grace_configured_the_defaults_apply(e2e, session):
    """No DIALER_*_GRACE_S nor DIALER_FINAL_CALLBACK_AFTER_S set (the defaults: ring time +
    60 s): a call whose callbacks were all lost is fetched and settled two minutes on."""
    app = e2e.live.app
    no_grace_configured(app)
    sid = place_call_hung_up_before_amd(e2e, session, drop_rate=1.0)
    requested(session, 80)  # within 30 + 60 s
    assert reconcile.run_once(app, session)["fetched"] == 0
    requested(session, 120)
    assert reconcile.run_once(app, session)["fetched"] == 1
    assert_reached_by_a_person(session, sid)


def test_a_test_call_placed_before_its_job_died_is_adopted_then_settled(e2e, session):
    """A campaign's test call (written `creating`, placed, then its job died before writing
    the SID; every callback lost) is adopted while it still rings, and given a request time,
    so that the reconciler fetches it again once it is over and settles it; without one, no
    fetch would ever pick it up and the call would stay in progress for good (counted
    against the cap on calls in progress)."""
    app = e2e.live.app
    lose_callbacks(e2e, {"answer": "no-answer"})
    campaign = launch_any_time(e2e, session, ring_timeout_s=40)
    attempt = CallAttempt(
        campaign_id=campaign.id,
        to_number="+14185551234",
        purpose="test",
        token="test-call",
        status="creating",
    )
    session.add(attempt)
    session.commit()
    sid = place_call(app, "test-call", "+14185551234", "fr", 40)  # the job dies here
    assert wait_for(lambda: e2e.sim.call(sid)["status"] == "ringing", timeout=5)
    session.execute(update(CallAttempt).values(created_at=utcnow() - timedelta(seconds=60)))
    session.commit()

    assert reconcile.run_once(app, session)["ambiguous"] == 1
    session.expire_all()
    adopted = session.get(CallAttempt, attempt.id)
    assert (adopted.sid, adopted.status, adopted.outcome) == (sid, "ringing", None)
    assert adopted.requested_at is not None

    assert e2e.sim.wait_for_call(sid)["status"] == "no-answer"
    assert wait_for(lambda: reconcile.run_once(app, session)["fetched"] == 1, timeout=10)
    session.expire_all()
    assert session.get(CallAttempt, attempt.id).outcome == "no_answer"


def no_grace_configured(app):
    for name in (
        "DIALER_FINAL_CALLBACK_GRACE_S",
        "DIALER_AMD_GRACE_S",
        "DIALER_SMS_FINAL_GRACE_S",
        "DIALER_FINAL_CALLBACK_AFTER_S",
    ):
        app.config.pop(name, None)


def test_with_the_default_graces_a_call_awaiting_its_verdict_is_fetched_10_s_after_its_end(
    e2e, session
):
    """The defaults: a call that ended 20 s ago (30 s after its request) and still waits for
    AMD's verdict is fetched and settled (AMD's grace, 10 s, is the shortest: the call is not
    left waiting for the others')."""
    app = e2e.live.app
    no_grace_configured(app)
    sid = place_call_hung_up_before_amd(e2e, session, drop_rate=1.0)
    requested(session, 30)
    ended = utcnow() - timedelta(seconds=20)
    session.execute(update(CallAttempt).values(status="completed", ended_at=ended))
    session.commit()
    assert reconcile.run_once(app, session)["fetched"] == 1
    assert_reached_by_a_person(session, sid)


def test_a_call_is_fetched_after_the_configured_final_callback_time(e2e, session):
    """DIALER_FINAL_CALLBACK_AFTER_S (here 5 s, shorter than every grace): a call whose final
    callback was lost is fetched that long after its request, whatever its ring time."""
    app = e2e.live.app
    no_grace_configured(app)
    app.config["DIALER_FINAL_CALLBACK_AFTER_S"] = 5.0
    sid = place_call_hung_up_before_amd(e2e, session, drop_rate=1.0)
    requested(session, 3)
    assert reconcile.run_once(app, session)["fetched"] == 0
    requested(session, 8)
    assert reconcile.run_once(app, session)["fetched"] == 1
    assert_reached_by_a_person(session, sid)


def test_every_call_and_text_whose_callbacks_were_lost_is_fetched_in_one_pass(e2e, session):
    """Two texts and three calls, every callback lost: one pass fetches and settles every one
    that is due (the hint that holds a fetch back is per attempt: one shared by all would fetch
    one call and one text per grace period, hours for a city's worth of lost callbacks). A call
    not yet due, or one the provider cannot return (its record deleted there), does not hold
    back the calls after it."""
    app = e2e.live.app
    texted = ["+14185551201", "+14185551202"]
    called = ["+14185551203", "+14185551204", "+14185551205"]
    for i, number in enumerate(texted + called):
        residence = add_residence(session, [number], civic=str(200 + i))
        residence.phones[0].kind = "sms" if number in texted else "voice"
    session.commit()
    lose_callbacks(e2e, {"answer": "human", "hangup_after_s": 1})
    campaign = launch_any_time(e2e, session, **TEXTS)
    dialer = Dialer(app)
    for _ in range(5):
        dialer._place(session, dispatch.claim(session, session.get(Campaign, campaign.id), 60.0))
    sids = set(session.scalars(select(CallAttempt.sid)))
    assert None not in sids and len(sids) == 5
    for sid in sids - {m["sid"] for m in e2e.sim.messages()}:
        e2e.sim.wait_for_call(sid)
    assert wait_for(lambda: {m["status"] for m in e2e.sim.messages()} == {"delivered"}, timeout=10)
    requested(session, 600)  # past every grace
    first, second, _ = session.scalars(
        select(CallAttempt.id).where(CallAttempt.channel == "voice").order_by(CallAttempt.id)
    ).all()
    at = utcnow() - timedelta(seconds=2)  # requested just now: its callback may still come
    session.execute(
        update(CallAttempt).where(CallAttempt.id == first).values(created_at=at, requested_at=at)
    )
    session.execute(update(CallAttempt).where(CallAttempt.id == second).values(sid="CA" + "0" * 32))
    session.commit()
    assert reconcile.run_once(app, session)["fetched"] == 3
    session.expire_all()
    statuses = sorted(session.scalars(select(Delivery.status)))
    assert statuses == ["human", "in_progress", "in_progress", "sms_delivered", "sms_delivered"]


def test_a_claim_the_provider_cannot_list_calls_for_does_not_hold_back_the_others(e2e, session):
    """Two claims whose create requests died (marked, no call at the provider): the provider
    fails the first list request (a 500); the pass still resolves the other claim, and the
    next pass the first one (a `break` there would leave every claim after a failing one
    waiting, for good if the error persisted)."""
    app = e2e.live.app
    add_residence(session, ["+14185551234"])
    add_residence(session, ["+14185551236"], civic="102")
    campaign = launch_any_time(e2e, session)
    for _ in range(2):
        job = dispatch.claim(session, session.get(Campaign, campaign.id), 60.0)
        assert dispatch.mark_requested(session, job.attempt_id, utcnow())
    requested(session, 60)  # past the HTTP timeout
    refused = []

    def fail_the_first_list(phase, endpoint, method, response):
        if (phase, endpoint, method) == ("before", "calls", "GET") and not refused:
            refused.append(endpoint)
            return False
        return None

    e2e.sim.api_hook = fail_the_first_list
    try:
        assert reconcile.run_once(app, session)["ambiguous"] == 1
    finally:
        e2e.sim.api_hook = None
    assert refused
    session.expire_all()
    assert sorted(d.status for d in session.scalars(select(Delivery))) == [
        "in_progress",
        "pending",
    ]
    assert reconcile.run_once(app, session)["ambiguous"] == 1
    session.expire_all()
    assert {d.status for d in session.scalars(select(Delivery))} == {"pending"}


def test_a_test_call_waiting_past_the_lease_for_a_call_slot_keeps_its_outcome(e2e, session):
    """A test call's job waits for a call slot longer than the claim lease (the schedule's
    next slot 2.5 s away, the lease half a second); the reconciler passes meanwhile. The call
    is then placed and its outcome recorded. (The job used to write its attempt before the
    wait: the reconciler took it back as never placed, then the call went out all the same,
    its outcome lost as `void`.)"""
    app = e2e.live.app
    app.config.update(DIALER_CLAIM_LEASE_S=0.5, RQ_SYNC=True)  # the job runs in test_call
    e2e.sim.set_scenario({"seed": 8, "default": {"answer": "human"}})
    campaign = campaigns.create_campaign(
        session, "test", title="Avis", message_fr="Avis", target={"all": True}
    )
    conn = pacing.redis_for(app)
    seconds, micros = conn.time()
    conn.set(pacing.TAT_KEY, repr(seconds + micros / 1e6 + 2.5), ex=60)

    def reconciler_passes_during_the_wait():
        time.sleep(1.0)  # past the lease, before the slot
        with sessionmaker_for(app)() as own:
            reconcile.run_once(app, own)

    reconciler = threading.Thread(target=reconciler_passes_during_the_wait)
    reconciler.start()
    with app.app_context():  # the job runs here, in this app
        assert campaigns.test_call(app, campaign.id, "418 555-0199", "fr")
    reconciler.join()

    def outcome():
        session.expire_all()
        return session.scalar(select(CallAttempt.outcome).where(CallAttempt.purpose == "test"))

    assert wait_for(lambda: outcome() == "human", timeout=15), outcome()
