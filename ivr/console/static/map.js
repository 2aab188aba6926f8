/* The campaign form's map (issue 16): the residences clustered, the named sectors, and the
   zone staff draw (polygons, rectangles, one circle) with Leaflet.draw. The map only writes
   the form's fields: the hidden `zone` (a JSON list of GeoJSON geometries, [lon, lat]), the
   circle's three number fields and the sectors' checkboxes; the server reads and checks them,
   and the form works without this script. Every library is a file of static/vendor/. */
(function () {
  "use strict";

  var box = document.getElementById("zone-map");
  if (!box || !window.L || !L.Control.Draw || !L.markerClusterGroup) return;
  var form = box.closest("form");
  var strings = JSON.parse(document.getElementById("map-strings").textContent);
  var fr = strings.lang === "fr";
  var SAGUENAY = [48.42, -71.07];
  var ZONE_STYLE = {color: "#b3261e", weight: 3, fillOpacity: 0.12};
  var SECTOR_STYLE = {color: "#0b4f8a", weight: 2, fillOpacity: 0.04, dashArray: "6 4"};
  var SECTOR_TICKED = {color: "#0b4f8a", weight: 3, fillOpacity: 0.18, dashArray: null};

  function merge(into, from) {
    Object.keys(from).forEach(function (k) {
      if (from[k] && typeof from[k] === "object") merge(into[k] = into[k] || {}, from[k]);
      else into[k] = from[k];
    });
  }
  merge(L.drawLocal, strings.draw);

  // Shown only with the script: the map, its legend and erase button; the "remove the
  // stored zone" checkbox is the way without it (the map erases instead).
  box.hidden = false;
  document.querySelectorAll(".map-only").forEach(function (el) { el.hidden = false; });
  document.querySelectorAll(".no-map").forEach(function (el) { el.hidden = true; });

  var map = L.map(box, {zoomControl: false, attributionControl: false, maxZoom: 19});
  box.map = map;  // for the browser tests and the console's other scripts
  L.control.zoom({zoomInTitle: strings.zoom_in, zoomOutTitle: strings.zoom_out}).addTo(map);
  var tileUrl = box.getAttribute("data-tile-url");
  if (tileUrl) {
    L.control.attribution({prefix: false}).addTo(map);
    L.tileLayer(tileUrl, {attribution: box.getAttribute("data-tile-attribution") || "",
                          maxZoom: 19}).addTo(map);
  } else {
    box.classList.add("plain");  // no tile server set: the residences and sectors alone
  }
  map.setView(SAGUENAY, 11);

  // --- the residences, clustered; the targeted ones in red --------------------------------
  var targeted = null;  // ids the last count named (null: not known)
  var markers = [];
  var dot = L.divIcon({className: "residence-dot", iconSize: [10, 10]});
  var hitDot = L.divIcon({className: "residence-dot hit", iconSize: [12, 12]});
  var cluster = L.markerClusterGroup({
    showCoverageOnHover: false, maxClusterRadius: 45, chunkedLoading: true,
    iconCreateFunction: function (group) {
      var children = group.getAllChildMarkers(), hits = 0;
      children.forEach(function (m) { if (m.options.hit) hits += 1; });
      return L.divIcon({
        className: "residence-cluster" + (hits ? " hit" : ""),
        html: "<span>" + (hits ? hits + "/" : "") + children.length + "</span>",
        iconSize: [38, 38]
      });
    }
  });
  map.addLayer(cluster);

  function paint() {
    var changed = false;
    markers.forEach(function (m) {
      var hit = !!(targeted && targeted.has(m.options.residence));
      if (hit !== m.options.hit) {
        m.options.hit = hit;
        m.setIcon(hit ? hitDot : dot);
        changed = true;
      }
    });
    if (changed) cluster.refreshClusters();
  }

  fetch(box.getAttribute("data-points-url"), {credentials: "same-origin"})
    .then(function (r) { return r.json(); })
    .then(function (data) {
      markers = data.points.map(function (p) {
        return L.marker([p[1], p[2]], {icon: dot, interactive: false, keyboard: false,
                                       residence: p[0], hit: false});
      });
      cluster.addLayers(markers);
      paint();
      if (drawn.getLayers().length) map.fitBounds(drawn.getBounds().pad(0.3));
      else if (markers.length) map.fitBounds(L.featureGroup(markers).getBounds().pad(0.05));
    })
    .catch(function () {});

  form.addEventListener("targetcounted", function (event) {
    targeted = event.detail.ids ? new Set(event.detail.ids) : null;
    paint();
  });

  // --- the named sectors: ticked ones stand out; a click on one ticks it ---------------------
  var sectorLayers = {};
  function box_of(id) { return form.querySelector("input[name=sectors][value='" + id + "']"); }
  function restyle() {
    Object.keys(sectorLayers).forEach(function (id) {
      var tick = box_of(id);
      sectorLayers[id].setStyle(tick && tick.checked ? SECTOR_TICKED : SECTOR_STYLE);
    });
  }
  fetch(box.getAttribute("data-sectors-url"), {credentials: "same-origin"})
    .then(function (r) { return r.json(); })
    .then(function (data) {
      data.sectors.forEach(function (s) {
        var layer = L.geoJSON(s.geometry, {style: SECTOR_STYLE});
        layer.bindTooltip(s.name, {sticky: true});
        layer.on("click", function () {
          var tick = box_of(s.id);
          if (!tick || map._zoneDrawing) return;
          tick.checked = !tick.checked;
          tick.dispatchEvent(new Event("change", {bubbles: true}));
        });
        sectorLayers[s.id] = layer.addTo(map);
        layer.bringToBack();
      });
      restyle();
    })
    .catch(function () {});
  form.addEventListener("change", function (event) {
    if (event.target.name === "sectors") restyle();
  });

  // --- the zone drawn: polygons and rectangles in `zone`, one circle in the number fields ----
  var zoneInput = form.elements.zone;
  var lat = form.elements.near_lat, lon = form.elements.near_lon, metres = form.elements.near_metres;
  var drawn = new L.FeatureGroup().addTo(map);
  var circle = null;

  function number(text) {
    var value = String(text || "").replace(/\s/g, "").replace(",", ".");
    return value === "" ? NaN : Number(value);
  }
  function shown(value) {
    var text = String(Math.round(value * 1e6) / 1e6);
    return fr ? text.replace(".", ",") : text;
  }
  function changed() { form.dispatchEvent(new Event("targetchange")); }

  function writeZone() {
    var zones = [];
    drawn.eachLayer(function (layer) {
      if (layer !== circle) zones.push(layer.toGeoJSON().geometry);
    });
    zoneInput.value = zones.length ? JSON.stringify(zones) : "";
  }
  function writeCircle() {
    if (circle) {
      var centre = circle.getLatLng();
      lat.value = shown(centre.lat);
      lon.value = shown(centre.lng);
      metres.value = Math.round(circle.getRadius());
    } else {
      lat.value = lon.value = metres.value = "";
    }
  }
  // Typed numbers move the circle (keyboard users need no mouse): all three valid, or none.
  function readCircle() {
    var la = number(lat.value), lo = number(lon.value), m = number(metres.value);
    var valid = isFinite(la) && isFinite(lo) && isFinite(m) && m > 0
      && Math.abs(la) <= 90 && Math.abs(lo) <= 180;
    if (!valid) {
      if (circle) { drawn.removeLayer(circle); circle = null; }
      return;
    }
    if (circle) {
      circle.setLatLng([la, lo]);
      circle.setRadius(m);
    } else {
      circle = L.circle([la, lo], L.extend({radius: m}, ZONE_STYLE));
      drawn.addLayer(circle);
    }
  }
  [lat, lon, metres].forEach(function (field) { field.addEventListener("input", readCircle); });

  // the zone stored with a draft (or sent back after a refusal) is drawn again, editable
  try {
    JSON.parse(zoneInput.value || "[]").forEach(function (geometry) {
      L.geoJSON(geometry, {style: ZONE_STYLE}).eachLayer(function (layer) { drawn.addLayer(layer); });
    });
  } catch (e) { /* the server said what is wrong with it, next to the field */ }
  readCircle();

  map.addControl(new L.Control.Draw({
    position: "topleft",
    draw: {
      polygon: {allowIntersection: false, showArea: false, shapeOptions: ZONE_STYLE},
      rectangle: {showArea: false, shapeOptions: ZONE_STYLE},
      circle: {metric: true, feet: false, shapeOptions: ZONE_STYLE},
      polyline: false, marker: false, circlemarker: false
    },
    edit: {featureGroup: drawn}
  }));
  map.on(L.Draw.Event.DRAWSTART, function () { map._zoneDrawing = true; });
  map.on(L.Draw.Event.DRAWSTOP, function () { map._zoneDrawing = false; });
  map.on(L.Draw.Event.CREATED, function (event) {
    if (event.layerType === "circle") {  // one circle: a new one replaces the last
      if (circle) drawn.removeLayer(circle);
      circle = event.layer;
    }
    drawn.addLayer(event.layer);
    writeZone();
    writeCircle();
    changed();
  });
  map.on(L.Draw.Event.EDITED, function () { writeZone(); writeCircle(); changed(); });
  map.on(L.Draw.Event.DELETED, function () {
    if (circle && !drawn.hasLayer(circle)) circle = null;
    writeZone();
    writeCircle();
    changed();
  });

  document.getElementById("zone-erase").addEventListener("click", function () {
    drawn.clearLayers();
    circle = null;
    writeZone();
    writeCircle();
    changed();
  });

  if (drawn.getLayers().length) map.fitBounds(drawn.getBounds().pad(0.3));
})();
