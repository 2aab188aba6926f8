"""Booleans are read strictly (a typo is refused at start, never read as off), and production
never runs without checking Twilio's signature."""

import pytest

from runtime import config

PRODUCTION = {
    "IVR_ENV": "production",
    "DATABASE_URL": "postgresql://x/y",
    "SECRET_KEY": "s" * 32,
    "TWILIO_ACCOUNT_SID": "AC" + "2" * 32,
    "TWILIO_AUTH_TOKEN": "real-token",
    "PUBLIC_BASE_URL": "https://alertes.saguenay.example",
}


@pytest.fixture(autouse=True)
def _instance(tmp_path, monkeypatch):
    monkeypatch.setenv("IVR_INSTANCE_PATH", str(tmp_path))


@pytest.mark.parametrize("value", ["enabled", "disabled", "tru", "2", "oui", "null"])
def test_an_unknown_boolean_is_refused_naming_the_variable_and_value(value):
    with pytest.raises(config.ConfigError) as refused:
        config.from_environ({"WEBHOOK_SIGNATURE_CHECK": value})
    assert "WEBHOOK_SIGNATURE_CHECK" in str(refused.value) and repr(value) in str(refused.value)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1", True),
        ("TRUE", True),
        (" yes ", True),
        ("on", True),
        ("0", False),
        ("False", False),
        ("no", False),
        ("OFF", False),
        ("", True),
    ],
)
def test_the_accepted_spellings(value, expected):
    assert (
        config.from_environ({"WEBHOOK_SIGNATURE_CHECK": value})["WEBHOOK_SIGNATURE_CHECK"]
        is expected
    )


@pytest.mark.parametrize("value", ["0", "false", "off", "no"])
def test_production_refuses_to_run_without_the_signature_check(value):
    assert config.from_environ(PRODUCTION)["WEBHOOK_SIGNATURE_CHECK"] is True
    with pytest.raises(config.ConfigError) as refused:
        config.from_environ({**PRODUCTION, "WEBHOOK_SIGNATURE_CHECK": value})
    assert "WEBHOOK_SIGNATURE_CHECK" in str(refused.value)


@pytest.mark.parametrize("value", ["64k", "-1", "0", "1e6"])
def test_a_size_limit_that_is_not_a_number_is_refused(value):
    with pytest.raises(config.ConfigError, match="WEBHOOK_MAX_BYTES"):
        config.from_environ({"WEBHOOK_MAX_BYTES": value})


def test_the_app_does_not_start_on_a_typo(monkeypatch):
    from ivr import create_app

    monkeypatch.setenv("WEBHOOK_SIGNATURE_CHECK", "enabled")
    with pytest.raises(config.ConfigError):
        create_app()


def test_the_simulator_never_takes_an_accounts_auth_token():
    """Without an account SID the simulator stands in, and signs with its own token only."""
    settings = config.from_environ({"TWILIO_AUTH_TOKEN": "a-real-accounts-token"})
    assert settings["USE_SIMULATOR"] is True
    assert settings["TWILIO_AUTH_TOKEN"] == config.SIMULATOR_AUTH_TOKEN
