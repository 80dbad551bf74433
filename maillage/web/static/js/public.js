/* "Où m'adresser ?" — progressive enhancement of the search form (the page works without it).
 * A Leaflet map without any basemap: commune outlines from /api/communes.geojson (our own data),
 * a click (or Enter on the focused map, which picks its centre) chooses the starting point. */
(function () {
  "use strict";
  var el = document.getElementById("pick-map");
  if (!el || typeof L === "undefined") { return; }
  var lonInput = document.getElementById("lon");
  var latInput = document.getElementById("lat");
  var status = document.getElementById("point-status");
  var originInput = document.getElementById("origin");  // "text" (search box) or "point" (map)
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false, keyboard: true });
  if (document.body.dataset.basemap) {  // only tiles the user supplied in DATA/basemap, served by the app
    L.control.attribution({ prefix: false }).addTo(map);
    L.tileLayer(document.body.dataset.basemap,
      { attribution: document.body.dataset.basemapAttribution || "", maxZoom: 19 }).addTo(map);
  }
  map.setView([48.84, 2.24], 11);
  el.setAttribute("tabindex", "0");
  el.setAttribute("aria-label", "Carte des communes. Flèches pour déplacer, plus et moins pour zoomer, Entrée pour choisir le centre comme point de départ.");
  var marker = null;
  // Names are data, not markup: Leaflet puts a string tooltip in innerHTML, a node goes in as it is.
  function text(value) { var span = document.createElement("span"); span.textContent = value; return span; }

  function choose(latlng, how) {
    var lat = latlng.lat.toFixed(5), lon = latlng.lng.toFixed(5);
    lonInput.value = lon; latInput.value = lat;
    if (originInput) { originInput.value = "point"; }
    if (marker) { marker.setLatLng(latlng); } else {
      marker = L.circleMarker(latlng, { radius: 8, color: "#000", weight: 3, fillColor: "#ffd400", fillOpacity: 1 }).addTo(map);
    }
    status.textContent = "Point choisi " + how + " : " + lat + ", " + lon + ". Appuyez sur « Rechercher ».";
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
    var results = document.querySelectorAll(".result[data-lon]");
    var group = [];
    results.forEach(function (li) {
      var ll = L.latLng(parseFloat(li.dataset.lat), parseFloat(li.dataset.lon));
      var m = L.circleMarker(ll, { radius: 7, color: "#fff", weight: 2, fillColor: "#b3261e", fillOpacity: 1 })
        .bindTooltip(text(li.dataset.rank + ". " + li.dataset.name)).addTo(map);
      group.push(m);
    });
    var oLon = parseFloat(el.dataset.lon), oLat = parseFloat(el.dataset.lat);
    if (!isNaN(oLon) && !isNaN(oLat)) {
      var origin = L.circleMarker([oLat, oLon], { radius: 8, color: "#000", weight: 3, fillColor: "#ffd400", fillOpacity: 1 })
        .bindTooltip(text("Point de départ")).addTo(map);
      group.push(origin);
      map.fitBounds(L.featureGroup(group).getBounds().pad(0.3));
    } else {
      map.fitBounds(bounds);
    }
  });

  map.on("click", function (e) { choose(e.latlng, "sur la carte"); });
  el.addEventListener("keydown", function (e) {
    if (e.target === el && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      choose(map.getCenter(), "au centre de la carte");
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
})();
