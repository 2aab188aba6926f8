"""Random keys, silences and hang-ups: always valid TwiML, never a 5xx, never half a residence."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from models import PhoneNumber, Residence
from runtime.i18n import t
from tests.fixtures.hotline import Caller, add_residence

REGISTERED = "+14185550188"
TOKENS = st.one_of(
    st.sampled_from(
        [
            "0",
            "1",
            "2",
            "3",
            "4",
            "5",
            "9",
            "*",
            "",
            "-",
            "-",
            "REC",
            "HANGUP",
            "482916",
            "258036",
            "12",
            "4185550166",
            "7",
        ]
    ),
    st.text(alphabet="0123456789*", min_size=1, max_size=9),
)


def check_whole(session):
    session.expire_all()
    for residence in session.scalars(select(Residence)):
        assert residence.phones, residence.id
        assert residence.password_hash and residence.password_hash.startswith("$argon2")
        if residence.registered_via == "hotline":
            assert residence.consent_at is not None and residence.consent_channel == "hotline"
            assert residence.street or residence.address_recording_url or residence.civic_number
    for number in session.scalars(select(PhoneNumber)):
        assert number.residence is not None


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    from_=st.sampled_from(["+14185550123", REGISTERED, "anonymous", "+15815550199"]),
    prefix=st.sampled_from(
        [
            (),
            ("1", "1", "1", "12", ""),
            ("2", "1", "1", "7", "", "REC"),
            ("1", "1", "1", "12", "", "REC", "", "482916"),
            ("258036",),
            ("1", "4185550166", "1"),
        ]
    ),
    tokens=st.lists(TOKENS, max_size=25),
)
def test_random_calls_leave_nothing_half_done(client, app, session, from_, prefix, tokens):
    if not session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == REGISTERED)):
        add_residence(session, REGISTERED, pin="258036")
    phone = Caller(client, app, from_)
    heard = phone.dial()
    for token in (*prefix, *tokens):
        if token == "HANGUP" or heard.hangup or heard.dial is not None:
            break
        heard = phone.keys(token)
        assert t("fr", "common.error") not in heard and t("en", "common.error") not in heard
        children = [el.tag for el in heard.xml]
        for i, tag in enumerate(children):
            if tag in ("Gather", "Record"):
                assert children[i + 1] == "Redirect", children
        assert (
            heard.hangup
            or heard.dial is not None
            or heard.gather is not None
            or heard.record is not None
        ), heard
    check_whole(session)
