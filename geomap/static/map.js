/* geomap map.js: draws the events data block of a geomap page.
 * Article text is untrusted: it only ever reaches the page through textContent,
 * text nodes, or attribute setters; the only HTML strings inserted come from the
 * renderer's own layer symbols (SVG built in Python, no article text). */
"use strict";

function geomapData(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

function geomapBasemap(map, countries, attribution) {
  map.createPane("gm-basemap");
  map.getPane("gm-basemap").style.zIndex = 150;
  map.getPane("gm-basemap").style.pointerEvents = "none";
  /* a canvas: repainting markers above it does not re-rasterise every country path */
  L.geoJSON(countries, {pane: "gm-basemap", interactive: false, renderer: L.canvas({pane: "gm-basemap"}), style: {
    color: "#a8a294", weight: 0.7, fillColor: "#f5f2eb", fillOpacity: 1}}).addTo(map);
  /* country names, under the events; each from the zoom its size allows */
  map.createPane("gm-labels");
  map.getPane("gm-labels").style.zIndex = 350;
  map.getPane("gm-labels").style.pointerEvents = "none";
  var labels = countries.features.filter(function (f) { return f.properties.label; }).map(function (f) {
    var div = document.createElement("div");
    div.textContent = f.properties.name;
    return {minZoom: f.properties.label_min_zoom, marker: L.marker(f.properties.label, {
      pane: "gm-labels", interactive: false, keyboard: false,
      icon: L.divIcon({className: "gm-country-label", html: div, iconSize: null})})};
  });
  function show() {
    var z = map.getZoom();
    labels.forEach(function (l) { if (z >= l.minZoom) { l.marker.addTo(map); } else { l.marker.remove(); } });
  }
  map.on("zoomend", show);
  show();
  map.attributionControl.addAttribution(attribution);
}

function geomapInit(map, D) {
  var S = D.strings, LAYERS = D.layers, T = D.aggregateAbove, SIZE = D.iconSize, HALF = SIZE / 2;
  var $ = function (id) { return document.getElementById(id); };
  function str(i) { return i >= 0 ? S[i] : null; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  /* ---- events */
  var events = D.events.map(function (r, i) {
    var actors = r[9].map(str);
    return {i: i, id: r[0], layer: r[1], kind: r[2], c: r[3], date: r[4], dateText: str(r[5]), prec: r[6],
      approx: (r[7] & 1) === 1, inferred: (r[7] & 2) === 2, place: S[r[8]], actors: actors, doc: r[10],
      evidence: S[r[11]], start: r[12], span: r[13], conf: r[14], mentions: r[15], note: str(r[16]),
      area: r[17], off: r[18], key: (S[r[8]] + "\n" + actors.join("\n")).toLowerCase()};
  });
  var byId = {};
  events.forEach(function (e) { byId[e.id] = e; });
  function rep(e) { return e.kind === 1 ? e.c[0] : e.c; }
  function bounds(e) {
    if (e.kind === 1) return L.latLngBounds(e.c);
    if (e.kind === 2) return L.latLngBounds([].concat.apply([], D.areas[e.area]));
    return L.latLngBounds([e.c, e.c]);
  }
  var dated = events.filter(function (e) { return e.date; }).map(function (e) { return e.date; }).sort();

  /* ---- state and filter */
  var state = {on: LAYERS.map(function () { return true; }), from: "", to: "", undated: true, coarse: true, q: ""};
  function passes(e) {
    if (!state.on[e.layer]) return false;
    if (e.date) {
      if (state.from && e.date < state.from) return false;
      if (state.to && e.date > state.to) return false;
    } else if (!state.undated) return false;
    if (!state.coarse && e.approx) return false;
    return !state.q || e.key.indexOf(state.q) >= 0;
  }

  /* ---- panes: points (markerPane, 600) above lines above areas, whatever is toggled */
  map.createPane("gm-areas").style.zIndex = 410;
  map.createPane("gm-lines").style.zIndex = 420;
  var areaRenderer = L.svg({pane: "gm-areas"}), lineRenderer = L.svg({pane: "gm-lines"});
  var groups = LAYERS.map(function () { return L.layerGroup().addTo(map); });
  var clusters = L.layerGroup().addTo(map);
  var overlays = {};
  LAYERS.forEach(function (l, i) {
    overlays['<span class="gm-ctl" data-layer="' + escapeHtml(l.id) + '">' + l.icon + escapeHtml(l.label) +
      ' <span class="gm-n"></span></span>'] = groups[i];
  });
  var narrow = window.matchMedia("(max-width: 700px)").matches;
  L.control.layers(null, overlays, {collapsed: narrow, position: "topright"}).addTo(map);
  map.on("overlayadd overlayremove", function (ev) {
    var i = groups.indexOf(ev.layer);
    if (i < 0) return;
    state.on[i] = ev.type === "overlayadd";
    refresh(i);
  });

  /* ---- popups, built on first opening */
  function highlighted(parent, text, span, actors) {
    var marks = [];
    if (span) marks.push([span[0], span[1], "gm-place"]);
    actors.forEach(function (a) {
      if (!a) return;
      for (var at = text.indexOf(a); at >= 0; at = text.indexOf(a, at + a.length)) marks.push([at, at + a.length, "gm-actor"]);
    });
    marks.sort(function (x, y) { return x[0] - y[0] || y[1] - x[1]; });
    var pos = 0;
    marks.forEach(function (m) {
      if (m[0] < pos) return;
      parent.appendChild(document.createTextNode(text.slice(pos, m[0])));
      parent.appendChild(el("mark", m[2], text.slice(m[0], m[1])));
      pos = m[1];
    });
    parent.appendChild(document.createTextNode(text.slice(pos)));
    return parent;
  }
  function sourceNode(doc) {
    var d = D.docs[doc], name = S[d[0]], url = str(d[2]), node;
    if (url && /^https?:\/\//i.test(url)) {
      node = el("a", null, name);
      node.href = url;
      node.rel = "noopener noreferrer";
      node.target = "_blank";
    } else {
      node = el("span", null, name);
    }
    return node;
  }
  function popupContent(e) {
    var lay = LAYERS[e.layer], box = el("div", "gm-pop");
    var type = box.appendChild(el("div", "gm-pop-type", lay.label));
    type.style.borderColor = lay.color;
    box.appendChild(el("div", "gm-pop-place", e.place));
    if (e.approx) {
      var word = e.inferred || D.precisions[e.prec].indexOf("inferred") === 0 ? "Inferred" : "Approximate";
      box.appendChild(el("p", "gm-flag", word + " location" + (e.note ? ": " + e.note : "")));
    }
    var table = box.appendChild(el("table"));
    function row(label, value) {
      var tr = table.appendChild(el("tr"));
      tr.appendChild(el("th", null, label));
      var td = tr.appendChild(el("td"));
      if (typeof value === "string") td.textContent = value; else td.appendChild(value);
      return td;
    }
    var when = el("span", null, e.date || "undated");
    if (e.date) when.appendChild(el("span", "gm-muted", " (to the day" + (e.dateText ? ", from \u201c" + e.dateText + "\u201d" : "") + ")"));
    row("Date", when);
    row("Actors", e.actors.length ? e.actors.join(", ") : "none named");
    row("Location", D.precisions[e.prec] + (e.kind === 2 ? " (outline drawn)" : ""));
    var src = row("Source", sourceNode(e.doc)), title = str(D.docs[e.doc][1]);
    if (title) src.appendChild(el("div", "gm-muted", title));
    row("Confidence", (e.conf / 100).toFixed(2));
    if (e.mentions > 1) row("Reports", e.mentions + " sentences");
    highlighted(box.appendChild(el("blockquote", "gm-evidence")), e.evidence, e.span, e.actors);
    var more = box.appendChild(el("button", "gm-linkbtn", "Show in source text"));
    more.type = "button";
    more.addEventListener("click", function () { openPanel(); showDoc(e); });
    return box;
  }
  function tooltipText(e) {
    return document.createTextNode(LAYERS[e.layer].label + ": " + e.place + ", " + (e.date || "undated") +
      (e.approx ? " (approximate)" : ""));
  }
  /* a popup opens clear of the title box: its top padding follows the box's height, which
     the layout, the window's width and the sources list change (every popup shares this array) */
  var panTopLeft = [20, 120], header = $("gm-header");
  function fitPanPadding() {
    if (header) panTopLeft[1] = header.offsetTop + header.offsetHeight + 12;
  }
  fitPanPadding();
  if (header && window.ResizeObserver) new ResizeObserver(fitPanPadding).observe(header);
  else window.addEventListener("resize", fitPanPadding);
  var popupOptions = {maxWidth: 360, minWidth: 220, autoPanPaddingTopLeft: panTopLeft, autoPanPaddingBottomRight: [20, 20]};
  function bind(layer, e) {
    layer.bindPopup(function () { return popupContent(e); }, popupOptions);
    layer.bindTooltip(function () { return tooltipText(e); }, {direction: "top"});
    return layer;
  }

  /* ---- drawing */
  var drawn = {}, keep = null;
  function drawOne(e) {
    var lay = LAYERS[e.layer], group = groups[e.layer], layer;
    if (e.kind === 0) {
      var o = e.off || [0, 0];
      layer = L.marker(e.c, {icon: L.divIcon({html: e.approx ? lay.hollow : lay.solid,
        className: "gm-marker" + (e.date ? "" : " gm-undated"), iconSize: [SIZE, SIZE], iconAnchor: [HALF - o[0], HALF - o[1]],
        popupAnchor: [o[0], o[1] - HALF], tooltipAnchor: [o[0], o[1] - HALF]}),
        keyboard: true, riseOnHover: true, zIndexOffset: e.approx ? 0 : 500, geomapLayer: lay.id, geomapEvent: e.id});
    } else if (e.kind === 1) {
      /* a thin (dashed) line is hard to hit: a wide transparent twin beneath takes the clicks */
      group.addLayer(bind(L.polyline(e.c, {weight: 16, opacity: 0, lineCap: "round", renderer: lineRenderer,
        geomapEvent: e.id, geomapHit: true}), e));
      layer = L.polyline(e.c, {color: lay.color, weight: 3.5, opacity: 0.9, lineCap: "round", renderer: lineRenderer,
        dashArray: e.approx ? "8 7" : null, geomapLayer: lay.id, geomapEvent: e.id});
    } else {
      layer = L.polygon(D.areas[e.area], {color: lay.color, weight: 2, opacity: 0.9, dashArray: "6 5",
        fillColor: lay.color, fillOpacity: 0.12, renderer: areaRenderer, geomapLayer: lay.id, geomapEvent: e.id});
    }
    drawn[e.id] = bind(layer, e);
    group.addLayer(layer);
  }
  function drawClusters(items) {
    var z = map.getZoom(), cells = {}, cell = 60;
    items.forEach(function (e) {
      var p = map.project(rep(e), z), k = Math.floor(p.x / cell) + ":" + Math.floor(p.y / cell), c = cells[k];
      if (!c) c = cells[k] = {n: 0, lat: 0, lng: 0, b: null, one: e};
      c.n += 1;
      c.lat += rep(e)[0];
      c.lng += rep(e)[1];
      c.b = c.b ? c.b.extend(rep(e)) : L.latLngBounds([rep(e), rep(e)]);
    });
    Object.keys(cells).forEach(function (k) {
      var c = cells[k];
      if (c.n === 1) { drawOne(c.one); return; }
      var size = Math.round(26 + 8 * Math.log10(c.n));
      var m = L.marker([c.lat / c.n, c.lng / c.n], {title: c.n + " events: click to zoom in", keyboard: true,
        icon: L.divIcon({className: "gm-cluster", iconSize: [size, size],
          html: '<div aria-hidden="true">' + (c.n >= 10000 ? Math.round(c.n / 1000) + "k" : c.n) + "</div>"})});
      m.on("click", function () {
        if (c.b.getNorthEast().distanceTo(c.b.getSouthWest()) < 50 || z >= map.getMaxZoom() - 1) {
          map.setView(c.b.getCenter(), Math.min(map.getMaxZoom(), z + 3));
        } else {
          map.fitBounds(c.b, {maxZoom: Math.min(map.getMaxZoom(), z + 4)});
        }
      });
      clusters.addLayer(m);
    });
  }
  var visible = [], mode = "all";
  function draw() {
    /* the event whose popup is open stays drawn, so panning to show the popup cannot close it */
    var open = keep !== null && map._popup && map.hasLayer(map._popup) ? keep : null;
    groups.forEach(function (g) {
      g.eachLayer(function (l) { if (open === null || l.options.geomapEvent !== open) g.removeLayer(l); });
    });
    clusters.clearLayers();
    var kept = open !== null ? drawn[open] : null;
    drawn = {};
    if (kept) drawn[open] = kept;
    var items = visible;
    mode = "all";
    if (visible.length > T) {
      var b = map.getBounds().pad(0.2);
      items = visible.filter(function (e) {
        return e.kind === 1 ? b.intersects(L.latLngBounds(e.c)) : b.contains(rep(e));
      });
      mode = "view";
      if (items.length > T && !(map.getZoom() >= 13 && items.length <= 5 * T)) {
        mode = "clusters";
        drawClusters(items.filter(function (e) { return e.id !== open; }));
        return;
      }
    }
    items.forEach(function (e) { if (e.id !== open) drawOne(e); });
  }
  map.on("moveend", function () { if (visible.length > T) draw(); });
  map.on("popupopen", function (ev) {
    var src = ev.popup._source;
    keep = src && src.options && src.options.geomapEvent !== undefined ? src.options.geomapEvent : null;
  });
  map.on("popupclose", function () { keep = null; });

  /* ---- header, legend, layer control counts */
  function updateCounts() {
    var per = LAYERS.map(function () { return 0; }), lo = null, hi = null, undated = 0;
    visible.forEach(function (e) {
      per[e.layer] += 1;
      if (!e.date) { undated += 1; return; }
      if (lo === null || e.date < lo) lo = e.date;
      if (hi === null || e.date > hi) hi = e.date;
    });
    var parts = ["Shown: " + visible.length + " of " + events.length];
    if (lo) parts.push(lo === hi ? lo : lo + " \u2013 " + hi);
    if (undated) parts.push(undated + " undated");
    if (mode === "clusters") parts.push("grouped: zoom in for single events");
    $("gm-shown").textContent = parts.join(" \u00b7 ");
    LAYERS.forEach(function (l, i) {
      var sel = '[data-layer="' + CSS.escape(l.id) + '"]';
      var li = document.querySelector("#gm-legend li" + sel);
      if (li) {
        li.querySelector(".gm-n").textContent = per[i];
        li.classList.toggle("gm-off", !state.on[i]);
      }
      var ctl = document.querySelector(".leaflet-control-layers " + sel + " .gm-n");
      if (ctl) ctl.textContent = "(" + per[i] + ")";
    });
  }

  /* ---- side panel */
  var panel = $("gm-panel"), list = $("gm-list"), docView = $("gm-doc");
  function openPanel() { panel.classList.add("gm-open"); $("gm-panel-toggle").setAttribute("aria-expanded", "true"); }
  function closePanelOnPhone() {
    if (window.matchMedia("(max-width: 700px)").matches) {
      panel.classList.remove("gm-open");
      $("gm-panel-toggle").setAttribute("aria-expanded", "false");
    }
  }
  $("gm-panel-toggle").addEventListener("click", function () {
    var open = panel.classList.toggle("gm-open");
    this.setAttribute("aria-expanded", open ? "true" : "false");
  });
  function entry(e) {
    var lay = LAYERS[e.layer], li = el("li");
    li.setAttribute("data-event-id", e.id);
    li.tabIndex = 0;
    li.setAttribute("role", "button");
    var icon = li.appendChild(el("span"));
    icon.innerHTML = lay.icon; /* the renderer's own SVG symbol */
    var head = li.appendChild(el("div", "gm-li-place", e.place));
    if (!e.date) head.appendChild(el("span", "gm-badge", "undated"));
    if (e.approx) head.appendChild(el("span", "gm-badge", e.inferred ? "inferred" : "approximate"));
    li.appendChild(el("div", "gm-li-meta", lay.label + " \u00b7 " + (e.date || "no date") + " \u00b7 " + S[D.docs[e.doc][0]]));
    li.appendChild(el("div", "gm-li-text", e.evidence));
    return li;
  }
  function renderList() {
    var only = $("gm-panel-layer").value, desc = $("gm-sort").value === "desc";
    var rows = visible.filter(function (e) { return only === "" || e.layer === +only; });
    rows.sort(function (a, b) {
      if (a.date !== b.date) {
        if (!a.date) return 1;
        if (!b.date) return -1;
        return (a.date < b.date ? -1 : 1) * (desc ? -1 : 1);
      }
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    });
    var shown = rows.slice(0, D.panelLimit), frag = document.createDocumentFragment();
    shown.forEach(function (e) { frag.appendChild(entry(e)); });
    list.textContent = "";
    list.appendChild(frag);
    $("gm-count").textContent = rows.length > shown.length
      ? "First " + shown.length + " of " + rows.length + " events; narrow them with the filters or the search."
      : rows.length + " event" + (rows.length === 1 ? "" : "s");
  }
  function select(e) {
    Array.prototype.forEach.call(list.querySelectorAll(".gm-selected"), function (li) { li.classList.remove("gm-selected"); });
    var li = list.querySelector('[data-event-id="' + CSS.escape(e.id) + '"]');
    if (li) li.classList.add("gm-selected");
    map.closePopup();
    closePanelOnPhone();
    if (e.kind === 0) map.setView(e.c, Math.max(map.getZoom(), 9), {animate: false});
    else map.fitBounds(bounds(e), {maxZoom: 9, animate: false, padding: [30, 30]});
    if (visible.length > T) draw();
    var layer = drawn[e.id];
    if (layer) {
      if (e.kind === 0) layer.openPopup(); else layer.openPopup(e.kind === 2 ? L.latLng(e.c) : bounds(e).getCenter());
    } else {
      L.popup(popupOptions).setLatLng(rep(e)).setContent(popupContent(e)).openOn(map);
    }
  }
  function onListActivate(ev) {
    if (ev.type === "keydown" && ev.key !== "Enter" && ev.key !== " ") return;
    var li = ev.target.closest("[data-event-id]");
    if (!li || !byId[li.getAttribute("data-event-id")]) return;
    if (ev.type === "keydown") ev.preventDefault();
    select(byId[li.getAttribute("data-event-id")]);
  }
  list.addEventListener("click", onListActivate);
  list.addEventListener("keydown", onListActivate);
  docView.addEventListener("click", onListActivate);
  docView.addEventListener("keydown", onListActivate);
  function showDoc(e) {
    var d = D.docs[e.doc], seen = {}, sentences = [];
    events.forEach(function (x) {
      if (x.doc !== e.doc) return;
      var k = x.start + ":" + x.evidence;
      if (!seen[k]) { seen[k] = {start: x.start, text: x.evidence, events: []}; sentences.push(seen[k]); }
      seen[k].events.push(x);
    });
    sentences.sort(function (a, b) { return a.start - b.start; });
    docView.textContent = "";
    var back = docView.appendChild(el("button", null, "\u2190 Back to the list"));
    back.type = "button";
    back.addEventListener("click", function () { docView.hidden = true; docView.textContent = ""; list.hidden = false; $("gm-count").hidden = false; });
    var h = docView.appendChild(el("h3"));
    h.appendChild(sourceNode(e.doc));
    if (str(d[1])) docView.appendChild(el("div", "gm-muted", str(d[1])));
    docView.appendChild(el("p", "gm-muted", "The sentences of this document that report events, in text order " +
      "(places and actors marked). The map carries these sentences, not the whole article."));
    var end = -1;
    sentences.forEach(function (s) {
      if (end >= 0 && s.start > end + 2) docView.appendChild(el("p", "gm-gap", "\u2026"));
      var p = el("p");
      p.setAttribute("data-event-id", s.events[0].id);
      p.tabIndex = 0;
      var span = null, actors = [];
      s.events.forEach(function (x) { if (x.span && !span) span = x.span; actors = actors.concat(x.actors); });
      highlighted(p, s.text, span, actors);
      if (s.events.some(function (x) { return x.id === e.id; })) p.classList.add("gm-current");
      docView.appendChild(p);
      end = s.start + s.text.length;
    });
    list.hidden = true;
    $("gm-count").hidden = true;
    docView.hidden = false;
    var cur = docView.querySelector(".gm-current");
    if (cur && cur.scrollIntoView) cur.scrollIntoView({block: "nearest"});
  }

  /* ---- filters */
  function readFilters() {
    state.from = $("gm-from").value;
    state.to = $("gm-to").value;
    state.undated = $("gm-undated").checked;
    state.coarse = $("gm-coarse").checked;
    state.q = $("gm-search").value.trim().toLowerCase();
  }
  var timings = {};
  function refresh(toggled) {
    var t0 = performance.now();
    readFilters();
    visible = events.filter(passes);
    var t1 = performance.now();
    if (typeof toggled === "number" && mode === "all" && visible.length <= T) {
      /* one layer toggled with every event drawn: only that layer's group changes */
      groups[toggled].clearLayers();
      if (state.on[toggled]) visible.forEach(function (e) { if (e.layer === toggled) drawOne(e); });
    } else {
      draw();
    }
    var t2 = performance.now();
    updateCounts();
    renderList();
    panel.setAttribute("data-shown", String(visible.length));
    timings = {filter: t1 - t0, draw: t2 - t1, panel: performance.now() - t2};
  }
  var timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(refresh, events.length > 5000 ? 150 : 0); }
  ["gm-from", "gm-to", "gm-undated", "gm-coarse"].forEach(function (id) {
    $(id).addEventListener("change", refresh);
  });
  $("gm-search").addEventListener("input", later);
  $("gm-filters").addEventListener("submit", function (ev) { ev.preventDefault(); refresh(); });
  ["gm-sort", "gm-panel-layer"].forEach(function (id) { $(id).addEventListener("change", renderList); });
  $("gm-reset").addEventListener("click", function () {
    $("gm-panel-layer").value = "";
    $("gm-from").value = dated.length ? dated[0] : "";
    $("gm-to").value = dated.length ? dated[dated.length - 1] : "";
    $("gm-undated").checked = true;
    $("gm-coarse").checked = true;
    $("gm-search").value = "";
    refresh();
  });
  refresh();
  window.geomap = {map: map, state: state, refresh: refresh, select: function (id) { select(byId[id]); },
    visible: function () { return visible.map(function (e) { return e.id; }); }, mode: function () { return mode; },
    timings: function () { return timings; }};
  document.body.setAttribute("data-geomap-ready", "1");
}
