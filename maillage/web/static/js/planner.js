/* Planner workspace: audit map (planner-map.js), communes outside the standard, scenario editor
 * (move / close / add a site, undo a change, apply a proposal), difference with the baseline,
 * mode choice, a site's isochrone, export of the results. Every write sends the session's CSRF
 * token in X-CSRF-Token. */
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var $ = function (id) { return document.getElementById(id); };
  var state = { scenario: "", cells: null, diff: null, sites: null, base: {}, names: {}, proposals: [], iso: null, standard: "" };
  var fmt = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 0 });
  var pct = new Intl.NumberFormat("fr-FR", { style: "percent", maximumFractionDigits: 1 });
  var OPS = {
    move_site: "Déplacer", close_site: "Fermer", add_site: "Ajouter", set_services: "Modifier les services de",
    set_hours: "Modifier les horaires de", add_mobile_stop: "Ajouter l'arrêt mobile", assign_sector: "Changer le secteur de"
  };
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
        if (!r.ok) { throw new Error(typeof body.detail === "string" ? body.detail : "la requête a été refusée (" + r.status + ")."); }
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
  function fail(e) { status("Erreur : " + e.message); document.body.dataset.ready = "1"; }
  function cell(text, cls) { var td = el("td", text, cls); return td; }
  function minutes(v) { return v === null ? "—" : Math.round(v) + " min"; }
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
      actions.appendChild(button("Choisir ce site", function () { selectSite(p.id); view.closePopup(); }));
    }
    if (p.change !== "closed") { actions.appendChild(button("Zone à 15 et 20 min", function () { isochrone(p); })); }
    box.appendChild(actions);
    view.popup(latlng, box);
  }
  function selectSite(id) {
    $("site").value = id;
    if (op() === "add_site") { document.querySelector("#op-move").checked = true; showFields(); }
    status("Site choisi : " + $("site").selectedOptions[0].textContent + ".");
  }
  function placePoint(latlng) {
    $("new-lat").value = latlng.lat.toFixed(5); $("new-lon").value = latlng.lng.toFixed(5);
    view.setPick(latlng);
    status("Point choisi : " + $("new-lat").value + ", " + $("new-lon").value + ".");
  }
  function resetEditor() {  // after a change is stored: no field keeps the last point or name
    $("new-lat").value = ""; $("new-lon").value = ""; $("new-name").value = "";
    view.setPick(null);
  }
  function showFields() {
    var o = op();
    $("f-site").hidden = o === "add_site";
    $("f-kind").hidden = $("f-name").hidden = o !== "add_site";
    $("f-point").hidden = o === "close_site";
  }
  function isochrone(p) {
    status("Calcul de la zone de " + p.name + "…");
    api("/isochrone" + params({ site_id: p.id })).then(function (fc) {
      state.iso = fc; view.drawIsochrone(fc); drawLegend(); view.closePopup();
      status("Zone de " + p.name + " : " + fc.features.length + " carreaux à 20 min ou moins.");
    }).catch(fail);
  }

  function showAudit(a) {
    $("share").textContent = pct.format(a.share_within);
    $("pop-outside").textContent = fmt.format(a.population - a.population_within) + " habitants hors de la norme sur " + fmt.format(a.population) + ".";
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
    $("compare-summary").textContent = "Scénario : " + signed(d.population_within_delta) +
      " habitants dans la norme (" + (d.share_within_delta >= 0 ? "+" : "−") + (Math.abs(d.share_within_delta) * 100).toFixed(2).replace(".", ",") +
      " points) ; " + fmt.format(d.cells_improved) + " carreaux plus proches, " + fmt.format(d.cells_worsened) + " plus loin.";
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
    if (c.op === "assign_sector") { return c.payload.commune_code; }
    return c.payload.name || state.names[c.site_id] || "site sans nom";
  }
  function showChanges(s) {
    var list = $("changes");
    list.innerHTML = "";
    (s ? s.changes : []).forEach(function (c) {
      var li = el("li");
      li.appendChild(el("span", (OPS[c.op] || "Modifier") + " " + changeName(c), "change-text"));
      li.appendChild(button("Retirer", function () { removeChange(c); }, "secondary small"));
      list.appendChild(li);
    });
    $("changes-empty").hidden = !!(s && s.changes.length);
  }
  function removeChange(c) {
    document.body.dataset.ready = "";
    api("/scenarios/" + state.scenario + "/changes/" + c.id, { method: "DELETE" })
      .then(function () { return refresh("Changement retiré : " + (OPS[c.op] || "Modifier") + " " + changeName(c) + "."); })
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
    status("Calcul en cours…");
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
      status(typeof done === "string" ? done : "Carte à jour.");
      document.body.dataset.ready = "1";
    }).catch(fail);
  }
  function loadScenarios(selectId) {
    return api("/scenarios").then(function (list) {
      var select = $("scenario");
      select.innerHTML = "";
      var base = el("option", "Existant (référence)"); base.value = ""; select.appendChild(base);
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
    var text = x.new_sites.map(function (n) { return n.name; }).join(" + ");
    text += " : +" + fmt.format(x.population_gain) + " habitants dans la norme";
    if (typeof x.share_within_before === "number" && typeof x.share_within_after === "number") {
      text += " (" + pct.format(x.share_within_before) + " → " + pct.format(x.share_within_after) + ")";
    }
    return text;
  }
  function proposalButtons() {
    document.querySelectorAll("#proposals button.apply-proposal").forEach(function (b) {
      b.disabled = !state.scenario;
      b.title = state.scenario ? "" : "Choisissez ou créez d'abord un scénario.";
    });
  }
  function showProposals(p) {
    var box = $("proposals"); box.innerHTML = "";
    box.appendChild(el("p", p.available ? (p.proposals.length + " proposition" + (p.proposals.length > 1 ? "s" : "") +
      " de l'optimiseur sur l'existant, au mode du serveur. « Ajouter au scénario » l'ajoute au scénario affiché pour en voir l'effet.") : p.message));
    if (!p.available) { return; }
    var ol = el("ol", null, "proposal-list");
    p.proposals.forEach(function (x) {
      var li = el("li");
      li.appendChild(el("span", proposalText(x), "change-text"));
      var actions = el("span", null, "actions");
      actions.appendChild(button("Voir sur la carte", function () {
        var s = x.new_sites[0], ll = L.latLng(s.lat, s.lon);
        view.map.setView(ll, Math.max(view.map.getZoom(), 13));
        var info = el("div", null, "popup");
        info.appendChild(el("p", s.name, "popup-title"));
        info.appendChild(el("p", "+" + fmt.format(x.population_gain) + " habitants dans la norme"));
        view.popup(ll, info);
      }));
      actions.appendChild(button("Ajouter au scénario", function () {
        document.body.dataset.ready = "";
        api("/scenarios/" + state.scenario + "/proposals/" + x.rank, { method: "POST" })
          .then(function () { return refresh("Proposition ajoutée au scénario : " + x.new_sites[0].name + "."); }).catch(fail);
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
      : el("div", "Aucun habitant recensé ici (carreau vide ou hors du territoire).", "popup");
    if (editing() && op() !== "close_site") {
      var actions = el("p", null, "popup-actions");
      actions.appendChild(button(op() === "add_site" ? "Placer le nouveau site ici" : "Déplacer le site choisi ici", function () {
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
    state.iso = null; view.drawIsochrone(null); drawLegend(); status("Zone masquée.");
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
  $("apply").addEventListener("click", function () {
    var o = op(), body = { op: o };
    if (o !== "add_site") { body.site_id = $("site").value; }
    if (o !== "close_site") {
      body.lon = parseFloat($("new-lon").value.replace(",", ".")); body.lat = parseFloat($("new-lat").value.replace(",", "."));
      if (isNaN(body.lon) || isNaN(body.lat)) { status("Choisissez d'abord un point : cliquez sur la carte ou saisissez latitude et longitude."); return; }
    }
    if (o === "add_site") { body.kind = $("kind").value; body.name = $("new-name").value.trim() || "Nouveau site"; }
    var what = o === "add_site" ? body.name : $("site").selectedOptions[0].textContent;
    document.body.dataset.ready = "";
    api("/scenarios/" + state.scenario + "/changes", { method: "POST", body: JSON.stringify(body) })
      .then(function () { resetEditor(); return refresh("Changement enregistré : " + OPS[o] + " " + what + "."); })
      .catch(fail);
  });
  showFields();
  api("/proposals").then(showProposals).catch(function (e) { $("proposals").textContent = "Propositions indisponibles : " + e.message; });
  loadScenarios().then(function () { return setScenario(""); }).catch(fail);
})();
