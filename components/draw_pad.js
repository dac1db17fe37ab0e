// The drawing pad: draw a digit (or an item of clothing) with a mouse, pen or finger; every move the
// drawing is prepared as the dataset was (prepare.js), encoded and decoded in the page, and its code
// moves on the scatters of the same group, leaving a faint trail. On pen up the 28x28 input goes to
// `host.onDrawn` (the app's server adds the classifier's reading and the nearest training images).
//
// `mountPad(element, data, host)` returns `{update(data), destroy()}`; all state lives on the
// instance, and the pen's listeners read the latest data (dataset, group, model) when they fire.
// `host`: {models (ModelCache), bus (GroupBus), onDrawn({grid, at})}.
import { NOT_LOADED, runLatest } from "./live_model.js";
import { prepareImage } from "./prepare.js";

export const PAD_SIZE = 280;

const PAD_HTML =
  `<div class="lx-pad-left"><canvas class="lx-pad-canvas" width="${PAD_SIZE}" height="${PAD_SIZE}"></canvas>` +
  '<div class="lx-pad-buttons"><button type="button" class="lx-pad-undo">Undo</button>' +
  '<button type="button" class="lx-pad-clear">Clear</button></div></div>' +
  '<div class="lx-pad-right"><div class="lx-pad-label">prepared (28x28)</div><canvas class="lx-pad-input" width="28" height="28"></canvas>' +
  '<div class="lx-pad-label">its reconstruction</div><canvas class="lx-pad-output" width="28" height="28"></canvas>' +
  '<div class="lx-pad-z"></div><div class="lx-pad-place"></div><div class="lx-pad-note"></div></div>';

