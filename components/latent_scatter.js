// The clickable latent scatter with its live preview: plotly.js with `clickanywhere`, so a click on
// empty space reports its data coordinates too, and the autoencoder itself running in the page
// (live_model.js): hovering decodes the point under the cursor at frame rate, a click shows its image
// in the same frame.
//
// `mountScatter(element, data, host)` returns `{update(data), destroy()}`; all state lives on that
// instance. `host` gives what the page around it provides:
//   plotly()       -> Promise of plotly.js
//   json(ref)      -> Promise of a payload (the codes, a shaded map) by reference
//   models         -> a ModelCache (live_model.js)
//   bus            -> a GroupBus (linked plots, the drawing pad)
//   views          -> a Map keeping each plot's zoom by view key (survives remounts and switches)
//   onClick(click) -> {z1, z2, index, at} of every click
//   onView(view)   -> {x: [x0, x1], y: [y0, y1]} after the user zooms or pans (optional)
// The Streamlit adapter (streamlit.js) and the static site (site.js) are two such hosts.
import { insideBox, insidePlot, keyMove, keyStart, plotInset, samePoint, toClient, toData, toRelative, fromRelative } from "./geometry.js";
import { NOT_LOADED, decodeImageNow, decodeNow, hoverOnMainThread, runLatest } from "./live_model.js";
import { KEYBOARD_HELP, KEYS_HELP, PreviewState, driftLine, hoverTarget, idleText, plotSummary, pointLine, spokenText } from "./preview.js";
import { backdropImage, scaleGradient, scaleTicks } from "./shading.js";

// ------------------------------------------------------------------ plotly.js internals, in one place

// The plot area in client pixels and the axis ranges (linear axes). This is the only function that
// reads plotly.js internals (`_fullLayout`, the drag layer); everything else goes through it.
export function plotGeometry(gd) {
  const fl = gd._fullLayout, drag = gd.querySelector(".nsewdrag");
  if (!fl || !fl.xaxis || !fl.yaxis || !drag) return null;
  const r = drag.getBoundingClientRect(), g = gd.getBoundingClientRect();
  return { left: r.left, top: r.top, width: r.width, height: r.height, originLeft: g.left, originTop: g.top,
           x: fl.xaxis.range.slice(), y: fl.yaxis.range.slice() };
}

// ------------------------------------------------------------------ figure parts (pure)

// One WebGL trace per class, so the legend hides and shows classes. The class colours come from the
// data (the server's ui.PALETTE, the one place they are defined).
export function classTraces(points, style) {
  const traces = points.classes.map((name, c) => ({
    type: "scattergl", mode: "markers", name, x: [], y: [], customdata: [],
    marker: { size: style.point_size, opacity: style.opacity, color: style.palette[c % style.palette.length] },
    hovertemplate: `${points.class_word} ${name}<br>index %{customdata}<br>(%{x:.2f}, %{y:.2f})<extra></extra>`,
  }));
  for (let i = 0; i < points.label.length; i++) {
    const t = traces[points.label[i]];
    t.x.push(points.x[i]); t.y.push(points.y[i]); t.customdata.push(points.index[i]);
  }
  return traces;
}

function pathTrace(path) {
  // WebGL like the data, and after it: an SVG trace would lie under the WebGL dots.
  return { type: "scattergl", mode: "lines+markers", name: "path", showlegend: false, hoverinfo: "skip",
           x: path.map((p) => p[0]), y: path.map((p) => p[1]),
           line: { color: "#000", width: 2 }, marker: { color: "#000", size: 6 } };
}

// The data dot a click landed on: only where the page asks for it (the explorer), and only when the
// dot is under the pointer (Plotly reports the nearest dot within 20 pixels; a click beside a dot
// must still decode exactly where it landed).
const DOT_RADIUS_PX = 5;

// Round-trip arrows: from a point to where the encoder sends its decoding (E(D(z))), one for the
// fixed point and one for the point under the mouse. SVG over the plot, like the drawing's trail.
const ARROW_SVG = '<defs><marker id="lx-arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" ' +
  'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6a1b9a"/></marker></defs>' +
  '<line class="lx-arrow-fixed" stroke="#6a1b9a" stroke-width="2.5" marker-end="url(#lx-arrowhead)"/>' +
  '<line class="lx-arrow-hover" stroke="#6a1b9a" stroke-opacity="0.6" stroke-width="2" stroke-dasharray="5 3" ' +
  'marker-end="url(#lx-arrowhead)"/>';

