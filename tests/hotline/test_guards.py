"""The hotline's guards hold under simultaneous calls: the password lockout (per number and per
residence), the daily caps on temporary passwords and on verification call-backs.

Simultaneous calls are real HTTP requests to a threaded live server, each signed as Twilio
would, released together by a barrier (SQLite by default, PostgreSQL with DATABASE_URL)."""

import threading
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select, update

from hotline import accounts, quotas
from models import AuditEntry, OneTimeCode, PhoneNumber, Residence, utcnow
from models.hotline import HotlineQuota
from tests.fixtures.hotline import Caller, add_residence

NUMBER, PIN = "+14185550188", "258036"
OTHERS = ["+14185550189", "+14185550190"]


class _Answer:
    def __init__(self, response):
        self.status_code, self._text = response.status_code, response.text

    def get_data(self, as_text=True):
        return self._text


class HttpClient:
    """What `Caller` needs of a test client, over HTTP to the live server (one per thread)."""

    def __init__(self, base_url):
        self.base_url, self.http = base_url, requests.Session()

    def post(self, path, data, headers):
        return _Answer(
            self.http.post(self.base_url + path, data=data, headers=headers, timeout=120)
        )


def live_caller(live, from_):
    return Caller(HttpClient(live.url), live.app, from_)


def together(actions):
    """Run each action in its own thread, all released at once; their results, in order."""
    barrier = threading.Barrier(len(actions))
    results, errors = [None] * len(actions), []

    def run(i, action):
        try:
            barrier.wait(30)
            results[i] = action()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.fixture
def db(live_app):
    with live_app.app.extensions["db_sessionmaker"]() as session:
        yield session


def _count(session, model, *where):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _audits(session, action):
    return _count(session, AuditEntry, AuditEntry.action == action)


def _residence(session, numbers):
    residence = add_residence(session, numbers[0], pin=PIN)
    for position, e164 in enumerate(numbers[1:], start=1):
        residence.phones.append(PhoneNumber(e164=e164, position=position, verified_at=utcnow()))
    session.commit()
    return residence


# --- the password lockout -------------------------------------------------------------------


def test_32_simultaneous_wrong_pins_check_at_most_five_then_even_the_right_one_is_refused(
    live_app, db
):
    _residence(db, [NUMBER])
    calls = [live_caller(live_app, NUMBER) for _ in range(33)]
    for call in calls:
        assert "Composez votre NIP" in call.dial()
    last = calls.pop()  # at the password prompt before the attack; keys the right one after
    heard = together([lambda c=c, i=i: c.press(f"7{i:05d}") for i, c in enumerate(calls)])
    assert _audits(db, "hotline.login_failed") <= accounts.LOCK_AFTER
    assert _audits(db, "hotline.login") == 0
    assert all("n'est pas le bon" in h or "bloqué pour 15 minutes" in h for h in heard)
    assert sum("bloqué pour 15 minutes" in h for h in heard) >= len(calls) - accounts.LOCK_AFTER
    phone = db.scalar(select(PhoneNumber))
    assert phone.locked_until > utcnow() + timedelta(minutes=14)
    answer = last.press(PIN)
    assert "bloqué" in answer and "Les appels d'alerte" not in answer and answer.hangup
    answer = live_caller(live_app, NUMBER).dial()
    assert "bloqué" in answer and answer.gather is None


def test_wrong_pins_from_three_numbers_lock_the_residence_after_five(caller, session):
    _residence(session, [NUMBER, *OTHERS])
    for number, pins in [(NUMBER, ["700001", "700002"]), (OTHERS[0], ["700003", "700004"])]:
        assert "n'est pas le bon" in caller(number).keys(*pins)
    heard = caller(OTHERS[1]).keys("700005")
    assert "bloqué pour 15 minutes" in heard and heard.hangup
    for number in (NUMBER, *OTHERS):  # every number of the residence, even with the right PIN
        heard = caller(number).keys(PIN)
        assert "bloqué" in heard and "Les appels d'alerte" not in heard
    assert _audits(session, "hotline.login_failed") == accounts.LOCK_AFTER
    session.expire_all()
    assert session.scalar(select(Residence)).locked_until > utcnow() + timedelta(minutes=14)


def test_simultaneous_wrong_pins_from_three_numbers_check_at_most_five(live_app, db):
    _residence(db, [NUMBER, *OTHERS])
    calls = [live_caller(live_app, number) for number in (NUMBER, *OTHERS) for _ in range(6)]
    for call in calls:
        call.dial()
    together([lambda c=c, i=i: c.press(f"7{i:05d}") for i, c in enumerate(calls)])
    assert _audits(db, "hotline.login_failed") <= accounts.LOCK_AFTER
    assert db.scalar(select(Residence)).locked_until > utcnow()
    for number in (NUMBER, *OTHERS):
        heard = live_caller(live_app, number).keys(PIN)
        assert "bloqué" in heard and "Les appels d'alerte" not in heard


# --- the daily cap on temporary passwords ---------------------------------------------------


