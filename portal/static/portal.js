// The resident portal's small enhancements; every page works without them.
(function () {
  "use strict";
  // The "Actif" switches: their state said in words and in aria-checked.
  document.querySelectorAll("input.switch").forEach(function (box) {
    var state = box.parentNode.querySelector(".state");
    box.addEventListener("change", function () {
      box.setAttribute("aria-checked", box.checked ? "true" : "false");
      if (state) { state.textContent = box.checked ? state.dataset.on : state.dataset.off; }
    });
  });
  // An error summary takes the focus, so a screen reader or keyboard user starts there.
  var summary = document.getElementById("errors");
  if (summary) { summary.focus(); }

  // The address: city -> street -> civic number suggestions from the registry.
  var box = document.getElementById("address-fields");
  if (!box || !window.fetch) { return; }
  var city = document.getElementById("city"), street = document.getElementById("street"),
      civic = document.getElementById("civic"), postal = document.getElementById("postal_code");
  var postalOf = {};
  function fill(listId, values) {
    var list = document.getElementById(listId);
    list.textContent = "";
    values.forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      list.appendChild(option);
    });
  }
  function get(url, params) {
    var query = new URLSearchParams(params).toString();
    return fetch(url + "?" + query, {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.json() : [];
    });
  }
  var timer = null;
  function later(fn) { clearTimeout(timer); timer = setTimeout(fn, 200); }
  get(box.dataset.cities, {}).then(function (names) { fill("city-list", names); });
  street.addEventListener("input", function () {
    later(function () {
      get(box.dataset.streets, {ville: city.value, q: street.value}).then(function (names) {
        fill("street-list", names);
      });
    });
  });
  civic.addEventListener("input", function () {
    later(function () {
      get(box.dataset.numbers, {ville: city.value, rue: street.value, q: civic.value})
        .then(function (rows) {
          postalOf = {};
          rows.forEach(function (row) { postalOf[row.civic] = row.postal_code; });
          fill("civic-list", rows.map(function (row) { return row.civic; }));
          if (postalOf[civic.value] && postal) { postal.value = postalOf[civic.value]; }
        });
    });
  });
})();
