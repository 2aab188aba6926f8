"""The reconciler settles a call whose callbacks were all lost from the provider's own record
of it, answering machine included (mutation testing found the fetched AnsweredBy unchecked:
docs/mutants.md). End to end through the carrier simulator."""

from datetime import timedelta

from sqlalchemy import select, update

from dialer import campaigns, dispatch, reconcile, schedule
from dialer.calls import place_call
from models import AuditEntry, CallAttempt, Campaign, Delivery, utcnow
from tests.dialer.test_claims import app_config, one_residence_campaign, redis_switch  # noqa: F401
from tests.dialer.test_end_to_end import e2e, simulator  # noqa: F401 (fixtures)
from tests.fixtures.dialer import add_residence


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