def test_simultaneous_forgotten_passwords_give_three_a_day(live_app, db):
    _residence(db, [NUMBER])
    calls = [live_caller(live_app, NUMBER) for _ in range(12)]
    for call in calls:
        call.dial()
    heard = together([lambda c=c: c.press("*") for c in calls])
    promised = [h for h in heard if "Nous allons vous rappeler" in h]
    refused = [h for h in heard if "déjà demandé 3 NIP temporaires" in h]
    assert len(promised) == accounts.RESETS_PER_DAY and len(refused) == 12 - len(promised)
    assert _count(db, OneTimeCode, OneTimeCode.purpose == "password_reset") == 3


# --- the daily caps on verification call-backs ----------------------------------------------

REGISTER_KEYED = ["1", "12", "", "REC", "", "739164"]  # consent .. the first PIN entry


def _keyed_registration_until_the_last_key(call, target):
    """From an unregistered caller ID: 'another number', TARGET, then all but the last key."""
    heard = call.keys("1", "2", target, "1")
    assert "n'est pas inscrit" in heard, heard
    assert "de nouveau" in call.keys("1", *REGISTER_KEYED)


def test_simultaneous_keyed_registrations_from_one_caller_get_five_call_backs(live_app, db):
    targets = [f"+1418555{n:04d}" for n in range(300, 308)]
    calls = [live_caller(live_app, "+14185550123") for _ in targets]
    for call, target in zip(calls, targets):
        _keyed_registration_until_the_last_key(call, target[2:])
    heard = together([lambda c=c: c.press("739164") for c in calls])
    done = [h for h in heard if "Nous allons appeler le" in h]
    refused = [h for h in heard if "déjà demandé 5 appels de confirmation" in h]
    assert len(done) == 5 and len(refused) == 3  # accounts.VERIFY_CALLS_PER_CALLER
    assert all(h.hangup for h in refused)
    assert _count(db, OneTimeCode, OneTimeCode.purpose == "number_verification") == 5
    assert _count(db, Residence) == 5
    # the caller may still register their own number (no call-back needed)
    heard = live_caller(live_app, "+14185550123").keys("1", "1", *REGISTER_KEYED, "739164")
    assert "C'est fait" in heard and "Nous allons appeler" not in heard


def test_simultaneous_registrations_of_one_keyed_number_make_one(live_app, db):
    calls = [live_caller(live_app, f"+1418555021{n}") for n in range(4)]
    for call in calls:
        _keyed_registration_until_the_last_key(call, "4185550166")
    heard = together([lambda c=c: c.press("739164") for c in calls])
    assert sum("Nous allons appeler le 4 1 8, 5 5 5, 0 1 6 6" in h for h in heard) == 1
    assert sum("Composez votre NIP" in h for h in heard) == 3  # registered meanwhile
    assert _count(db, Residence) == 1
    assert _count(db, OneTimeCode, OneTimeCode.purpose == "number_verification") == 1
    assert db.get(HotlineQuota, "verify-to:+14185550166").count == 1


def test_a_keyed_number_gets_three_call_backs_a_day_whoever_asks(caller, session):
    target = "4185550166"
    for n in range(3):  # a stranger registers it, then unregisters it with the PIN, again
        stranger = caller(f"+1418555020{n}")
        stranger.keys("1", "2", target, "1", "1", *REGISTER_KEYED)
        assert "Nous allons appeler le 4 1 8, 5 5 5, 0 1 6 6" in stranger.press("739164")
        mine = caller(f"+1418555020{n}")
        assert "Composez votre NIP" in mine.keys("1", "2", target, "1")
        assert "Votre résidence est désinscrite" in mine.keys("739164", "5", "1")
    heard = caller("+14185550209").keys("1", "2", target, "1")
    assert "Ce numéro a déjà reçu 3 appels de confirmation aujourd'hui" in heard
    assert "Composez le numéro de téléphone à 10 chiffres" in heard  # another number may follow
    assert _count(session, OneTimeCode, OneTimeCode.purpose == "number_verification") <= 3
    assert _count(session, Residence) == 0


def test_withheld_callers_share_one_daily_cap_and_hear_why(caller, session):
    session.add(
        HotlineQuota(
            key="verify-from:withheld",
            count=accounts.VERIFY_CALLS_WITHHELD,
            since=utcnow() - timedelta(hours=1),
        )
    )
    session.commit()
    heard = caller("anonymous").keys("2", "4185550166", "1")
    assert "Too many confirmation calls were asked today from withheld numbers" in heard
    assert heard.hangup
    assert _count(session, Residence) == 0
    # a day later the cap starts again
    session.execute(update(HotlineQuota).values(since=utcnow() - timedelta(days=1, minutes=1)))
    session.commit()
    assert "is not registered" in caller("anonymous").keys("2", "4185550166", "1")


def test_no_counter_outlives_the_purge(session):
    """quotas.purge_ended deletes rows a day old: a longer window would be forgotten early."""
    with pytest.raises(ValueError):
        quotas.take(session, "reset:+14185550166", 3, window=timedelta(days=2))
    assert quotas.take(session, "reset:+14185550166", 3, window=quotas.LONGEST_WINDOW)
