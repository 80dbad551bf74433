/* Planner workspace: audit map (planner-map.js), communes outside the standard, scenario editor
 * (move / close / add a site, undo a change, apply a proposal), difference with the baseline,
 * mode choice, a site's isochrone, export of the results. Every write sends the session's CSRF
 * token in X-CSRF-Token. Every word it shows comes from the catalogue (messages.js). */
(function () {
  "use strict";
  var t = window.Messages.t;
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var $ = function (id) { return document.getElementById(id); };
  var state = { scenario: "", cells: null, diff: null, sites: null, base: {}, names: {}, proposals: [], iso: null, standard: "" };
  var fmt = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 0 });
  var pct = new Intl.NumberFormat("fr-FR", { style: "percent", maximumFractionDigits: 1 });
  function opLabel(o) { return window.Messages.has("ops." + o) ? t("ops." + o) : t("op_other"); }
  var view = new window.PlannerMap("audit-map");

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }
  function button(label, onClick, cls) {
    var b = el("button", label, cls || "secondary small"); b.type = "button"; b.addEventListener("click", onClick); return b;
  }
  function api(path, options) {
    options = options || {};
    options.headers = Object.assign({ "Accept": "application/json" }, options.headers || {});
    if (options.method && options.method !== "GET") { options.headers["X-CSRF-Token"] = csrf; }
    if (options.body) { options.headers["Content-Type"] = "application/json"; }
    options.credentials = "same-origin";
    return fetch("/planner/api" + path, options).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(typeof body.detail === "string" ? body.detail : t("request_refused", { status: r.status })); }
        return body;
      });
    });
  }
  function params(extra) {
    var p = new URLSearchParams();
    if (state.scenario) { p.set("scenario_id", state.scenario); }
    p.set("mode", $("mode").value);
    Object.keys(extra || {}).forEach(function (k) { p.set(k, extra[k]); });
    return "?" + p.toString();
  }
  function status(text) { $("edit-status").textContent = text; }
  function fail(e) { status(t("error", { message: e.message })); document.body.dataset.ready = "1"; }
  function cell(text, cls) { var td = el("td", text, cls); return td; }
  function minutes(v) { return v === null ? "—" : t("minutes", { n: Math.round(v) }); }
  function signed(v) { return Math.abs(v) < 0.5 ? "0" : (v > 0 ? "+" : "−") + fmt.format(Math.abs(v)); }

  function drawCells() {
    var key = $("klass").value;
    view.drawCells(key === "diff" ? state.diff : state.cells, key);
    drawLegend();
  }
  function drawLegend() {
    view.legend($("map-legend"), {
      scenario: !!state.scenario, diff: $("klass").value === "diff" ? (state.diff ? state.diff.features.length : 0) : null,
      sectors: $("show-sectors").checked,
      isochrone: state.iso ? state.iso.site.name : null
    });
    $("time-legend").hidden = $("klass").value === "diff";
    $("iso-clear").hidden = !state.iso;
  }
  function drawSites() {
    view.drawSites(state.sites, state.base, siteClicked);
    var select = $("site"), keep = select.value;
    select.innerHTML = "";
    state.sites.features.filter(function (f) { return f.properties.change !== "closed"; })
      .sort(function (a, b) { return a.properties.name.localeCompare(b.properties.name, "fr"); })
      .forEach(function (f) {
        var opt = el("option", f.properties.name + " — " + f.properties.kind_label);
        opt.value = f.properties.id; select.appendChild(opt);
      });
    if (keep) { select.value = keep; }
  }
  function editing() { return !$("editor").disabled; }
  function op() { return document.querySelector('input[name="op"]:checked').value; }

  function siteClicked(p, latlng) {
    var box = window.PlannerMap.sitePopup(p);
    var actions = el("p", null, "popup-actions");
    if (editing() && p.change !== "closed") {
      actions.appendChild(button(t("choose_site"), function () { selectSite(p.id); view.closePopup(); }));
    }
    if (p.change !== "closed") { actions.appendChild(button(t("zone_button"), function () { isochrone(p); })); }
    box.appendChild(actions);
    view.popup(latlng, box);
  }
  function selectSite(id) {
    $("site").value = id;
    if (op() === "add_site") { document.querySelector("#op-move").checked = true; showFields(); }
    status(t("site_chosen", { site: $("site").selectedOptions[0].textContent }));
  }
  function placePoint(latlng) {
    $("new-lat").value = latlng.lat.toFixed(5); $("new-lon").value = latlng.lng.toFixed(5);
    view.setPick(latlng);
    status(t("point_chosen", { lat: $("new-lat").value, lon: $("new-lon").value }));
  }
  function resetEditor() {  // after a change is stored: no field keeps the last point, address or name
    $("new-lat").value = ""; $("new-lon").value = ""; $("new-name").value = ""; $("place-q").value = "";
    view.setPick(null);
  }
  function showFields() {
    var o = op();
    $("f-site").hidden = o === "add_site";
    $("f-kind").hidden = $("f-name").hidden = o !== "add_site";
    $("f-point").hidden = o === "close_site";
  }
  function isochrone(p) {
    status(t("zone_computing", { site: p.name }));
    api("/isochrone" + params({ site_id: p.id })).then(function (fc) {
      state.iso = fc; view.drawIsochrone(fc); drawLegend(); view.closePopup();
      status(t("zone_done", { site: p.name, n: fc.features.length }));
    }).catch(fail);
  }

  function showAudit(a) {
    $("share").textContent = pct.format(a.share_within);
    $("pop-outside").textContent = t("outside", { outside: fmt.format(a.population - a.population_within), population: fmt.format(a.population) });
    $("model").textContent = a.model.join(" ");
    state.standard = a.standard[0] || "";  // the rule itself; the definitions stay under the figures
    var body = document.querySelector("#outside-table tbody");
    body.innerHTML = "";
    a.communes_outside.forEach(function (c) {
      var tr = el("tr"), th = el("th", c.name); th.scope = "row"; tr.appendChild(th);
      tr.appendChild(cell(fmt.format(c.population), "num"));
      tr.appendChild(cell(fmt.format(c.population_outside), "num"));
      tr.appendChild(cell(c.share_within === null ? "—" : pct.format(c.share_within), "num"));
      tr.appendChild(cell(minutes(c.worst_minutes_pole), "num"));
      tr.appendChild(cell(minutes(c.worst_minutes_antenne_or_pole), "num"));
      body.appendChild(tr);
    });
  }
  function showCompare(d) {
    $("compare-summary").textContent = t("compare_summary", {
      delta: signed(d.population_within_delta),
      points: (d.share_within_delta >= 0 ? "+" : "−") + (Math.abs(d.share_within_delta) * 100).toFixed(2).replace(".", ","),
      improved: fmt.format(d.cells_improved), worsened: fmt.format(d.cells_worsened)
    });
    var body = document.querySelector("#delta-table tbody");
    body.innerHTML = "";
    // the caption promises communes whose population within the standard changes (not only a worst time)
    d.communes.filter(function (c) { return Math.abs(c.population_within_delta) >= 0.5; }).forEach(function (c) {
      var tr = el("tr"), th = el("th", c.name); th.scope = "row"; tr.appendChild(th);
      tr.appendChild(cell(c.share_within_baseline === null ? "—" : pct.format(c.share_within_baseline), "num"));
      tr.appendChild(cell(c.share_within_scenario === null ? "—" : pct.format(c.share_within_scenario), "num"));
      var d0 = c.population_within_delta;
      tr.appendChild(cell(signed(d0), "num" + (Math.abs(d0) < 0.5 ? "" : d0 > 0 ? " delta-plus" : " delta-minus")));
      body.appendChild(tr);
    });
    $("delta-panel").hidden = false;
  }
  function changeName(c) {
    if (c.op === "assign_sector") {  // the commune's name, not its INSEE code
      var found = (state.communes ? state.communes.features : []).filter(function (f) { return f.properties.code === c.payload.commune_code; });
      return found.length ? found[0].properties.name : c.payload.commune_code;
    }
    return c.payload.name || state.names[c.site_id] || t("unnamed_site");
  }
  function changeLine(c) { return t("change_line", { op: opLabel(c.op), site: changeName(c) }); }
  function showChanges(s) {
    var list = $("changes");
    list.innerHTML = "";
    (s ? s.changes : []).forEach(function (c) {
      var li = el("li");
      li.appendChild(el("span", changeLine(c), "change-text"));
      li.appendChild(button(t("remove"), function () { removeChange(c); }, "secondary small"));
      list.appendChild(li);
    });
    $("changes-empty").hidden = !!(s && s.changes.length);
  }
  function removeChange(c) {
    document.body.dataset.ready = "";
    api("/scenarios/" + state.scenario + "/changes/" + c.id, { method: "DELETE" })
      .then(function () { return refresh(t("change_removed", { change: changeLine(c) })); })
      .catch(fail);
  }
  function exportLinks() {
    $("export-csv").href = "/planner/api/results.csv" + params();
    $("export-geojson").href = "/planner/api/results.geojson" + params();
  }

  function refresh(done) {
    var jobs = [api("/layers" + (state.scenario ? "?scenario_id=" + state.scenario : "")), api("/cells" + params()), api("/audit" + params())];
    if (state.scenario) {
      jobs.push(api("/scenarios/" + state.scenario + "/compare?mode=" + $("mode").value));
      jobs.push(api("/scenarios/" + state.scenario));
    }
    status(t("computing"));
    view.closePopup();  // a popup's figures would be those of the previous state
    exportLinks();
    return Promise.all(jobs).then(function (r) {
      state.sites = r[0].sites; state.cells = r[1];
      state.sites.features.forEach(function (f) { state.names[f.properties.id] = f.properties.name; });
      if (!state.communes) {
        state.communes = r[0].communes;
        view.map.fitBounds(view.drawCommunes(state.communes, $("show-sectors").checked).getBounds());
        state.sites.features.forEach(function (f) { state.base[f.properties.id] = [f.geometry.coordinates[1], f.geometry.coordinates[0]]; });
      }
      showAudit(r[2]);
      if (state.scenario) { state.diff = r[3].cells; showCompare(r[3]); showChanges(r[4]); } else {
        state.diff = null; $("compare-summary").textContent = ""; $("delta-panel").hidden = true; showChanges(null);
        if ($("klass").value === "diff") { $("klass").value = "antenne"; }
      }
      $("klass-diff").disabled = !state.scenario;
      drawCells(); drawSites(); proposalButtons();
      status(typeof done === "string" ? done : t("map_updated"));
      document.body.dataset.ready = "1";
    }).catch(fail);
  }
  function loadScenarios(selectId) {
    return api("/scenarios").then(function (list) {
      var select = $("scenario");
      select.innerHTML = "";
      var base = el("option", t("baseline")); base.value = ""; select.appendChild(base);
      list.forEach(function (s) { var opt = el("option", s.name); opt.value = s.id; select.appendChild(opt); });
      if (selectId !== undefined) { select.value = String(selectId); }
    });
  }
  function setScenario(id) {
    state.scenario = id ? String(id) : "";
    $("editor").disabled = !state.scenario;
    resetEditor();
    document.body.dataset.ready = "";
    return refresh();
  }

  function proposalText(x) {
    // "Antenne de proximité — Boulogne-Billancourt (centre de commune) : +53 540 habitants dans la norme (66,6 % → 69,8 %)"
    var sites = x.new_sites.map(function (n) { return n.name; }).join(" + "), gain = fmt.format(x.population_gain);
    if (typeof x.share_within_before === "number" && typeof x.share_within_after === "number") {
      return t("proposal_shares", { sites: sites, gain: gain, before: pct.format(x.share_within_before),
        after: pct.format(x.share_within_after) });
    }
    return t("proposal", { sites: sites, gain: gain });
  }
  function proposalButtons() {
    document.querySelectorAll("#proposals button.apply-proposal").forEach(function (b) {
      b.disabled = !state.scenario;
      b.title = state.scenario ? "" : t("need_scenario");
    });
  }
  function showProposals(p) {
    var box = $("proposals"); box.innerHTML = "";
    box.appendChild(el("p", p.available ? t("proposals_intro", { n: p.proposals.length }) : p.message));
    if (!p.available) { return; }
    var ol = el("ol", null, "proposal-list");
    p.proposals.forEach(function (x) {
      var li = el("li");
      li.appendChild(el("span", proposalText(x), "change-text"));
      var actions = el("span", null, "actions");
      actions.appendChild(button(t("show_on_map"), function () {
        var s = x.new_sites[0], ll = L.latLng(s.lat, s.lon);
        view.map.setView(ll, Math.max(view.map.getZoom(), 13));
        var info = el("div", null, "popup");
        info.appendChild(el("p", s.name, "popup-title"));
        info.appendChild(el("p", t("gain_within", { gain: fmt.format(x.population_gain) })));
        view.popup(ll, info);
      }));
      actions.appendChild(button(t("add_to_scenario"), function () {
        document.body.dataset.ready = "";
        api("/scenarios/" + state.scenario + "/proposals/" + x.rank, { method: "POST" })
          .then(function () { return refresh(t("proposal_added", { site: x.new_sites[0].name })); }).catch(fail);
      }, "apply-proposal small"));
      li.appendChild(actions);
      ol.appendChild(li);
    });
    box.appendChild(ol);
    proposalButtons();
  }

  view.map.on("click", function (e) {
    var found = window.PlannerMap.cellAt(state.cells, e.latlng);
    var box = found ? window.PlannerMap.cellPopup(found, state.standard, state.cells.cell_size_m)
      : el("div", t("empty_cell"), "popup");
    if (editing() && op() !== "close_site") {
      var actions = el("p", null, "popup-actions");
      actions.appendChild(button(op() === "add_site" ? t("place_here") : t("move_here"), function () {
        placePoint(e.latlng); view.closePopup();
      }, "small"));
      box.appendChild(actions);
    }
    view.popup(e.latlng, box);
  });
  $("klass").addEventListener("change", drawCells);
  $("mode").addEventListener("change", function () {
    document.body.dataset.ready = ""; state.iso = null; view.drawIsochrone(null); refresh();
  });
  $("show-sectors").addEventListener("change", function () {
    if (state.communes) { view.drawCommunes(state.communes, $("show-sectors").checked); drawLegend(); }
  });
  $("iso-clear").addEventListener("click", function () {
    state.iso = null; view.drawIsochrone(null); drawLegend(); status(t("zone_hidden"));
    if (view.communeLayer) { view.map.fitBounds(view.communeLayer.getBounds()); }
  });
  document.querySelectorAll('input[name="op"]').forEach(function (r) {
    r.addEventListener("change", function () { resetEditor(); showFields(); status(""); });
  });
  $("scenario").addEventListener("change", function () { setScenario($("scenario").value); });
  $("new-scenario").addEventListener("submit", function (e) {
    e.preventDefault();
    api("/scenarios", { method: "POST", body: JSON.stringify({ name: $("scenario-name").value }) })
      .then(function (s) { $("scenario-name").value = ""; return loadScenarios(s.id).then(function () { return setScenario(s.id); }); })
      .catch(fail);
  });
  $("place-form").addEventListener("submit", function (e) {  // the CLI's --address: same finder on the server
    e.preventDefault();
    var q = $("place-q").value.trim();
    if (!q) { status(t("need_place")); return; }
    api("/place?" + new URLSearchParams({ q: q }).toString()).then(function (found) {
      var p = found.place;
      if (!p) { status(t("error", { message: found.message })); return; }
      var ll = L.latLng(p.lat, p.lon);
      placePoint(ll);
      view.map.setView(ll, Math.max(view.map.getZoom(), 14));
      status(t("place_found", { label: p.label, lat: $("new-lat").value, lon: $("new-lon").value }));
    }).catch(fail);
  });
  $("apply").addEventListener("click", function () {
    var o = op(), body = { op: o };
    if (o !== "add_site") { body.site_id = $("site").value; }
    if (o !== "close_site") {
      body.lon = parseFloat($("new-lon").value.replace(",", ".")); body.lat = parseFloat($("new-lat").value.replace(",", "."));
      if (isNaN(body.lon) || isNaN(body.lat)) { status(t("need_point")); return; }
    }
    if (o === "add_site") { body.kind = $("kind").value; body.name = $("new-name").value.trim() || t("new_site"); }
    var what = o === "add_site" ? body.name : $("site").selectedOptions[0].textContent;
    document.body.dataset.ready = "";
    api("/scenarios/" + state.scenario + "/changes", { method: "POST", body: JSON.stringify(body) })
      .then(function () { resetEditor(); return refresh(t("change_saved", { change: t("change_line", { op: opLabel(o), site: what }) })); })
      .catch(fail);
  });
  showFields();
  api("/proposals").then(showProposals).catch(function (e) { $("proposals").textContent = t("proposals_unavailable", { message: e.message }); });
  loadScenarios().then(function () { return setScenario(""); }).catch(fail);
})();
