"""History does not change: a removed residence leaves its campaign rows anonymised, and its
id is never given to another (issue 18)."""

import csv
import io
import re
from contextlib import contextmanager
from html import unescape

import pytest
from sqlalchemy import select

from models import (
    AttemptStatus,
    AuditEntry,
    CallAttempt,
    Campaign,
    Delivery,
    OneTimeCode,
    PhoneNumber,
    Residence,
    utcnow,
)
from runtime.db import get_session
from tests.fixtures.console import post_form
from tests.fixtures.hotline import add_residence as add_hotline_residence

OUTCOMES = ["human", "human", "voicemail", "no_answer", "busy", "failed"]
LEAVER = "+14185550188"  # the hotline fixture's number (password 258036)


@contextmanager
def database(app):
    """A session in an app context of its own (one shared with the test client's requests
    would share Flask's `g`, and with it a stale CSRF token)."""
    with app.app_context():
        yield get_session()


def _finished_campaign(session) -> tuple[int, int]:
    """A completed campaign over six residences, one per outcome (two reached by a person,
    both confirmed); returns its id and the id of the residence that will leave (a person
    reached and confirmed)."""
    leaver = add_hotline_residence(session, LEAVER, pin="258036")
    residences = [leaver]
    for i, _outcome in enumerate(OUTCOMES[1:]):
        residence = Residence(
            last_name=f"Voisin {i}",
            civic_number=str(200 + i),
            street="rue Racine Est",
            city="CHICOUTIMI",
        )
        residence.phones = [PhoneNumber(e164=f"+1418555030{i}", verified_at=utcnow())]
        session.add(residence)
        residences.append(residence)
    campaign = Campaign(
        title="Avis d'ébullition",
        message_fr="Faites bouillir l'eau.",
        status="completed",
        launched_at=utcnow(),
        finished_at=utcnow(),
    )
    session.add(campaign)
    session.flush()
    for residence, outcome in zip(residences, OUTCOMES):
        number = residence.phones[0].e164
        delivery = Delivery(
            campaign_id=campaign.id,
            residence_id=residence.id,
            status=outcome,
            best_outcome=outcome,
            confirmed=outcome == "human",
            last_number=number,
            last_attempt_at=utcnow(),
            reached_number=number if outcome in ("human", "voicemail") else None,
        )
        session.add(delivery)
        session.flush()
        status = {
            "human": "completed",
            "voicemail": "completed",
            "no_answer": "no-answer",
            "busy": "busy",
            "failed": "failed",
        }[outcome]
        session.add(
            CallAttempt(
                delivery_id=delivery.id,
                campaign_id=campaign.id,
                to_number=number,
                token=f"tok-{delivery.id}",
                status=status,
                outcome=outcome,
                confirmed=outcome == "human",
            )
        )
    session.commit()
    return campaign.id, leaver.id


def _counts_on_pages(client, campaign_id: int) -> tuple[dict, list, list, int]:
    """What staff read: the status JSON, the summary's facts and counts, the page's counts
    and the number of rows in its residences table."""
    progress = client.get(f"/staff/campaigns/{campaign_id}/progress.json").json
    summary = client.get(f"/staff/campaigns/{campaign_id}/summary").text
    page = client.get(f"/staff/campaigns/{campaign_id}").text
    facts = re.findall(r"<tr><th>([^<]+)</th><td>(?:<strong>)?([^<]*)", summary)
    counts = re.findall(r'<dd data-key="(\w+)">(\d+)</dd>', summary + page)
    rows = page.split('id="deliveries"')[1].split("<tbody>")[1].split("</tbody>")[0].count("<tr>")
    return (
        {k: v for k, v in progress.items() if k not in ("calls_per_second", "eta_seconds")},
        facts,
        counts,
        rows,
    )


def _exported(client, campaign_id: int) -> list[list[str]]:
    return list(
        csv.reader(
            io.StringIO(
                client.get(f"/staff/campaigns/{campaign_id}/export.csv").text.lstrip("\ufeff")
            ),
            delimiter=";",
        )
    )


def _anonymised(session, campaign_id: int) -> None:
    session.expire_all()
    deliveries = session.scalars(select(Delivery).where(Delivery.campaign_id == campaign_id)).all()
    assert len(deliveries) == len(OUTCOMES)
    gone = [d for d in deliveries if d.residence_id is None]
    assert len(gone) == 1
    assert gone[0].status == "human" and gone[0].confirmed
    assert gone[0].reached_number is None and gone[0].last_number is None
    attempt = session.scalar(select(CallAttempt).where(CallAttempt.delivery_id == gone[0].id))
    assert attempt.status == AttemptStatus.COMPLETED.value and attempt.outcome == "human"
    assert attempt.to_number == ""
    assert session.scalar(select(CallAttempt).where(CallAttempt.to_number == LEAVER)) is None
    assert session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == LEAVER)) is None


