"""The box at the end of `ivr run`'s start-up says where each audience goes."""

from types import SimpleNamespace

from ivr.run import ready_lines


def test_the_box_names_the_portal_the_console_and_the_simulator():
    app = SimpleNamespace(config={"HOTLINE_NUMBER": "+14185550001"})
    lines = ready_lines(app, "http://127.0.0.1:5000", "http://127.0.0.1:5050", "a@b.ca / pw", None)
    assert "Resident portal http://127.0.0.1:5000/portail/" in lines
    assert "Staff console   http://127.0.0.1:5000/staff/" in lines
    assert "Staff login     a@b.ca / pw" in lines
    assert any("http://127.0.0.1:5050/sim/calls" in line for line in lines)
