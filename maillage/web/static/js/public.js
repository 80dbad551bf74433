/* "Où m'adresser ?" — progressive enhancement of the search form (the page works without it).
 * A Leaflet map without any basemap: commune outlines from /api/communes.geojson (our own data),
 * a click (or Enter on the focused map, which picks its centre) chooses the starting point.
 * Every word it shows comes from the page's JSON data block (public_messages.py), read with t(). */
(function () {
  "use strict";
  var t = window.Messages ? window.Messages.t : function (key) { return key; };
  var el = document.getElementById("pick-map");
  var form = document.getElementById("search-form");
  suggestions();
  nearMe();
  if (!el || typeof L === "undefined") { return; }
  var lonInput = document.getElementById("lon");
  var latInput = document.getElementById("lat");
  var status = document.getElementById("point-status");
  var originInput = document.getElementById("origin");  // "text" (search box) or "point" (map)
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false, keyboard: true });
  // Leaflet writes attributions with innerHTML: the credit (DATA/basemap/ATTRIBUTION.txt) goes in as text
  function asText(value) { return text(value).innerHTML; }
  if (document.body.dataset.basemap) {  // only tiles the user supplied in DATA/basemap, served by the app
    L.control.attribution({ prefix: false }).addTo(map);
    L.tileLayer(document.body.dataset.basemap,
      { attribution: asText(document.body.dataset.basemapAttribution || ""), maxZoom: 19 }).addTo(map);
  }
  map.setView([48.84, 2.24], 11);
  el.setAttribute("tabindex", "0");
  el.setAttribute("aria-label", t("map_label"));
  var marker = null;
  var pickLon = parseFloat(lonInput.value), pickLat = parseFloat(latInput.value);
  // Names are data, not markup: Leaflet puts a string tooltip in innerHTML, a node goes in as it is.
  function text(value) { var span = document.createElement("span"); span.textContent = value; return span; }

  function choose(latlng, where) {  // where: "point_on_map" or "point_at_centre", the message to show
    var lat = latlng.lat.toFixed(5), lon = latlng.lng.toFixed(5);
    lonInput.value = lon; latInput.value = lat;
    if (originInput) { originInput.value = "point"; }
    if (marker) { marker.setLatLng(latlng); } else {
      marker = L.circleMarker(latlng, { radius: 8, color: "#000", weight: 3, fillColor: "#ffd400", fillOpacity: 1 }).addTo(map);
    }
    status.textContent = t(where, { lat: lat, lon: lon });
  }

  fetch("/api/communes.geojson").then(function (r) { return r.json(); }).then(function (gj) {
    var layer = L.geoJSON(gj, {
      style: function () { return { color: "#1d3557", weight: 1, fillColor: "#e9eef5", fillOpacity: 0.6 }; },
      onEachFeature: function (f, l) { l.bindTooltip(text(f.properties.name), { sticky: true }); }
    }).addTo(map);
    var bounds = layer.getBounds();
    // the map sits in a closed <details> until asked for: size it when it opens
    var box = el.closest("details");
    if (box) {
      box.addEventListener("toggle", function () { if (box.open) { map.invalidateSize(); map.fitBounds(bounds); } });
    }
    if (!isNaN(pickLon) && !isNaN(pickLat)) {
      marker = L.circleMarker([pickLat, pickLon], { radius: 8, color: "#000", weight: 3, fillColor: "#ffd400", fillOpacity: 1 })
        .bindTooltip(text(t("start_point"))).addTo(map);
      map.setView([pickLat, pickLon], 13);
    } else {
      map.fitBounds(bounds);
    }
    resultsMap(gj);
  });

  map.on("click", function (e) { choose(e.latlng, "point_on_map"); });
  el.addEventListener("keydown", function (e) {
    if (e.target === el && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      choose(map.getCenter(), "point_at_centre");
    }
  });
  // Typing in the search box makes it the origin again.
  var box = document.getElementById("q");
  if (box && originInput) {
    box.addEventListener("input", function () { originInput.value = "text"; });
  }
  // After a search, move keyboard focus to the answer's heading. Not while the page is still loading:
  // Chromium's scroll to the #resultats fragment, at the end of parsing, takes the focus away again.
  var heading = document.getElementById("resultats-titre");
  if (heading && window.location.hash === "#resultats") {
    if (document.readyState === "complete") { heading.focus(); } else {
      window.addEventListener("load", function () { heading.focus(); });
    }
  }

  /* The results map: the commune outlines, the starting point, and one numbered marker per card
   * (★ for the resident's pôle), the same numbers as the list. Nothing on it takes the focus: the
   * list is the keyboard's way through the same facts. */
  function resultsMap(gj) {
    var box = document.getElementById("results-map");
    if (!box) { return; }
    var rmap = L.map(box, { keyboard: false, zoomControl: false, attributionControl: false, scrollWheelZoom: false, zoomSnap: 0.25 });
    L.geoJSON(gj, { interactive: false, style: function () { return { color: "#1d3557", weight: 1, fillColor: "#e9eef5", fillOpacity: 0.6 }; } }).addTo(rmap);
    var points = [];
    function pin(ll, node, className, size, front) {
      var icon = L.divIcon({ className: className, html: node, iconSize: [size, size] });
      L.marker(ll, { icon: icon, keyboard: false, interactive: false, zIndexOffset: front ? 1000 : 0 }).addTo(rmap);
      points.push(ll);
    }
    var oLat = parseFloat(box.dataset.lat), oLon = parseFloat(box.dataset.lon);
    // the starting point above the places: it is often in the same building as the resident's pôle
    if (!isNaN(oLat) && !isNaN(oLon)) { pin(L.latLng(oLat, oLon), text(""), "start-marker", 16, true); }
    document.querySelectorAll(".result[data-lon]").forEach(function (card) {
      var lat = parseFloat(card.dataset.lat), lon = parseFloat(card.dataset.lon);
      if (isNaN(lat) || isNaN(lon)) { return; }
      var rank = card.dataset.rank;
      pin(L.latLng(lat, lon), text(rank), rank === "★" ? "num-marker pole" : "num-marker", 28, false);
    });
    // at most a neighbourhood's zoom: the start and the pôle may be in the same building
    if (points.length) { rmap.fitBounds(L.latLngBounds(points).pad(0.15), { maxZoom: 13 }); } else { rmap.setView([48.84, 2.24], 11); }
  }

  /* Suggestions while typing: the datalist's options replaced by the server's (communes, postcodes,
   * streets), at most one request per pause in the typing; without JavaScript the list of communes stays. */
  function suggestions() {
    var input = document.getElementById("q");
    var list = document.getElementById("places-list");
    if (!input || !list || !window.fetch) { return; }
    var initial = Array.prototype.slice.call(list.children);
    var timer = null;
    function fill(labels) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      labels.forEach(function (label) {
        var option = document.createElement("option");
        option.value = label;  // a property, never markup
        list.appendChild(option);
      });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var value = input.value.trim();
      if (value.length < 2) { while (list.firstChild) { list.removeChild(list.firstChild); } initial.forEach(function (o) { list.appendChild(o); }); return; }
      timer = setTimeout(function () {
        fetch("/api/suggest?q=" + encodeURIComponent(value)).then(function (r) { return r.ok ? r.json() : null; })
          .then(function (body) { if (body && input.value.trim() === value) { fill(body.suggestions); } })
          .catch(function () { /* the form still works without suggestions */ });
      }, 150);
    });
  }

  /* "Autour de moi": the browser's position, asked only after the click, sent as the starting point. */
  function nearMe() {
    var button = document.getElementById("near-me");
    var status = document.getElementById("geo-status");
    if (!button || !form || !navigator.geolocation) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = t("locating");
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("lon").value = pos.coords.longitude.toFixed(5);
        document.getElementById("lat").value = pos.coords.latitude.toFixed(5);
        document.getElementById("origin").value = "point";
        document.getElementById("near").value = "1";
        form.submit();
      }, function (err) {
        status.textContent = t(err.code === 1 ? "position_refused" : "position_unknown");
      }, { timeout: 15000, maximumAge: 60000 });
    });
  }
})();
