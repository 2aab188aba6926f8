"""`ivr run`'s first look: the demo's realistic carrier by default, --scenario, --time-scale,
and the box that ends start-up (issue 18)."""

import json

import click
import pytest

from ivr.run import box, describe_scenario, read_scenario, ready_lines
from simulator.scenario import Scenario


def test_the_demo_carrier_mixes_people_voicemail_no_answer_busy_and_failed():
    data, name = read_scenario(None)
    assert name.endswith("demo_scenario.json")
    scenario = Scenario(data)
    answers = [scenario.spec(f"+1418555{i:04d}")["answer"] for i in range(2000)]
    shares = {a: answers.count(a) / len(answers) for a in set(answers)}
    assert set(shares) == {"human", "voicemail", "no-answer", "busy", "failed"}
    assert 0.5 < shares["human"] < 0.7 and 0.18 < shares["voicemail"] < 0.32
    assert describe_scenario(data) == (
        "60 % human, 25 % voicemail, 10 % no answer, 3 % busy, 2 % failed"
    )


def test_a_scenario_file_is_read_and_a_bad_one_refused_with_its_name(tmp_path):
    good = tmp_path / "all-busy.json"
    good.write_text(json.dumps({"default": {"answer": "busy"}}))
    with good.open() as file:
        data, _name = read_scenario(file)
    assert describe_scenario(data) == "every number answers: busy"
    bad = tmp_path / "typo.json"
    bad.write_text(json.dumps({"default": {"answer": "maybe"}}))
    with bad.open() as file, pytest.raises(click.BadParameter, match="typo.json.*maybe"):
        read_scenario(file)


def test_the_box_frames_the_console_the_login_and_the_simulator(app):
    lines = ready_lines(
        app,
        "http://127.0.0.1:5000",
        "http://127.0.0.1:5050",
        "admin@saguenay.example / demo-admin-2026",
        ("demo_scenario.json", "x"),
    )
    framed = box(lines).splitlines()
    assert len({len(line) for line in framed}) == 1  # every line as wide: a closed frame
    text = "\n".join(framed)
    for part in (
        "http://127.0.0.1:5000/staff/",
        "admin@saguenay.example / demo-admin-2026",
        "http://127.0.0.1:5050/sim/calls",
        "demo_scenario.json",
    ):
        assert part in text


def test_run_refuses_a_time_scale_of_zero(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["run", "--time-scale", "0"])
    assert result.exit_code == 2 and "--time-scale" in result.output


def test_ivr_phone_from_anonymous_calls_with_twilio_s_withheld_caller_id(stack):
    runner = stack.live.app.test_cli_runner()
    result = runner.invoke(args=["phone", "--from", "anonymous", "--keys", "1 -"])
    assert result.exit_code == 0, result.output
    [record] = stack.sim.calls()
    assert record["from"] == "+266696687"  # ANONYMOUS on a keypad, as Twilio sends it
    # the hotline cannot use that number: it asks for one
    assert "Composez le numéro de téléphone à 10 chiffres" in result.output


def test_ivr_phone_still_refuses_a_number_that_is_not_one(stack):
    runner = stack.live.app.test_cli_runner()
    result = runner.invoke(args=["phone", "--from", "hello", "--keys", "1"])
    assert result.exit_code == 2 and "--from" in result.output
