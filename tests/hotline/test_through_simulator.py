"""The hotline end to end: the carrier simulator calls the live app, presses keys, listens."""

import re

from sqlalchemy import select

from models import PhoneNumber, Residence
from runtime import pacing
from tests.fixtures.hotline import add_residence

HOTLINE = "+14185550001"
FULL_REGISTRATION = ["1", "1", "1", "1234#", "#", "speak#", "speak#", "482916#", "482916#"]


def said(record) -> str:
    return " ".join(item["text"] for item in record["said"])


def fresh(session, model):
    session.expire_all()
    return list(session.scalars(select(model)))


def test_a_first_registration_through_the_simulator(stack, session):
    sid = stack.sim.place_call("+14185550123", to=HOTLINE, keys=FULL_REGISTRATION)
    record = stack.sim.wait_for_call(sid)
    text = said(record)
    assert record["status"] == "completed" and not record["twiml_errors"]
    assert "C'est fait. Le numéro 4 1 8, 5 5 5, 0 1 2 3 est inscrit" in text
    [res] = fresh(session, Residence)
    assert res.registered_via == "hotline" and res.address_recording_url
    assert res.phones[0].active
    # a first registration should take well under 3 minutes of prompts
    print(f"first registration: {record['heard_seconds']:.0f} s of prompts heard")
    assert record["heard_seconds"] < 180


def test_english_registration_through_the_simulator(stack, session):
    sid = stack.sim.place_call(
        "+15815550177",
        to=HOTLINE,
        keys=["2", "1", "1", "88#", "#", "speak#", "-", "40718#", "40718#"],
    )
    record = stack.sim.wait_for_call(sid)
    assert "Done. The number 5 8 1, 5 5 5, 0 1 7 7 is registered" in said(record)
    assert fresh(session, Residence)[0].language == "en"


def test_a_keyed_number_is_confirmed_by_the_call_back(stack, session, app_config):
    app_config["RQ_SYNC"] = True
    stack.live.app.config["RQ_SYNC"] = True
    stack.sim.set_scenario(
        {
            "default": {"answer": "human"},
            "numbers": {"+14185550166": {"answer": "human", "keys": ["1"]}},
        }
    )
    sid = stack.sim.place_call(
        "+14185550999",
        to=HOTLINE,
        keys=[
            "1",
            "2",
            "4185550166#",
            "1",
            "1",
            "1",
            "12#",
            "#",
            "speak#",
            "speak#",
            "739164#",
            "739164#",
        ],
    )
    record = stack.sim.wait_for_call(sid)
    assert "Nous allons appeler le 4 1 8, 5 5 5, 0 1 6 6" in said(record)
    stack.sim.wait_idle()
    [callback] = [c for c in stack.sim.calls() if c["direction"] != "inbound"]
    assert callback["to"] == "+14185550166" and callback["keys"] == ["1"]
    assert "Pour confirmer, appuyez sur 1" in said(callback)
    assert "ce numéro est confirmé" in said(callback)
    [number] = fresh(session, PhoneNumber)
    assert number.active and number.verified_at is not None


def test_forgotten_password_call_back_then_forced_change(stack, session):
    stack.live.app.config["RQ_SYNC"] = True
    add_residence(session, "+14185550188", pin="258036")
    sid = stack.sim.place_call("+14185550188", to=HOTLINE, keys=["*#"])
    assert "Nous allons vous rappeler" in said(stack.sim.wait_for_call(sid))
    stack.sim.wait_idle()
    [callback] = [c for c in stack.sim.calls() if c["direction"] != "inbound"]
    spoken = re.search(r"temporaire est : ([\d ]+)\.", said(callback)).group(1)
    code = spoken.replace(" ", "")
    assert len(code) == 6
    sid = stack.sim.place_call(
        "+14185550188", to=HOTLINE, keys=[code + "#", "730418#", "730418#", "-", "-", "-"]
    )
    text = said(stack.sim.wait_for_call(sid))
    assert "Choisissez maintenant un nouveau NIP." in text
    assert "Votre nouveau NIP est enregistré." in text
    assert not fresh(session, Residence)[0].password_temporary


def test_turning_alerts_off_through_the_simulator(stack, session):
    add_residence(session, "+14185550188", pin="258036")
    sid = stack.sim.place_call(
        "+14185550188", to=HOTLINE, keys=["258036#", "1", "1", "-", "-", "-"]
    )
    text = said(stack.sim.wait_for_call(sid))
    assert "Les appels d'alerte sont maintenant désactivés." in text
    assert fresh(session, Residence)[0].active is False


def test_ivr_phone_with_keys_walks_a_registration(stack, session):
    runner = stack.live.app.test_cli_runner()
    result = runner.invoke(
        args=[
            "phone",
            "--from",
            "418 555-0142",
            "--keys",
            "1 1 1 1234# # speak# speak# 482916# 482916#",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Pour le français, appuyez sur 1." in result.output
    assert "C'est fait. Le numéro 4 1 8, 5 5 5, 0 1 4 2 est inscrit" in result.output
    [res] = fresh(session, Residence)
    assert res.phones[0].e164 == "+14185550142"


def test_a_mobile_gets_its_temporary_password_by_sms(stack, session):
    stack.live.app.config["RQ_SYNC"] = True
    add_residence(session, "+14185550188", pin="258036", kind="sms")
    sid = stack.sim.place_call("+14185550188", to=HOTLINE, keys=["*#"])
    assert "par texto" in said(stack.sim.wait_for_call(sid))
    [message] = stack.sim.messages()
    assert message["to"] == "+14185550188" and "NIP temporaire" in message["body"]
    # it took a slot of the account's texts-a-second limit (DIALER_MPS), not of the calls'
    with stack.live.app.app_context():
        assert pacing.redis_for(stack.live.app).zcard(pacing.MESSAGES.log_key) == 1
    code = re.search(r"\b(\d{6})\b", message["body"]).group(1)
    sid = stack.sim.place_call("+14185550188", to=HOTLINE, keys=[code + "#", "-", "-", "-"])
    assert "Choisissez maintenant un nouveau NIP." in said(stack.sim.wait_for_call(sid))
    assert not [c for c in stack.sim.calls() if c["direction"] != "inbound"]  # no call-back
