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
