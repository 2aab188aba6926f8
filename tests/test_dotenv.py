"""Every entry point reads the settings the same way: the environment over the `.env` file,
through runtime/config.py alone (gunicorn's `ivr:create_app()` used to ignore `.env`, and the
dialer's tuning was read from the environment behind the configuration's back)."""

import pytest

from dialer.worker import Dialer
from ivr import create_app
from runtime.app import base_app


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A working directory holding a `.env`, and an environment without those variables."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IVR_INSTANCE_PATH", str(tmp_path / "instance"))
    for name in ("HOTLINE_NUMBER", "DIALER_CLAIM_LEASE_S", "DIALER_CPS", "VOICE_EN"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text(
        "HOTLINE_NUMBER=+14185559999\nDIALER_CLAIM_LEASE_S=12\n"
        "DIALER_CPS=7\nVOICE_EN=Polly.Kendra\n"
    )
    return tmp_path


def test_the_web_apps_factory_reads_dotenv_as_the_cli_does(project):
    app = create_app()  # what gunicorn "ivr:create_app()" runs
    assert app.config["HOTLINE_NUMBER"] == "+14185559999"
    assert app.config["VOICE_EN"] == "Polly.Kendra"
    app.extensions["db_engine"].dispose()


def test_the_environment_wins_over_dotenv(project, monkeypatch):
    monkeypatch.setenv("HOTLINE_NUMBER", "+14185558888")
    app = create_app()
    assert app.config["HOTLINE_NUMBER"] == "+14185558888"
    app.extensions["db_engine"].dispose()


def test_the_dialers_tuning_comes_from_dotenv_through_the_configuration(project):
    app = base_app("dialer")  # what `python -m dialer` runs
    dialer = Dialer(app)
    assert dialer.lease == 12.0
    assert dialer.threads == max(2, min(64, int(7 * 0.6) + 2))  # from DIALER_CPS=7
    app.extensions["db_engine"].dispose()
