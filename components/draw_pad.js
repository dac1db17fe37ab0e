// The drawing pad: draw a digit (or an item of clothing) with a mouse, pen or finger; every frame
// the drawing is prepared as the dataset was (prepare.js), encoded and decoded in the page, and its
// code moves on the scatters of the same group, leaving a faint trail. On pen up the 28x28 input
// goes to the server, which adds the classifier's reading and the nearest training images.
// Mounted by ui.drawing_pad(); prepare.js, web_model.js and live_model.js come first.
const PAD_SIZE = 280;
store.prepareImage = prepareImage;  // for tests: the page's preparation, against ae.preprocess

function padElements(parent, data) {
  let root = parent.querySelector(".lx-pad");
  if (root) return root;
  root = document.createElement("div");
  root.className = "lx-pad";
  root.innerHTML =
    `<div class="lx-pad-left"><canvas class="lx-pad-canvas" width="${PAD_SIZE}" height="${PAD_SIZE}"></canvas>` +
    '<div class="lx-pad-buttons"><button type="button" class="lx-pad-undo">Undo</button>' +
    '<button type="button" class="lx-pad-clear">Clear</button></div></div>' +
    '<div class="lx-pad-right"><div class="lx-pad-label">prepared (28x28)</div><canvas class="lx-pad-input" width="28" height="28"></canvas>' +
    '<div class="lx-pad-label">its reconstruction</div><canvas class="lx-pad-output" width="28" height="28"></canvas>' +
    '<div class="lx-pad-z"></div><div class="lx-pad-place"></div><div class="lx-pad-note"></div></div>';
  parent.appendChild(root);
  return root;
}

