"""The app factory, health check, configuration and the first CLI commands."""

import json

import pytest

from models import AuditEntry, Residence, StaffUser
from models.passwords import verify_secret
from runtime import config


def test_healthz_answers_when_database_and_redis_do(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "dialer": "ok",
        "workers": [],
    }


def test_healthz_reports_a_dead_database(app_config, tmp_path):
    from ivr import create_app

    app_config["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    response = create_app(app_config).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"].startswith("error")


def test_production_refuses_to_start_without_its_secrets():
    with pytest.raises(config.ConfigError) as refused:
        config.from_environ({"IVR_ENV": "production", "DATABASE_URL": "postgresql://x/y"})
    for name in ("SECRET_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL"):
        assert name in str(refused.value)


def test_development_fills_safe_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("IVR_INSTANCE_PATH", str(tmp_path))
    settings = config.from_environ({})
    assert settings["DATABASE_URL"].startswith("sqlite:///")
    assert len(settings["SECRET_KEY"]) >= 32
    assert settings["SECRET_KEY"] == config.from_environ({})["SECRET_KEY"]  # kept in instance/
    assert settings["USE_SIMULATOR"] and settings["WEBHOOK_SIGNATURE_CHECK"]
    assert settings["DIALER_CPS"] == 1


def test_staff_create_hashes_the_password_and_audits(runner, session):
    result = runner.invoke(
        args=["staff", "create", "Coord@Saguenay.ca", "--role", "admin"],
        env={"IVR_STAFF_PASSWORD": "une-phrase-longue"},
    )
    assert result.exit_code == 0, result.output
    user = session.query(StaffUser).one()
    assert user.email == "coord@saguenay.ca" and user.role == "admin"
    assert "une-phrase-longue" not in user.password_hash
    assert verify_secret(user.password_hash, "une-phrase-longue")
    assert session.query(AuditEntry).filter_by(action="staff.create").count() == 1
    again = runner.invoke(
        args=["staff", "create", "coord@saguenay.ca"],
        env={"IVR_STAFF_PASSWORD": "une-phrase-longue"},
    )
    assert again.exit_code != 0 and "already exists" in again.output


def test_staff_create_generates_and_prints_a_password(runner, session):
    result = runner.invoke(args=["staff", "create", "op@saguenay.ca"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].strip()
    assert verify_secret(session.query(StaffUser).one().password_hash, password)


RESIDENTS_CSV = """last_name,first_name,language,phone,phone2,phone3,civic_number,street,apartment,city,postal_code,active
Tremblay,Éric,fr,418 698-3200,,,1234,boulevard René-Lévesque,,Jonquière,g7x 1a1,1
Smith,John,en,1-581-555-0101,581 555 0102,,12,rue Racine Est,3,Chicoutimi,G7H 5B8,1
Gagnon,Marie,fr,698-3201,,,5,rue Bagot,,La Baie,,1
Côté,Luc,de,418 555-0103,,,7,rue Bagot,,La Baie,,1
Simard,Diane,fr,418 698-3200,,,9,rue Victoria,,La Baie,,0
"""


def test_residents_import_reports_refused_rows_by_line(runner, session, tmp_path):
    path = tmp_path / "residents.csv"
    path.write_text(RESIDENTS_CSV, encoding="utf-8")
    result = runner.invoke(args=["residents", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 rows imported, 3 rows refused" in result.output
    assert "line 4: phone '698-3201'" in result.output
    assert "line 5: language 'de'" in result.output
    assert "line 6: phone '418 698-3200' appears earlier" in result.output
    assert session.query(Residence).count() == 2

    shown = runner.invoke(args=["residents", "show", "581-555-0102", "--json"])
    data = json.loads(shown.output)
    assert data["last_name"] == "Smith" and data["language"] == "en"
    assert [p["number"] for p in data["phones"]] == ["+15815550101", "+15815550102"]
    assert data["postal_code"] == "G7H 5B8" and data["city"] == "CHICOUTIMI"


def test_residents_import_refuses_a_file_without_its_columns(runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,number\nTremblay,4186983200\n")
    result = runner.invoke(args=["residents", "import", str(path)])
    assert result.exit_code != 0
    assert "missing columns: last_name, phone, civic_number, street, city" in result.output


def test_residents_show_unknown_number(runner, session):
    result = runner.invoke(args=["residents", "show", "418 698-3299", "--json"])
    assert result.exit_code != 0 and "no residence" in result.output


def test_addresses_import_reports_and_keys_streets(runner, session, tmp_path):
    from models import Address

    path = tmp_path / "addresses.csv"
    path.write_text(
        "civic_number,street,city,postal_code,latitude,longitude\n"
        "1234,boulevard René-Lévesque,Jonquière,G7X 1A1,48.41,-71.24\n"
        "12B,rue Racine Est,Chicoutimi,,,\n"
        "5,rue Bagot,La Baie,,north,\n"
    )
    result = runner.invoke(args=["addresses", "import", str(path)])
    assert "1 rows imported, 2 rows refused" in result.output
    assert "line 3: civic_number '12B'" in result.output
    assert "line 4: latitude 'north'" in result.output
    address = session.query(Address).one()
    assert address.street_key.startswith("7363")  # R-E-N-E, "boulevard" ignored
