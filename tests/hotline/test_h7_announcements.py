"""Issue 15: which alerts the hotline says first (hotline/announcements.py)."""

from datetime import timedelta

from sqlalchemy import update

from dialer import campaigns, followup
from hotline.announcements import current_alerts, message_for
from models import Campaign, Delivery, utcnow
from tests.fixtures.dialer import add_residence


def launched(app, session, title, target, **fields):
    campaign = campaigns.create_campaign(
        session,
        "t",
        title=title,
        message_fr=f"{title} fr",
        message_en=f"{title} en",
        target=target,
        priority="emergency",
        **fields,
    )
    campaigns.launch(app, campaign.id, "t")
    return session.get(Campaign, campaign.id, populate_existing=True)


def titles(alerts):
    return sorted(c.title for c in alerts)


def test_sector_alerts_to_a_known_caller_city_wide_to_an_unknown_one(app, session):
    chicoutimi = add_residence(session, ["+14185550101"])
    jonquiere = add_residence(session, ["+14185550102"], city="JONQUIÈRE", civic="2")
    launched(app, session, "Ville", {"all": True})
    launched(app, session, "Chicoutimi", {"cities": ["CHICOUTIMI"]})
    assert titles(current_alerts(session, chicoutimi.id)) == ["Chicoutimi", "Ville"]
    assert titles(current_alerts(session, jonquiere.id)) == ["Ville"]
    assert titles(current_alerts(session, None)) == ["Ville"]


def test_in_its_language_else_the_other(app, session):
    add_residence(session, ["+14185550101"])
    campaign = launched(app, session, "Ville", {"all": True})
    assert message_for(campaign, "en") == "Ville en"
    campaign.message_en = ""
    assert message_for(campaign, "en") == "Ville fr"


def test_announced_while_running_and_a_day_after_or_until_the_date_staff_chose(app, session):
    add_residence(session, ["+14185550101"])
    campaign = launched(app, session, "Ville", {"all": True})
    ended = utcnow()
    session.execute(update(Campaign).values(status="completed", finished_at=ended))
    session.commit()
    assert titles(current_alerts(session, None, now=ended + timedelta(hours=23))) == ["Ville"]
    assert current_alerts(session, None, now=ended + timedelta(hours=25)) == []
    session.execute(update(Campaign).values(announce_until=ended + timedelta(days=3)))
    session.commit()
    assert titles(current_alerts(session, None, now=ended + timedelta(days=2))) == ["Ville"]
    session.execute(update(Campaign).values(announce=False))
    session.commit()
    assert current_alerts(session, None) == []
    assert campaign.id


def test_a_lifting_notice_replaces_the_advisory(app, session):
    residence = add_residence(session, ["+14185550101"])
    advisory = launched(app, session, "Avis", {"all": True})
    session.execute(update(Delivery).values(status="human"))
    session.commit()
    lifting = followup.create_followup(
        session, "t", advisory.id, followup.LIFTING, message_fr="Levée", title="Levée"
    )
    assert titles(current_alerts(session, residence.id)) == ["Avis"]  # not launched yet
    campaigns.launch(app, lifting.id, "t")
    assert titles(current_alerts(session, residence.id)) == ["Levée"]
