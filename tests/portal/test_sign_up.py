"""Nouvel usager, the first sign-in and its forced new password (the seed's steps 1-5)."""

import pytest
from sqlalchemy import select

from models import OneTimeCode, PhoneNumber, Residence
from portal.defaults import CONSENT_VERSION
from runtime.i18n import t
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


def fresh(db, model):
    db.rollback()  # a new snapshot (PostgreSQL, SQLite WAL)
    db.expire_all()
    return list(db.scalars(select(model)))


def test_home_offers_sign_in_new_user_and_forgotten_password(client):
    page = client.get("/portail/").text
    for text in (
        "Accéder à mon dossier",
        "Numéro de téléphone",
        "Mot de passe",
        "Connexion",
        "Nouvel usager",
        "Mot de passe oublié?",
        "un seul numéro par résidence",
    ):
        assert text in page
    assert 'lang="fr-CA"' in page


def test_english_is_one_click_away(client):
    page = client.get("/portail/").text
    answer = post(client, "/portail/langue", {"lang": "en", "next": "/portail/"}, page="/portail/")
    assert answer.headers["Location"].endswith("/portail/")
    page = client.get("/portail/").text
    assert "Access my file" in page and "New user" in page and 'lang="en-CA"' in page


@pytest.mark.parametrize(
    "typed", ["418 555-0142", "4185550142", "418-555-0142", "1 418 555-0142", "(418) 555-0142"]
)
def test_a_new_user_gets_a_temporary_password_by_sms(client, sim, db, typed):
    answer = register(client, typed)
    assert answer.status_code == 200
    assert "un texto (SMS)" in answer.text
    [residence] = fresh(db, Residence)
    assert residence.phones[0].e164 == NUMBER and residence.phones[0].kind == "voice"
    assert residence.consent_channel == "web" and residence.consent_version == CONSENT_VERSION
    assert residence.consent_at is not None and residence.registered_via == "web"
    [message] = sim.messages()
    assert message["to"] == NUMBER and "mot de passe temporaire du portail" in message["body"]
    assert residence.web_password_hash is None  # the code is the password until first use


@pytest.mark.parametrize(
    "typed, code",
    [
        ("", "empty"),
        ("418 555 01a2", "characters"),
        ("555-0142", "area_code"),
        ("418 555 0142 12", "too_long"),
        ("+33 1 23 45 67 89", "foreign"),
        ("123 555-0142", "invalid"),
    ],
)
def test_a_number_is_refused_in_the_same_words_as_elsewhere(client, db, typed, code):
    answer = register(client, typed)
    assert answer.status_code == 400
    assert t("fr", f"phone.{code}").replace("'", "&#39;") in answer.text
    assert fresh(db, Residence) == []


def test_the_conditions_must_be_accepted(client, db):
    answer = register(client, conditions="")
    assert answer.status_code == 400 and "Acceptez les conditions" in answer.text
    assert fresh(db, Residence) == []


def test_a_mode_must_be_chosen(client, db):
    answer = register(client, mode="fax")
    assert answer.status_code == 400 and "Choisissez SMS ou Téléphone." in answer.text


def test_without_the_human_check_nothing_is_sent(client, db):
    answer = post(
        client,
        "/portail/nouvel-usager",
        {"phone": TYPED, "mode": "sms", "conditions": "yes", "altcha": "forged"},
    )
    assert answer.status_code == 400 and "Je ne suis pas un robot" in answer.text
    assert fresh(db, Residence) == [] and fresh(db, OneTimeCode) == []


@pytest.mark.parametrize(
    "payload",
    ["", "e30=", "W10=", "bnVsbA==", "not base64 at all!", "eyJjaGFsbGVuZ2UiOiAxfQ==", "x" * 5000],
)
def test_a_malformed_human_check_is_a_clear_refusal(client, db, payload):
    answer = post(
        client,
        "/portail/nouvel-usager",
        {"phone": TYPED, "mode": "sms", "conditions": "yes", "altcha": payload},
    )
    assert answer.status_code == 400 and "Je ne suis pas un robot" in answer.text
    assert fresh(db, Residence) == []


