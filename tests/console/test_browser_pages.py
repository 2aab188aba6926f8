"""Every console page in headless Chromium: axe-core finds no violation, the header keeps to
one line at 1366 px and stays small on a 360 px phone, times are local, a criterion matching
nothing is flagged as staff type, the residences table pages, drafts are edited (issue 18).

Skipped when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (CI)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models import Campaign, Delivery
from runtime.db import get_session
from tests.fixtures.browser import (
    browser,  # noqa: F401  (fixture)
    skip_without_chromium,
)
from tests.fixtures.console import PASSWORD, add_residence, add_staff

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

skip_without_chromium()


def open_page(browser, width=1366, height=900):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-CA")
    page = context.new_page()
    page.set_default_timeout(20000)
    return page


def sign_in(page, base, email="admin@saguenay.ca"):
    page.goto(base + "/staff/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/staff/campaigns")


def assert_accessible(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


@pytest.fixture
def registry(live_app):
    """An admin, 130 residences in Chicoutimi, a finished campaign over them."""
    app = live_app.app
    add_staff(app, "admin@saguenay.ca", role="admin", phone="+14185550199")
    ids = [
        add_residence(app, f"Résident {i}", [f"+1418555{3000 + i:04d}"], civic=str(100 + i))
        for i in range(130)
    ]
    add_residence(
        app, "", ["+14185550177"], street="rue Price", city="JONQUIÈRE", address_needs_review=True
    )
    with app.app_context():
        session = get_session()
        launched = datetime(2026, 7, 2, 13, 5, tzinfo=UTC)  # 09:05 in Saguenay
        campaign = Campaign(
            title="Avis d'ébullition",
            message_fr="Faites bouillir l'eau.",
            status="completed",
            launched_at=launched,
            finished_at=launched,
            target={"cities": ["CHICOUTIMI"]},
            created_by="admin@saguenay.ca",
        )
        session.add(campaign)
        session.flush()
        session.add_all(
            Delivery(
                campaign_id=campaign.id,
                residence_id=rid,
                status="human" if i % 3 else "no_answer",
                last_attempt_at=launched,
            )
            for i, rid in enumerate(ids)
        )
        session.add(
            Campaign(
                title="Brouillon",
                message_fr="Essai.",
                status="draft",
                target={"cities": ["CHICOUTIMI", "ARVIDA"]},
            )
        )
        session.commit()
        return campaign.id


def test_every_console_page_passes_axe_with_a_one_line_header(live_app, registry, browser):
    page, base = open_page(browser), live_app.url
    page.goto(base + "/staff/login")
    assert_accessible(page)
    sign_in(page, base)
    draft = registry + 1
    urls = [
        "/staff/campaigns",
        "/staff/campaigns/new",
        f"/staff/campaigns/{registry}",
        f"/staff/campaigns/{draft}",
        f"/staff/campaigns/{draft}/launch",
        f"/staff/campaigns/{draft}/edit",
        "/staff/residents/131/review",
        f"/staff/campaigns/{registry}/summary",
        "/staff/residents",
        "/staff/residents?q=cote",
        "/staff/residents?q=555-3001",
        "/staff/residents/1",
        "/staff/residents/1/edit",
        "/staff/residents/new",
        "/staff/residents/import",
        "/staff/residents/review",
        "/staff/accounts",
        "/staff/audit",
        "/staff/profile",
        "/staff/profile/password",
    ]
    for url in urls:
        page.goto(base + url)
        assert page.locator("main").count() == 1, url
        assert_accessible(page)
        header = page.locator("header.top").bounding_box()
        assert header["height"] < 60, (url, header)  # one line at 1366 px
    page.context.close()


def test_on_a_phone_the_header_stays_small(live_app, registry, browser):
    page, base = open_page(browser, width=360, height=740), live_app.url
    sign_in(page, base)
    for url in ("/staff/campaigns", f"/staff/campaigns/{registry}"):
        page.goto(base + url)
        assert page.locator("header.top").bounding_box()["height"] < 740 / 5
        assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
        assert_accessible(page)
    page.context.close()


def test_local_times_paging_and_the_nameless_resident(live_app, registry, browser):
    page, base = open_page(browser), live_app.url
    sign_in(page, base)
    page.goto(base + f"/staff/campaigns/{registry}")
    assert page.locator("#deliveries tbody tr").count() == 100
    assert "09:05:00" in page.text_content("#deliveries")  # 13:05 UTC, in Saguenay
    page.click("nav.pages >> text=→")
    page.wait_for_url("**page=2**")
    assert page.locator("#deliveries tbody tr").count() == 30
    page.goto(base + f"/staff/campaigns/{registry}/summary")
    assert "2026-07-02 09:05:00" in page.text_content("article.summary")
    page.goto(base + "/staff/residents?q=4185550177")
    page.click("text=(sans nom)")
    page.wait_for_url("**/staff/residents/*")
    page.context.close()


def test_a_criterion_matching_nothing_is_flagged_as_staff_type(live_app, registry, browser):
    page, base = open_page(browser), live_app.url
    sign_in(page, base)
    page.goto(base + "/staff/campaigns/new")
    page.fill("#cities", "Chicoutimi, Jonqière")
    page.wait_for_function(
        "() => document.querySelector('#target-warnings').textContent.includes('JONQUIÈRE')"
    )
    assert "« JONQIÈRE » ne correspond à aucune résidence active" in page.text_content(
        "#target-warnings"
    )
    assert page.text_content("#target-count").startswith("130 résidences visées")
    assert_accessible(page)
    page.context.close()


def test_a_draft_is_edited_duplicated_and_deleted(live_app, registry, browser):
    page, base = open_page(browser), live_app.url
    sign_in(page, base)
    page.goto(base + "/staff/campaigns/new")
    page.fill("#title", "Coupure d'eau")
    page.fill("#message_fr", "L'eau sera coupée demain.")
    page.fill("#cities", "Chicoutimi")
    page.check("input[name=priority][value=normal]")  # chosen on purpose: no default
    page.click("#save-campaign")
    page.wait_for_url("**/staff/campaigns/*")
    draft_url = page.url
    page.click("#edit-draft")
    assert page.input_value("#title") == "Coupure d'eau"
    assert page.input_value("#cities") == "CHICOUTIMI"
    page.fill("#title", "Coupure d'eau — rue Racine")
    page.click("#save-campaign")
    page.wait_for_url(draft_url)
    assert "Coupure d'eau — rue Racine" in page.text_content("h1")
    page.click("#duplicate")
    page.wait_for_url("**/staff/campaigns/*")
    assert page.url != draft_url and "(copie)" in page.text_content("h1")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete-draft")
    page.wait_for_url("**/staff/campaigns")
    with live_app.app.app_context():
        titles = get_session().scalars(select(Campaign.title).order_by(Campaign.id)).all()
    assert titles == ["Avis d'ébullition", "Brouillon", "Coupure d'eau — rue Racine"]
    page.context.close()
