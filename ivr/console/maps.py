"""The campaign form's map (issue 16): the residences' places, the named sectors, the residences
without coordinates, and what the form and the campaign pages show of a zone."""

import json
from urllib.parse import urlsplit

from flask import current_app, render_template, url_for
from flask_login import login_required
from markupsafe import Markup
from sqlalchemy import select

from dialer.targeting import condition, is_empty
from dialer.zones import has_geometry, points, unplaced
from models import Campaign, Delivery, Residence, Sector
from runtime.db import get_session

from . import bp
from .formats import n_
from .language import _, lang
from .zone_picture import bounds, draw

LISTED = 20
"""Targeted residences listed under the count as the zone changes."""
MAX_HIGHLIGHTED = 20_000
"""Targeted residences the map colours at most (past that, the count alone says it)."""


def tile_source(config) -> str:
    """The tile server's origin for the Content-Security-Policy's img-src ('' without one):
    'https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png' -> 'https://*.tile.openstreetmap.org'."""
    url = (config.get("MAP_TILE_URL") or "").strip()
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def decimal(value: float) -> str:
    """A coordinate in the page's way: 48,4281 in French, 48.4281 in English."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang() == "fr" else text


def zone_form_data(target: dict) -> dict:
    """The map fields of the campaign form for a stored TARGET (editing a draft). The form
    edits one circle: a target made elsewhere with several keeps its first."""
    zones, near = target.get("zones") or [], target.get("near") or []
    circle = near[0] if near else {}
    return {
        "zone": json.dumps(zones) if zones else "",
        "near_lat": decimal(circle["lat"]) if circle else "",
        "near_lon": decimal(circle["lon"]) if circle else "",
        "near_metres": f"{circle['metres']:g}" if circle else "",
        "sectors": [int(i) for i in target.get("sectors") or []],
    }


def sector_choices(form):
    """FORM with its named sectors to tick (the ones that exist now)."""
    rows = get_session().execute(select(Sector.id, Sector.name).order_by(Sector.name)).all()
    form.sectors.choices = [(i, name) for i, name in rows]
    return form


def zone_section() -> dict:
    """What the form's map section needs besides the form: the tile layer, and how many
    residences have no coordinates (they are not on the map)."""
    count, _listed = unplaced(get_session(), None, limit=0)
    config = current_app.config
    return {
        "tile_url": config.get("MAP_TILE_URL") or "",
        "tile_attribution": config.get("MAP_TILE_ATTRIBUTION") or "",
        "unplaced": count,
    }


def count_details(session, target: dict, count: int) -> dict:
    """What the form shows with the COUNT: the first targeted residences, their ids for the
    map to colour, and the residences without coordinates that no criterion reaches."""
    details: dict = {"residences": [], "more_text": "", "ids": None, "unplaced": None}
    if not is_empty(target):
        where = condition(session, target)
        rows = session.scalars(
            select(Residence)
            .where(where)
            .order_by(Residence.city, Residence.street, Residence.civic_number, Residence.id)
            .limit(LISTED)
        ).all()
        details["residences"] = [
            {
                "id": r.id,
                "name": f"{r.last_name} {r.first_name}".strip() or _("console.resident.no_name"),
                "address": r.address_line,
                "url": url_for("console.resident_view", residence_id=r.id),
            }
            for r in rows
        ]
        if count > len(rows):
            details["more_text"] = n_("console.map.list_more", count - len(rows))
        ids = session.scalars(select(Residence.id).where(where).limit(MAX_HIGHLIGHTED + 1)).all()
        details["ids"] = list(ids) if len(ids) <= MAX_HIGHLIGHTED else None
    if has_geometry(target):
        count, _listed = unplaced(session, target, limit=0)
        details["unplaced"] = count
        details["unplaced_text"] = n_("console.map.unplaced_in_zone", count) if count else ""
    return details


def campaign_picture(session, campaign: Campaign) -> Markup | None:
    """The zone of CAMPAIGN as an inline SVG, with its residences as dots: the ones it would
    call (a draft) or the ones it called (launched). None when it has no zone."""
    target = campaign.target or {}
    if not has_geometry(target):
        return None
    wanted = [int(i) for i in target.get("sectors") or []]
    sectors = [
        (name, geometry)
        for name, geometry in session.execute(
            select(Sector.name, Sector.geometry).where(Sector.id.in_(wanted)).order_by(Sector.name)
        )
    ]
    zones, circles = list(target.get("zones") or []), list(target.get("near") or [])
    box = bounds([*zones, *(g for _name, g in sectors)], circles)
    if box is None:
        return None
    if campaign.status == "draft":
        ids = set(session.scalars(select(Residence.id).where(condition(session, target))))
    else:
        ids = set(
            session.scalars(
                select(Delivery.residence_id).where(Delivery.campaign_id == campaign.id)
            )
        )
    dots = [(lat, lon) for rid, lat, lon in points(session, box) if rid in ids]
    title = n_("console.map.picture_title", len(dots))
    return draw(zones, circles, sectors, dots, title, picture_id=f"zone-picture-{campaign.id}")


def picture_caption(target: dict | None) -> str:
    """What the zone picture of TARGET shows, in words: only what is drawn."""
    target = target or {}
    parts = []
    if target.get("zones") or target.get("near"):
        parts.append(_("console.map.caption_zone"))
    if target.get("sectors"):
        parts.append(_("console.map.caption_sectors"))
    parts.append(_("console.map.caption_dots"))
    return " ".join(parts)


@bp.get("/map/points.json")
@login_required
def map_points():
    """Every active residence that has coordinates: [id, lat, lon] (what the map clusters)."""
    return {"points": [[i, lat, lon] for i, lat, lon in points(get_session())]}


@bp.get("/map/sectors.json")
@login_required
def map_sectors():
    """The named sectors an admin uploaded, with their geometry (GeoJSON, [lon, lat])."""
    rows = get_session().execute(
        select(Sector.id, Sector.name, Sector.geometry).order_by(Sector.name)
    )
    return {"sectors": [{"id": i, "name": n, "geometry": g} for i, n, g in rows]}


@bp.get("/map/unplaced")
@login_required
def map_unplaced():
    """The active residences without coordinates: no zone on the map can reach them."""
    count, listed = unplaced(get_session(), None)
    return render_template("console/map_unplaced.html", count=count, residences=listed)


DRAW_WORDS = {
    # Leaflet.draw's words (L.drawLocal), by path, from the catalogue
    "draw.toolbar.actions.title": "console.map.draw.cancel_title",
    "draw.toolbar.actions.text": "console.map.draw.cancel",
    "draw.toolbar.finish.title": "console.map.draw.finish_title",
    "draw.toolbar.finish.text": "console.map.draw.finish",
    "draw.toolbar.undo.title": "console.map.draw.undo",
    "draw.toolbar.undo.text": "console.map.draw.undo",
    "draw.toolbar.buttons.polygon": "console.map.draw.polygon",
    "draw.toolbar.buttons.rectangle": "console.map.draw.rectangle",
    "draw.toolbar.buttons.circle": "console.map.draw.circle",
    "draw.handlers.circle.tooltip.start": "console.map.draw.circle_start",
    "draw.handlers.circle.radius": "console.map.draw.radius",
    "draw.handlers.polygon.tooltip.start": "console.map.draw.polygon_start",
    "draw.handlers.polygon.tooltip.cont": "console.map.draw.polygon_cont",
    "draw.handlers.polygon.tooltip.end": "console.map.draw.polygon_end",
    "draw.handlers.polyline.error": "console.map.draw.crossing",
    "draw.handlers.rectangle.tooltip.start": "console.map.draw.rectangle_start",
    "draw.handlers.simpleshape.tooltip.end": "console.map.draw.release",
    "edit.toolbar.actions.save.title": "console.map.draw.save_title",
    "edit.toolbar.actions.save.text": "console.map.draw.save",
    "edit.toolbar.actions.cancel.title": "console.map.draw.cancel_edit_title",
    "edit.toolbar.actions.cancel.text": "console.map.draw.cancel",
    "edit.toolbar.actions.clearAll.title": "console.map.draw.clear_all_title",
    "edit.toolbar.actions.clearAll.text": "console.map.draw.clear_all",
    "edit.toolbar.buttons.edit": "console.map.draw.edit",
    "edit.toolbar.buttons.editDisabled": "console.map.draw.edit_none",
    "edit.toolbar.buttons.remove": "console.map.draw.remove",
    "edit.toolbar.buttons.removeDisabled": "console.map.draw.remove_none",
    "edit.handlers.edit.tooltip.text": "console.map.draw.edit_text",
    "edit.handlers.edit.tooltip.subtext": "console.map.draw.edit_subtext",
    "edit.handlers.remove.tooltip.text": "console.map.draw.remove_text",
}


@bp.app_template_global("map_strings")
def map_strings() -> dict:
    """The map script's words in the page language: Leaflet.draw's (nested as L.drawLocal
    holds them) and the map's own."""
    draw_words: dict = {}
    for path, key in DRAW_WORDS.items():
        node = draw_words
        *parents, leaf = path.split(".")
        for name in parents:
            node = node.setdefault(name, {})
        node[leaf] = _(key)
    return {
        "draw": draw_words,
        "zoom_in": _("console.map.zoom_in"),
        "zoom_out": _("console.map.zoom_out"),
        "residence": _("console.map.residence"),
        "lang": lang(),
    }


@bp.app_template_filter("zone_count")
def zone_count(text: str | None) -> int:
    """How many shapes the form's hidden zone field carries."""
    try:
        zones = json.loads(text or "[]")
    except ValueError:
        return 0
    return len(zones) if isinstance(zones, list) else 1
