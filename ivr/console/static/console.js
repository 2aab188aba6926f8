/* The console's little scripts: live progress, character count and spoken length,
   alert templates, the target count before launch, the import's progress. No framework. */
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }

  // Ask before destructive buttons (cancel a campaign, deactivate a residence).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });

  // Under the Content-Security-Policy nothing inline runs: bars get their width, selects
  // submit their form and print buttons print from here (delegated: tables are refreshed).
  document.querySelectorAll(".bar-fill[data-percent]").forEach(function (bar) {
    bar.style.width = (parseFloat(bar.getAttribute("data-percent")) || 0) + "%";
  });
  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });

  // New campaign: character count and estimated spoken length of each message.
  var form = $("#campaign-form");
  if (form) {
    var cps = parseFloat(form.getAttribute("data-chars-per-second")) || 14;
    var counterText = form.getAttribute("data-counter-text");
    ["message_fr", "message_en"].forEach(function (name) {
      var area = form.elements[name], out = $("#" + name + "-counter");
      if (!area || !out) return;
      var max = parseInt(area.getAttribute("maxlength") || "1000", 10);
      function update() {
        var n = area.value.length;
        out.textContent = fill(counterText, {chars: n, seconds: Math.round(n / cps)});
        out.classList.toggle("over", n > max);
      }
      area.addEventListener("input", update);
      update();
    });

    // SMS texts: encoding (GSM-7 or UCS-2), segments and cost multiplier, counted by the
    // server (models/sms_text.py, the rules the texts are sent by) as the text is typed.
    var smsBox = $("#sms-texts"), smsTimer = null;
    function countSms(name) {
      var area = form.elements[name], out = $("#" + name + "-counter");
      if (!smsBox || !area || !out) return;
      var data = new FormData();
      data.append("csrf_token", form.elements.csrf_token.value);
      data.append("text", area.value);
      if (form.elements.sms_gsm7 && form.elements.sms_gsm7.checked) data.append("gsm7", "y");
      fetch(smsBox.getAttribute("data-count-url"), {method: "POST", body: data,
                                                    credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (c) {
          out.textContent = c.text;
          out.setAttribute("data-encoding", c.encoding);
          out.setAttribute("data-segments", c.segments);
        })
        .catch(function () {});
    }
    ["sms_fr", "sms_en"].forEach(function (name) {
      var area = form.elements[name];
      if (!area) return;
      area.addEventListener("input", function () {
        clearTimeout(smsTimer); smsTimer = setTimeout(function () { countSms(name); }, 200);
      });
    });
    if (form.elements.sms_gsm7) {
      form.elements.sms_gsm7.addEventListener("change", function () {
        countSms("sms_fr"); countSms("sms_en");
      });
    }

    // Templates of common alerts fill the form in place.
    var templates = JSON.parse(($("#alert-templates") || {}).textContent || "[]");
    document.querySelectorAll("[data-template]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var t = templates.find(function (x) { return x.key === link.getAttribute("data-template"); });
        if (!t) return;
        event.preventDefault();
        form.elements.title.value = t.title;
        form.elements.message_fr.value = t.message_fr;
        form.elements.message_en.value = t.message_en;
        if (form.elements.sms_fr) { form.elements.sms_fr.value = t.sms_fr; countSms("sms_fr"); }
        if (form.elements.sms_en) { form.elements.sms_en.value = t.sms_en; countSms("sms_en"); }
        form.querySelectorAll("input[name=priority]").forEach(function (r) { r.checked = r.value === t.priority; });
        form.elements.message_fr.dispatchEvent(new Event("input"));
        form.elements.message_en.dispatchEvent(new Event("input"));
        form.elements.title.focus();
      });
    });

    // The number of residences targeted, asked of the server whenever targeting changes
    // (a field of the targeting section, or the map's drawing: its "targetchange" event);
    // the first residences are listed, and the map hears the answer ("targetcounted").
    var countOut = $("#target-count"), timer = null, asked = 0;
    function listResidences(data) {
      var box = $("#target-residences"), list = $("#target-list");
      if (!box || !list) return;
      list.innerHTML = "";
      (data.residences || []).forEach(function (r) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = r.url;
        a.textContent = r.name;
        li.appendChild(a);
        li.appendChild(document.createTextNode(" — " + r.address));
        list.appendChild(li);
      });
      $("#target-more").textContent = data.more_text || "";
      box.hidden = !(data.residences || []).length;
      var unplaced = $("#unplaced-zone");
      if (unplaced) { unplaced.textContent = data.unplaced_text || ""; unplaced.hidden = !data.unplaced_text; }
    }
    function count() {
      var mine = ++asked;
      fetch(form.getAttribute("data-count-url"), {method: "POST", body: new FormData(form),
                                                  credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (mine !== asked) return;  // a later count is on its way: this one is stale
          countOut.textContent = data.count === null ? data.error : data.text;
          countOut.setAttribute("data-count", data.count === null ? "" : data.count);
          listResidences(data.count === null ? {} : data);
          form.dispatchEvent(new CustomEvent("targetcounted", {detail: data}));
          var list = $("#target-warnings");
          if (!list) return;
          list.innerHTML = "";
          (data.warnings || []).forEach(function (text) {
            var li = document.createElement("li");
            li.textContent = text;
            list.appendChild(li);
          });
        })
        .catch(function () {});
    }
    function later() { clearTimeout(timer); timer = setTimeout(count, 400); }
    var targeting = $("#target-section");
    if (targeting) {
      targeting.addEventListener("input", function (event) {
        if (event.target.type !== "checkbox" && event.target.type !== "file") later();
      });
      targeting.addEventListener("change", function (event) {
        if (event.target.type === "checkbox" || event.target.type === "file") later();
      });
    }
    form.addEventListener("targetchange", later);
    $("#count-button").addEventListener("click", count);
  }

  // Campaign page: poll the progress every second, no page reload; the residences table is
  // refreshed in place every few seconds (unless the user is using its controls).
  function refreshResidences() {
    var section = $("#residences");
    if (!section || section.contains(document.activeElement)) return;
    fetch(window.location.href, {credentials: "same-origin"})
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("#residences");
        if (fresh && !section.contains(document.activeElement)) section.innerHTML = fresh.innerHTML;
      })
      .catch(function () {});
  }
  var progress = $("#progress");
  if (progress) {
    var ticks = 0;
    var labels = JSON.parse($("#status-labels").textContent);
    var doneTemplate = $("#done-template").innerHTML;
    var poll = function () {
      fetch(progress.getAttribute("data-url"), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (s) {
          $(".bar-fill", progress).style.width = s.percent + "%";
          $(".bar", progress).setAttribute("aria-valuenow", s.percent);
          $("#percent").textContent = s.percent + " %";
          $("#done-text").textContent = fill(doneTemplate, {done: s.done, total: s.total});
          $("#reach").textContent = s.reached + " (" + s.reach_percent + " %)";
          $("#cps").textContent = (s.calls_per_second || 0).toLocaleString(document.documentElement.lang === "fr" ? "fr-CA" : "en-CA", {minimumFractionDigits: 1, maximumFractionDigits: 1});
          var waiting = $("#waiting");
          if (waiting) { waiting.textContent = s.waiting || ""; waiting.hidden = !s.waiting; }
          if (s.status !== "running") {
            document.querySelectorAll(".flash-launch").forEach(function (f) { f.remove(); });
          }
          $("#eta").textContent = s.eta_text ? s.eta_text
            : s.finished || s.eta_seconds === null || s.eta_seconds === undefined ? "—"
            : Math.floor(s.eta_seconds / 60) + " min " + Math.round(s.eta_seconds % 60) + " s";
          progress.querySelectorAll("dd[data-key]").forEach(function (dd) {
            dd.textContent = s[dd.getAttribute("data-key")] || 0;
          });
          var status = $("#status");
          status.textContent = labels[s.status] || s.status;
          status.className = "tag status-" + s.status;
          status.setAttribute("data-status", s.status);
          ticks += 1;
          if (s.finished || ticks % 5 === 0) refreshResidences();
          if (s.finished) {
            $("#summary-link").classList.remove("hidden");
            progress.querySelectorAll("form").forEach(function (f) { f.remove(); });
          } else {
            setTimeout(poll, 1000);
          }
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 1000);
  }

  // Resident import: poll its progress, then show the refused lines.
  var imp = $("#import");
  if (imp) {
    var stateOut = $("#import-state");
    var pollImport = function () {
      fetch(imp.getAttribute("data-url"), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (s) {
          var pct = s.total ? Math.round(100 * s.done / s.total) : 0;
          $(".bar-fill", imp).style.width = (s.state === "finished" ? 100 : pct) + "%";
          if (s.state === "failed") { window.location.reload(); return; }
          if (s.state === "queued") { setTimeout(pollImport, 1000); return; }  // its text stays
          if (s.state !== "finished") {
            stateOut.textContent = fill(stateOut.getAttribute("data-running"), {done: s.done, total: s.total});
            setTimeout(pollImport, 500);
            return;
          }
          stateOut.textContent = fill(stateOut.getAttribute("data-finished"),
                                      {accepted: s.accepted, refused: s.refused.length});
          var body = $("#refused tbody");
          body.innerHTML = "";
          s.refused.forEach(function (row) {
            var tr = document.createElement("tr"), a = document.createElement("td"), b = document.createElement("td");
            a.className = "num"; a.textContent = row[0]; b.textContent = row[1];
            tr.appendChild(a); tr.appendChild(b); body.appendChild(tr);
          });
          $("#refused").hidden = s.refused.length === 0;
        })
        .catch(function () { setTimeout(pollImport, 2000); });
    };
    if (!/finished|failed/.test(imp.getAttribute("data-state") || "")) pollImport();
  }
})();
