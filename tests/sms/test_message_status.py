"""A text's status reports are idempotent and safe in any order (dialer.settle.record_message),
and the messages limiter is separate from the calls' (runtime.pacing)."""

import threading
import time

import pytest
from sqlalchemy import select

from dialer import settle
from models import CallAttempt, Campaign, Delivery, PhoneNumber, Residence
from runtime import pacing


@pytest.fixture
def text_attempt(session):
    """A running campaign, one residence with an SMS contact then a voice one, its text sent."""
    residence = Residence(
        last_name="Roy", civic_number="1", street="rue Racine Est", city="CHICOUTIMI"
    )
    residence.phones = [
        PhoneNumber(e164="+14185550111", kind="sms", position=0),
        PhoneNumber(e164="+14185550112", kind="voice", position=1),
    ]
    campaign = Campaign(title="t", message_fr="m", status="running", rounds=1)
    session.add_all([residence, campaign])
    session.flush()
    delivery = Delivery(campaign_id=campaign.id, residence_id=residence.id, status="in_progress")
    session.add(delivery)
    session.flush()
    attempt = CallAttempt(
        delivery_id=delivery.id,
        campaign_id=campaign.id,
        channel="sms",
        to_number="+14185550111",
        token="tok",
        status="queued",
        sid="SM" + "1" * 32,
    )
    session.add(attempt)
    session.commit()
    return attempt.id, delivery.id


def state(session, attempt_id, delivery_id):
    session.expire_all()
    a, d = session.get(CallAttempt, attempt_id), session.get(Delivery, delivery_id)
    return a.status, a.outcome, d.status, d.number_index, d.voice_fallback


def test_reports_in_any_order_and_repeated_settle_once(session, text_attempt):
    attempt_id, delivery_id = text_attempt
    assert settle.record_message(session, "tok", "delivered") == "sms_delivered"
    assert settle.record_message(session, "tok", "delivered") is None  # duplicate
    assert settle.record_message(session, "tok", "sent") is None  # late, older
    assert settle.record_message(session, "tok", "undelivered", error_code=30003) is None
    session.commit()
    assert state(session, attempt_id, delivery_id) == (
        "delivered",
        "sms_delivered",
        "sms_delivered",
        0,
        False,
    )


def test_an_older_progress_report_never_overwrites_a_newer_one(session, text_attempt):
    attempt_id, delivery_id = text_attempt
    settle.record_message(session, "tok", "sent")
    settle.record_message(session, "tok", "queued")
    session.commit()
    assert state(session, attempt_id, delivery_id)[0] == "sent"


def test_undelivered_moves_to_the_next_contact(session, text_attempt):
    attempt_id, delivery_id = text_attempt
    assert settle.record_message(session, "tok", "undelivered", error_code=30003) == "failed"
    session.commit()
    assert state(session, attempt_id, delivery_id) == ("undelivered", "failed", "pending", 1, False)


def test_a_landline_gets_a_voice_call_on_the_same_number(session, text_attempt):
    attempt_id, delivery_id = text_attempt
    settle.record_message(session, "tok", "undelivered", error_code=30006)
    session.commit()
    assert state(session, attempt_id, delivery_id) == ("undelivered", "failed", "pending", 0, True)


def test_21610_opts_the_contact_out_and_moves_on(session, text_attempt):
    attempt_id, delivery_id = text_attempt
    settle.record_message(session, "tok", "failed", error_code=21610)
    session.commit()
    assert state(session, attempt_id, delivery_id)[2:4] == ("pending", 1)
    assert (
        session.scalar(
            select(PhoneNumber.sms_opted_out_at).where(PhoneNumber.e164 == "+14185550111")
        )
        is not None
    )


def test_the_messages_limiter_is_separate_from_the_calls(app):
    """Texts at their own limit while calls are held at theirs: neither waits for the other,
    and no window holds more texts than DIALER_MPS."""
    app.config.update(DIALER_CPS=1, DIALER_MPS=20)
    texts, calls = [], []

    def send(take, out, n):
        for _ in range(n):
            take(app, "normal", timeout=30)
            out.append(time.monotonic())

    threads = [
        threading.Thread(target=send, args=(pacing.acquire_message, texts, 30)),
        threading.Thread(target=send, args=(pacing.acquire, calls, 4)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(texts) == 30 and len(calls) == 4
    for i, start in enumerate(texts):
        assert len([t for t in texts[i:] if t - start < 1.0]) <= 20
    for i, start in enumerate(calls):
        assert len([t for t in calls[i:] if t - start < 1.0]) <= 1
    # thirty texts took less time than four calls: the calls' limit did not hold them back
    assert texts[-1] < calls[-1]
    assert pacing.MESSAGES.tat_key != pacing.CALLS.tat_key