const PANEL_HTML = '<canvas class="lx-live-image" width="28" height="28" role="img" aria-label="The decoded image: none yet"></canvas>' +
  '<div class="lx-live-title"></div><div class="lx-live-z"></div><div class="lx-live-gap"></div>' +
  '<div class="lx-live-drift"></div><div class="lx-live-place"></div><div class="lx-live-note"></div>';

function child(parent, tag, cls, html) {
  const el = document.createElement(tag);
  el.className = cls;
  if (html) el.innerHTML = html;  // only the fixed markup above, never data
  parent.appendChild(el);
  return el;
}

function svgChild(parent, cls, html) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", cls);
  svg.innerHTML = html;
  parent.appendChild(svg);
  return svg;
}

// ------------------------------------------------------------------ the instance

export function mountScatter(element, data, host) {
  const wrap = child(element, "div", "lx-wrap");
  const gd = child(wrap, "div", "lx-plot");
  // Usable by keyboard: the plot takes focus and its name says the keys (onKey).
  gd.tabIndex = 0;
  gd.setAttribute("role", "application");
  gd.setAttribute("aria-label", KEYBOARD_HELP);
  const panel = child(wrap, "div", "lx-live", PANEL_HTML);
  // A polite live region: says the place of a point moved to by keyboard or fixed by a click (outside
  // the panel, which a page may hide).
  const spoken = child(wrap, "div", "lx-announce");
  spoken.setAttribute("aria-live", "polite");
  spoken.setAttribute("aria-atomic", "true");
  const marker = child(gd, "div", "lx-marker");
  marker.textContent = "\u2715";
  const hoverRing = child(gd, "div", "lx-hover");
  const star = child(gd, "div", "lx-yours");
  star.textContent = "\u2605";
  const arrows = svgChild(gd, "lx-arrows", ARROW_SVG);
  // The shading's colour scale, along the figure's bottom edge (the map itself is an image under the data).
  const scale = child(gd, "div", "lx-scale",
    '<span class="lx-scale-title"></span><span class="lx-scale-bar"></span><span class="lx-scale-ticks"></span>');
  scale.style.display = "none";
  const images = new WeakMap();  // map -> its layout image, drawn once
  const trail = svgChild(gd, "lx-trail",
    '<polyline fill="none" stroke="#111" stroke-opacity="0.35" stroke-width="2" stroke-linejoin="round"/>');
  for (const el of [marker, hoverRing, star]) el.style.display = "none";

  const self = {};  // this instance's identity on the bus
  const s = {
    data: null, plotly: null, drawKey: null, drawing: null, destroyed: false,
    marker: null, hoverArrow: null, drawn: { trail: [], z: null },
    // At most the window's height below the plot's top, measured when the plot is first placed (the
    // page is not scrolled yet): on a 1280x720 projector the whole plot shows without scrolling.
    room: window.innerHeight - 16 - gd.getBoundingClientRect().top,
    preview: new PreviewState(), model: null, modelRef: NOT_LOADED, failed: null, frame: 0,
    keyPoint: null, announceTimer: 0,  // the keyboard's point, the pending announcement of its place
    hoverSeq: 0,  // the latest hover's number: a slower answer for an earlier point is not painted
    hoverAt: -Infinity,  // when a pointer move last decoded on the main thread
    unlisten: () => {},
  };

  const geometry = () => plotGeometry(gd);
  const size = () => (s.model ? s.model.model.size : 28);
  const hoverAllowed = () => !!(s.data.live && s.data.live.hover) && !window.matchMedia("(hover: none)").matches;
  const viewKey = () => `${s.data.key || "scatter"}|${s.data.revision}`;

  // ---------------------------------------------------------------- overlays (HTML over the figure)

  function placeOverlay(el, z) {
    // Overlays are HTML, not part of the figure: moving them costs nothing, while any Plotly relayout
    // redraws 10,000 WebGL points (slow where WebGL is software-rendered).
    const geo = geometry();
    if (!z || !geo) { el.style.display = "none"; return; }
    const [cx, cy] = toClient(geo, z);
    el.style.display = insidePlot(geo, cx, cy) ? "block" : "none";
    el.style.left = `${cx - geo.originLeft}px`;
    el.style.top = `${cy - geo.originTop}px`;
    el.dataset.z1 = z[0];
    el.dataset.z2 = z[1];
  }

  function fixedArrow() {
    const r = s.preview.fixed && s.preview.fixed.result;
    if (r && r.roundTrip) return { z: r.z, back: r.roundTrip.back };
    // Without the model in the page: the server's measurement of its marker.
    const d = s.data;
    if (d.sent_back && s.marker && samePoint(d.marker, s.marker)) return { z: d.marker, back: d.sent_back };
    return null;
  }

  function fitSvg(svg, geo) {
    svg.setAttribute("width", gd.clientWidth);
    svg.setAttribute("height", gd.clientHeight);
    svg.style.clipPath = plotInset(geo, gd.clientWidth, gd.clientHeight);
  }

  function placeArrows() {
    const geo = geometry();
    const shown = { fixed: fixedArrow(), hover: s.hoverArrow };
    for (const which of ["fixed", "hover"]) {
      const line = arrows.querySelector(`.lx-arrow-${which}`), a = shown[which];
      if (!a || !geo) { line.style.display = "none"; delete line.dataset.back1; continue; }
      const [x1, y1] = toClient(geo, a.z), [x2, y2] = toClient(geo, a.back);
      line.setAttribute("x1", (x1 - geo.originLeft).toFixed(1)); line.setAttribute("y1", (y1 - geo.originTop).toFixed(1));
      line.setAttribute("x2", (x2 - geo.originLeft).toFixed(1)); line.setAttribute("y2", (y2 - geo.originTop).toFixed(1));
      line.dataset.back1 = a.back[0]; line.dataset.back2 = a.back[1];
      line.style.display = "";
    }
    if (geo) fitSvg(arrows, geo);
  }

  function placeDrawn() {
    const geo = geometry();
    placeOverlay(star, s.drawn.z);
    if (!geo) return;
    fitSvg(trail, geo);
    trail.firstChild.setAttribute("points", s.drawn.trail.map((z) => {
      const [cx, cy] = toClient(geo, z);
      return `${(cx - geo.originLeft).toFixed(1)},${(cy - geo.originTop).toFixed(1)}`;
    }).join(" "));
  }

  // Everything drawn over the figure, and the plot's ranges for whoever reads the page (tests).
  function placeAll() {
    placeOverlay(marker, s.marker);
    placeDrawn();
    placeArrows();
    const geo = geometry();
    if (geo) gd.dataset.range = JSON.stringify([geo.x[0], geo.x[1], geo.y[0], geo.y[1]]);
  }

  // A drawing's code (from the drawing pad): a star above the data, and a faint trail of where it
  // has been since the pad was last cleared.
  function showDrawn(message) {
    if (message.reset) s.drawn.trail = [];
    s.drawn.z = message.z;
    if (message.z) s.drawn.trail.push(message.z);
    if (s.drawn.trail.length > 400) s.drawn.trail.shift();
    placeDrawn();
    if (message.z) {
      document.dispatchEvent(new CustomEvent("lx-drawn", {
        detail: { at: performance.now(), started: message.started, z: message.z.slice() } }));
    }
  }

  // ---------------------------------------------------------------- the live preview panel

  function layoutPanel() {
    const live = s.data.live;
    const px = live ? live.image_px : 0;
    panel.querySelector("canvas").style.width = `${px}px`;
    panel.style.width = `${px + 16}px`;
    panel.style.display = px ? "" : "none";  // no preview beside this plot (the drawing pad's page)
  }

  function text(cls, value) {
    panel.querySelector(`.lx-live-${cls}`).textContent = value;
  }

  function paintPreview(result, title) {
    const canvas = panel.querySelector("canvas"), n = size();
    if (canvas.width !== n) { canvas.width = n; canvas.height = n; }
    const ctx = canvas.getContext("2d");
    const pixels = ctx.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      const v = Math.round(Math.min(1, Math.max(0, result.image[i])) * 255);
      pixels.data[4 * i] = pixels.data[4 * i + 1] = pixels.data[4 * i + 2] = v;
      pixels.data[4 * i + 3] = 255;
    }
    ctx.putImageData(pixels, 0, 0);
    const z = result.z, place = result.place, trip = result.roundTrip;
    text("title", title);
    text("z", pointLine(z));
    text("gap", place ? `gap measure ${place.gap.toFixed(1)}` : "");
    text("place", place ? place.sentence : "");
    // A round trip still being measured (undefined): the last line stays, faded, so the panel does not flicker.
    if (trip !== undefined) text("drift", driftLine(trip));
    panel.querySelector(".lx-live-drift").classList.toggle("lx-stale", trip === undefined);
    canvas.setAttribute("aria-label", spokenText(result, title));
    Object.assign(panel.dataset, { drift: trip ? trip.drift : "", z1: z[0], z2: z[1], source: title,
                                   gap: place ? place.gap : "" });
    document.dispatchEvent(new CustomEvent("lx-live-paint", { detail: { at: performance.now(), source: title, z: z.slice() } }));
  }

  function showIdle(message) {
    // An empty light square where the image will be, so the panel does not jump on the first hover.
    const canvas = panel.querySelector("canvas"), ctx = canvas.getContext("2d");
    ctx.fillStyle = "#eee";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    text("title", message);
    canvas.setAttribute("aria-label", `No point decoded yet. ${message}`);
    for (const cls of ["z", "gap", "drift", "place"]) text(cls, "");
    panel.dataset.source = "";
  }

  function showFixed() {
    if (s.failed) return;
    const fixed = s.preview.fixed;
    if (fixed) paintPreview(fixed.result, fixed.title);
    else showIdle(idleText(hoverAllowed()));
    hoverRing.style.display = "none";
    s.hoverArrow = null;
    placeArrows();
  }

  // The image of a hovered point: on the main thread in this frame when that fits (hoverOnMainThread),
  // its round trip from the worker when measured; else all of it from the worker, a frame later.
  function decodeHover(z, label, linked) {
    const model = s.model;
    const seq = ++s.hoverSeq;
    const show = (result) => {
      if (s.destroyed || s.model !== model || seq !== s.hoverSeq) return;  // a newer point is on screen
      if (linked ? !s.preview.isCurrentLinked(linked) : !s.preview.hovering) return;
      paintPreview(result, label);
      if (s.keyPoint) announceSoon(result, label);
      placeOverlay(hoverRing, result.z);
      if (result.roundTrip !== undefined) {  // undefined: not measured yet (the arrow stays until it is)
        s.hoverArrow = result.roundTrip ? { z: result.z, back: result.roundTrip.back } : null;
        placeArrows();
      }
    };
    const here = !linked && hoverOnMainThread(model);  // the other plot of a group follows a frame later
    panel.dataset.hoverDecodedOn = here ? "main thread" : "worker";  // for whoever reads the page (benchmarks)
    if (here) show(decodeImageNow(model, z));
    else model.skipped += 1;
    runLatest(model, { z }, show);
  }

  // Make z the fixed point: its image now, its round-trip arrow and line as soon as they are measured.
  function fixPoint(z, title, local = false) {
    const result = decodeNow(s.model, z, (measured) => {
      if (s.destroyed || !s.preview.fixed || s.preview.fixed.result !== measured) return;  // another point since
      if (s.preview.hovering) placeArrows(); else showFixed();
    });
    s.preview.fix(result, title, s.model, local);
    if (local) announce(spokenText(result, title));
  }

  // ---------------------------------------------------------------- the live region and the keyboard

  function announce(sentence) {
    clearTimeout(s.announceTimer);
    spoken.textContent = sentence;
  }

  // A keyboard point's place is said once the keys rest (each key press would interrupt the last).
  function announceSoon(result, label) {
    clearTimeout(s.announceTimer);
    s.announceTimer = setTimeout(() => { if (!s.destroyed) announce(spokenText(result, label)); }, 350);
  }

  function onKey(event) {
    const geo = geometry();
    if (!geo || event.altKey || event.ctrlKey || event.metaKey) return;
    const view = { x: geo.x, y: geo.y };
    if (event.key === "Escape") {  // leave the plot (Tab goes on from here): blur ends the keyboard's point
      gd.blur();
    } else if (event.key === "Enter" || event.key === " ") {
      choose(s.keyPoint || keyStart(s.marker, view), null);
    } else {
      const z = keyMove(s.keyPoint || keyStart(s.marker, view), event.key, event.shiftKey, view);
      if (!z) return;
      s.keyPoint = z;
      placeOverlay(hoverRing, z);  // the keyboard's cursor, also without the model in the page
      if (s.model) {
        s.preview.move(z);
        if (!s.frame) s.frame = requestAnimationFrame(onFrame);
      } else {
        announceSoon({ z, place: null, roundTrip: null }, "Point");
      }
    }
    event.preventDefault();  // the arrows and the space bar would scroll the page
    event.stopPropagation();  // and a lesson's keys (arrows) must not step while the plot has them
  }

  function onBlur() {
    if (!s.keyPoint) return;
    s.keyPoint = null;
    onLeave();
    hoverRing.style.display = "none";
  }

  // The server's marker (a click confirmed by the rerun, a shared link's point) is the fixed point.
  function syncFixed() {
    if (!s.model) return;
    const action = s.preview.reconcile(s.marker, s.model);
    if (action === "fix") fixPoint(s.marker, "Clicked point");
    else if (action === "clear") s.preview.fixed = null;
    if (!s.preview.hovering) showFixed();
  }

  function loadLive() {
    const ref = s.data.model_url;
    if (ref === s.modelRef) return;
    s.modelRef = ref;
    wrap.dataset.live = "loading";
    host.models.load(ref).then((handle) => {
      if (s.destroyed || s.modelRef !== ref) return;  // a later model has taken over
      s.model = handle;
      s.failed = null;
      panel.querySelector("canvas").style.display = "";
      text("note", "");
      wrap.dataset.live = "on";
      syncFixed();
    }, (err) => {
      if (s.destroyed || s.modelRef !== ref) return;
      // The app's pages still work through the server: `live.off_note` says so there.
      s.model = null;
      s.failed = (!ref && s.data.model_problem) || err.message || String(err);
      panel.querySelector("canvas").style.display = "none";
      for (const cls of ["title", "z", "gap", "drift", "place"]) text(cls, "");
      text("note", `Live preview is off (the model could not run in this page: ${s.failed})${s.data.live.off_note || ""}.`);
      wrap.dataset.live = "off";
    });
  }

  // ---------------------------------------------------------------- pointer and group

  function onFrame() {
    s.frame = 0;
    const z = s.preview.take();
    if (!z || !s.model) return;
    const geo = geometry();
    const scale = geo ? [geo.width / (geo.x[1] - geo.x[0]), geo.height / (geo.y[1] - geo.y[0])] : [1, 1];
    // Project in screen space, where the line is drawn: equal axis scales make that the same as data.
    const target = hoverTarget(s.data.path, z, scale);
    decodeHover(target.z, target.label, 0);
    broadcast({ kind: "hover", z: target.z });
  }

  function onMove(event) {
    if (!s.model || !hoverAllowed() || event.pointerType === "touch" || event.buttons) return;
    s.keyPoint = null;  // the mouse takes over from the keyboard
    const geo = geometry();
    if (!geo || !insidePlot(geo, event.clientX, event.clientY)) { onLeave(); return; }
    s.preview.move(toData(geo, event.clientX, event.clientY));  // only the latest position counts
    // Chromium sends the pointer's moves once a frame, just before the frame is drawn: decoding here
    // puts the image in this frame. A second move within the same frame waits for the next one.
    const now = performance.now();
    if (hoverOnMainThread(s.model) && now - s.hoverAt > 8) {
      if (s.frame) { cancelAnimationFrame(s.frame); s.frame = 0; }
      s.hoverAt = now;
      onFrame();
    } else if (!s.frame) {
      s.frame = requestAnimationFrame(onFrame);
    }
  }

  function onLeave() {
    if (!s.preview.leave()) return;
    showFixed();
    broadcast({ kind: "leave" });
  }

  // Scatters in one group (the comparison's two models) follow each other: the pointer over one
  // decodes the same relative position of each model's box in the others.
  function broadcast(message) {
    const live = s.data.live, box = live && live.box;
    if (!live || !live.group) return;
    host.bus.send(live.group, { ...message, relative: message.z && box ? toRelative(message.z, box) : null }, self);
  }

  function receive(message) {
    if (message.kind === "drawn") { showDrawn(message); return; }
    if (!s.model || s.preview.hovering) return;
    if (message.kind === "leave") { s.preview.endLinked(); showFixed(); return; }
    const box = s.data.live.box;
    if (!message.relative || !box) return;
    const z = fromRelative(message.relative, box);
    if (message.kind === "hover") {
      decodeHover(z, "Same place, other plot", s.preview.startLinked());
    } else if (message.kind === "click") {
      fixPoint(z, "Clicked (on the other plot)");
      s.preview.endLinked();
      showFixed();
    }
  }

  function listenToGroup() {
    s.unlisten();
    const group = s.data.live && s.data.live.group;
    s.unlisten = host.bus.listen(group, self, receive);
  }

  function onClick(ev) {
    // On a data dot, the point is that dot's own code, and its index goes along so the server
    // can show the real image beside the decoding of its code.
    const dot = clickedDot(ev);
    choose(dot ? [dot.x, dot.y] : clickedPoint(ev), dot);
  }

  // A click's or the Enter key's point becomes the fixed point, here at once and then on the server.
  // A point outside the model's accepted box (the plot zoomed far out) is not fixed here: the host
  // is told, and says why it refused it, and the last fixed point stays, here as there.
  function choose(z, dot) {
    if (!Number.isFinite(z[0]) || !Number.isFinite(z[1])) return;
    s.keyPoint = null;
    if (s.data.accepted && !insideBox(z, s.data.accepted)) {
      announce("That point lies far outside this model's codes, so it is not fixed.");
      host.onClick({ z1: z[0], z2: z[1], index: null, at: Date.now() });
      return;
    }
    // In the page, the clicked point's image is painted now, before the server is even asked.
    if (s.model) {
      fixPoint(z, "Clicked point", true);
      showFixed();
      broadcast({ kind: "click", z });
    }
    else announce(`Point ${pointLine(z).slice(4)} fixed; the server decodes it.`);
    s.marker = z;  // shown at once; the host's answer (a rerun) confirms it
    placeAll();
    host.onClick({ z1: z[0], z2: z[1], index: dot ? dot.customdata : null, at: Date.now() });
  }

  function clickedPoint(ev) {
    // Where the press itself was. plotly.js's xvals/yvals (>= 3.5, with clickanywhere) are where its
    // last hover was, which lags behind a pointer that has just arrived (a quick move and press fixed
    // the point it had come from); they stand in only when the event has no position.
    const geo = geometry();
    if (geo && ev && ev.event && Number.isFinite(ev.event.clientX)) return toData(geo, ev.event.clientX, ev.event.clientY);
    if (ev && ev.xvals && ev.yvals && ev.xvals.length && ev.yvals.length) return [ev.xvals[0], ev.yvals[0]];
    return [NaN, NaN];
  }

  function clickedDot(ev) {
    const hit = s.data.snap_to_dots && ev && ev.points && ev.points.length ? ev.points[0] : null;
    if (!hit || !Number.isInteger(hit.customdata) || !Number.isFinite(hit.x) || !Number.isFinite(hit.y) || !ev.event) return null;
    const geo = geometry();
    if (!geo) return null;
    const [cx, cy] = toClient(geo, [hit.x, hit.y]);
    return Math.hypot(cx - ev.event.clientX, cy - ev.event.clientY) <= DOT_RADIUS_PX ? hit : null;
  }

  // ---------------------------------------------------------------- drawing the figure

  function showScale(map) {
    scale.style.display = map ? "" : "none";
    if (!map) return;
    scale.querySelector(".lx-scale-title").textContent = map.title;
    scale.querySelector(".lx-scale-bar").style.background = scaleGradient(map.colorscale);
    const ticks = scale.querySelector(".lx-scale-ticks");
    ticks.replaceChildren(...scaleTicks(map.zmax).map((v) => {
      const tick = document.createElement("span");
      tick.textContent = String(v);
      tick.style.left = `${(100 * v) / map.zmax}%`;
      return tick;
    }));
  }

  // The current data's key at the time of the zoom: after a switch of model the zoom is the new one's.
  // A zoom or pan by the user (not a resize) is also told to the host, as part of the view (a lesson's).
  function onRelayout(event) {
    const geo = geometry();
    if (geo) host.views.set(viewKey(), { x: geo.x, y: geo.y });
    const moved = event && Object.keys(event).some((k) => /^[xy]axis\.(range|autorange)/.test(k));
    if (geo && moved && host.onView) host.onView({ x: geo.x, y: geo.y });
    placeAll();
  }

  // After every draw: plotly.js drops a plot's listeners when Plotly.react starts it afresh (as a
  // first visit's second draw can), so the handlers are attached again, each once.
  function bindPlot() {
    for (const [name, handler] of [["plotly_click", onClick], ["plotly_relayout", onRelayout],
                                   ["plotly_afterplot", placeAll], ["plotly_relayouting", placeAll]]) {
      gd.removeListener(name, handler);
      gd.on(name, handler);
    }
  }

  function draw() {
    const d = s.data;
    // Everything but the marker: when it is unchanged (a click's rerun), only the marker may move.
    const drawKey = JSON.stringify([d.points_url, d.map_url, d.point_size, d.opacity, d.revision,
                                    d.x_range, d.y_range, d.path, d.palette, d.zoom]);
    if (drawKey === s.drawKey) return;
    s.drawKey = drawKey;
    const drawing = Promise.all([host.plotly(), host.json(d.points_url), d.map_url ? host.json(d.map_url) : null])
      .then(([Plotly, points, map]) => {
        if (s.destroyed || s.drawKey !== drawKey) return;
        s.plotly = Plotly;
        gd.setAttribute("aria-label", `${plotSummary(points)} ${KEYS_HELP}`);  // what it shows, then its keys
        // Data first, then everything drawn on top of it: the shaded map stays underneath as a backdrop.
        const traces = classTraces(points, d);
        if (map && !images.has(map)) images.set(map, backdropImage(map));
        showScale(map);
        if (d.path) traces.push(pathTrace(d.path));
        // A zoom the server asks for (a lesson step's) wins once over the zoom kept for this plot.
        const zoomKey = d.zoom ? JSON.stringify(d.zoom) : null;
        if (zoomKey && zoomKey !== s.zoomKey) host.views.set(viewKey(), { x: d.zoom.slice(0, 2), y: d.zoom.slice(2) });
        s.zoomKey = zoomKey;
        const view = host.views.get(viewKey());
        const layout = {
          uirevision: `${d.revision}|${zoomKey}`,  // keeps zoom, pan and hidden classes across updates
          clickanywhere: true, hovermode: "closest", dragmode: "zoom",
          margin: { l: 50, r: 10, t: 10, b: map ? 85 : 45 },
          xaxis: { title: { text: "z1" }, range: view ? view.x : d.x_range, zeroline: false },
          yaxis: { title: { text: "z2" }, range: view ? view.y : d.y_range, zeroline: false, scaleanchor: "x", scaleratio: 1 },
          legend: { title: { text: points.class_word }, itemsizing: "constant", y: 0.9 },
          plot_bgcolor: "#fafafa",
          images: map ? [images.get(map)] : [],
        };
        return Plotly.react(gd, traces, layout, { responsive: true, displaylogo: false, scrollZoom: true });
      })
      .then(() => {
        if (s.destroyed || s.drawKey !== drawKey) return;
        bindPlot();
        placeAll();
        syncFixed();
        gd.dataset.ready = "1";
      })
      .catch((err) => {
        if (s.destroyed) return;
        s.drawKey = null;
        gd.textContent = `The latent plot could not be drawn: ${err.message || err}`;
      });
    s.drawing = drawing;
  }

  function update(next) {
    if (s.destroyed) return;
    const first = s.data === null;
    const groupChanged = first || JSON.stringify(next.live && next.live.group) !== JSON.stringify(s.data.live && s.data.live.group);
    s.data = next;
    gd.style.height = `${Math.round(Math.max(360, Math.min(next.height, s.room)))}px`;
    layoutPanel();
    if (groupChanged) listenToGroup();
    if (next.live) loadLive();
    const markerMoved = !samePoint(s.marker, next.marker);
    s.marker = next.marker;
    draw();
    if (markerMoved && gd.dataset.ready === "1") {
      placeAll();
      syncFixed();
    } else if (!s.preview.hovering && s.model) {
      showFixed();
    }
  }

  function destroy() {
    if (s.destroyed) return;
    s.destroyed = true;
    s.unlisten();
    if (s.frame) cancelAnimationFrame(s.frame);
    clearTimeout(s.announceTimer);
    gd.removeEventListener("keydown", onKey);
    gd.removeEventListener("blur", onBlur);
    gd.removeEventListener("pointermove", onMove, { capture: true });
    gd.removeEventListener("pointerleave", onLeave);
    if (s.plotly && gd._fullLayout) s.plotly.purge(gd);
    wrap.remove();
  }

  gd.addEventListener("pointermove", onMove, { capture: true, passive: true });
  gd.addEventListener("pointerleave", onLeave, { passive: true });
  gd.addEventListener("keydown", onKey);
  gd.addEventListener("blur", onBlur);
  update(data);
  return { update, destroy, element: wrap };
}
