"""The alert call's webhooks and what they do to attempts and residences (no provider needed:
attempts are claimed directly, callbacks are posted signed, as Twilio would)."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from dialer import campaigns, dispatch
from models import CallAttempt, Campaign, Delivery
from runtime.db import relaxed_commit
from tests.fixtures.dialer import add_residence


@pytest.fixture
def call(app, session, twilio_post):
    """Launch a campaign for one residence and claim its first call; returns a helper."""

    class Call:
        def start(self, phones=("+14185550101", "+14185550102"), language="fr", **fields):
            self.residence = add_residence(session, list(phones), language=language)
            fields.setdefault("title", "Avis")
            fields.setdefault("message_fr", "Faites bouillir l'eau.")
            fields.setdefault("message_en", "Boil your water.")
            fields.setdefault("target", {"all": True})
            self.campaign = campaigns.create_campaign(session, "t", **fields)
            campaigns.launch(app, self.campaign.id, "t")
            return self.claim()

        def claim(self):
            campaign = session.get(Campaign, self.campaign.id, populate_existing=True)
            self.job = dispatch.claim(session, campaign, lease_s=60)
            self.sid = f"CA{self.job.attempt_id:032d}"
            return self.job

        def status(self, call_status, seq, **extra):
            params = {
                "CallSid": self.sid,
                "CallStatus": call_status,
                "SequenceNumber": str(seq),
                **extra,
            }
            return twilio_post(f"/voice/status/alert/{self.job.token}", params)

        def amd(self, answered_by):
            return twilio_post(
                f"/voice/amd/alert/{self.job.token}",
                {"CallSid": self.sid, "AnsweredBy": answered_by},
                query=f"lang={self.job.language}",
            )

        def twiml(self, path="", params=None, query=None):
            return twilio_post(
                f"/voice/alert/{self.job.token}{path}",
                {"CallSid": self.sid, **(params or {})},
                query=query or f"lang={self.job.language}",
            )

        def delivery(self):
            session.expire_all()
            return session.scalar(select(Delivery))

        def attempts(self):
            session.expire_all()
            return session.scalars(select(CallAttempt).order_by(CallAttempt.id)).all()

    return Call()


def test_unsigned_callbacks_are_refused_and_change_nothing(call, client):
    job = call.start()
    response = client.post(
        f"/voice/status/alert/{job.token}",
        data={"CallSid": "CA1", "CallStatus": "completed"},
        headers={"X-Twilio-Signature": "forged"},
    )
    assert response.status_code == 403
    assert call.attempts()[0].outcome is None


def test_callbacks_naming_no_call_of_ours_change_nothing(call, twilio_post):
    call.start()
    for params in (
        {"CallStatus": "ringing", "SequenceNumber": "1"},
        {"CallStatus": "completed", "SequenceNumber": "3", "AnsweredBy": "human"},
    ):
        answer = twilio_post("/voice/status/alert/not-one-of-ours", {"CallSid": "CA9", **params})
        assert answer.status_code == 204
    (attempt,) = call.attempts()
    assert (attempt.status, attempt.sid, attempt.outcome) == ("creating", None, None)


def test_a_progress_events_relaxed_commit_stays_in_its_own_transaction(app, session):
    """Outcomes stay durable: `synchronous_commit = off` never outlives the progress event's
    transaction on its pooled connection (PostgreSQL only; elsewhere it does nothing)."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's synchronous_commit")
    with session.get_bind().connect() as connection:  # one connection throughout
        progress = Session(bind=connection)
        relaxed_commit(progress)
        assert progress.scalar(text("SHOW synchronous_commit")) == "off"
        progress.commit()
        assert connection.scalar(text("SHOW synchronous_commit")) == "on"


def test_a_person_hears_the_message_in_their_language_then_the_menu(call):
    call.start(language="en")
    xml = call.twiml().get_data(as_text=True)
    assert "Important message from the City of Saguenay" in xml
    assert "Boil your water." in xml and "bouillir" not in xml
    assert "<Gather" in xml and "press 2" in xml and "<Redirect" in xml


