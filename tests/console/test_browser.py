"""End to end in headless Chromium: sign in, create and launch an alert against the carrier
simulator, watch the progress reach 100 % without a reload, download the CSV.

Skipped when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (CI). With
CONSOLE_SCREENSHOTS=1 the main pages are saved to docs/screenshots/ for the README.
"""

import csv
import io
import os
from pathlib import Path

import pytest

from tests.fixtures.browser import ARGS, CHROMIUM, skip_without_chromium
from tests.fixtures.console import PASSWORD, add_residence, add_staff

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

skip_without_chromium()

# residence -> how its number answers in the simulator
BEHAVIOUR = ["human", "human", "voicemail", "no-answer", "busy", "human", "failed", "human"]


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 1200, "height": 900}, locale="fr-CA", accept_downloads=True
        )
        page = context.new_page()
        page.set_default_timeout(20000)
        yield page
        context.close()
        browser.close()


@pytest.fixture
def city(stack):
    """Eight residences in Chicoutimi answering as BEHAVIOUR says, two in Jonquière."""
    numbers = {}
    for i, answer in enumerate(BEHAVIOUR):
        number = f"+1418555{2000 + i:04d}"
        numbers[number] = {"answer": answer}
        add_residence(stack.live.app, f"Résident {i}", [number], civic=str(100 + 2 * i))
    for i in range(2):
        add_residence(
            stack.live.app,
            f"Voisin {i}",
            [f"+1418555{2100 + i:04d}"],
            city="JONQUIÈRE",
            street="rue Saint-Dominique",
        )
    stack.sim.set_scenario({"seed": 7, "default": {"answer": "human"}, "numbers": numbers})
    add_staff(stack.live.app, "operateur@saguenay.ca", phone="+14185550199")
    add_staff(stack.live.app, "admin@saguenay.ca", role="admin")
    return numbers


@pytest.fixture
def worker(stack):
    from dialer.worker import start_embedded_worker

    running = start_embedded_worker(stack.live.app)
    yield running
    running.stop()


def shoot(page, name, url=None):
    if os.environ.get("CONSOLE_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        # in a page of its own: after a full-page shot, this Chromium misplaces later clicks
        other = page.context.new_page()
        other.goto(url or page.url)
        other.wait_for_timeout(300)
        other.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        other.close()


def sign_in(page, base, email):
    page.goto(base + "/staff/login")
    shoot(page, "login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/staff/campaigns")


def test_launch_an_alert_and_follow_it_to_the_end(stack, city, worker, browser_page, tmp_path):
    page, base = browser_page, stack.live.url
    sign_in(page, base, "operateur@saguenay.ca")

    page.click("text=Nouvelle alerte")
    page.click("[data-builtin=boil_water]")  # fills both messages without a reload
    assert "bouillir" in page.input_value("#message_fr")
    assert "boil" in page.input_value("#message_en")
    assert "caractères" in page.text_content("#message_fr-counter")
    page.fill("#title", "Avis d'ébullition — Chicoutimi")
    page.fill("#cities", "Chicoutimi")
    page.wait_for_function(
        "() => document.querySelector('#target-count').textContent.startsWith('8 ')"
    )
    page.click("summary")
    page.fill("#rounds", "1")
    shoot(page, "new-campaign", base + "/staff/campaigns/new?template=boil_water")
    page.click("#save-campaign")

    assert page.text_content("#target-count").strip() == "8 résidences visées"
    page.click("#launch")
    page.click("#confirm-launch")  # the confirmation step names the count
    page.evaluate("window.__sameDocument = true")
    try:
        page.wait_for_function(
            "() => document.querySelector('#percent').textContent === '100 %'", timeout=60000
        )
        page.wait_for_function(
            "() => document.querySelector('#status').dataset.status === 'completed'", timeout=60000
        )
    except Exception:
        print("page:", page.url, page.text_content("main"))
        print("simulator:", stack.sim.stats())
        raise
    assert page.evaluate("window.__sameDocument") is True  # updated in place, never reloaded
    counts = {
        key: int(page.text_content(f"dd[data-key={key}]"))
        for key in ("human", "voicemail", "no_answer", "busy", "failed", "pending", "in_progress")
    }
    # people or voicemail: which one is the dialer's answering-machine detection, tested there
    assert counts["human"] + counts["voicemail"] == 5
    assert (counts["no_answer"], counts["busy"], counts["failed"]) == (1, 1, 1)
    assert counts["pending"] == counts["in_progress"] == 0
    assert page.is_visible("#summary-link")
    page.wait_for_function(  # the residences table follows too, still without a reload
        "() => document.querySelector('#deliveries').textContent.includes('Sans réponse')"
    )
    assert page.evaluate("window.__sameDocument") is True
    page.reload()
    shoot(page, "campaign-progress")

    with page.expect_download() as download:
        page.click("#export")
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert len(rows) == 8
    outcomes = {r["Nom"]: r["Résultat"] for r in rows}
    assert outcomes["Résident 2"] in ("Boîte vocale", "Personne jointe")
    assert (outcomes["Résident 3"], outcomes["Résident 4"]) == ("Sans réponse", "Occupé")
    assert "Voisin 0" not in outcomes

    page.select_option("#filter", "not_reached")
    page.wait_for_url("**filter=not_reached**")
    assert page.locator("#deliveries tbody tr").count() == 3  # no answer, busy, failed

    page.click("#summary-link")
    assert "5 (62 %)" in page.text_content("article.summary")  # 4 people, 1 voicemail of 8
    shoot(page, "summary")


def test_residents_pages(stack, city, browser_page):
    page, base = browser_page, stack.live.url
    sign_in(page, base, "admin@saguenay.ca")
    page.click("text=Résidents")
    page.fill("#q", "418 555-2003")
    page.click("button.primary")
    assert page.locator("#results tbody tr").count() == 1
    assert "Résident 3" in page.text_content("#results")
    shoot(page, "residents")
    page.click("text=Importer des résidents (CSV)")
    page.set_input_files(
        "#file",
        files=[
            {
                "name": "residents.csv",
                "mimeType": "text/csv",
                "buffer": (
                    "last_name,first_name,language,phone,phone2,phone3,civic_number,street,apartment,"
                    "city,postal_code,active\nLavoie,Marc,fr,418 555-0121,,,10,rue Price,,Jonquière,,1\n"
                    "Simard,,fr,555-0122,,,11,rue Price,,Jonquière,,1\n"
                ).encode(),
            }
        ],
    )
    page.click("button.primary")
    page.wait_for_function("() => !document.querySelector('#refused').hidden")
    assert "Lignes importées : 1 · refusées : 1" in page.text_content("#import-state")
    shoot(page, "residents-import")
