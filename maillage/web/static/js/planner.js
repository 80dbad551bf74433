/* Planner workspace: audit map drawn client-side from our own GeoJSON (Leaflet, no basemap),
 * communes outside the standard, scenario editor (move / close / add a site), difference with the
 * baseline. Every write sends the session's CSRF token in X-CSRF-Token. */
(function () {
  "use strict";
  var BINS = [5, 10, 15, 20, 30, 45, 60];
  var COLOURS = ["#1a9850", "#66bd63", "#a6d96a", "#fee08b", "#fdae61", "#f46d43", "#d73027", "#a50026"];
  var KIND = {
    pole_social: { colour: "#08306b", radius: 9 }, sst: { colour: "#2171b5", radius: 6 },
    antenne: { colour: "#2171b5", radius: 6 }, pmi: { colour: "#4292c6", radius: 5 },
    france_services: { colour: "#6a51a3", radius: 6 }, ccas: { colour: "#807dba", radius: 5 }
  };
  var SECTOR_COLOURS = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#d9d9d9"];
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var $ = function (id) { return document.getElementById(id); };
  var state = { scenario: "", cells: null, sites: null, selected: null, pick: null, names: {} };
  var fmt = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 0 });
  var pct = new Intl.NumberFormat("fr-FR", { style: "percent", maximumFractionDigits: 1 });

  // Names are data, not markup: Leaflet puts a string tooltip in innerHTML, a node goes in as it is.
  function text(value) { var span = document.createElement("span"); span.textContent = value; return span; }

  function colour(m) {
    if (m === null) { return "#555"; }
    for (var i = 0; i < BINS.length; i++) { if (m < BINS[i]) { return COLOURS[i]; } }
    return COLOURS[COLOURS.length - 1];
  }
  function api(path, options) {
    options = options || {};
    options.headers = Object.assign({ "Accept": "application/json" }, options.headers || {});
    if (options.body) { options.headers["Content-Type"] = "application/json"; options.headers["X-CSRF-Token"] = csrf; }
    options.credentials = "same-origin";
    return fetch("/planner/api" + path, options).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)); }
        return body;
      });
    });
  }
  function q() { return state.scenario ? "?scenario_id=" + state.scenario : ""; }
  function cell(text, cls) { var td = document.createElement("td"); td.textContent = text; if (cls) { td.className = cls; } return td; }
  function addBasemap(m) {  // only tiles the user supplied in DATA/basemap, served by the app itself
    var url = document.body.dataset.basemap;
    if (!url) { return; }
    L.control.attribution({ prefix: false }).addTo(m);
    L.tileLayer(url, { attribution: document.body.dataset.basemapAttribution || "", maxZoom: 19 }).addTo(m);
  }
  function minutes(v) { return v === null ? "—" : Math.round(v) + " min"; }

  var map = L.map("audit-map", { zoomSnap: 0.25, attributionControl: false, preferCanvas: false });
  addBasemap(map);
  map.setView([48.84, 2.24], 11);
  var canvas = L.canvas({ padding: 0.2 });
  var cellLayer = L.layerGroup().addTo(map);
  var communeLayer = null;
  var siteLayer = L.layerGroup().addTo(map);
  var pickMarker = null;

  function drawCells() {
    cellLayer.clearLayers();
    if (!state.cells) { return; }
    var key = $("klass").value;
    L.geoJSON(state.cells, {
      renderer: canvas,
      style: function (f) { return { stroke: false, fillOpacity: 0.75, fillColor: colour(f.properties[key]) }; },
      // a cell outside the standard says why on a click; text only (site names are anyone's text)
      onEachFeature: function (f, layer) {
        if (!f.properties.why) { return; }
        var box = document.createElement("div");
        box.className = "why";
        box.textContent = f.properties.why;
        layer.bindPopup(box, { maxWidth: 420 });
      }
    }).addTo(cellLayer);
  }
  function drawCommunes(gj) {
    var sectors = {}, n = 0;
    gj.features.forEach(function (f) { var s = f.properties.sector; if (!(s in sectors)) { sectors[s] = SECTOR_COLOURS[n++ % SECTOR_COLOURS.length]; } });
    if (communeLayer) { map.removeLayer(communeLayer); }
    communeLayer = L.geoJSON(gj, {
      interactive: false,
      style: function (f) {
        var filled = $("show-sectors").checked;
        return { color: "#222", weight: 1, fill: filled, fillColor: sectors[f.properties.sector], fillOpacity: filled ? 0.55 : 0 };
      }
    }).addTo(map);
    return communeLayer;
  }
  function drawSites() {
    siteLayer.clearLayers();
    var select = $("site"), keep = select.value;
    select.innerHTML = "";
    state.sites.features.slice().sort(function (a, b) { return a.properties.name.localeCompare(b.properties.name, "fr"); })
      .forEach(function (f) {
        var p = f.properties, style = KIND[p.kind];
        if (!style) { return; }
        var approx = p.quality === "commune_centroid";
        var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
        var m = L.circleMarker(ll, {
          radius: style.radius, color: approx ? style.colour : "#fff", weight: 2, dashArray: approx ? "3 3" : null,
          fillColor: style.colour, fillOpacity: approx ? 0.35 : 1, className: "site-marker site-" + p.id
        }).bindTooltip(text(p.name + (approx ? " (position approximative)" : "")));
        m.on("click", function (e) { L.DomEvent.stopPropagation(e); selectSite(p.id); });
        m.addTo(siteLayer);
        var opt = document.createElement("option");
        opt.value = p.id; opt.textContent = p.name + " — " + p.kind;
        select.appendChild(opt);
      });
    if (keep) { select.value = keep; }
  }
  function selectSite(id) {
    $("site").value = id;
    $("edit-status").textContent = "Site choisi : " + $("site").selectedOptions[0].textContent + ".";
  }
  function showAudit(a) {
    $("share").textContent = pct.format(a.share_within);
    $("pop-outside").textContent = fmt.format(a.population - a.population_within) + " habitants hors de la norme sur " + fmt.format(a.population) + ".";
    $("model").textContent = a.model.join(" ");
    var body = document.querySelector("#outside-table tbody");
    body.innerHTML = "";
    a.communes_outside.forEach(function (c) {
      var tr = document.createElement("tr");
      var th = document.createElement("th"); th.scope = "row"; th.textContent = c.name; tr.appendChild(th);
      tr.appendChild(cell(fmt.format(c.population), "num"));
      tr.appendChild(cell(fmt.format(c.population_outside), "num"));
      tr.appendChild(cell(c.share_within === null ? "—" : pct.format(c.share_within), "num"));
      tr.appendChild(cell(minutes(c.worst_minutes_pole), "num"));
      tr.appendChild(cell(minutes(c.worst_minutes_antenne_or_pole), "num"));
      body.appendChild(tr);
    });
  }
  function showCompare(d) {
    var sign = d.population_within_delta >= 0 ? "+" : "−";
    $("compare-summary").textContent = "Scénario : " + sign + fmt.format(Math.abs(d.population_within_delta)) +
      " habitants dans la norme (" + (d.share_within_delta >= 0 ? "+" : "−") + (Math.abs(d.share_within_delta) * 100).toFixed(2) +
      " points) ; " + d.cells_improved + " carreaux plus proches, " + d.cells_worsened + " plus loin.";
    var body = document.querySelector("#delta-table tbody");
    body.innerHTML = "";
    d.communes.forEach(function (c) {
      var tr = document.createElement("tr");
      var th = document.createElement("th"); th.scope = "row"; th.textContent = c.name; tr.appendChild(th);
      tr.appendChild(cell(c.share_within_baseline === null ? "—" : pct.format(c.share_within_baseline), "num"));
      tr.appendChild(cell(c.share_within_scenario === null ? "—" : pct.format(c.share_within_scenario), "num"));
      tr.appendChild(cell((c.population_within_delta >= 0 ? "+" : "−") + fmt.format(Math.abs(c.population_within_delta)),
        "num " + (c.population_within_delta >= 0 ? "delta-plus" : "delta-minus")));
      body.appendChild(tr);
    });
    $("delta-panel").hidden = false;
  }
  function showChanges(s) {
    var list = $("changes");
    list.innerHTML = "";
    (s ? s.changes : []).forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = { move_site: "Déplacer ", close_site: "Fermer ", add_site: "Ajouter " }[c.op] +
        (c.payload.name || state.names[c.site_id] || c.site_id);
      list.appendChild(li);
    });
  }
  function proposalText(x) {
    // "Antenne de proximité — Boulogne-Billancourt (centre de commune) : +53 541 habitants dans la norme (66,6 % → 69,8 %)"
    if (x.label) { return x.label; }
    if (!x.new_sites) { return JSON.stringify(x); }
    var text = x.new_sites.map(function (n) { return n.name; }).join(" + ");
    if (typeof x.population_gain === "number") { text += " : +" + fmt.format(x.population_gain) + " habitants dans la norme"; }
    if (typeof x.share_within_before === "number" && typeof x.share_within_after === "number") {
      text += " (" + pct.format(x.share_within_before) + " → " + pct.format(x.share_within_after) + ")";
    }
    return text;
  }
  function refresh() {
    var jobs = [api("/layers" + q()), api("/cells" + q()), api("/audit" + q())];
    if (state.scenario) { jobs.push(api("/scenarios/" + state.scenario + "/compare")); jobs.push(api("/scenarios/" + state.scenario)); }
    $("edit-status").textContent = "Calcul en cours…";
    return Promise.all(jobs).then(function (r) {
      state.sites = r[0].sites; state.cells = r[1];
      // names of every site ever shown (a closed site is no longer in the scenario's layer)
      state.sites.features.forEach(function (f) { state.names[f.properties.id] = f.properties.name; });
      if (!communeLayer) { map.fitBounds(drawCommunes(r[0].communes).getBounds()); state.communes = r[0].communes; }
      drawCells(); drawSites(); showAudit(r[2]);
      if (state.scenario) { showCompare(r[3]); showChanges(r[4]); } else {
        $("compare-summary").textContent = ""; $("delta-panel").hidden = true; showChanges(null);
      }
      $("edit-status").textContent = "Carte à jour.";
      document.body.dataset.ready = "1";
    }).catch(function (e) { $("edit-status").textContent = "Erreur : " + e.message; });
  }
  function loadScenarios(selectId) {
    return api("/scenarios").then(function (list) {
      var select = $("scenario");
      select.innerHTML = '<option value="">Existant (référence)</option>';
      list.forEach(function (s) {
        var opt = document.createElement("option"); opt.value = s.id; opt.textContent = s.name; select.appendChild(opt);
      });
      if (selectId !== undefined) { select.value = String(selectId); }
    });
  }
  function setScenario(id) {
    state.scenario = id ? String(id) : "";
    $("editor").disabled = !state.scenario;
    document.body.dataset.ready = "";
    return refresh();
  }

  map.on("click", function (e) {
    $("new-lat").value = e.latlng.lat.toFixed(5); $("new-lon").value = e.latlng.lng.toFixed(5);
    if (pickMarker) { pickMarker.setLatLng(e.latlng); } else {
      pickMarker = L.circleMarker(e.latlng, { radius: 7, color: "#000", weight: 3, fillColor: "#ffd400", fillOpacity: 1 }).addTo(map);
    }
    $("edit-status").textContent = "Point choisi : " + $("new-lat").value + ", " + $("new-lon").value + ".";
  });
  $("klass").addEventListener("change", drawCells);
  $("show-sectors").addEventListener("change", function () { if (state.communes) { drawCommunes(state.communes); } });
  $("scenario").addEventListener("change", function () { setScenario($("scenario").value); });
  $("new-scenario").addEventListener("submit", function (e) {
    e.preventDefault();
    api("/scenarios", { method: "POST", body: JSON.stringify({ name: $("scenario-name").value }) })
      .then(function (s) { $("scenario-name").value = ""; return loadScenarios(s.id).then(function () { return setScenario(s.id); }); })
      .catch(function (err) { $("edit-status").textContent = "Erreur : " + err.message; });
  });
  $("apply").addEventListener("click", function () {
    var op = document.querySelector('input[name="op"]:checked').value;
    var body = { op: op };
    if (op !== "add_site") { body.site_id = $("site").value; }
    if (op !== "close_site") { body.lon = parseFloat($("new-lon").value); body.lat = parseFloat($("new-lat").value); }
    if (op === "add_site") { body.kind = $("kind").value; body.name = $("new-name").value || "Nouveau site"; }
    if (op !== "close_site" && (isNaN(body.lon) || isNaN(body.lat))) { $("edit-status").textContent = "Choisissez d'abord un point sur la carte."; return; }
    document.body.dataset.ready = "";
    api("/scenarios/" + state.scenario + "/changes", { method: "POST", body: JSON.stringify(body) })
      .then(refresh).catch(function (err) { $("edit-status").textContent = "Erreur : " + err.message; });
  });
  api("/proposals").then(function (p) {
    var box = $("proposals"); box.innerHTML = "";
    var para = document.createElement("p");
    para.textContent = p.available ? p.proposals.length + " proposition(s)." : p.message;
    box.appendChild(para);
    if (p.available) {
      var ul = document.createElement("ul");
      p.proposals.forEach(function (x) { var li = document.createElement("li"); li.textContent = proposalText(x); ul.appendChild(li); });
      box.appendChild(ul);
    }
  }).catch(function (e) { $("proposals").textContent = "Propositions indisponibles : " + e.message; });
  loadScenarios().then(function () { return setScenario(""); })
    .catch(function (e) { $("edit-status").textContent = "Erreur : " + e.message; });
})();
