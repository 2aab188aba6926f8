"""In headless Chromium: the SMS counter follows the text as it is typed (encoding, segments,
cost), the accent option moves it to GSM-7, a template fills the short texts; a 360 px phone
shows the form without sideways scrolling."""

import pytest

from tests.console.test_browser import browser_page, sign_in  # noqa: F401 (fixture)
from tests.fixtures.browser import skip_without_chromium
from tests.fixtures.console import add_staff

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

skip_without_chromium()


def counter(page, language="fr"):
    return page.text_content(f"#sms_{language}-counter")


def test_the_sms_counter_follows_the_text(stack, browser_page):
    page, base = browser_page, stack.live.url
    add_staff(stack.live.app, "operateur@saguenay.ca")
    sign_in(page, base, "operateur@saguenay.ca")
    page.goto(base + "/staff/campaigns/new")
    page.click("[data-builtin=boil_water]")
    assert page.input_value("#sms_fr").startswith("Ville de Saguenay : avis d'ébullition.")
    page.wait_for_function(
        "() => document.querySelector('#sms_fr-counter').textContent"
        ".startsWith('GSM-7 · 136 caractères · 1 segment(s)')"
    )
    page.fill("#sms_fr", "")
    page.type("#sms_fr", "Même filtrée, faites bouillir l'eau.")
    page.wait_for_function(
        "() => document.querySelector('#sms_fr-counter').dataset.encoding === 'UCS-2'"
    )
    assert counter(page).startswith("UCS-2 · 36 caractères · 1 segment(s) · coût ×1")
    assert counter(page).endswith("Hors GSM-7 : ê")
    page.fill("#sms_fr", "Même " + "x" * 70)
    page.wait_for_function(
        "() => document.querySelector('#sms_fr-counter').dataset.segments === '2'"
    )
    assert "coût ×2" in counter(page)
    page.check("#sms_gsm7")
    page.wait_for_function(
        "() => document.querySelector('#sms_fr-counter').dataset.encoding === 'GSM-7'"
    )
    assert counter(page).startswith("GSM-7 · 75 caractères · 1 segment(s) · coût ×1")


def test_the_form_fits_a_360_px_phone(stack, browser_page):
    page, base = browser_page, stack.live.url
    add_staff(stack.live.app, "operateur@saguenay.ca")
    sign_in(page, base, "operateur@saguenay.ca")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(base + "/staff/campaigns/new?template=evacuation")
    assert page.evaluate("document.documentElement.scrollWidth <= 360")
    page.focus("#message_en")  # reachable with the keyboard: Tab from the English message
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "sms_fr"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "sms_en"