def test_a_challenge_signed_with_another_key_is_refused(client, db):
    import altcha

    forged = altcha.create_challenge("PBKDF2/SHA-256", 10, hmac_secret="not the city's key")
    payload = altcha.Payload(forged, altcha.solve_challenge(forged)).to_base64()
    answer = post(
        client,
        "/portail/nouvel-usager",
        {"phone": TYPED, "mode": "sms", "conditions": "yes", "altcha": payload},
    )
    assert answer.status_code == 400 and fresh(db, Residence) == []


def test_a_solved_challenge_is_accepted_once(client, sim, db):
    from tests.portal.conftest import csrf_token, solved

    payload = solved(client)
    for number, status in (("418 555-0142", 200), ("418 555-0143", 400)):
        token = csrf_token(client.get("/portail/nouvel-usager").text)
        answer = client.post(
            "/portail/nouvel-usager",
            data={
                "csrf_token": token,
                "phone": number,
                "mode": "sms",
                "conditions": "yes",
                "altcha": payload,
            },
        )
        assert answer.status_code == status
    assert [p.e164 for p in fresh(db, PhoneNumber)] == [NUMBER]


def test_used_challenges_and_ended_counters_are_purged_by_the_next_hotline_call(
    client, sim, db, caller
):
    """An accepted ALTCHA challenge leaves a counter row (`altcha:<nonce>`), as does the
    number's daily count: once a day old they count nothing, and the hotline's next call
    deletes them with its expired calls; today's rows stay."""
    from datetime import timedelta

    from sqlalchemy import update

    from models import utcnow
    from models.hotline import HotlineQuota

    assert forgot(client, "418 555-0199").status_code == 200
    rows = fresh(db, HotlineQuota)
    assert sorted(r.key.split(":")[0] for r in rows) == ["altcha", "portal-send"]
    db.execute(update(HotlineQuota).values(since=utcnow() - timedelta(days=1, minutes=1)))
    db.commit()
    assert forgot(client, "418 555-0198").status_code == 200  # today's: kept
    caller("+14185550123").dial()
    kept = fresh(db, HotlineQuota)
    assert sorted(r.key for r in kept if not r.key.startswith("altcha:")) == [
        "portal-send:+14185550198"
    ]
    assert len(kept) == 2 and all(r.since > utcnow() - timedelta(hours=1) for r in kept)


def test_a_registered_number_gets_a_notice_and_the_same_page(client, sim, db):
    first = register(client)
    again = register(client)
    assert again.status_code == 200
    assert (
        again.text.replace(again.text[again.text.find('name="csrf_token"') :][:0], "").split(
            "<main"
        )[1]
        == first.text.split("<main")[1]
    )
    assert len(fresh(db, Residence)) == 1
    bodies = [m["body"] for m in sim.messages()]
    assert (
        len(bodies) == 2
        and "déjà inscrit" in bodies[1]
        and not any(c.isdigit() for c in bodies[1].split(":", 1)[1])
    )


def test_first_login_forces_a_new_password(client, sim, db):
    register(client)
    answer = login(client, TYPED, code_in(sim))
    assert answer.headers["Location"].endswith("/portail/mot-de-passe")
    # every page leads back to the new password until it is chosen
    assert client.get("/portail/dossier").headers["Location"].endswith("/portail/mot-de-passe")
    page = client.get("/portail/mot-de-passe").text
    assert "N&#39;oubliez pas de changer votre mot de passe" in page
    post(client, "/portail/mot-de-passe", {"password": PASSWORD, "confirm": PASSWORD})
    assert client.get("/portail/dossier").status_code == 200
    [residence] = fresh(db, Residence)
    assert residence.web_password_temporary is False
    assert residence.phones[0].verified_at is not None
    assert PASSWORD not in residence.web_password_hash


def test_the_temporary_password_works_once(client, sim, db):
    register(client)
    code = code_in(sim)
    login(client, TYPED, code)
    post(client, "/portail/mot-de-passe", {"password": PASSWORD, "confirm": PASSWORD})
    post(client, "/portail/deconnexion", {}, page="/portail/dossier")
    assert login(client, TYPED, code).status_code == 400
    assert login(client, TYPED, PASSWORD).headers["Location"].endswith("/portail/dossier")


