"""The campaign form's map in headless Chromium (issue 16): a polygon drawn with the mouse counts
exactly the residences inside it, the campaign is saved and launched against the carrier
simulator, and exactly those residences are called; a circle typed with the keyboard alone;
axe-core finds no violation on the map's pages.

Skipped when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (CI)."""

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Campaign, Delivery
from runtime.db import get_session
from tests.console.test_map import place, sectors_file
from tests.fixtures.browser import (
    browser,  # noqa: F401  (fixture)
    skip_without_chromium,
)
from tests.fixtures.console import PASSWORD, add_residence, add_staff

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

skip_without_chromium()

# Around Chicoutimi's centre: four inside the polygon drawn below, three outside, one unplaced.
INSIDE = {
    "Intérieur 1": (48.4280, -71.0680),
    "Intérieur 2": (48.4290, -71.0700),
    "Intérieur 3": (48.4270, -71.0660),
    "Intérieur 4": (48.4285, -71.0655),
}
OUTSIDE = {
    "Extérieur 1": (48.4330, -71.0680),
    "Extérieur 2": (48.4280, -71.0560),
    "Extérieur 3": (48.4230, -71.0800),
}
POLYGON = [(48.4305, -71.0725), (48.4305, -71.0630), (48.4255, -71.0630), (48.4255, -71.0725)]
"""Corners (lat, lon) clicked on the map, clockwise from the north-west."""


def open_page(browser, width=1280, height=1000):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-CA")
    page = context.new_page()
    page.set_default_timeout(20000)
    page.on("pageerror", lambda error: print("page error:", error))  # shown when a test fails
    return page


def sign_in(page, base, email):
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
def city(stack):
    """The residences of INSIDE and OUTSIDE placed on the map, one without coordinates; every
    number answers in the simulator."""
    app = stack.live.app
    ids = {}
    for i, (name, (lat, lon)) in enumerate({**INSIDE, **OUTSIDE}.items()):
        ids[name] = add_residence(app, name, [f"+1418555{4000 + i:04d}"], civic=str(200 + i))
        place(app, ids[name], lat, lon)
    ids["Sans coordonnées"] = add_residence(app, "Sans coordonnées", ["+14185554099"], civic="9")
    stack.sim.set_scenario({"seed": 3, "default": {"answer": "human"}})
    add_staff(app, "operateur@saguenay.ca", phone="+14185550199")
    add_staff(app, "admin@saguenay.ca", role="admin")
    return ids


@pytest.fixture
def worker(stack):
    from dialer.worker import start_embedded_worker

    running = start_embedded_worker(stack.live.app)
    yield running
    running.stop()


