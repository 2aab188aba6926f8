"""runtime/config.py holds the one default of each setting and is the only reader of the
environment: an app built without the environment (tests, benchmarks) starts from the same
defaults, and no module re-defaults a setting or reads os.environ behind the configuration."""

import ast
from pathlib import Path

import pytest

from dialer import dispatch
from models import Campaign
from models.base import utcnow
from runtime import config, i18n
from runtime.app import base_app

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ivr", "webhooks", "hotline", "dialer", "runtime", "models", "simulator")


def test_the_environments_defaults_are_the_tables(tmp_path, monkeypatch):
    monkeypatch.setenv("IVR_INSTANCE_PATH", str(tmp_path))
    settings = config.from_environ({})
    for name, default in config.DEFAULTS.items():
        assert settings[name] == default, name
    assert settings["DIALER_CPS"] == 1.0


@pytest.mark.parametrize(
    "name, value", [("VOICE_FR", "Polly.Gabrielle"), ("VOICE_EN", "Polly.Kendra")]
)
def test_an_app_without_the_environment_speaks_with_the_configurations_default(
    monkeypatch, tmp_path, name, value
):
    monkeypatch.setitem(config.DEFAULTS, name, value)
    app = base_app("t", {"SKIP_ENVIRON": True, "DATABASE_URL": f"sqlite:///{tmp_path}/t.db"})
    assert i18n.voice(app.config, "fr" if name == "VOICE_FR" else "en")["voice"] == value
    app.extensions["db_engine"].dispose()


def test_the_calling_window_follows_the_configured_time_zone():
    campaign = Campaign(priority="normal", window_start="08:00", window_end="21:00")
    now = utcnow().replace(hour=14, minute=0, second=0, microsecond=0)  # 14:00 UTC
    assert dispatch.in_window(campaign, now, "America/Toronto")  # 09:00 or 10:00 there
    assert not dispatch.in_window(campaign, now, "Asia/Tokyo")  # 23:00 there


def _reads_environment(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("environ", "getenv", "environb")
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            lines.append(node.lineno)
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in ("environ", "getenv") for alias in node.names)
        ):
            lines.append(node.lineno)
    return lines


def test_only_the_configuration_reads_the_environment():
    readers = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path == ROOT / "runtime" / "config.py":
                continue
            for line in _reads_environment(ast.parse(path.read_text(), str(path))):
                readers.append(f"{path.relative_to(ROOT)}:{line}")
    assert readers == []