@pytest.mark.parametrize("path", ["hotline", "console"])
def test_a_finished_campaign_shows_the_same_counts_after_a_residence_in_it_leaves(
    path, app, admin, caller
):
    with database(app) as session:
        campaign_id, leaver = _finished_campaign(session)
        session.add(OneTimeCode(phone_e164=LEAVER, purpose="password_reset", expires_at=utcnow()))
        session.commit()
    before = _counts_on_pages(admin, campaign_id)
    assert before[0]["total"] == 6 and before[0]["reached"] == 3 and before[0]["confirmed"] == 2
    assert before[3] == 6 and ("human", "2") in before[2] and ("confirmed", "2") in before[2]
    assert ("Résidences visées", "6") in before[1]
    exported = _exported(admin, campaign_id)
    if path == "hotline":
        phone = caller(LEAVER)
        assert "Avis en vigueur" in phone.dial()  # the campaign ended today: still announced
        phone.keys("1", "258036", "5")
        assert "désinscrite" in phone.press("1")
    else:
        answer = post_form(
            admin, f"/staff/residents/{leaver}/remove", page=f"/staff/residents/{leaver}"
        )
        assert answer.status_code == 302
        assert "désinscrite" in admin.get(answer.location).text
    assert _counts_on_pages(admin, campaign_id) == before
    page = admin.get(f"/staff/campaigns/{campaign_id}").text
    assert "Résidence désinscrite" in page and "1234 boulevard Harvey" not in page
    after = _exported(admin, campaign_id)
    assert len(after) == len(exported)
    assert sorted(row[4] for row in after[1:]) == sorted(row[4] for row in exported[1:])
    assert not any("Harvey" in cell or "5550188" in cell for row in after for cell in row)
    with database(app) as session:
        assert session.get(Residence, leaver) is None
        _anonymised(session, campaign_id)
        assert session.scalar(select(OneTimeCode).where(OneTimeCode.phone_e164 == LEAVER)) is None


def test_a_new_residence_never_gets_a_removed_id_and_the_audit_names_one_residence(app, admin):
    with database(app) as session:
        _campaign_id, leaver = _finished_campaign(session)
    post_form(admin, f"/staff/residents/{leaver}/remove", page=f"/staff/residents/{leaver}")
    with database(app) as session:
        _new_after_removals(session, leaver)


def _new_after_removals(session, leaver: int) -> None:
    # the highest id is gone: SQLite without AUTOINCREMENT would hand it out again
    top = session.scalar(select(Residence.id).order_by(Residence.id.desc()).limit(1))
    session.delete(session.get(Residence, top))
    session.commit()
    newcomer = Residence(
        last_name="Nouvelle", civic_number="9", street="rue Price", city="JONQUIÈRE"
    )
    session.add(newcomer)
    session.commit()
    assert newcomer.id not in (leaver, top) and newcomer.id > max(leaver, top)
    entries = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity == "residence", AuditEntry.entity_id == str(leaver)
        )
    ).all()
    assert [e.action for e in entries] == ["console.resident.remove"]


def test_removing_a_residence_in_a_running_campaign_ends_its_waiting_call(app, admin):
    with database(app) as session:
        leaver = add_hotline_residence(session, LEAVER)
        campaign = Campaign(
            title="Coupure d'eau", message_fr="…", status="running", launched_at=utcnow()
        )
        session.add(campaign)
        session.flush()
        session.add(
            Delivery(
                campaign_id=campaign.id,
                residence_id=leaver.id,
                status="pending",
                best_outcome="no_answer",
                round=2,
                next_attempt_at=utcnow(),
            )
        )
        session.commit()
    post_form(admin, f"/staff/residents/{leaver.id}/remove", page=f"/staff/residents/{leaver.id}")
    with database(app) as session:
        delivery = session.scalar(select(Delivery))
    assert (delivery.status, delivery.residence_id, delivery.next_attempt_at) == (
        "no_answer",
        None,
        None,
    )


def test_an_operator_cannot_remove_a_residence(app, operator):
    with database(app) as session:
        leaver = add_hotline_residence(session, LEAVER).id
    answer = post_form(operator, f"/staff/residents/{leaver}/remove", page="/staff/residents")
    assert answer.status_code == 403
    with database(app) as session:
        assert session.get(Residence, leaver) is not None


def test_a_removed_number_leaves_the_audit_log_which_keeps_every_entry(app, admin, caller, session):
    add_hotline_residence(session, LEAVER, pin="258036")
    caller(LEAVER).keys("111222")  # a wrong NIP: an entry that names the number
    phone = caller(LEAVER)
    phone.keys("258036", "1")
    assert "maintenant désactivés" in phone.press("1")  # alerts off, confirmed
    heard = caller(LEAVER).keys("258036", "5", "1")  # unregistered by phone
    assert "Votre résidence est désinscrite." in heard
    session.expire_all()
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    actions = [e.action for e in entries]
    assert "hotline.login_failed" in actions and "hotline.alerts_off" in actions
    assert actions[-1] == "hotline.unregistered"
    removed = entries[-1].entity_id
    for entry in entries:
        kept = f"{entry.actor} {entry.entity_id} {entry.details} {entry.aggregate_key}"
        assert LEAVER not in kept and "5550188" not in kept
    assert {e.actor for e in entries if e.action.startswith("hotline.")} == {
        f"hotline:removed#{removed}"
    }
    page = unescape(admin.get("/staff/audit").text)
    assert f"Ligne téléphonique (numéro supprimé (résidence {removed}))" in page
    assert "418 555-0188" not in page
