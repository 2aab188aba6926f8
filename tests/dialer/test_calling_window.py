"""Which campaigns may call now, and in which order: a normal notice only within its calling
window, in the city's time zone (never at 3 a.m.); an emergency at any hour and before every
normal campaign; among equals, the oldest launch first; an expired campaign never.
(Mutation testing found none of this checked by the fast tests: docs/mutants.md.)"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from dialer import campaigns, dispatch
from models import Campaign
from tests.fixtures.dialer import add_residence

CITY = "America/Toronto"  # Saguenay's clock (Eastern time)


def local(hour: int, minute: int = 0, second: int = 0, zone: str = CITY) -> datetime:
    """A winter day's HOUR:MINUTE in ZONE, as the UTC instant the dialer sees."""
    return datetime(2026, 12, 1, hour, minute, second, tzinfo=ZoneInfo(zone)).astimezone(
        ZoneInfo("UTC")
    )


def launched(app, session, priority="normal", **fields) -> int:
    campaign = campaigns.create_campaign(
        session,
        "t",
        title="Avis",
        message_fr="Avis",
        target={"all": True},
        priority=priority,
        **fields,
    )
    campaigns.launch(app, campaign.id, "t")
    return campaign.id


def may_call(session, now, zone=CITY) -> list[int]:
    return [c.id for c in dispatch.eligible_campaigns(session, zone, now)]


@pytest.fixture
def residence(session):
    return add_residence(session, ["+14185550101"])


@pytest.mark.parametrize(
    "hour, minute, second, calls",
    [
        (7, 59, 59, False),
        (8, 0, 0, True),
        (12, 0, 0, True),
        (20, 59, 59, True),
        (21, 0, 0, False),
        (3, 0, 0, False),
    ],
)
def test_a_normal_notice_calls_only_within_its_window_in_the_citys_time(
    app, session, residence, hour, minute, second, calls
):
    notice = launched(app, session, window_start="08:00", window_end="21:00")
    assert may_call(session, local(hour, minute, second)) == ([notice] if calls else [])


def test_the_window_is_read_in_the_configured_time_zone(app, session, residence):
    notice = launched(app, session, window_start="08:00", window_end="21:00")
    eight_in_halifax = local(8, zone="America/Halifax")  # 7:00 in Saguenay
    assert may_call(session, eight_in_halifax) == []
    assert may_call(session, eight_in_halifax, zone="America/Halifax") == [notice]


def test_an_emergency_calls_at_any_hour(app, session, residence):
    alert = launched(app, session, priority="emergency", window_start="08:00", window_end="21:00")
    for hour in (3, 12, 23):
        assert may_call(session, local(hour)) == [alert]


def test_an_emergency_goes_before_normal_notices_then_the_oldest_launch(app, session, residence):
    first, second = (
        launched(app, session, window_start="00:00", window_end="23:59") for _ in range(2)
    )
    alert = launched(app, session, priority="emergency")
    # the second notice launched before the first one (ids must not decide)
    session.execute(update(Campaign).where(Campaign.id == second).values(launched_at=local(6)))
    session.execute(update(Campaign).where(Campaign.id == first).values(launched_at=local(7)))
    session.commit()
    assert may_call(session, local(12)) == [alert, second, first]


def test_an_expired_campaign_calls_no_more(app, session, residence):
    alert = launched(app, session, priority="emergency")
    session.execute(update(Campaign).values(expires_at=local(12)))
    session.commit()
    assert may_call(session, local(12) - timedelta(seconds=1)) == [alert]
    assert may_call(session, local(12)) == []
