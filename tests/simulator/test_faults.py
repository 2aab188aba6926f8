"""Callback faults from the contract: duplicated, reordered, dropped; reproducible by seed."""

from twilio.twiml.voice_response import VoiceResponse

from tests.simulator.conftest import make_twilio

TO, FROM = "+14185550101", "+14185550000"
EVENTS = ["initiated", "ringing", "answered", "completed"]


def run(sim, twiml_app, callbacks, n=4, seed=5):
    def voice(form):
        response = VoiceResponse()
        response.say("Avis")
        return response

    twiml_app.route("voice", voice)
    sim.set_scenario({"seed": seed, "callbacks": callbacks})
    twilio = make_twilio(sim)
    sids = [
        twilio.calls.create(
            to=f"+1418555{100 + i:04d}",
            from_=FROM,
            url=twiml_app.url + "/voice",
            status_callback=twiml_app.url + f"/st/{i}",
            status_callback_event=EVENTS,
        ).sid
        for i in range(n)
    ]
    sim.wait_idle(timeout=20)
    return [sim.call(sid) for sid in sids]


def sequences(twiml_app, i):
    return [int(h["form"]["SequenceNumber"]) for h in twiml_app.to(f"st/{i}")]


def test_duplicated_callbacks_arrive_twice(simulator, twiml_app):
    run(simulator, twiml_app, {"duplicate_rate": 1.0}, n=1)
    assert sequences(twiml_app, 0) == [0, 0, 1, 1, 2, 2, 3, 3]


def test_dropped_callbacks_never_arrive_but_the_call_goes_on(simulator, twiml_app):
    records = run(simulator, twiml_app, {"drop_rate": 1.0}, n=1)
    assert sequences(twiml_app, 0) == []
    assert records[0]["status"] == "completed"
    assert [c["fault"] for c in records[0]["callbacks"]] == ["dropped"] * 4


def test_reordered_callbacks_arrive_after_a_later_one(simulator, twiml_app):
    records = run(simulator, twiml_app, {"reorder_rate": 0.5}, n=6)
    reordered = [
        i for i, r in enumerate(records) if any(c["fault"] == "reordered" for c in r["callbacks"])
    ]
    assert reordered
    for i in reordered:
        got = sequences(twiml_app, i)
        assert sorted(got) == [0, 1, 2, 3] and got != [0, 1, 2, 3]
    for i in set(range(6)) - set(reordered):
        assert sequences(twiml_app, i) == [0, 1, 2, 3]


def test_faults_are_the_same_for_the_same_seed(simulator, twiml_app):
    faults = {"drop_rate": 0.2, "duplicate_rate": 0.2, "reorder_rate": 0.2}
    first = [[c["fault"] for c in r["callbacks"]] for r in run(simulator, twiml_app, faults)]
    again = [[c["fault"] for c in r["callbacks"]] for r in run(simulator, twiml_app, faults)]
    other = [
        [c["fault"] for c in r["callbacks"]] for r in run(simulator, twiml_app, faults, seed=6)
    ]
    assert first == again
    assert first != other
    assert any(f for call in first for f in call)