def test_a_recording_is_played_instead_of_the_text_of_its_language(call):
    call.start(language="fr", audio_url_fr="https://ville.example/avis-fr.mp3")
    xml = call.twiml().get_data(as_text=True)
    assert "<Play>https://ville.example/avis-fr.mp3</Play>" in xml
    assert "bouillir" not in xml and "<Gather" in xml
    voicemail = call.twiml("/voicemail").get_data(as_text=True)
    assert voicemail.count("<Play>https://ville.example/avis-fr.mp3</Play>") == 1


@pytest.mark.parametrize(
    "fields, heard",
    [
        ({"message_en": ""}, 'language="fr-CA" voice="Polly.Chantal">Faites bouillir'),
        (
            {"message_en": "", "message_fr": "", "audio_url_fr": "https://ville.example/fr.mp3"},
            "<Play>https://ville.example/fr.mp3</Play>",
        ),
    ],
)
def test_a_french_only_campaign_calls_english_speakers_in_french(call, fields, heard):
    job = call.start(language="en", **fields)
    assert job.language == "fr"
    xml = call.twiml().get_data(as_text=True)
    assert "Message important de la Ville de Saguenay" in xml and heard in xml
    # even asked for English, the message is the French one, in the French voice
    xml = call.twiml(query="lang=en").get_data(as_text=True)
    assert "Important message from the City of Saguenay" in xml and heard in xml


def test_pressing_2_confirms_the_residence(call):
    call.start()
    xml = call.twiml("/keys", {"Digits": "2"}, query="lang=fr&silences=0").get_data(as_text=True)
    assert "confirmée" in xml and "<Hangup" in xml
    assert call.delivery().confirmed is True


def test_pressing_1_repeats_and_silence_repeats_once_then_says_goodbye(call):
    call.start()
    again = call.twiml("/keys", {"Digits": "1"}, query="lang=fr&silences=0").get_data(as_text=True)
    assert "Faites bouillir" in again
    once_more = call.twiml("/keys", {}, query="lang=fr&silences=0&timeout=true")
    assert "Faites bouillir" in once_more.get_data(as_text=True)
    goodbye = call.twiml("/keys", {}, query="lang=fr&silences=1&timeout=true").get_data(
        as_text=True
    )
    assert "Au revoir" in goodbye and "<Hangup" in goodbye and "bouillir" not in goodbye


def test_voicemail_twiml_says_the_whole_message_once_then_hangs_up(call):
    call.start()
    xml = call.twiml("/voicemail").get_data(as_text=True)
    assert xml.count("Faites bouillir") == 1 and "<Gather" not in xml and "<Hangup" in xml


def test_reached_by_a_person_ends_the_residence(call):
    call.start()
    call.status("ringing", 1)
    call.amd("human")
    call.status("completed", 3, CallDuration="20")
    delivery = call.delivery()
    assert (delivery.status, delivery.reached_number) == ("human", "+14185550101")


def test_completed_before_amd_waits_for_the_verdict(call):
    call.start()
    call.status("completed", 3, CallDuration="40")
    assert call.delivery().status == "in_progress"
    call.amd("machine_end_beep")
    assert call.delivery().status == "voicemail"


def test_no_answer_moves_to_the_next_number_then_the_next_round(call):
    call.start(rounds=2, retry_delay_s=0)
    call.status("no-answer", 2)
    delivery = call.delivery()
    assert (delivery.status, delivery.number_index, delivery.round) == ("pending", 1, 1)
    call.claim()
    assert call.job.to == "+14185550102"
    call.status("busy", 2)
    delivery = call.delivery()
    assert (delivery.status, delivery.number_index, delivery.round) == ("pending", 0, 2)
    call.claim()
    call.status("no-answer", 2)
    call.claim()
    call.status("failed", 2)
    delivery = call.delivery()
    assert delivery.status == "busy"  # the best outcome of all rounds


def test_fax_fails_that_number_and_tries_the_next(call):
    call.start()
    call.amd("fax")
    call.status("completed", 3, CallDuration="5")
    delivery = call.delivery()
    assert (delivery.status, delivery.number_index) == ("pending", 1)


def test_duplicated_and_reordered_callbacks_change_nothing_more(call):
    call.start()
    call.status("completed", 4, CallDuration="20", AnsweredBy="human")
    call.status("ringing", 2)
    call.status("completed", 4, CallDuration="20", AnsweredBy="human")
    call.status("no-answer", 5)
    attempts = call.attempts()
    assert [(a.status, a.outcome) for a in attempts] == [("completed", "human")]
    assert call.delivery().status == "human"
