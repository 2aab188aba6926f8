"""Campaigns mixing voice and SMS contacts, end to end through the carrier simulator, with
outcomes known in advance: texts delivered, undelivered then a voice call, a landline given as
SMS (called instead), contacts opted out (in our database, or at the provider: 21610)."""

from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import select

from dialer import campaigns
from dialer.worker import drain
from models import CallAttempt, Delivery, PhoneNumber, Residence, utcnow
from tests.sms.conftest import CPS, MPS

VOICE, SMS = "voice", "sms"


def number(i: int) -> str:
    return f"+1418555{i:04d}"


# each residence: its contacts in order (kind, simulator behaviour, opted out here?), and the
# outcome it must end with
SCENARIO = [
    ([(SMS, {"sms": "delivered"}, False)], "sms_delivered"),
    ([(SMS, {"sms": "undelivered"}, False), (VOICE, {"answer": "human"}, False)], "human"),
    ([(SMS, {"sms": "landline", "answer": "human"}, False)], "human"),  # called instead
    (
        [
            (SMS, {"sms": "landline", "answer": "voicemail", "greeting_s": 5}, False),
            (VOICE, {"answer": "human"}, False),
        ],
        "voicemail",
    ),
    ([(SMS, {"sms": "delivered"}, True), (VOICE, {"answer": "human"}, False)], "human"),
    ([(SMS, {"sms": "opted_out"}, False), (VOICE, {"answer": "human"}, False)], "human"),
    (
        [(VOICE, {"answer": "no-answer"}, False), (SMS, {"sms": "delivered"}, False)],
        "sms_delivered",
    ),
    (
        [(SMS, {"sms": "failed"}, False), (SMS, {"sms": "delivered", "sms_delay_s": 20}, False)],
        "sms_delivered",
    ),
    ([(SMS, {"sms": ["undelivered", "delivered"]}, False)], "sms_delivered"),  # round 2
    ([(SMS, {"sms": "failed"}, False)], "failed"),
]


def build(session, copies=2):
    """The residences; {residence_id: outcome}, {number: behaviour}, {number: kind}."""
    expected, behaviours, kinds, n = {}, {}, {}, 3000
    for _ in range(copies):
        for contacts, outcome in SCENARIO:
            residence = Residence(
                last_name="Gagnon",
                first_name="Test",
                language="fr",
                civic_number=str(n),
                street="rue Racine Est",
                city="CHICOUTIMI",
                postal_code="G7H 1A1",
            )
            for position, (kind, behaviour, opted_out) in enumerate(contacts):
                n += 1
                behaviours[number(n)], kinds[number(n)] = behaviour, kind
                residence.phones.append(
                    PhoneNumber(
                        e164=number(n),
                        position=position,
                        kind=kind,
                        sms_opted_out_at=utcnow() if opted_out else None,
                    )
                )
            session.add(residence)
            session.commit()
            expected[residence.id] = outcome
    return expected, behaviours, kinds


def launch(stack, session, **fields):
    fields.setdefault("title", "Avis d'ébullition")
    fields.setdefault("message_fr", "Faites bouillir l'eau avant de la boire.")
    fields.setdefault("message_en", "Boil water before drinking it.")
    fields.setdefault("sms_fr", "Ville de Saguenay : faites bouillir l'eau avant de la boire.")
    fields.setdefault("sms_en", "City of Saguenay: boil water before drinking it.")
    fields.setdefault("target", {"all": True})
    fields.setdefault("priority", "emergency")
    fields.setdefault("rounds", 2)
    fields.setdefault("retry_delay_s", 1)
    campaign = campaigns.create_campaign(session, "test", **fields)
    campaigns.launch(stack.live.app, campaign.id, "test")
    return campaign


def outcomes(session):
    session.expire_all()
    return {d.residence_id: d.status for d in session.scalars(select(Delivery))}


