// Clickable latent scatter with a live preview: plotly.js (shipped in the `plotly` Python package)
// with `clickanywhere`, so a click on empty space reports its data coordinates too, and the
// autoencoder itself running in the page (web_model.js, prepended to this file by components/__init__.py):
// hovering decodes the point under the cursor at frame rate, a click shows its image in the same frame.
// Mounted by ui.latent_scatter().
//
// Large, rarely changing payloads (the codes, the shaded map, the web model, plotly.js itself) are
// fetched by URL once per page and cached in `window`; each Streamlit rerun only sends the small
// `data` object (marker, styling), so a click does not resend 10,000 points.
function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!store.plotly) {
    // Streamlit serves static files with nosniff, so load the source through a Blob URL.
    store.plotly = fetch(url)
      .then((r) => { if (!r.ok) throw new Error(`plotly.js: HTTP ${r.status}`); return r.text(); })
      .then((src) => new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
        s.onload = () => resolve(window.Plotly);
        s.onerror = () => reject(new Error("plotly.js failed to load"));
        document.head.appendChild(s);
      }));
    store.plotly.catch(() => { store.plotly = null; });
  }
  return store.plotly;
}

function loadJSON(url) {
  if (!url) return Promise.resolve(null);
  if (!store.json[url]) {
    store.json[url] = fetch(url).then((r) => { if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`); return r.json(); });
    store.json[url].catch(() => { delete store.json[url]; });
  }
  return store.json[url];
}

// ------------------------------------------------------------------ plotly.js internals, in one place

// The plot area in client pixels and the axis ranges (linear axes). This is the only function that
// reads plotly.js internals (`_fullLayout`, the drag layer); everything else goes through it.
function plotGeometry(gd) {
  const fl = gd._fullLayout, drag = gd.querySelector(".nsewdrag");
  if (!fl || !fl.xaxis || !fl.yaxis || !drag) return null;
  const r = drag.getBoundingClientRect(), g = gd.getBoundingClientRect();
  return { left: r.left, top: r.top, width: r.width, height: r.height, originLeft: g.left, originTop: g.top,
           x: fl.xaxis.range.slice(), y: fl.yaxis.range.slice() };
}

// Whether plotly.js has drawn the plot (it may be mounted and still loading).
function isDrawn(gd) {
  return plotGeometry(gd) !== null;
}

// The test harness reads the plot through this same function (app_harness.plot_area).
store.plotGeometry = plotGeometry;

function toData(geo, clientX, clientY) {
  const fx = (clientX - geo.left) / geo.width, fy = 1 - (clientY - geo.top) / geo.height;
  return [geo.x[0] + fx * (geo.x[1] - geo.x[0]), geo.y[0] + fy * (geo.y[1] - geo.y[0])];
}

function toClient(geo, z) {
  return [geo.left + ((z[0] - geo.x[0]) / (geo.x[1] - geo.x[0])) * geo.width,
          geo.top + (1 - (z[1] - geo.y[0]) / (geo.y[1] - geo.y[0])) * geo.height];
}

function insidePlot(geo, clientX, clientY) {
  return clientX >= geo.left && clientX <= geo.left + geo.width && clientY >= geo.top && clientY <= geo.top + geo.height;
}

// ------------------------------------------------------------------ drawing

function classTraces(points, d) {
  // One WebGL trace per class, so the legend hides and shows digits. Built once per payload so that
  // Plotly.react sees the same arrays on every rerun and skips re-uploading them.
  // Keyed by payload and style, so that two scatters on one page (AE beside VAE) keep their own.
  // The class colours come from the server (ui.PALETTE), the one place they are defined.
  const cacheKey = `${d.points_url}|${d.point_size}|${d.opacity}`;
  store.traces = store.traces || {};
  if (store.traces[cacheKey]) return store.traces[cacheKey];
  if (Object.keys(store.traces).length >= 8) store.traces = {};  // style sliders make new keys
  const traces = points.classes.map((name, c) => ({
    type: "scattergl", mode: "markers", name, x: [], y: [], customdata: [],
    marker: { size: d.point_size, opacity: d.opacity, color: d.palette[c % d.palette.length] },
    hovertemplate: `${points.class_word} ${name}<br>index %{customdata}<br>(%{x:.2f}, %{y:.2f})<extra></extra>`,
  }));
  for (let i = 0; i < points.label.length; i++) {
    const t = traces[points.label[i]];
    t.x.push(points.x[i]); t.y.push(points.y[i]); t.customdata.push(points.index[i]);
  }
  store.traces[cacheKey] = traces;
  return traces;
}

function overlay(gd, cls, text) {
  let el = gd.querySelector(`.${cls}`);
  if (!el) {
    el = document.createElement("div");
    el.className = cls;
    el.textContent = text;
    gd.appendChild(el);
  }
  return el;
}

function placeOverlay(gd, el, z) {
  // Overlays are HTML, not part of the figure: moving them costs nothing, while any Plotly relayout
  // redraws 10,000 WebGL points (slow where WebGL is software-rendered).
  const geo = plotGeometry(gd);
  if (!z || !geo) { el.style.display = "none"; return; }
  const [cx, cy] = toClient(geo, z);
  const inside = insidePlot(geo, cx, cy);
  el.style.display = inside ? "block" : "none";
  el.style.left = `${cx - geo.originLeft}px`;
  el.style.top = `${cy - geo.originTop}px`;
  el.dataset.z1 = z[0];
  el.dataset.z2 = z[1];
}

function placeMarker(gd) {
  placeOverlay(gd, overlay(gd, "lx-marker", "\u2715"), gd.__lxMarker);
  if (gd.__lxDrawn) placeDrawn(gd);
  placeArrows(gd);
}

// Round-trip arrows: from a point to where the encoder sends its decoding (E(D(z))), one for the
// fixed point and one for the point under the mouse. SVG over the plot, like the drawing's trail.
const ARROW_SVG = '<defs><marker id="lx-arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" ' +
  'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6a1b9a"/></marker></defs>' +
  '<line class="lx-arrow-fixed" stroke="#6a1b9a" stroke-width="2.5" marker-end="url(#lx-arrowhead)"/>' +
  '<line class="lx-arrow-hover" stroke="#6a1b9a" stroke-opacity="0.6" stroke-width="2" stroke-dasharray="5 3" ' +
  'marker-end="url(#lx-arrowhead)"/>';

function fixedArrow(gd) {
  const live = gd.__lxLive, r = live && live.fixed && live.fixed.result;
  if (r && r.roundTrip) return { z: r.z, back: r.roundTrip.back };
  const d = gd.__lxData;  // without the model in the page: the server's measurement of its marker
  if (d && d.sent_back && gd.__lxMarker && sameMarker(d.marker, gd.__lxMarker)) return { z: d.marker, back: d.sent_back };
  return null;
}

function placeArrows(gd) {
  let svg = gd.querySelector(".lx-arrows");
  if (!svg) {
    svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "lx-arrows");
    svg.innerHTML = ARROW_SVG;
    gd.appendChild(svg);
  }
  const geo = plotGeometry(gd);
  const arrows = { fixed: fixedArrow(gd), hover: gd.__lxHoverArrow || null };
  for (const which of ["fixed", "hover"]) {
    const line = svg.querySelector(`.lx-arrow-${which}`), a = arrows[which];
    if (!a || !geo) { line.style.display = "none"; delete line.dataset.back1; continue; }
    const [x1, y1] = toClient(geo, a.z), [x2, y2] = toClient(geo, a.back);
    line.setAttribute("x1", (x1 - geo.originLeft).toFixed(1)); line.setAttribute("y1", (y1 - geo.originTop).toFixed(1));
    line.setAttribute("x2", (x2 - geo.originLeft).toFixed(1)); line.setAttribute("y2", (y2 - geo.originTop).toFixed(1));
    line.dataset.back1 = a.back[0]; line.dataset.back2 = a.back[1];
    line.style.display = "";
  }
  if (!geo) return;
  svg.setAttribute("width", gd.clientWidth);
  svg.setAttribute("height", gd.clientHeight);
  const left = geo.left - geo.originLeft, top = geo.top - geo.originTop;
  svg.style.clipPath = `inset(${top}px ${gd.clientWidth - left - geo.width}px ${gd.clientHeight - top - geo.height}px ${left}px)`;
}

// A drawing's code (from the drawing pad): a star above the data, and a faint trail of where it
// has been since the pad was last cleared.
function showDrawn(gd, message) {
  const drawn = gd.__lxDrawn || (gd.__lxDrawn = { trail: [], z: null });
  if (message.reset) drawn.trail = [];
  drawn.z = message.z;
  if (message.z) drawn.trail.push(message.z);
  if (drawn.trail.length > 400) drawn.trail.shift();
  placeDrawn(gd);
  if (message.z) {
    store.lastDrawn = { at: performance.now(), started: message.started, z: message.z.slice() };
    document.dispatchEvent(new CustomEvent("lx-drawn", { detail: store.lastDrawn }));
  }
}

function placeDrawn(gd) {
  const drawn = gd.__lxDrawn, geo = plotGeometry(gd);
  const star = overlay(gd, "lx-yours", "\u2605");
  placeOverlay(gd, star, drawn.z);
  let svg = gd.querySelector(".lx-trail");
  if (!svg) {
    svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "lx-trail");
    svg.innerHTML = '<polyline fill="none" stroke="#111" stroke-opacity="0.35" stroke-width="2" stroke-linejoin="round"/>';
    gd.appendChild(svg);
  }
  if (!geo) return;
  svg.setAttribute("width", gd.clientWidth);
  svg.setAttribute("height", gd.clientHeight);
  const left = geo.left - geo.originLeft, top = geo.top - geo.originTop;  // drawn on the plot area only
  svg.style.clipPath = `inset(${top}px ${gd.clientWidth - left - geo.width}px ${gd.clientHeight - top - geo.height}px ${left}px)`;
  svg.firstChild.setAttribute("points", drawn.trail.map((z) => {
    const [cx, cy] = toClient(geo, z);
    return `${(cx - geo.originLeft).toFixed(1)},${(cy - geo.originTop).toFixed(1)}`;
  }).join(" "));
}

function sameMarker(a, b) {
  return (!a && !b) || (a && b && a[0] === b[0] && a[1] === b[1]);
}

// A map shading the plane under the data (backdrops.py): gaps, round-trip drift or decoder
// sensitivity, each with its own colour scale, chosen on the server.
function backdropTrace(map) {
  return {
    type: "heatmap", x: map.x, y: map.y, z: map.z, zmin: 0, zmax: map.zmax, hoverinfo: "skip", zsmooth: "best",
    colorscale: map.colorscale, name: map.title,
    // A horizontal colour bar along the figure's bottom edge: beside the plot it would sit on top of
    // the legend whenever the plot is short (two scatters side by side).
    showscale: true,
    colorbar: { orientation: "h", yref: "container", y: 0.01, yanchor: "bottom", x: 0.5, xanchor: "center",
                len: 0.5, thickness: 8, title: { text: map.title, side: "right" } },
  };
}

function clickedPoint(gd, ev) {
  // xvals/yvals are the cursor's data coordinates (plotly.js >= 3.5 with clickanywhere); the pixel
  // conversion covers builds that omit them.
  if (ev && ev.xvals && ev.yvals && ev.xvals.length && ev.yvals.length) return [ev.xvals[0], ev.yvals[0]];
  const geo = plotGeometry(gd);
  return geo && ev && ev.event ? toData(geo, ev.event.clientX, ev.event.clientY) : [NaN, NaN];
}

// The data dot a click landed on: only where the page asks for it (the explorer), and only when the
// dot is under the pointer (Plotly reports the nearest dot within 20 pixels; a click beside a dot
// must still decode exactly where it landed).
const DOT_RADIUS_PX = 5;

function clickedDot(gd, ev) {
  const hit = gd.__lxData.snap_to_dots && ev && ev.points && ev.points.length ? ev.points[0] : null;
  if (!hit || !Number.isInteger(hit.customdata) || !Number.isFinite(hit.x) || !Number.isFinite(hit.y) || !ev.event) return null;
  const geo = plotGeometry(gd);
  if (!geo) return null;
  const [cx, cy] = toClient(geo, [hit.x, hit.y]);
  return Math.hypot(cx - ev.event.clientX, cy - ev.event.clientY) <= DOT_RADIUS_PX ? hit : null;
}

// ------------------------------------------------------------------ the live preview panel

function livePanel(parent, live) {
  let panel = parent.querySelector(".lx-live");
  if (!panel) {
    panel = document.createElement("div");
    panel.className = "lx-live";
    panel.innerHTML = '<canvas class="lx-live-image" width="28" height="28"></canvas>' +
      '<div class="lx-live-title"></div><div class="lx-live-z"></div><div class="lx-live-gap"></div>' +
      '<div class="lx-live-drift"></div>' +
      '<div class="lx-live-place"></div><div class="lx-live-note"></div>';
    parent.appendChild(panel);
  }
  panel.querySelector("canvas").style.width = `${live.image_px}px`;
  panel.style.width = `${live.image_px + 16}px`;
  panel.style.display = live.image_px ? "" : "none";  // no preview beside this plot (the drawing pad's page)
  return panel;
}

function paintPreview(panel, result, title, size) {
  const canvas = panel.querySelector("canvas");
  if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
  const ctx = canvas.getContext("2d");
  const pixels = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const v = Math.round(Math.min(1, Math.max(0, result.image[i])) * 255);
    pixels.data[4 * i] = pixels.data[4 * i + 1] = pixels.data[4 * i + 2] = v;
    pixels.data[4 * i + 3] = 255;
  }
  ctx.putImageData(pixels, 0, 0);
  const z = result.z;
  panel.querySelector(".lx-live-title").textContent = title;
  panel.querySelector(".lx-live-z").textContent = `z = (${z[0].toFixed(3)}, ${z[1].toFixed(3)})`;
  const place = result.place;
  panel.querySelector(".lx-live-gap").textContent = place ? `gap measure ${place.gap.toFixed(1)}` : "";
  panel.querySelector(".lx-live-place").textContent = place ? place.sentence : "";
  const trip = result.roundTrip;
  panel.querySelector(".lx-live-drift").textContent = trip ? `round-trip drift ${trip.drift.toFixed(2)}: ${
    { typical: "like real images", raised: "more than most real images",
      high: "more than 99% of real images" }[trip.level]} (arrow: where its image is sent back)` : "";
  panel.dataset.drift = trip ? trip.drift : "";
  panel.dataset.z1 = z[0];
  panel.dataset.z2 = z[1];
  panel.dataset.source = title;
  panel.dataset.gap = place ? place.gap : "";
  store.paints += 1;
  store.lastPaint = { at: performance.now(), source: title, z: z.slice() };
  document.dispatchEvent(new CustomEvent("lx-live-paint", { detail: store.lastPaint }));
}

function showIdle(panel, text) {
  // An empty light square where the image will be, so the panel does not jump on the first hover.
  const canvas = panel.querySelector("canvas");
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#eee";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  panel.querySelector(".lx-live-title").textContent = text;
  for (const cls of ["z", "gap", "drift", "place"]) panel.querySelector(`.lx-live-${cls}`).textContent = "";
  panel.dataset.source = "";
}

// Where the pointer's position decodes: the point under it, or for a drawn path (interpolation) the
// nearest point of the straight line between its ends, as a position t along it.
function hoverTarget(gd, z) {
  const path = gd.__lxData.path;
  if (!path || path.length < 2) return { z, label: "Under the cursor" };
  const a = path[0], b = path[path.length - 1], d = [b[0] - a[0], b[1] - a[1]];
  const geo = plotGeometry(gd);
  // Project in screen space, where the line is drawn: equal axis scales make that the same as data.
  const sx = geo.width / (geo.x[1] - geo.x[0]), sy = geo.height / (geo.y[1] - geo.y[0]);
  const dot = (z[0] - a[0]) * d[0] * sx * sx + (z[1] - a[1]) * d[1] * sy * sy;
  const len2 = d[0] * d[0] * sx * sx + d[1] * d[1] * sy * sy;
  const t = len2 > 0 ? Math.min(1, Math.max(0, dot / len2)) : 0;
  return { z: [a[0] + t * d[0], a[1] + t * d[1]], label: `On the line at t = ${t.toFixed(2)}`, t };
}

function toRelative(z, box) {
  return [(z[0] - box[0][0]) / (box[0][1] - box[0][0]), (z[1] - box[1][0]) / (box[1][1] - box[1][0])];
}

function fromRelative(f, box) {
  return [box[0][0] + f[0] * (box[0][1] - box[0][0]), box[1][0] + f[1] * (box[1][1] - box[1][0])];
}

// The live state of one mounted scatter: what to show when the pointer is elsewhere (the clicked or
// linked point), the latest pointer position waiting for the next animation frame, and the model.
function bindLive(gd, parent) {
  const state = { pending: null, frame: 0, fixed: null, handle: null, failed: null, hovering: false };
  gd.__lxLive = state;
  const panel = () => parent.querySelector(".lx-live");
  const size = () => (state.handle ? state.handle.model.size : 28);

  const showFixed = () => {
    const p = panel();
    if (!p || state.failed) return;
    if (state.fixed) paintPreview(p, state.fixed.result, state.fixed.title, size());
    else showIdle(p, hoverAllowed(gd) ? "Move the mouse over the plot to decode live; click to fix a point."
                                       : "Click or tap the plot to decode a point.");
    overlay(gd, "lx-hover", "").style.display = "none";
    gd.__lxHoverArrow = null;
    placeArrows(gd);
  };
  state.showFixed = showFixed;

  const decodeHover = (z, label, linked) => {
    decodeLatest(state.handle, z, (result) => {
      const p = panel();
      if (!p || (!state.hovering && !linked) || (linked && state.linkedAt !== linked)) return;
      paintPreview(p, result, label, size());
      placeOverlay(gd, overlay(gd, "lx-hover", ""), result.z);
      gd.__lxHoverArrow = result.roundTrip ? { z: result.z, back: result.roundTrip.back } : null;
      placeArrows(gd);
    });
  };
  state.decodeHover = decodeHover;

  const onFrame = () => {
    state.frame = 0;
    const pending = state.pending;
    state.pending = null;
    if (!pending || !state.handle || !state.hovering) return;
    const target = hoverTarget(gd, pending);
    decodeHover(target.z, target.label, null);
    broadcast(gd, { kind: "hover", z: target.z });
  };

  const onMove = (event) => {
    if (!state.handle || !hoverAllowed(gd) || event.pointerType === "touch" || event.buttons) return;
    const geo = plotGeometry(gd);
    if (!geo || !insidePlot(geo, event.clientX, event.clientY)) { onLeave(); return; }
    state.hovering = true;
    state.pending = toData(geo, event.clientX, event.clientY);  // only the latest position counts
    if (!state.frame) state.frame = requestAnimationFrame(onFrame);
  };
  const onLeave = () => {
    if (!state.hovering) return;
    state.hovering = false;
    state.pending = null;
    showFixed();
    broadcast(gd, { kind: "leave" });
  };
  gd.addEventListener("pointermove", onMove, { capture: true, passive: true });
  gd.addEventListener("pointerleave", onLeave, { passive: true });
  state.unbind = () => {
    gd.removeEventListener("pointermove", onMove, { capture: true });
    gd.removeEventListener("pointerleave", onLeave);
    if (state.frame) cancelAnimationFrame(state.frame);
  };
  return state;
}

function hoverAllowed(gd) {
  // Hover means nothing on touch screens; some teachers also prefer clicks only (a sidebar switch).
  return gd.__lxData.live.hover && !window.matchMedia("(hover: none)").matches;
}

// Scatters in one group (the comparison page's two models) follow each other: the pointer over one
// decodes the same relative position of each model's box in the others.
function broadcast(gd, message) {
  const group = gd.__lxData.live.group;
  if (!group || !store.groups[group]) return;
  const box = gd.__lxData.live.box;
  const relative = message.z && box ? toRelative(message.z, box) : null;
  for (const [key, other] of Object.entries(store.groups[group])) {
    if (other.gd === gd) continue;
    if (!other.gd.isConnected) { delete store.groups[group][key]; continue; }
    other.receive({ ...message, relative });
  }
}

function receive(gd, message) {
  if (message.kind === "drawn") { showDrawn(gd, message); return; }
  const state = gd.__lxLive;
  if (!state || !state.handle || state.hovering) return;
  if (message.kind === "leave") { state.linkedAt = null; state.showFixed(); return; }
  const box = gd.__lxData.live.box;
  if (!message.relative || !box) return;
  const z = fromRelative(message.relative, box);
  if (message.kind === "hover") {
    state.linkedAt = (state.linkedAt || 0) + 1;
    state.decodeHover(z, "Same place, other plot", state.linkedAt);
  } else if (message.kind === "click") {
    fixPoint(gd, state, z, "Clicked (on the other plot)");
    state.linkedAt = null;
    state.showFixed();
  }
}

function startLive(gd, parent, data) {
  const live = data.live;
  const panel = livePanel(parent, live);
  const state = gd.__lxLive || bindLive(gd, parent);
  if (live.group) {
    store.groups[live.group] = store.groups[live.group] || {};
    store.groups[live.group][gd.__lxKey] = { gd, receive: (message) => receive(gd, message) };
  }
  loadModel(data.model_url)
    .then((handle) => {
      state.handle = handle;
      state.failed = null;
      panel.querySelector(".lx-live-note").textContent = "";
      parent.dataset.live = "on";
      syncFixed(gd);
    })
    .catch((err) => {
      // The pages still work through the server; say once, quietly, that the preview is off.
      state.failed = err.message || String(err);
      panel.querySelector("canvas").style.display = "none";
      for (const cls of ["title", "z", "gap", "drift", "place"]) panel.querySelector(`.lx-live-${cls}`).textContent = "";
      panel.querySelector(".lx-live-note").textContent =
        `Live preview is off (the model could not run in this page: ${state.failed}); clicks are decoded by the server.`;
      parent.dataset.live = "off";
    });
}

// Make z the fixed point: its image now, its round-trip arrow and line as soon as they are measured.
function fixPoint(gd, state, z, title, local = false) {
  const result = decodeNow(state.handle, z, (measured) => {
    if (!state.fixed || state.fixed.result !== measured) return;  // another point was fixed meanwhile
    if (state.hovering) placeArrows(gd); else state.showFixed();
  });
  state.fixed = { result, title, local, handle: state.handle };
}

// The server's marker (a click confirmed by the rerun, or a shared link's point) is the fixed point.
function syncFixed(gd) {
  const state = gd.__lxLive;
  if (!state || !state.handle) return;
  const m = gd.__lxMarker;
  const shown = state.fixed && state.fixed.result.z;
  // After a switch of checkpoint the same point may stay: decoded by the old model, it is stale.
  const stale = state.fixed && state.fixed.handle !== state.handle;
  if (m && (stale || !(shown && shown[0] === m[0] && shown[1] === m[1]))) {
    fixPoint(gd, state, m, "Clicked point");
  } else if (!m && (stale || !(state.fixed && state.fixed.local))) {
    state.fixed = null;
  }
  if (!state.hovering) state.showFixed();
}

// ------------------------------------------------------------------ the component

export default function (component) {
  const { data, parentElement } = component;
  if (data.preload_only) {  // mounted at the top of a page: only warm up plotly.js
    loadPlotly(data.plotly_url).catch(() => {});
    return;
  }
  let wrap = parentElement.querySelector(".lx-wrap");
  if (!wrap) {
    wrap = document.createElement("div");
    wrap.className = "lx-wrap";
    parentElement.appendChild(wrap);
  }
  let gd = wrap.querySelector(".lx-plot");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "lx-plot";
    wrap.appendChild(gd);
  }
  // At most the window's height below the plot's top, measured when the plot is first placed (the
  // page is not scrolled yet): on a 1280x720 projector the whole plot shows without scrolling.
  if (gd.__lxRoom === undefined) gd.__lxRoom = window.innerHeight - 16 - gd.getBoundingClientRect().top;
  gd.style.height = `${Math.round(Math.max(360, Math.min(data.height, gd.__lxRoom)))}px`;
  gd.__lxComponent = component;  // the click handler always uses the latest setTriggerValue
  gd.__lxData = data;
  gd.__lxKey = component.key || "scatter";
  if (data.live) startLive(gd, wrap, data);
  const viewKey = `${gd.__lxKey}|${data.revision}`;
  // Everything but the marker: when it is unchanged (a click rerun), only the marker may move.
  const drawKey = JSON.stringify([data.points_url, data.map_url, data.point_size, data.opacity,
                                  data.revision, data.x_range, data.y_range, data.path]);
  const cleanup = () => {
    if (gd.__lxLive) { gd.__lxLive.unbind(); gd.__lxLive = null; }
    const group = data.live && data.live.group;
    if (group && store.groups[group]) delete store.groups[group][gd.__lxKey];
    gd.__lxBound = false;
    if (window.Plotly && isDrawn(gd)) window.Plotly.purge(gd);
    gd.__lxDrawKey = null;
  };
  if (gd.__lxDrawKey === drawKey && isDrawn(gd)) {
    if (!sameMarker(gd.__lxMarker, data.marker)) {
      gd.__lxMarker = data.marker;
      placeMarker(gd);
      syncFixed(gd);
    }
    return cleanup;
  }

  Promise.all([loadPlotly(data.plotly_url), loadJSON(data.points_url), loadJSON(data.map_url)])
    .then(([Plotly, points, backdrop]) => {
      // Data first, then everything drawn on top of it: the shaded map stays underneath as a backdrop.
      const traces = [];
      if (backdrop) traces.push(backdropTrace(backdrop));
      traces.push(...classTraces(points, data));
      if (data.path) {
        // WebGL like the data, and after it: an SVG trace would lie under the WebGL dots.
        traces.push({ type: "scattergl", mode: "lines+markers", name: "path", showlegend: false, hoverinfo: "skip",
                      x: data.path.map((p) => p[0]), y: data.path.map((p) => p[1]),
                      line: { color: "#000", width: 2 }, marker: { color: "#000", size: 6 } });
      }
      const view = store.views[viewKey];
      const layout = {
        uirevision: data.revision,  // keeps zoom, pan and hidden digits across reruns
        clickanywhere: true, hovermode: "closest", dragmode: "zoom",
        margin: { l: 50, r: 10, t: 10, b: backdrop ? 85 : 45 },
        xaxis: { title: { text: "z1" }, range: view ? view.x : data.x_range, zeroline: false },
        yaxis: { title: { text: "z2" }, range: view ? view.y : data.y_range, zeroline: false,
                 scaleanchor: "x", scaleratio: 1 },
        legend: { title: { text: points.class_word }, itemsizing: "constant", y: 0.9 },
        plot_bgcolor: "#fafafa",
      };
      gd.__lxDrawKey = drawKey;
      gd.__lxMarker = data.marker;
      return Plotly.react(gd, traces, layout, { responsive: true, displaylogo: false, scrollZoom: true });
    })
    .then(() => {
      syncFixed(gd);
      if (gd.__lxBound) return;
      gd.__lxBound = true;
      gd.on("plotly_click", (ev) => {
        // On a data dot, the point is that dot's own code, and its index goes along so the server
        // can show the real image beside the decoding of its code.
        const dot = clickedDot(gd, ev);
        const z = dot ? [dot.x, dot.y] : clickedPoint(gd, ev);
        if (!Number.isFinite(z[0]) || !Number.isFinite(z[1])) return;
        // In the page, the clicked point's image is painted now, before the server is even asked.
        const state = gd.__lxLive;
        if (state && state.handle) {
          fixPoint(gd, state, z, "Clicked point", true);
          state.hovering = false;
          state.showFixed();
          broadcast(gd, { kind: "click", z });
        }
        gd.__lxComponent.setTriggerValue("click", { z1: z[0], z2: z[1], index: dot ? dot.customdata : null, at: Date.now() });
        gd.__lxMarker = z;  // shown at once; the rerun confirms it
        placeMarker(gd);
      });
      gd.on("plotly_relayout", () => {
        const geo = plotGeometry(gd);
        if (geo) store.views[viewKey] = { x: geo.x, y: geo.y };
      });
      gd.on("plotly_afterplot", () => placeMarker(gd));
      gd.on("plotly_relayouting", () => placeMarker(gd));
      placeMarker(gd);
      gd.setAttribute("data-ready", "1");
    })
    .catch((err) => {
      gd.textContent = `The latent plot could not be drawn: ${err.message}`;
    });
  return cleanup;
}
