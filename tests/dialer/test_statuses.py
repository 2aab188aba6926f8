"""Attempt statuses and outcomes are named once, in models: every value the dialer stores is a
member of `AttemptStatus` / `Outcome` (the `void` of an attempt given up included)."""

from sqlalchemy import select

from dialer import campaigns, dispatch, settle
from models import (
    DELIVERY_STATUSES,
    REACHED,
    AttemptStatus,
    CallAttempt,
    Campaign,
    Delivery,
    Outcome,
)
from tests.fixtures.dialer import add_residence


def test_an_attempt_given_up_before_its_call_is_void_in_both_enums(app, session):
    add_residence(session, ["+14185550101"])
    campaign = campaigns.create_campaign(
        session, "t", title="Avis", message_fr="Avis", target={"all": True}
    )
    campaigns.launch(app, campaign.id, "t")
    job = dispatch.claim(session, session.get(Campaign, campaign.id), lease_s=60)
    assert AttemptStatus(session.get(CallAttempt, job.attempt_id).status) is AttemptStatus.CREATING
    assert settle.void_attempt(session, job.attempt_id, "given back")
    session.commit()
    session.expire_all()
    attempt = session.get(CallAttempt, job.attempt_id)
    assert AttemptStatus(attempt.status) is AttemptStatus.VOID
    assert Outcome(attempt.outcome) is Outcome.VOID
    delivery = session.scalar(select(Delivery))
    assert delivery.status in DELIVERY_STATUSES  # the residence is not void: it is called again


def test_the_console_lists_every_outcome_a_residence_can_have_and_counts_reach_once():
    assert set(DELIVERY_STATUSES) == {o.value for o in Outcome} - {Outcome.VOID.value}
    assert set(REACHED) == {
        Outcome.HUMAN.value,
        Outcome.VOICEMAIL.value,
        Outcome.SMS_DELIVERED.value,
    }  # a delivered text (issue 14)