export function paintGrid(canvas, pixels) {
  const ctx = canvas.getContext("2d"), img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = pixels ? Math.round(Math.min(1, Math.max(0, pixels[i])) * 255) : 0;
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

export function drawStrokes(canvas, strokes) {
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
  ctx.strokeStyle = "#fff";
  ctx.fillStyle = "#fff";
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (const stroke of strokes) {
    ctx.lineWidth = stroke.width;
    if (stroke.points.length === 1) {  // a dot
      ctx.beginPath();
      ctx.arc(stroke.points[0][0], stroke.points[0][1], stroke.width / 2, 0, 2 * Math.PI);
      ctx.fill();
      continue;
    }
    ctx.beginPath();
    ctx.moveTo(stroke.points[0][0], stroke.points[0][1]);
    for (const [x, y] of stroke.points.slice(1)) ctx.lineTo(x, y);
    ctx.stroke();
  }
}

// The pad's 8-bit greyscale pixels (the red channel of white-on-black strokes), as an upload's
// greyscale conversion would read them.
export function padGrey(canvas) {
  const rgba = canvas.getContext("2d").getImageData(0, 0, PAD_SIZE, PAD_SIZE).data;
  const grey = new Uint8Array(PAD_SIZE * PAD_SIZE);
  for (let i = 0; i < grey.length; i++) grey[i] = rgba[4 * i];
  return grey;
}

export function mountPad(element, data, host) {
  const root = document.createElement("div");
  root.className = "lx-pad";
  root.innerHTML = PAD_HTML;  // fixed markup, no data
  element.appendChild(root);
  const pad = root.querySelector(".lx-pad-canvas");
  const input = root.querySelector(".lx-pad-input"), output = root.querySelector(".lx-pad-output");
  const note = root.querySelector(".lx-pad-note");
  const self = {};
  const s = { data: null, strokes: [], drawing: null, model: null, modelRef: NOT_LOADED, destroyed: false };

  const tell = (message) => host.bus.send(s.data.group, message, self);
  const prepared = () => prepareImage(padGrey(pad), PAD_SIZE, PAD_SIZE, s.data.dataset);

  // Prepare, encode and decode the drawing as it is now, for the dataset and model of the latest data.
  function refresh() {
    const grid = prepared();
    paintGrid(input, grid);
    if (!grid) {
      paintGrid(output, null);
      root.querySelector(".lx-pad-z").textContent = "";
      root.querySelector(".lx-pad-place").textContent = "Draw in the black square.";
      tell({ kind: "drawn", z: null, reset: true });
      return;
    }
    const model = s.model;
    if (!model) return;
    const started = performance.now();
    runLatest(model, { pixels: grid },
      (result) => { if (!s.destroyed && s.model === model) paintGrid(output, result.image); },
      (coded) => {  // the code, before its reconstruction is decoded: the star moves at once
        if (s.destroyed || s.model !== model) return;
        root.querySelector(".lx-pad-z").textContent = `code (${coded.z[0].toFixed(3)}, ${coded.z[1].toFixed(3)})`;
        root.querySelector(".lx-pad-place").textContent = coded.place ? coded.place.sentence : "";
        root.dataset.z1 = coded.z[0];
        root.dataset.z2 = coded.z[1];
        tell({ kind: "drawn", z: coded.z, started });
      });
  }

  function send() {
    const grid = prepared();
    host.onDrawn({ grid: grid ? Array.from(grid, (v) => Math.round(v * 1e6) / 1e6) : null, at: Date.now() });
  }

  function redraw() {
    drawStrokes(pad, s.strokes);
    refresh();
  }

  const at = (event) => {
    const r = pad.getBoundingClientRect();
    return [(event.clientX - r.left) * (PAD_SIZE / r.width), (event.clientY - r.top) * (PAD_SIZE / r.height)];
  };
  const listeners = {
    pointerdown(event) {
      event.preventDefault();
      try { pad.setPointerCapture(event.pointerId); } catch (err) { /* a synthetic pointer: nothing to capture */ }
      if (!s.strokes.length) tell({ kind: "drawn", z: null, reset: true });
      s.drawing = { width: s.data.pen, points: [at(event)] };
      s.strokes.push(s.drawing);
      redraw();
    },
    pointermove(event) {
      if (!s.drawing) return;
      for (const e of event.getCoalescedEvents ? event.getCoalescedEvents() : [event]) s.drawing.points.push(at(e));
      redraw();
    },
    pointerup() { end(); },
    pointercancel() { end(); },
  };
  function end() {
    if (!s.drawing) return;
    s.drawing = null;
    refresh();
    send();
  }
  for (const [name, fn] of Object.entries(listeners)) pad.addEventListener(name, fn);
  root.querySelector(".lx-pad-undo").addEventListener("click", () => { s.strokes.pop(); redraw(); send(); });
  root.querySelector(".lx-pad-clear").addEventListener("click", () => { s.strokes = []; redraw(); send(); });

  function loadModel() {
    const ref = s.data.model_url;
    if (ref === s.modelRef) return;
    s.modelRef = ref;
    s.model = null;
    root.dataset.live = "loading";
    host.models.load(ref).then((handle) => {
      if (s.destroyed || s.modelRef !== ref) return;  // a later model has taken over
      s.model = handle;
      note.textContent = "";
      root.dataset.live = "on";
      refresh();
    }, (err) => {
      if (s.destroyed || s.modelRef !== ref) return;
      root.dataset.live = "off";
      note.textContent = `The model could not run in this page (${(!ref && s.data.model_problem) || err.message || err})${s.data.off_note || ""}.`;
    });
  }

  function update(next) {
    if (s.destroyed) return;
    if (s.data && s.data.dataset !== next.dataset) s.strokes = [];  // another dataset's pad
    s.data = next;
    pad.style.width = `${next.size}px`;  // at most; narrower columns shrink it (the CSS keeps it square)
    for (const c of [input, output]) c.style.width = `${next.preview_px}px`;
    root.dataset.dataset = next.dataset;  // what the pad prepares for now (and tests wait on)
    loadModel();
    redraw();
  }

  // For tests and benchmarks: draw strokes given in pad pixels, as if by hand; returns the pad's grey
  // pixels. Through the instance only (the site's and the app's hosts do not expose it).
  function drawForTest(strokes, width) {
    s.strokes = strokes.map((points) => ({ width: width || s.data.pen, points }));
    drawStrokes(pad, s.strokes);
    return padGrey(pad);
  }

  function destroy() {
    if (s.destroyed) return;
    s.destroyed = true;
    root.remove();
  }

  update(data);
  return { update, destroy, element: root, drawForTest };
}
