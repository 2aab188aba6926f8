"""The hotline and the portal are one account; the temporary password by a voice call; the
privacy rights (download, removal)."""

import csv
import io
import json
import re

from hotline.callbacks import token_for
from models import AuditEntry, OneTimeCode, PhoneNumber, Residence
from models.passwords import verify_secret
from runtime.i18n import spoken_digits
from tests.fixtures.console import add_staff
from tests.fixtures.console import sign_in as staff_sign_in
from tests.fixtures.hotline import add_residence
from tests.fixtures.outbox import queued
from tests.portal.conftest import (
    NUMBER,
    PASSWORD,
    TYPED,
    code_in,
    forgot,
    login,
    post,
    register,
    signed_up,
)
from tests.portal.test_dossier import registry, save  # noqa: F401  (fixture)
from tests.portal.test_sign_up import fresh


def _said_by_the_callback(app, caller):
    """The promised call-back's TwiML, as Twilio would fetch it; its <Say> text."""
    [job] = queued(app)
    assert job.func == "hotline.callbacks.password_reset"
    token = token_for(app.config, job.args[0])
    return caller(app.config["HOTLINE_NUMBER"]).post(f"/voice/callback/{token}")


def test_the_temporary_password_is_said_twice_in_a_call(app, client, caller, db):
    app.config["RQ_SYNC"] = False  # the job waits in RQ: its TwiML is fetched here
    answer = register(client, mode="voice")
    assert "recevra un appel" in answer.text
    said = _said_by_the_callback(app, caller)
    spoken = re.search(r"portail des appels d'urgence est : ([\d ]+)\.", said.text).group(1)
    assert said.text.count(spoken) == 2 and said.hangup
    assert login(client, TYPED, re.sub(r"\D", "", spoken)).status_code == 302
    [residence] = fresh(db, Residence)
    assert residence.phones[0].kind == "voice"


def test_a_registered_number_asked_for_by_voice_hears_a_notice_without_password(
    app, client, caller, db
):
    add_residence(db, NUMBER, pin="258036")
    app.config["RQ_SYNC"] = False
    assert register(client, mode="voice").status_code == 200
    said = _said_by_the_callback(app, caller)
    assert "déjà inscrit" in said.text and not re.search(r"\d", said.text)
    assert len(fresh(db, Residence)) == 1


def test_a_resident_registered_by_phone_logs_in_through_forgotten_password(client, sim, db):
    add_residence(db, NUMBER, pin="258036")
    assert login(client, TYPED, "258036").status_code == 400  # the PIN is not the web password
    forgot(client)
    assert login(client, TYPED, code_in(sim)).headers["Location"].endswith("/mot-de-passe")
    post(client, "/portail/mot-de-passe", {"password": PASSWORD, "confirm": PASSWORD})
    assert client.get("/portail/dossier").status_code == 200
    [residence] = fresh(db, Residence)
    assert verify_secret(residence.password_hash, "258036")  # the hotline PIN is untouched


def test_the_pin_set_on_the_web_is_the_one_the_hotline_asks_for(client, sim, db, caller):
    signed_up(client, sim)
    for pin, words in (
        ("12", "de 4 à 8 chiffres"),
        ("1111", "répété"),
        ("1234", "suite de chiffres"),
        ("0142", "derniers chiffres"),
    ):
        answer = post(client, "/portail/nip", {"pin": pin, "confirm": pin})
        assert answer.status_code == 400 and words in answer.text.replace("&#39;", "'")
    answer = post(client, "/portail/nip", {"pin": "730418", "confirm": "730419"})
    assert answer.status_code == 400 and "différents" in answer.text
    answer = post(client, "/portail/nip", {"pin": "730418", "confirm": "730418"})
    assert answer.headers["Location"].endswith("saved=pin")
    heard = caller(NUMBER).dial()
    assert "Composez votre NIP" in heard
    heard = caller(NUMBER).keys("730418")
    assert "Votre numéro est inscrit." in heard
    [residence] = fresh(db, Residence)
    assert verify_secret(residence.password_hash, "730418")
    assert not verify_secret(residence.password_hash, PASSWORD)


def test_turning_alerts_off_on_the_hotline_shows_on_the_portal(client, sim, db, caller):
    signed_up(client, sim)
    post(client, "/portail/nip", {"pin": "730418", "confirm": "730418"})
    caller(NUMBER).keys("730418", "1", "1")  # alerts off, confirmed
    assert fresh(db, Residence)[0].active is False
    assert 'aria-checked="false"' in client.get("/portail/dossier").text


def test_changes_on_the_portal_show_in_the_console(app, client, sim, db, registry):  # noqa: F811
    signed_up(client, sim)
    assert save(client, last_name="Gagnon").status_code == 302
    [residence] = fresh(db, Residence)
    operator = app.test_client()
    add_staff(app, "operateur@saguenay.ca")
    assert staff_sign_in(operator, "operateur@saguenay.ca").status_code == 302
    page = operator.get(f"/staff/residents/{residence.id}").text
    assert "Gagnon" in page and "418 555-0142" in page


def test_download_my_data_in_json_and_csv(client, sim, db):
    signed_up(client, sim)
    data = json.loads(client.get("/portail/mes-donnees.json").data)
    assert data["residence"]["consent_channel"] == "web"
    assert data["residence"]["consent_version"]
    assert [n["e164"] for n in data["numbers"]] == [NUMBER]
    assert "portal.registered" in [h["action"] for h in data["history"]]
    assert "hash" not in json.dumps(data) and "$argon2" not in json.dumps(data)
    answer = client.get("/portail/mes-donnees.csv")
    assert answer.mimetype == "text/csv" and "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert ["number 1", "e164", NUMBER] in rows


def test_deleting_my_registration_needs_a_confirmation(client, sim, db):
    signed_up(client, sim)
    answer = post(client, "/portail/supprimer", {})
    assert answer.status_code == 400 and "Cochez la case" in answer.text
    assert len(fresh(db, Residence)) == 1
    answer = post(client, "/portail/supprimer", {"confirm": "yes"})
    assert answer.status_code == 200 and "Inscription supprimée" in answer.text
    assert fresh(db, Residence) == [] and fresh(db, PhoneNumber) == []
    assert client.get("/portail/dossier").headers["Location"].endswith("/portail/")
    assert [e.action for e in fresh(db, AuditEntry) if e.action == "hotline.unregistered"]
    assert all(c.purpose in ("web_password",) for c in fresh(db, OneTimeCode))
    assert spoken_digits  # (imported for the call test above)
