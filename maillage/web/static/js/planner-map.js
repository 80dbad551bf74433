/* Planner workspace map (Leaflet, no basemap unless the user supplied tiles): cells coloured by time
 * or by gain/loss, communes with their names, sites by kind and by scenario change, a site's
 * isochrone, a scale bar and the legend below the map. Popups are DOM nodes built from data
 * (never HTML strings). Every word comes from the catalogue (messages.js). Exposes
 * window.PlannerMap for planner.js. */
(function () {
  "use strict";
  var t = window.Messages.t;
  var BINS = [5, 10, 15, 20, 30, 45, 60];
  var COLOURS = ["#1a9850", "#66bd63", "#a6d96a", "#fee08b", "#fdae61", "#f46d43", "#d73027", "#a50026"];
  var KIND = {
    pole_social: { colour: "#08306b", radius: 9, label: t("kinds.pole_social") },
    sst: { colour: "#2171b5", radius: 6, label: t("kinds.sst") }, antenne: { colour: "#2171b5", radius: 6 },
    pmi: { colour: "#4292c6", radius: 5, label: t("kinds.pmi") },
    france_services: { colour: "#6a51a3", radius: 6, label: t("kinds.france_services") },
    ccas: { colour: "#807dba", radius: 5, label: t("kinds.ccas") }
  };
  var CHANGED = "#ff7f00";
  var SECTOR_COLOURS = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#d9d9d9"];
  var DIFF = { gained: { colour: "#1a9850", label: t("gained") }, lost: { colour: "#d73027", label: t("lost") } };
  var ISO = { low: "#08519c", high: "#6baed6" };
  var fmt = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 0 });

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }
  // Leaflet writes attributions with innerHTML: the credit (DATA/basemap/ATTRIBUTION.txt) goes in as text
  function asText(value) { var node = el("span", value); return node.innerHTML; }
  function colour(m) {
    if (m === null) { return "#555"; }
    for (var i = 0; i < BINS.length; i++) { if (m < BINS[i]) { return COLOURS[i]; } }
    return COLOURS[COLOURS.length - 1];
  }
  function minutes(v) { return v === null ? t("unreachable") : t("minutes", { n: Math.round(v) }); }
  function line(list, label, value) {
    var li = el("li"); li.appendChild(el("strong", t("label", { label: label }))); li.appendChild(document.createTextNode(value)); list.appendChild(li);
  }
  function swatch(colourValue, round, ring) {  // CSSOM styles: allowed by the CSP (no style attribute in markup)
    var s = el("span", null, "swatch" + (round ? " round" : ""));
    s.style.background = colourValue;
    if (ring) { s.style.borderColor = ring; s.style.borderWidth = "3px"; }
    return s;
  }

  function PlannerMap(id) {
    var map = L.map(id, { zoomSnap: 0.25, attributionControl: false, preferCanvas: false });
    var url = document.body.dataset.basemap;  // only tiles the user supplied in DATA/basemap, served by the app
    if (url) {
      L.control.attribution({ prefix: false }).addTo(map);
      L.tileLayer(url, { attribution: asText(document.body.dataset.basemapAttribution || ""), maxZoom: 19 }).addTo(map);
    }
    L.control.scale({ imperial: false, maxWidth: 160, position: "bottomleft" }).addTo(map);
    map.setView([48.84, 2.24], 11);
    this.map = map;
    // bottom to top: cells, a site's isochrone, commune outlines and sector tints, commune names,
    // site markers (overlayPane, z 400)
    [["cells", 350], ["iso", 355], ["communes", 370], ["labels", 380]].forEach(function (p) {
      var pane = map.createPane(p[0]); pane.style.zIndex = p[1]; pane.style.pointerEvents = "none";
    });
    this.canvas = L.canvas({ padding: 0.2, pane: "cells" });
    this.isoCanvas = L.canvas({ padding: 0.2, pane: "iso" });
    this.cellLayer = L.layerGroup().addTo(map);
    this.isoLayer = L.layerGroup().addTo(map);
    this.communeLayer = null;
    this.labelLayer = L.layerGroup().addTo(map);
    this.siteLayer = L.layerGroup().addTo(map);
    this.sectors = {};
    this.pick = null;
    var container = map.getContainer();
    // names only where they do not pile up: a phone-wide map shows them once zoomed in
    function labels() { container.classList.toggle("labels-small", map.getZoom() < (container.clientWidth < 600 ? 11.5 : 10.5)); }
    map.on("zoomend", labels);
    labels();
  }

  PlannerMap.prototype.drawCells = function (cells, key) {
    // the few gained/lost cells above the sector tints; the full time map under them
    this.map.getPane("communes").style.zIndex = key === "diff" ? 340 : 370;
    this.cellLayer.clearLayers();
    if (!cells) { return; }
    L.geoJSON(cells, {
      renderer: this.canvas, interactive: false,
      style: function (f) {
        if (key === "diff") { return { stroke: false, fillOpacity: 0.85, fillColor: DIFF[f.properties.change].colour }; }
        return { stroke: false, fillOpacity: 0.75, fillColor: colour(f.properties[key]) };
      }
    }).addTo(this.cellLayer);
  };

  PlannerMap.prototype.drawCommunes = function (gj, filled) {
    var sectors = {}, n = 0, self = this;
    gj.features.forEach(function (f) {
      var s = f.properties.sector;
      if (!(s in sectors)) { sectors[s] = { colour: SECTOR_COLOURS[n++ % SECTOR_COLOURS.length], name: f.properties.sector_name || t("sector_unknown") }; }
    });
    this.sectors = sectors;
    if (this.communeLayer) { this.map.removeLayer(this.communeLayer); }
    this.labelLayer.clearLayers();
    this.communeLayer = L.geoJSON(gj, {
      interactive: false, pane: "communes",
      style: function (f) {
        return { color: "#222", weight: 1, fill: filled, fillColor: sectors[f.properties.sector].colour, fillOpacity: filled ? 0.4 : 0 };
      },
      onEachFeature: function (f, layer) {  // the name at the commune's visual centre, above the cells
        var centre = layer.getBounds().getCenter();
        L.tooltip({ permanent: true, direction: "center", className: "commune-label", interactive: false, pane: "labels" })
          .setLatLng(centre).setContent(el("span", f.properties.name)).addTo(self.labelLayer);
      }
    }).addTo(this.map);
    return this.communeLayer;
  };

  // sites: the layer's features (each with properties.change); base: id -> [lat, lon] in the baseline
  PlannerMap.prototype.drawSites = function (sites, base, onClick) {
    this.siteLayer.clearLayers();
    var layer = this.siteLayer;
    sites.features.forEach(function (f) {
      var p = f.properties, style = KIND[p.kind];
      if (!style) { return; }
      var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      var approx = p.quality === "commune_centroid";
      var options = {
        radius: style.radius, color: approx ? style.colour : "#fff", weight: 2, dashArray: approx ? "3 3" : null,
        fillColor: style.colour, fillOpacity: approx ? 0.35 : 1, className: "site-marker site-" + p.id
      };
      if (p.change === "added" || p.change === "moved") {
        options.color = CHANGED; options.weight = 4; options.radius = style.radius + 3; options.dashArray = p.change === "moved" ? "5 3" : null;
        options.className += " site-" + p.change;
        if (p.change === "moved" && base[p.id]) {
          L.polyline([base[p.id], ll], { color: CHANGED, weight: 2, dashArray: "4 4", interactive: false }).addTo(layer);
          L.circleMarker(base[p.id], { radius: 3, color: CHANGED, weight: 1, fillColor: "#fff", fillOpacity: 1, interactive: false }).addTo(layer);
        }
      } else if (p.change === "closed") {
        options.color = "#444"; options.weight = 2; options.fillColor = "#bdbdbd"; options.fillOpacity = 0.9;
        options.className += " site-closed";
      }
      var tip = p.change === "closed" ? t("tip_closed", { site: p.name }) : p.change === "added" ? t("tip_added", { site: p.name })
        : p.change === "moved" ? t("tip_moved", { site: p.name }) : p.name;
      if (approx) { tip = t("tip_approximate", { site: tip }); }
      var m = L.circleMarker(ll, options).bindTooltip(el("span", tip));
      m.on("click", function (e) { L.DomEvent.stopPropagation(e); onClick(p, e.latlng); });
      m.addTo(layer);
    });
  };

  PlannerMap.prototype.drawIsochrone = function (fc) {
    this.isoLayer.clearLayers();
    if (!fc) { return; }
    var zone = L.geoJSON(fc, {
      renderer: this.isoCanvas, interactive: false,
      style: function (f) { return { stroke: false, fillOpacity: 0.85, fillColor: f.properties.band <= 15 ? ISO.low : ISO.high }; }
    }).addTo(this.isoLayer);
    if (fc.features.length) { this.map.fitBounds(zone.getBounds(), { maxZoom: 13, padding: [30, 30] }); }
  };

  PlannerMap.prototype.setPick = function (latlng) {
    if (!latlng) { if (this.pick) { this.map.removeLayer(this.pick); this.pick = null; } return; }
    if (this.pick) { this.pick.setLatLng(latlng); } else {
      this.pick = L.circleMarker(latlng, { radius: 7, color: "#000", weight: 3, fillColor: "#ffd400", fillOpacity: 1, interactive: false }).addTo(this.map);
    }
  };

  PlannerMap.prototype.popup = function (latlng, content) {
    L.popup({ maxWidth: 300, autoPanPadding: [20, 20] }).setLatLng(latlng).setContent(content).openOn(this.map);
  };
  PlannerMap.prototype.closePopup = function () { this.map.closePopup(); };

  // the cell under a point (cells are grid squares: a bounds test is exact)
  PlannerMap.cellAt = function (cells, latlng) {
    if (!cells) { return null; }
    for (var i = 0; i < cells.features.length; i++) {
      var ring = cells.features[i].geometry.coordinates[0];
      if (latlng.lng >= ring[0][0] && latlng.lng <= ring[1][0] && latlng.lat >= ring[0][1] && latlng.lat <= ring[2][1]) {
        return cells.features[i].properties;
      }
    }
    return null;
  };

  PlannerMap.cellPopup = function (p, standardText, sizeM) {
    var box = el("div", null, "popup");
    box.appendChild(el("p", p.commune_name ? t("cell_title_commune", { size: fmt.format(sizeM), commune: p.commune_name })
      : t("cell_title", { size: fmt.format(sizeM) }), "popup-title"));
    var ul = el("ul", null, "popup-list");
    line(ul, t("population"), t("residents", { n: fmt.format(p.population), count: p.population }));
    line(ul, t("nearest_pole"), minutes(p.pole));
    line(ul, t("nearest_antenne"), minutes(p.antenne));
    line(ul, t("verdict"), p.within ? t("within") : t("outside_standard"));
    box.appendChild(ul);
    // why this cell is outside the standard (text only: it holds site names, anyone's text)
    if (p.why) { box.appendChild(el("p", p.why, "popup-note why")); }
    if (standardText) { box.appendChild(el("p", standardText, "popup-note")); }
    return box;
  };

  PlannerMap.sitePopup = function (p) {
    var box = el("div", null, "popup");
    box.appendChild(el("p", p.name, "popup-title"));
    var ul = el("ul", null, "popup-list");
    line(ul, t("kind"), p.kind_label);
    line(ul, t("commune"), p.commune_name || t("not_given"));
    line(ul, t("address"), p.address || t("not_given"));
    line(ul, t("hours"), p.hours);
    if (p.change) { line(ul, t("scenario"), t("site_changes." + p.change)); }
    if (p.quality === "commune_centroid") { line(ul, t("position"), t("approximate")); }
    box.appendChild(ul);
    return box;
  };

  // The legend below the map for everything but the time bins (static in the page).
  PlannerMap.prototype.legend = function (target, options) {
    target.innerHTML = "";
    function group(title, items) {
      var li = el("li", null, "legend-group"); li.appendChild(el("span", t("legend_group", { title: title }), "legend-title"));
      var ul = el("ul", null, "legend");
      items.forEach(function (item) { var x = el("li"); x.appendChild(item[0]); x.appendChild(document.createTextNode(item[1])); ul.appendChild(x); });
      li.appendChild(ul); target.appendChild(li);
    }
    var kinds = ["pole_social", "sst", "pmi", "france_services", "ccas"].map(function (k) { return [swatch(KIND[k].colour, true), KIND[k].label]; });
    group(t("legend_sites"), kinds);
    if (options.scenario) {
      group(t("legend_changes"), [[swatch("#fff", true, CHANGED), t("legend_added")],
        [swatch("#fff", true, CHANGED), t("legend_moved")],
        [swatch("#bdbdbd", true, "#444"), t("legend_closed")]]);
    }
    if (options.diff === 0) { group(t("legend_diff"), [[el("span"), t("legend_no_diff")]]); }
    if (options.diff) { group(t("legend_diff"), [[swatch(DIFF.gained.colour), DIFF.gained.label], [swatch(DIFF.lost.colour), DIFF.lost.label]]); }
    if (options.sectors) {
      var sectors = this.sectors;
      group(t("legend_sectors"), Object.keys(sectors).map(function (k) { return [swatch(sectors[k].colour), sectors[k].name]; }));
    }
    if (options.isochrone) {
      group(t("legend_zone", { site: options.isochrone }), [[swatch(ISO.low), t("legend_low")], [swatch(ISO.high), t("legend_high")]]);
    }
  };

  window.PlannerMap = PlannerMap;
})();
