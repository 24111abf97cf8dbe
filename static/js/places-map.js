// The network's map (/places/): one marker per place, from the data the page embeds
// (json_script #places-map-data). Tiles only when the site names a tile server
// (BOCAGE_MAP_TILES_URL); without, the markers stand over the communes' names on a plain
// background, so the map still shows where the places are. The list below the map has them all.
(function () {
  "use strict";
  var container = document.getElementById("places-map");
  if (!container || typeof L === "undefined") return;
  var data = JSON.parse(document.getElementById("places-map-data").textContent);
  var config = JSON.parse(document.getElementById("places-map-config").textContent);
  container.classList.add("ready");
  if (!config.tiles) container.classList.add("no-tiles");

  var map = L.map(container, { attributionControl: Boolean(config.tiles), scrollWheelZoom: false });
  if (config.tiles) {
    L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 18 }).addTo(map);
  }

  data.communes.forEach(function (commune) {
    var label = document.createElement("span");
    label.textContent = commune.name;
    L.marker([commune.lat, commune.lng], {
      icon: L.divIcon({ className: "places-commune-label", html: label, iconSize: null }),
      interactive: false, keyboard: false, zIndexOffset: -1000
    }).addTo(map);
  });

  var points = [];
  data.places.forEach(function (place) {
    var name = document.createElement("span");
    name.className = "visually-hidden";
    name.textContent = place.name;
    var marker = L.marker([place.lat, place.lng], {
      icon: L.divIcon({ className: "places-marker", html: name, iconSize: [28, 28], iconAnchor: [14, 28], popupAnchor: [0, -26] }),
      title: place.name
    });
    var popup = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = place.name;
    var where = document.createElement("p");
    where.textContent = [place.kinds.join(", "), place.commune].filter(Boolean).join(" · ");
    var link = document.createElement("a");
    link.href = place.url;
    link.textContent = container.dataset.openLabel;
    popup.append(title, where, link);
    marker.bindPopup(popup).addTo(map);
    points.push([place.lat, place.lng]);
  });

  if (points.length) {
    map.fitBounds(points, { padding: [36, 36], maxZoom: 14 });
  } else {
    map.setView([46.62, -1.65], 11);
    var empty = document.createElement("p");
    empty.className = "places-map-empty";
    empty.textContent = container.dataset.emptyLabel;
    container.append(empty);
  }
})();
