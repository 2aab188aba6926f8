"""Claims that overlap, made deterministic on PostgreSQL (mutation testing found the row lock
and the advisory lock of a claim unchecked: eight threads claiming at once did not overlap
enough, docs/mutants.md). One worker's claim is held open in the middle of its transaction (its
whole `dispatch.claim` run inside an outer transaction that the test commits later) while
another worker claims."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from dialer import campaigns, conversation, dispatch, eta, settle
from dialer.worker import Dialer
from models import CallAttempt, Campaign, Delivery, PhoneNumber, utcnow
from runtime.db import sessionmaker_for
from tests.conftest import EXTERNAL_DB
from tests.dialer.test_claim_rules import _campaign
from tests.fixtures.dialer import add_residence

postgresql_only = pytest.mark.skipif(
    not EXTERNAL_DB.startswith("postgresql"),
    reason="row locks and advisory locks are PostgreSQL's (DATABASE_URL)",
)


class OpenClaim:
    """A worker's claim made but not committed yet: `dispatch.claim` runs in a session joined
    to an outer transaction (its commits release savepoints only), so its locks, the
    delivery's row lock and the cap's advisory lock, stay held until `commit()`."""

    def __init__(self, app, campaign, **kwargs):
        self.connection = app.extensions["db_engine"].connect()
        self.outer = self.connection.begin()
        self.session = Session(bind=self.connection, join_transaction_mode="create_savepoint")
        self.job = dispatch.claim(self.session, campaign, lease_s=60, **kwargs)
        assert self.job

    def commit(self):
        self.session.close()
        if self.outer.is_active:
            self.outer.commit()
        self.connection.close()


def _claim_beside(app, campaign, open_claim, **kwargs):
    """Claim in another session while OPEN_CLAIM is held; returns (job, waited): WAITED when
    the claim had to wait for the open one's locks (seen in pg_stat_activity), in which case
    the open claim is committed to let it finish."""
    result = {}

    def claim():
        with sessionmaker_for(app)() as own:
            result["pid"] = own.scalar(text("SELECT pg_backend_pid()"))
            result["job"] = dispatch.claim(own, campaign, lease_s=60, **kwargs)

    thread = threading.Thread(target=claim, daemon=True)
    thread.start()
    waited = False
    with sessionmaker_for(app)() as watcher:
        for _ in range(3000):  # a hang guard only (30 s): the claim ends or waits on a lock
            if not thread.is_alive():
                break
            pid = result.get("pid")
            if pid is not None and watcher.scalar(
                text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": pid},
            ):
                waited = True
                break
            watcher.rollback()
            time.sleep(0.01)
    open_claim.commit()
    thread.join(30)
    assert not thread.is_alive()
    return result["job"], waited


@postgresql_only
def test_a_worker_skips_the_residence_another_worker_is_still_claiming(app, session):
    """Without `FOR UPDATE SKIP LOCKED` the second worker picks the row the first one is
    taking, waits on its lock, then finds it taken and claims nobody: one claim at a time."""
    campaign = dispatch.view_of(_campaign(app, session, 2))
    first = OpenClaim(app, campaign)
    second, waited = _claim_beside(app, campaign, first)
    assert second and second.delivery_id != first.job.delivery_id
    assert not waited


@postgresql_only
def test_a_claim_under_the_cap_waits_for_the_claim_still_being_written(app, session):
    """Cap of one call in progress: while another worker's claim is written but not committed,
    its call does not show in the count yet; without the advisory lock a second worker would
    take a second place."""
    campaign = dispatch.view_of(_campaign(app, session, 2))
    first = OpenClaim(app, campaign, max_in_progress=1)
    second, waited = _claim_beside(app, campaign, first, max_in_progress=1)
    assert second is None
    assert waited
    session.expire_all()
    assert session.scalar(select(func.count(CallAttempt.id))) == 1
    assert session.scalar(select(Delivery.status).where(Delivery.id == first.job.delivery_id)) == (
        "in_progress"
    )


AUDIO_FR = "https://ville.example/avis-fr.mp3"


@pytest.mark.parametrize(
    "fields, french_home_reads, english_home_reads",
    [
        ({"sms_fr": "SMS fr", "message_fr": "Message fr"}, "SMS fr", "SMS fr"),
        ({"sms_en": "SMS en", "message_fr": "Message fr"}, "SMS en", "SMS en"),
        ({"message_fr": "Message fr", "message_en": "Message en"}, "Message fr", "Message en"),
        ({"message_en": "Message en"}, "Message en", "Message en"),
        ({"message_fr": "Message fr"}, "Message fr", "Message fr"),
        ({"audio_url_fr": AUDIO_FR}, "Avis", "Avis"),  # a recording only: its title
    ],
)
def test_a_text_contact_reads_its_language_s_text_else_the_other_one_else_the_message(
    app, session, fields, french_home_reads, english_home_reads
):
    """The SMS body: the short text in the home's language, else the other language's, else
    the voice message (same order), else the campaign's title."""
    for language, e164 in (("fr", "+14185550201"), ("en", "+14185550202")):
        residence = add_residence(session, [e164], civic=e164[-3:], language=language)
        residence.phones[0].kind = "sms"
    session.commit()
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
    view = dispatch.view_of(session.get(Campaign, campaign.id))
    jobs = [dispatch.claim(session, view, lease_s=60) for _ in range(2)]
    assert all(job and job.texts for job in jobs)
    assert {job.to: job.body for job in jobs} == {
        "+14185550201": french_home_reads,
        "+14185550202": english_home_reads,
    }