@pytest.mark.parametrize(
    "chosen, words",
    [
        ("court", "au moins 10 caractères"),
        ("x" * 129, "128 caractères"),
        ("1234567890", "trop courant"),
        ("password123", "trop courant"),
        ("4185550142", "numéro de téléphone"),
        ("mon5550142!", "numéro de téléphone"),
        ("aaaaaaaaaaaa", "répété"),
        ("Saguenay2026!", "nom du service"),
    ],
)
def test_password_rules(client, sim, chosen, words):
    register(client)
    login(client, TYPED, code_in(sim))
    answer = post(client, "/portail/mot-de-passe", {"password": chosen, "confirm": chosen})
    assert answer.status_code == 400 and words in answer.text


def test_the_two_passwords_must_match(client, sim):
    register(client)
    login(client, TYPED, code_in(sim))
    answer = post(client, "/portail/mot-de-passe", {"password": PASSWORD, "confirm": "autre"})
    assert answer.status_code == 400 and "différents" in answer.text


def test_a_wrong_password_and_an_unknown_number_get_the_same_answer(client, sim):
    signed_up(client, sim)
    post(client, "/portail/deconnexion", {}, page="/portail/dossier")
    wrong = login(client, TYPED, "pas le bon mot de passe")
    unknown = login(client, "418 555-0199", "pas le bon mot de passe")
    assert wrong.status_code == unknown.status_code == 400
    assert "Le numéro ou le mot de passe n&#39;est pas le bon." in wrong.text
    assert (
        wrong.text.split("<main")[1].split("csrf_token")[0]
        == unknown.text.split("<main")[1].split("csrf_token")[0]
    )


def test_forgotten_password_sends_a_new_temporary_one(client, sim, db):
    signed_up(client, sim)
    post(client, "/portail/deconnexion", {}, page="/portail/dossier")
    answer = forgot(client)
    assert answer.status_code == 200 and "un texto (SMS)" in answer.text
    code = code_in(sim)
    assert login(client, TYPED, code).headers["Location"].endswith("/portail/mot-de-passe")


def test_forgotten_password_answers_the_same_for_an_unknown_number(client, sim, db):
    known = forgot(client, TYPED)
    unknown = forgot(client, "418 555-0199")
    assert known.status_code == unknown.status_code == 200
    assert known.text.split("<main")[1] == unknown.text.split("<main")[1]
    assert sim.messages() == []


def test_at_most_three_temporary_passwords_a_day_per_number(client, sim, db, app):
    app.config["PORTAL_SEND_CLIENT_LIMIT"] = "100 per hour"
    signed_up(client, sim)  # the registration's SMS counts
    post(client, "/portail/deconnexion", {}, page="/portail/dossier")
    assert forgot(client).status_code == 200
    assert forgot(client).status_code == 200
    refused = forgot(client)
    assert refused.status_code == 400 and "nombre maximal de messages" in refused.text
    assert len(sim.messages()) == 3
    # an unknown number gets the same refusal after three
    for _ in range(3):
        assert forgot(client, "418 555-0199").status_code == 200
    assert "nombre maximal" in forgot(client, "418 555-0199").text


def test_logout_ends_the_session_even_for_a_copied_cookie(client, app, sim):
    signed_up(client, sim)
    copy = app.test_client()
    cookie = client.get_cookie("session")
    copy.set_cookie("session", cookie.value, domain=cookie.domain or "localhost")
    assert copy.get("/portail/dossier").status_code == 200
    post(client, "/portail/deconnexion", {}, page="/portail/dossier")
    assert copy.get("/portail/dossier").headers["Location"].endswith("/portail/")


def test_one_client_may_send_five_forms_an_hour(client, sim, app):
    for i in range(5):
        assert forgot(client, f"418 555-01{i:02d}").status_code == 200
    refused = forgot(client, "418 555-0199")
    assert refused.status_code == 429 and "Trop de demandes" in refused.text
    assert app.test_client().get("/portail/mot-de-passe-oublie").status_code == 200


def test_all_clients_together_are_bounded_per_day(client, sim, app):
    app.config["PORTAL_SEND_DAILY_LIMIT"] = "2 per day"
    other = app.test_client()
    assert forgot(client, "418 555-0101").status_code == 200
    assert forgot(other, "418 555-0102").status_code == 200
    third = app.test_client()
    assert forgot(third, "418 555-0103").status_code == 429
