"""In headless Chromium (issue 15): with CAMPAIGN_APPROVAL=1 a normal campaign waits for a
second person, who approves it in their own browser; who approved is on the campaign page and
the printable summary; an emergency goes alone with a reason in the audit log. And the
template pages admins use. axe-core finds no violation on any page visited.

Skipped when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (CI)."""

from html import unescape

import pytest
from sqlalchemy import select

from models import AuditEntry, Campaign
from runtime.db import get_session
from tests.fixtures.browser import (
    browser,  # noqa: F401  (fixture)
    skip_without_chromium,
)
from tests.fixtures.console import PASSWORD, add_residence, add_staff

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

skip_without_chromium()

NEEDS_APPROVAL = "En attente de l'approbation d'un autre membre du personnel avant le lancement."


def person(browser, base, email, width=1200):
    """A browser context of its own (its own cookies), signed in as EMAIL."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-CA")
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(base + "/staff/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/staff/campaigns")
    return page


def assert_accessible(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


@pytest.fixture
def approval_stack(app_config, request):
    """The app served live with CAMPAIGN_APPROVAL on, calls going to the simulator; two
    operators, three residences in Chicoutimi."""
    app_config["CAMPAIGN_APPROVAL"] = True
    stack = request.getfixturevalue("stack")
    app = stack.live.app
    add_staff(app, "auteure@saguenay.ca")
    add_staff(app, "second@saguenay.ca")
    for i in range(3):
        add_residence(app, f"Résident {i}", [f"+1418555{4000 + i:04d}"], civic=str(100 + i))
    stack.sim.set_scenario({"seed": 3, "default": {"answer": "human"}})
    return stack


def campaign(app, campaign_id) -> Campaign:
    with app.app_context():
        return get_session().get(Campaign, campaign_id)


def new_campaign(page, builtin: str) -> int:
    """A campaign from a built-in template, over Chicoutimi; its id."""
    page.click("text=Nouvelle alerte")
    page.click(f"[data-builtin={builtin}]")
    page.fill("#cities", "Chicoutimi")
    page.click("#campaign-form button.primary")
    page.wait_for_selector("#launch")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def test_a_second_person_approves_then_the_launch_goes(approval_stack, browser):
    app, base = approval_stack.live.app, approval_stack.live.url
    author = person(browser, base, "auteure@saguenay.ca")
    campaign_id = new_campaign(author, "water_interruption")  # a normal one
    assert author.locator("#approval").inner_text() == NEEDS_APPROVAL
    assert author.locator("#approve").count() == 0  # not by its author
    assert_accessible(author)

    author.click("#launch")
    assert author.locator("#needs-approval").inner_text() == NEEDS_APPROVAL
    assert_accessible(author)
    author.click("#confirm-launch")  # tried anyway: refused, said on the page
    author.wait_for_url(f"**/staff/campaigns/{campaign_id}")
    assert "Cette campagne doit d'abord être approuvée" in author.locator("main").inner_text()
    assert campaign(app, campaign_id).status == "draft"

    second = person(browser, base, "second@saguenay.ca")
    second.goto(f"{base}/staff/campaigns/{campaign_id}")
    assert_accessible(second)
    second.click("#approve")
    second.wait_for_selector("text=Campagne approuvée.")
    assert (
        second.locator("#approval")
        .inner_text()
        .startswith("Approuvée par second@saguenay.ca, aujourd'hui à ")
    )
    assert campaign(app, campaign_id).approved_by == "second@saguenay.ca"

    author.reload()  # the author sees it and launches
    assert author.locator("#approval").inner_text().startswith("Approuvée par second@saguenay.ca")
    author.click("#launch")
    assert author.locator("#needs-approval").count() == 0
    author.click("#confirm-launch")
    author.wait_for_selector("#progress")
    assert campaign(app, campaign_id).status in ("running", "completed")
    assert author.locator("#approval").inner_text().startswith("Approuvée par second@saguenay.ca")
    assert_accessible(author)

    author.goto(f"{base}/staff/campaigns/{campaign_id}/summary")
    assert author.locator("#summary-approved").inner_text() == "second@saguenay.ca"
    assert_accessible(author)


def test_an_emergency_is_launched_alone_with_a_reason(approval_stack, browser):
    app, base = approval_stack.live.app, approval_stack.live.url
    author = person(browser, base, "auteure@saguenay.ca", width=360)  # on a phone
    campaign_id = new_campaign(author, "evacuation")  # an emergency
    author.click("#launch")
    assert author.locator("#reason").is_visible()
    assert_accessible(author)
    author.click("#confirm-launch")  # no reason: the browser asks for one, nothing is sent
    assert "/launch" in author.url
    assert campaign(app, campaign_id).status == "draft"
    author.fill("#reason", "Bris de digue, personne d'autre sur place")
    author.click("#confirm-launch")
    author.wait_for_selector("#progress")
    assert campaign(app, campaign_id).status in ("running", "completed")
    assert campaign(app, campaign_id).approved_by is None
    with app.app_context():
        entry = (
            get_session()
            .scalars(select(AuditEntry).where(AuditEntry.action == "campaign.launch"))
            .one()
        )
    assert entry.actor == "auteure@saguenay.ca"
    assert entry.details["reason"] == "Bris de digue, personne d'autre sur place"


def test_an_admin_edits_a_template_and_staff_pick_it(live_app, browser):
    app, base = live_app.app, live_app.url
    add_staff(app, "admin@saguenay.ca", role="admin")
    admin = person(browser, base, "admin@saguenay.ca")
    admin.goto(base + "/staff/templates")
    assert_accessible(admin)
    admin.click("text=Nouveau modèle")
    assert_accessible(admin)
    admin.fill("#name_fr", "Coupure de courant")
    admin.fill("#name_en", "Power outage")
    admin.check("input[name=priority][value=normal]")
    admin.fill("#message_fr", "Coupure de courant le {date} dans le secteur {ville}.")
    admin.click("form.card button.primary")
    assert (
        "Champ inconnu : {ville}."
        in admin.locator("#message_fr + .error, .error").first.inner_text()
    )
    assert_accessible(admin)  # the refusal is said, and the page stays accessible
    admin.fill("#message_fr", "Coupure de courant le {date} dans le secteur {secteur}.")
    admin.click("form.card button.primary")
    admin.wait_for_url("**/staff/templates")
    assert "Coupure de courant" in admin.locator("table").inner_text()

    admin.goto(base + "/staff/campaigns/new")
    admin.click("text=Coupure de courant")  # fills the form in place
    message = admin.input_value("#message_fr")
    assert message.startswith("Coupure de courant le ") and message.endswith("{secteur}.")
    assert "{date}" not in message
    assert admin.is_checked("input[name=priority][value=normal]")
    assert unescape(admin.input_value("#title")) == "Coupure de courant"