def test_a_text_being_sent_does_not_count_against_the_cap_on_calls_in_progress(app, session):
    """DIALER_MAX_IN_PROGRESS caps simultaneous calls: texts do not hold a line."""
    texted = add_residence(session, ["+14185550301"], civic="301")
    texted.phones[0].kind = "sms"
    add_residence(session, ["+14185550302"], civic="302")
    add_residence(session, ["+14185550303"], civic="303")
    view = dispatch.view_of(_running(app, session))
    text = dispatch.claim(session, view, lease_s=60, max_in_progress=1)
    assert text and text.texts and text.to == "+14185550301"  # its text not sent yet
    call = dispatch.claim(session, view, lease_s=60, max_in_progress=1)
    assert call and not call.texts and call.to == "+14185550302"
    assert dispatch.claim(session, view, lease_s=60, max_in_progress=1) is None  # one call


def _running(app, session, title="Avis", **fields) -> Campaign:
    """A campaign to every home, said TITLE (create_campaign's FIELDS besides), launched and
    callable at any hour."""
    fields.setdefault("message_fr", title)
    campaign = campaigns.create_campaign(
        session,
        "t",
        title=title,
        target={"all": True},
        window_start="00:00",
        window_end="23:59",
        **fields,
    )
    campaigns.launch(app, campaign.id, "t")
    return session.get(Campaign, campaign.id)


def test_a_claim_takes_only_its_own_campaigns_residences(app, session):
    add_residence(session, ["+14185550401"], civic="401")
    first = _running(app, session)
    second = _running(app, session, title="Second avis")
    job = dispatch.claim(session, second, lease_s=60)
    assert job and job.campaign_id == second.id
    assert session.get(Delivery, job.delivery_id).campaign_id == second.id
    session.expire_all()
    assert session.scalar(select(Delivery.status).where(Delivery.campaign_id == first.id)) == (
        "pending"
    )


