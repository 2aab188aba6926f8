"""What residents text back: ARRÊT / REPRISE / AIDE answered in their language, the opt-out
honoured by the next campaigns (and the provider's 21610 treated the same), other replies kept
for staff; the webhooks refuse forged requests."""

import pytest
from sqlalchemy import select

from dialer.worker import drain
from models import PhoneNumber, Residence, SmsReply
from tests.fixtures.dialer import signed_post
from tests.sms.test_sms_campaigns import launch

MOBILE = "+14185550177"


def add_mobile(session, e164=MOBILE, language="fr"):
    residence = Residence(
        last_name="Côté",
        language=language,
        civic_number="12",
        street="rue Racine Est",
        city="CHICOUTIMI",
        postal_code="G7H 1A1",
    )
    residence.phones.append(PhoneNumber(e164=e164, kind="sms", position=0))
    session.add(residence)
    session.commit()
    return residence


def text(stack, body, from_=MOBILE):
    """`ivr phone --sms BODY --from FROM_`: what it prints."""
    result = stack.live.app.test_cli_runner().invoke(args=["phone", "--sms", body, "--from", from_])
    assert result.exit_code == 0, result.output
    return result.output


def opted_out(session, e164=MOBILE) -> bool:
    session.expire_all()
    return (
        session.scalar(select(PhoneNumber.sms_opted_out_at).where(PhoneNumber.e164 == e164))
        is not None
    )


def texts_to(stack, e164=MOBILE):
    return [m for m in stack.sim.messages() if m["to"] == e164 and m["direction"] == "outbound-api"]


def test_arret_then_reprise_round_trip(sms_stack, session):
    add_mobile(session)
    output = text(sms_stack, "ARRÊT")
    assert "Reply: Ville de Saguenay : vous ne recevrez plus d'alertes par texto" in output
    assert "418 555-0001" in output  # the hotline, said the French way
    assert opted_out(session)
    launch(sms_stack, session, rounds=1)
    assert drain(sms_stack.live.app, timeout=60)
    assert texts_to(sms_stack) == []  # never texted while opted out
    output = text(sms_stack, "Reprise")
    assert "Reply: Ville de Saguenay : vous recevrez de nouveau les alertes" in output
    assert not opted_out(session)
    launch(sms_stack, session, title="Levée de l'avis", rounds=1)
    assert drain(sms_stack.live.app, timeout=60)
    assert len(texts_to(sms_stack)) == 1


@pytest.mark.parametrize("word", ["STOP", "arret", "Unsubscribe", " stop. "])
def test_every_stop_word_opts_out(sms_stack, session, word):
    add_mobile(session)
    text(sms_stack, word)
    assert opted_out(session)


def test_an_english_resident_is_answered_in_english(sms_stack, session):
    add_mobile(session, language="en")
    assert "Reply: City of Saguenay: you will no longer get alerts by text" in text(
        sms_stack, "STOP"
    )
    assert "Reply: City of Saguenay: you will get alerts by text at this number again" in text(
        sms_stack, "START"
    )
    assert "Reply: City of Saguenay, emergency alerts. Registration by phone: 418 555-0001" in text(
        sms_stack, "help"
    )


def test_aide_gives_the_hotline_number(sms_stack, session):
    add_mobile(session)
    output = text(sms_stack, "AIDE")
    assert "Inscription par téléphone : 418 555-0001" in output
    assert not opted_out(session)


def test_the_providers_21610_opts_the_contact_out_here_too(sms_stack, session):
    """The number texted STOP to the account without the app hearing of it."""
    add_mobile(session)
    sms_stack.sim.sms.opted_out.add(MOBILE)
    launch(sms_stack, session, rounds=2)
    assert drain(sms_stack.live.app, timeout=60)
    assert opted_out(session)
    assert texts_to(sms_stack) == []


def test_other_replies_are_kept_for_staff_on_the_campaign(sms_stack, session):
    residence = add_mobile(session)
    campaign = launch(sms_stack, session, rounds=1)
    assert drain(sms_stack.live.app, timeout=60)
    output = text(sms_stack, "Y a-t-il un point d'eau au centre communautaire?")
    assert "(no reply)" in output
    [reply] = session.scalars(select(SmsReply)).all()
    assert (reply.campaign_id, reply.residence_id, reply.from_number) == (
        campaign.id,
        residence.id,
        MOBILE,
    )
    assert reply.body == "Y a-t-il un point d'eau au centre communautaire?"
    assert not opted_out(session)


def test_forged_sms_webhooks_are_refused_and_change_nothing(client, app, session):
    add_mobile(session)
    params = {
        "MessageSid": "SM" + "1" * 32,
        "From": MOBILE,
        "To": "+14185550000",
        "Body": "STOP",
        "AccountSid": "AC" + "1" * 32,
    }
    assert (
        client.post(
            "/sms/incoming", data=params, headers={"X-Twilio-Signature": "forged"}
        ).status_code
        == 403
    )
    assert (
        client.post("/sms/status/whatever", data={"MessageStatus": "delivered"}).status_code == 403
    )
    assert not opted_out(session)
    answer = signed_post(client, app, "/sms/incoming", params)
    assert answer.status_code == 200 and "<Message>" in answer.get_data(as_text=True)
    assert opted_out(session)


@pytest.mark.parametrize(
    "params",
    [
        {"MessageSid": "SM1", "From": "not a number", "Body": "STOP"},
        {"MessageSid": "SM" + "2" * 32, "From": MOBILE, "Body": "x" * 5000},
        {"MessageSid": "SM" + "3" * 32, "From": MOBILE, "Body": "a\x00b"},
        {"MessageSid": "../../etc", "From": MOBILE, "Body": "STOP"},
    ],
)
def test_odd_inbound_texts_get_an_answer_never_a_500(client, app, session, params):
    answer = signed_post(client, app, "/sms/incoming", params)
    assert answer.status_code == 200
    assert answer.get_data(as_text=True).startswith("<?xml")


@pytest.mark.parametrize(
    "params",
    [
        {"MessageStatus": "delivered", "ErrorCode": "abc"},
        {"MessageStatus": "DELIVERED; DROP TABLE"},
        {"MessageStatus": "delivered", "MessageSid": "nope"},
    ],
)
def test_odd_status_callbacks_are_refused_with_400(client, app, params):
    assert signed_post(client, app, "/sms/status/tok", params).status_code == 400