function paintGrid(canvas, pixels) {
  const ctx = canvas.getContext("2d"), img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = pixels ? Math.round(Math.min(1, Math.max(0, pixels[i])) * 255) : 0;
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

function drawStrokes(canvas, strokes) {
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
  ctx.strokeStyle = "#fff";
  ctx.fillStyle = "#fff";
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (const s of strokes) {
    ctx.lineWidth = s.width;
    if (s.points.length === 1) {  // a dot
      ctx.beginPath();
      ctx.arc(s.points[0][0], s.points[0][1], s.width / 2, 0, 2 * Math.PI);
      ctx.fill();
      continue;
    }
    ctx.beginPath();
    ctx.moveTo(s.points[0][0], s.points[0][1]);
    for (const [x, y] of s.points.slice(1)) ctx.lineTo(x, y);
    ctx.stroke();
  }
}

// The pad's 8-bit greyscale pixels (the red channel of white-on-black strokes), as an upload's
// greyscale conversion would read them.
function padGrey(canvas) {
  const rgba = canvas.getContext("2d").getImageData(0, 0, PAD_SIZE, PAD_SIZE).data;
  const grey = new Uint8Array(PAD_SIZE * PAD_SIZE);
  for (let i = 0; i < grey.length; i++) grey[i] = rgba[4 * i];
  return grey;
}

function tellScatters(group, message) {
  for (const [key, entry] of Object.entries(store.groups[group] || {})) {
    if (!entry.gd.isConnected) { delete store.groups[group][key]; continue; }
    entry.receive(message);
  }
}

export default function (component) {
  const { data, parentElement } = component;
  const root = padElements(parentElement, data);
  const pad = root.querySelector(".lx-pad-canvas");
  pad.style.width = `${data.size}px`;  // at most; narrower columns shrink it (the CSS keeps it square)
  for (const c of root.querySelectorAll(".lx-pad-input, .lx-pad-output")) c.style.width = `${data.preview_px}px`;
  root.__lxComponent = component;
  root.__lxData = data;
  const state = root.__lxPad || (root.__lxPad = { strokes: [], drawing: null, frame: 0, handle: null, dataset: null });
  state.pen = data.pen;
  if (state.dataset !== null && state.dataset !== data.dataset) state.strokes = [];  // another dataset's pad
  state.dataset = data.dataset;
  root.dataset.dataset = data.dataset;  // what the pad prepares for now (and tests wait on)
  root.dataset.live = "loading";

  const note = root.querySelector(".lx-pad-note");
  loadModel(data.model_url)
    .then((handle) => {
      if (root.__lxData !== data) return;  // a later render (another model) has taken over
      state.handle = handle; note.textContent = ""; root.dataset.live = "on";
    })
    .catch((err) => {
      if (root.__lxData !== data) return;
      state.handle = null;
      root.dataset.live = "off";
      note.textContent = `The model could not run in this page (${err.message}); the server reads your drawing when you lift the pen.`;
    });

  // Prepare, encode and decode the drawing as it is now.
  const update = () => {
    state.frame = 0;
    const grid = prepareImage(padGrey(pad), PAD_SIZE, PAD_SIZE, data.dataset);
    paintGrid(root.querySelector(".lx-pad-input"), grid);
    state.grid = grid;
    if (!grid) {
      paintGrid(root.querySelector(".lx-pad-output"), null);
      root.querySelector(".lx-pad-z").textContent = "";
      root.querySelector(".lx-pad-place").textContent = "Draw in the black square.";
      tellScatters(data.group, { kind: "drawn", z: null, reset: true });
      return;
    }
    if (!state.handle) return;
    const started = performance.now();
    runLatest(state.handle, { pixels: grid },
      (result) => paintGrid(root.querySelector(".lx-pad-output"), result.image),
      (coded) => {  // the code, before its reconstruction is decoded: the star moves at once
        root.querySelector(".lx-pad-z").textContent = `code (${coded.z[0].toFixed(3)}, ${coded.z[1].toFixed(3)})`;
        root.querySelector(".lx-pad-place").textContent = coded.place ? coded.place.sentence : "";
        root.dataset.z1 = coded.z[0];
        root.dataset.z2 = coded.z[1];
        tellScatters(data.group, { kind: "drawn", z: coded.z, started });
      });
  };
  // A pen move is prepared and sent at once (the worker keeps only the latest); waiting for the next
  // animation frame first would add a frame to every update.
  const schedule = () => {
    if (state.frame) cancelAnimationFrame(state.frame);
    update();
  };
  const send = () => {
    const grid = prepareImage(padGrey(pad), PAD_SIZE, PAD_SIZE, data.dataset);
    root.__lxComponent.setTriggerValue("drawn", {
      grid: grid ? Array.from(grid, (v) => Math.round(v * 1e6) / 1e6) : null, at: Date.now() });
  };
  // The pen's listeners are bound once, at the first render, but must prepare the drawing for the
  // dataset (and send it through the component) of the latest render: a switch of dataset in the
  // sidebar re-renders the same pad. So they call these, replaced on every render.
  state.schedule = schedule;
  state.send = send;

  if (!root.__lxBound) {
    root.__lxBound = true;
    const at = (event) => {
      const r = pad.getBoundingClientRect();
      return [(event.clientX - r.left) * (PAD_SIZE / r.width), (event.clientY - r.top) * (PAD_SIZE / r.height)];
    };
    pad.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      try { pad.setPointerCapture(event.pointerId); } catch (err) { /* a synthetic pointer: nothing to capture */ }
      if (!state.strokes.length) tellScatters(root.__lxData.group, { kind: "drawn", z: null, reset: true });
      state.drawing = { width: state.pen, points: [at(event)] };
      state.strokes.push(state.drawing);
      drawStrokes(pad, state.strokes);
      state.schedule();
    });
    pad.addEventListener("pointermove", (event) => {
      if (!state.drawing) return;
      for (const e of event.getCoalescedEvents ? event.getCoalescedEvents() : [event]) state.drawing.points.push(at(e));
      drawStrokes(pad, state.strokes);
      state.schedule();
    });
    const end = () => {
      if (!state.drawing) return;
      state.drawing = null;
      state.schedule();
      state.send();
    };
    pad.addEventListener("pointerup", end);
    pad.addEventListener("pointercancel", end);
    root.querySelector(".lx-pad-undo").addEventListener("click", () => {
      state.strokes.pop();
      drawStrokes(pad, state.strokes);
      state.schedule();
      state.send();
    });
    root.querySelector(".lx-pad-clear").addEventListener("click", () => {
      state.strokes = [];
      drawStrokes(pad, state.strokes);
      state.schedule();
      state.send();
    });
  }
  drawStrokes(pad, state.strokes);
  schedule();
  // Test and benchmark hook: draw strokes given in pad pixels, as if by hand, then lift the pen.
  root.__lxDraw = (strokes, width) => {
    state.strokes = strokes.map((points) => ({ width: width || state.pen, points }));
    drawStrokes(pad, state.strokes);
    return padGrey(pad);
  };
}