def test_a_residence_waiting_for_its_next_try_is_not_called_before_it_is_due(app, session):
    add_residence(session, ["+14185550501"], civic="501")
    campaign = _running(app, session)
    session.execute(update(Delivery).values(next_attempt_at=utcnow() + timedelta(minutes=5)))
    session.commit()  # a busy line: tried again in five minutes
    assert dispatch.claim(session, campaign, lease_s=60) is None
    session.execute(update(Delivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert dispatch.claim(session, campaign, lease_s=60)


def test_a_residence_whose_numbers_were_removed_since_launch_ends_failed(app, session):
    """Its number deactivated after the launch: nothing left to try; the residence ends
    failed (not left claimed until the reconciler finds it), the other residences called."""
    add_residence(session, ["+14185550601"], civic="601")
    add_residence(session, ["+14185550602"], civic="602")
    campaign = _running(app, session)
    session.execute(
        update(PhoneNumber).where(PhoneNumber.e164 == "+14185550601").values(active=False)
    )
    session.commit()
    assert dispatch.claim(session, campaign, lease_s=60) is None
    session.expire_all()
    gone = session.execute(
        select(Delivery.status, Delivery.best_outcome, Delivery.lease_until).order_by(Delivery.id)
    ).first()
    assert tuple(gone) == ("failed", "failed", None)
    job = dispatch.claim(session, campaign, lease_s=60)
    assert job and job.to == "+14185550602"
    assert session.scalar(select(func.count(CallAttempt.id))) == 1


def test_a_home_in_a_language_the_dialer_does_not_speak_is_called_in_french(app, session):
    """No path of today's code stores another language than fr or en; the claim's safety
    net still calls such a home in French, not in a language no message exists in."""
    add_residence(session, ["+14185550701"], civic="701", language="es")
    job = dispatch.claim(session, _running(app, session, message_en="Notice"), lease_s=60)
    assert job and job.language == "fr"


def test_a_claimed_call_plays_its_campaigns_message_when_answered(app, session):
    add_residence(session, ["+14185550801"], civic="801")
    campaign = _running(app, session, title="Eau potable: faites bouillir")
    job = dispatch.claim(session, campaign, lease_s=60)
    twiml = str(conversation.answer(session, app.config, job.token, job.language))
    assert "Eau potable: faites bouillir" in twiml


def test_a_second_round_on_a_homes_second_number_is_requested_on_that_number(app, session):
    """The attempt records its round and number: the request mark checks them against the
    residence's, so a wrong one would never be requested (the home never called)."""
    add_residence(session, ["+14185550901", "+14185550902"], civic="901")
    campaign = _running(app, session)
    session.execute(update(Delivery).values(round=2, number_index=1))
    session.commit()  # the first round went through both numbers; now round 2, its second
    job = dispatch.claim(session, campaign, lease_s=60)
    assert job and job.to == "+14185550902"
    assert dispatch.mark_requested(session, job.attempt_id, utcnow())


def test_a_text_contact_that_opted_out_is_not_texted_and_the_next_number_is_called(app, session):
    residence = add_residence(session, ["+14185551001", "+14185551002"], civic="1001")
    residence.phones[0].kind = "sms"
    residence.phones[0].sms_opted_out_at = utcnow()  # texted STOP
    session.commit()
    campaign = _running(app, session)
    job = dispatch.claim(session, campaign, lease_s=60)
    assert job and job.texts and job.to == "+14185551001"
    Dialer(app)._place(session, job)  # settled without a text: nothing is sent
    session.expire_all()
    attempt = session.get(CallAttempt, job.attempt_id)
    assert attempt.requested_at is None and attempt.error.startswith("opted out")
    following = dispatch.claim(session, campaign, lease_s=60)
    assert following and not following.texts and following.to == "+14185551002"


def test_the_eta_counts_the_campaigns_own_calls_all_reached_no_round_left(app, session):
    """Twelve homes, three rounds ten minutes apart: ten called and all reached, so the two
    left are expected to end this round, not two rounds later (the ETA reads the settled
    calls the claims wrote, as this campaign's alert calls)."""
    for i in range(12):
        add_residence(session, [f"+1418555{1100 + i}"], civic=str(1100 + i))
    created = campaigns.create_campaign(
        session,
        "t",
        title="Avis",
        message_fr="Avis",
        target={"all": True},
        priority="emergency",
        rounds=3,
        retry_delay_s=600,
    )
    campaigns.launch(app, created.id, "t")
    campaign = session.get(Campaign, created.id)
    for _ in range(10):
        job = dispatch.claim(session, campaign, lease_s=60)
        assert settle.settle(session, job.attempt_id, "human")
        session.commit()
    now = utcnow()
    expected = eta.for_campaign(session, campaign, 5.0, "America/Toronto", now)
    assert expected is not None and expected < now + timedelta(seconds=600)
