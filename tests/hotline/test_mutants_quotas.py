"""The daily caps start again a day after their window began (mutation testing found the
window's reset untested: docs/mutants.md)."""

from datetime import timedelta

from sqlalchemy import update

from hotline import accounts
from models import utcnow
from models.hotline import HotlineQuota
from tests.fixtures.hotline import add_residence

NUMBER = "+14185550188"


def _age_quotas(session, by):
    session.execute(update(HotlineQuota).values(since=utcnow() - by))
    session.commit()


def test_temporary_passwords_start_again_a_day_after_and_the_new_day_is_capped(caller, session):
    add_residence(session, NUMBER, pin="258036", language="fr")
    for _ in range(accounts.RESETS_PER_DAY):
        assert "Nous allons vous rappeler" in caller(NUMBER).keys("*")
    assert "déjà demandé 3 NIP temporaires" in caller(NUMBER).keys("*")
    _age_quotas(session, timedelta(hours=23))  # the same day still: refused
    assert "déjà demandé 3 NIP temporaires" in caller(NUMBER).keys("*")
    _age_quotas(session, timedelta(days=1, minutes=1))
    for _ in range(accounts.RESETS_PER_DAY):  # a new day: three again, counted from now
        assert "Nous allons vous rappeler" in caller(NUMBER).keys("*")
    assert "déjà demandé 3 NIP temporaires" in caller(NUMBER).keys("*")


REGISTER_KEYED = ["1", "12", "", "REC", "", "739164"]  # consent .. the first PIN entry
TARGET = "4185550166"


def test_a_call_back_refused_by_the_callers_cap_does_not_count_against_the_number(caller, session):
    """The caller's cap is spent between the early check and the last key (another of their
    calls took the last one): the number's own call-back taken meanwhile is given back, so
    it still gets its three call-backs that day."""
    phone = caller("+14185550123")
    assert "n'est pas inscrit" in phone.keys("1", "2", TARGET, "1")  # early check passed
    assert "de nouveau" in phone.keys("1", *REGISTER_KEYED)
    session.add(
        HotlineQuota(
            key="verify-from:+14185550123",
            count=accounts.VERIFY_CALLS_PER_CALLER,
            since=utcnow() - timedelta(hours=1),
        )
    )
    session.commit()
    assert "déjà demandé 5 appels de confirmation" in phone.press("739164")
    for n in range(accounts.VERIFY_CALLS_PER_NUMBER):  # others register it, then unregister
        stranger = caller(f"+1418555020{n}")
        stranger.keys("1", "2", TARGET, "1", "1", *REGISTER_KEYED)
        assert "Nous allons appeler le 4 1 8, 5 5 5, 0 1 6 6" in stranger.press("739164")
        mine = caller(f"+1418555020{n}")
        assert "Composez votre NIP" in mine.keys("1", "2", TARGET, "1")
        assert "Votre résidence est désinscrite" in mine.keys("739164", "5", "1")
    heard = caller("+14185550209").keys("1", "2", TARGET, "1")
    assert "Ce numéro a déjà reçu 3 appels de confirmation aujourd'hui" in heard
