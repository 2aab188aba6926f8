"""The console under its Content-Security-Policy, in headless Chromium: no page trips it, the
scripts still work, and the audit log's pages are reachable with the keyboard and on a phone.

Skipped when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (CI).
"""

import pytest

from models import audit
from runtime.db import get_session
from tests.fixtures.browser import (
    browser,  # noqa: F401  (fixture)
    skip_without_chromium,
)
from tests.fixtures.console import PASSWORD, add_staff

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

skip_without_chromium()


def _page(browser, **options):
    context = browser.new_context(locale="fr-CA", **options)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.violations = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and page.violations.append(message.text)
        ),
    )
    return page


def _sign_in(page, base):
    page.goto(base + "/staff/login")
    page.fill("#email", "admin@saguenay.ca")
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/staff/campaigns")


def test_console_pages_run_under_the_csp(live_app, browser):
    add_staff(live_app.app, "admin@saguenay.ca", role="admin")
    page, base = _page(browser), live_app.url
    _sign_in(page, base)
    for path in [
        "/staff/campaigns",
        "/staff/residents",
        "/staff/accounts",
        "/staff/audit",
        "/staff/profile",
        "/staff/campaigns/new",
    ]:
        page.goto(base + path)
        assert page.title()
    # console.js runs: a template fills the form in place, the counter counts
    page.click("[data-builtin=boil_water]")
    assert "bouillir" in page.input_value("#message_fr")
    assert "caractères" in page.text_content("#message_fr-counter")
    assert page.violations == []


def test_audit_pages_with_the_keyboard_and_on_a_phone(live_app, browser):
    add_staff(live_app.app, "admin@saguenay.ca", role="admin")
    with live_app.app.app_context():
        db = get_session()
        for i in range(120):
            audit(db, "system", f"test.entry{i:03d}", details_text="x" * 80)
        db.commit()
    page, base = (
        _page(browser, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True),
        live_app.url,
    )
    _sign_in(page, base)
    page.goto(base + "/staff/audit")
    # the page itself never scrolls sideways on a phone (only the table does)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    next_link = page.locator("a[rel=next]")
    next_link.focus()
    assert page.evaluate("document.activeElement.getAttribute('rel')") == "next"
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/audit?page=2")
    assert "test.entry069" in page.text_content("main")
    assert page.violations == []