def assert_log_is_clean(sim, session, behaviours, kinds):
    """No contact of a residence is tried after one that reached it; no opted-out contact is
    texted; a landline given as SMS is called right after its text; each contact is texted
    at most once a round; no second holds more texts than MPS, nor calls than CPS."""
    residence_of = dict(session.execute(select(PhoneNumber.e164, PhoneNumber.residence_id)).all())
    texts = [m for m in sim.messages() if m["direction"] == "outbound-api"]
    events = [(datetime.fromisoformat(m["created_at"]).timestamp(), "sms", m) for m in texts]
    events += [
        (datetime.fromisoformat(c["requested_at"]).timestamp(), "call", c) for c in sim.calls()
    ]
    by_residence: dict[int, list] = {}
    for _t, channel, record in sorted(events, key=lambda e: e[0]):
        by_residence.setdefault(residence_of[record["to"]], []).append((channel, record))
    opted_here = set(
        session.scalars(select(PhoneNumber.e164).where(PhoneNumber.sms_opted_out_at.is_not(None)))
    )
    for residence_id, tries in by_residence.items():
        reached = [
            i
            for i, (channel, r) in enumerate(tries)
            if (channel == "sms" and r["status"] == "delivered")
            or (channel == "call" and r["status"] == "completed")
        ]
        if reached:
            assert reached[0] == len(tries) - 1, (residence_id, tries)
        for i, (channel, r) in enumerate(tries):
            if channel == "sms" and r.get("error_code") == 30006:
                assert tries[i + 1][0] == "call" and tries[i + 1][1]["to"] == r["to"], tries
    for m in texts:
        behaviour = behaviours[m["to"]]
        assert behaviour.get("sms") != "opted_out"
    # the contacts opted out before launch were never texted
    assert not {m["to"] for m in texts} & {
        n for n in opted_here if behaviours[n].get("sms") != "opted_out"
    }
    per_second = Counter(int(datetime.fromisoformat(m["created_at"]).timestamp()) for m in texts)
    assert max(per_second.values()) <= MPS, per_second
    calls_per_second = Counter(
        int(datetime.fromisoformat(c["requested_at"]).timestamp()) for c in sim.calls()
    )
    assert not calls_per_second or max(calls_per_second.values()) <= CPS
    # at most one text per contact and round (the attempts say which round)
    rounds = dict(session.execute(select(CallAttempt.sid, CallAttempt.round)).all())
    once = Counter((m["to"], rounds[m["sid"]]) for m in texts)
    assert max(once.values()) == 1, once


def test_mixed_contacts_end_with_their_expected_outcomes(sms_stack, session):
    expected, behaviours, kinds = build(session)
    sms_stack.sim.set_scenario({"seed": 1, "default": {"answer": "human"}, "numbers": behaviours})
    campaign = launch(sms_stack, session)
    assert drain(sms_stack.live.app, timeout=120)
    assert outcomes(session) == expected
    sms_stack.sim.wait_idle()
    assert_log_is_clean(sms_stack.sim, session, behaviours, kinds)
    # the provider's 21610 opted those contacts out here too
    refused = [n for n, b in behaviours.items() if b.get("sms") == "opted_out"]
    assert all(
        p.sms_opted_out_at
        for p in session.scalars(select(PhoneNumber).where(PhoneNumber.e164.in_(refused)))
    )
    status = campaigns.status(session, campaign.id)
    assert status["status"] == "completed"
    assert status["sms_delivered"] == sum(o == "sms_delivered" for o in expected.values())
    assert status["reached"] == sum(o != "failed" for o in expected.values())
    # texts went in the resident's language, with the campaign's SMS text
    bodies = {m["body"] for m in sms_stack.sim.messages() if m["direction"] == "outbound-api"}
    assert bodies == {"Ville de Saguenay : faites bouillir l'eau avant de la boire."}


def test_faults_end_with_the_same_outcomes(sms_stack, session):
    """API errors and timeouts, duplicated, reordered and dropped status callbacks."""
    expected, behaviours, kinds = build(session)
    sms_stack.sim.set_scenario(
        {
            "seed": 7,
            "default": {"answer": "human"},
            "numbers": behaviours,
            "api": {"error_rate": 0.1, "timeout_rate": 0.05, "timeout_ms": 6000, "latency_ms": 50},
            "callbacks": {"duplicate_rate": 0.3, "reorder_rate": 0.3, "drop_rate": 0.2},
        }
    )
    launch(sms_stack, session)
    assert drain(sms_stack.live.app, timeout=150)
    assert outcomes(session) == expected
    sms_stack.sim.wait_idle()
    assert_log_is_clean(sms_stack.sim, session, behaviours, kinds)
    dropped = [
        c
        for m in sms_stack.sim.messages()
        for c in m["callbacks"]
        if c["fault"] == "dropped" and c["event"] in ("delivered", "undelivered")
    ]
    assert dropped, "the scenario must drop some final callbacks (fetched after the grace)"


@pytest.mark.parametrize(
    "language, body", [("en", "City of Saguenay: boil water before drinking it.")]
)
def test_an_english_residence_gets_the_english_text(sms_stack, session, language, body):
    residence = Residence(
        last_name="Smith",
        language=language,
        civic_number="1",
        street="rue Racine Est",
        city="CHICOUTIMI",
        postal_code="G7H 1A1",
    )
    residence.phones.append(PhoneNumber(e164=number(9001), kind=SMS))
    session.add(residence)
    session.commit()
    sms_stack.sim.set_scenario({"numbers": {number(9001): {"sms": "delivered"}}})
    launch(sms_stack, session)
    assert drain(sms_stack.live.app, timeout=60)
    assert [m["body"] for m in sms_stack.sim.messages()] == [body]
    assert outcomes(session) == {residence.id: "sms_delivered"}