def shoot(page, name, selector="main"):
    """With CONSOLE_SCREENSHOTS=1, save the page's SELECTOR to docs/screenshots/ (README)."""
    if os.environ.get("CONSOLE_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator(selector).screenshot(path=str(SHOTS / f"{name}.png"))


def to_pixel(page, lat, lon):
    """Where (LAT, LON) is on the page, from the map's own projection."""
    return page.evaluate(
        """([lat, lon]) => {
            const box = document.getElementById('zone-map');
            const p = box.map.latLngToContainerPoint([lat, lon]);
            const r = box.getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""",
        [lat, lon],
    )


def click_map(page, lat, lon):
    """Click the map at (LAT, LON) while drawing, as a hand does: the pointer comes to the
    place, Leaflet.draw's marker follows it there, then the button is pressed."""
    x, y = to_pixel(page, lat, lon)
    under = "([x, y]) => document.elementFromPoint(x, y).classList.contains('leaflet-mouse-marker')"
    for _attempt in range(20):
        page.mouse.move(x + 8, y + 8, steps=2)
        page.mouse.move(x, y, steps=4)
        if page.evaluate(under, [x, y]):
            break
        page.wait_for_timeout(100)
    page.mouse.click(x, y)


def map_ready(page):
    page.wait_for_function(
        "() => document.querySelectorAll('#zone-map .residence-dot, #zone-map .residence-cluster')"
        ".length > 0"
    )


def test_draw_a_polygon_count_it_launch_it_and_call_exactly_those(stack, city, worker, browser):
    page, base = open_page(browser), stack.live.url
    sign_in(page, base, "operateur@saguenay.ca")
    page.goto(base + "/staff/campaigns/new")
    map_ready(page)
    assert "1 résidence sans coordonnées : elle n'est pas sur la carte." in page.text_content(
        "#unplaced"
    )
    # centre the map on the block, close enough for the residences to stand apart
    page.evaluate(
        "document.getElementById('zone-map').map.setView([48.428, -71.068], 15, {animate: false})"
    )
    page.click(".leaflet-draw-draw-polygon")
    for number, (lat, lon) in enumerate(POLYGON, start=1):
        click_map(page, lat, lon)
        page.wait_for_function(  # the corner is placed (Leaflet.draw's vertex marker)
            f"() => document.querySelectorAll('.leaflet-editing-icon').length === {number}"
        )
    click_map(page, *POLYGON[0])  # on the first point again: the polygon closes
    page.wait_for_function(
        "() => document.querySelector('#target-count').textContent.startsWith('4 ')"
    )
    assert page.text_content("#target-count").strip() == "4 résidences visées"
    listed = page.locator("#target-list li").all_text_contents()
    assert sorted(line.split(" — ")[0] for line in listed) == sorted(INSIDE)
    assert "Attention : 1 résidence sans coordonnées" in page.text_content("#unplaced-zone")
    zone = json.loads(page.input_value("#zone"))
    assert len(zone) == 1 and zone[0]["type"] == "Polygon"
    page.wait_for_function(  # the map colours the targeted residences
        "() => document.querySelectorAll('#zone-map .residence-dot.hit').length"
        " + [...document.querySelectorAll('#zone-map .residence-cluster.hit')].length > 0"
    )
    assert_accessible(page)
    shoot(page, "campaign-map", "#target-section")

    page.fill("#title", "Bris d'aqueduc — rue Racine")
    page.fill("#message_fr", "Faites bouillir l'eau.")
    page.check("input[name=priority][value=emergency]")
    page.click("summary")
    page.fill("#rounds", "1")
    page.click("#save-campaign")
    page.wait_for_url("**/staff/campaigns/*")
    assert page.text_content("#target-count").strip() == "4 résidences visées"
    assert page.locator("svg.zone-picture circle.zone-dot").count() == 4
    assert_accessible(page)
    shoot(page, "campaign-zone", "#zone-figure")
    page.click("#launch")
    page.click("#confirm-launch")
    page.wait_for_function(
        "() => document.querySelector('#status').dataset.status === 'completed'", timeout=60000
    )
    with stack.live.app.app_context():
        session = get_session()
        campaign = session.scalar(select(Campaign))
        called = set(
            session.scalars(
                select(Delivery.residence_id).where(Delivery.campaign_id == campaign.id)
            )
        )
    assert called == {city[name] for name in INSIDE}
    dialled = {c["to"] for c in stack.sim.calls()}
    assert dialled == {f"+1418555{4000 + i:04d}" for i in range(len(INSIDE))}
    page.goto(base + f"/staff/campaigns/{campaign.id}/summary")
    assert page.locator("svg.zone-picture circle.zone-dot").count() == 4
    assert_accessible(page)
    page.context.close()


def test_a_circle_typed_with_the_keyboard_alone(live_app, browser):
    app = live_app.app
    add_staff(app, "operateur@saguenay.ca", phone="+14185550199")
    for i, (name, (lat, lon)) in enumerate({**INSIDE, **OUTSIDE}.items()):
        rid = add_residence(app, name, [f"+1418555{4000 + i:04d}"], civic=str(200 + i))
        place(app, rid, lat, lon)
    page, base = open_page(browser), live_app.url
    sign_in(page, base, "operateur@saguenay.ca")
    page.goto(base + "/staff/campaigns/new")
    map_ready(page)
    page.focus("#zone_file")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "near_lat"
    page.keyboard.type("48,4280")
    page.keyboard.press("Tab")
    page.keyboard.type("-71,0680")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "near_metres"
    page.keyboard.type("60")  # Intérieur 1 only (the others are 185 m and more away)
    page.wait_for_function(
        "() => document.querySelector('#target-count').textContent.startsWith('1 ')"
    )
    assert page.locator("#target-list li").all_text_contents()[0].startswith("Intérieur 1 — ")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.type("200")  # the four inside: 0, 185, 185 and 193 m; the next is at 556 m
    page.wait_for_function(
        "() => document.querySelector('#target-count').textContent.startsWith('4 ')"
    )
    listed = page.locator("#target-list li").all_text_contents()
    assert sorted(line.split(" — ")[0] for line in listed) == sorted(INSIDE)
    # the typed circle is on the map too
    radius = page.evaluate(
        "() => { let r = null; document.getElementById('zone-map').map.eachLayer("
        "l => { if (l.getRadius && l.getRadius() > 20) r = l.getRadius(); }); return r; }"
    )
    assert radius == 200
    assert_accessible(page)
    page.context.close()


def test_the_sectors_and_unplaced_pages_pass_axe(live_app, browser):
    from dialer.zones import import_sectors

    app = live_app.app
    add_staff(app, "admin@saguenay.ca", role="admin")
    add_residence(app, "Sans coordonnées", ["+14185554099"], civic="9")
    with app.app_context():
        import_sectors(get_session(), sectors_file("Centre-ville"), "nom", "admin@saguenay.ca")
    page, base = open_page(browser, width=360, height=740), live_app.url
    sign_in(page, base, "admin@saguenay.ca")
    for url in ("/staff/sectors", "/staff/map/unplaced", "/staff/campaigns/new"):
        page.goto(base + url)
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1, url
    # a sector clicked on the map is ticked in the form
    map_ready_or_empty = "() => document.querySelector('#zone-map path.leaflet-interactive')"
    page.wait_for_function(map_ready_or_empty)
    page.locator("#zone-map path.leaflet-interactive").first.click(force=True)
    page.wait_for_function("() => document.querySelector('input[name=sectors]').checked")
    page.context.close()
