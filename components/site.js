// The static site's page (ae/site.py writes it as index.html with this bundle): the explorer of the
// published models with no server. Its parts are the app's own instances (latent_scatter.js,
// draw_pad.js) hosted here; each model's data arrives from a classic script (models/<name>.js) that
// dispatches it as an event, which works on file:// where fetch() does not.
//
// All state is on the one `Site` created at DOMContentLoaded; nothing is put on `window`.
import { mountPad, paintGrid } from "./draw_pad.js";
import { rangesWith } from "./geometry.js";
import { GroupBus, ModelCache, decodeNow, lib } from "./live_model.js";
import { mountScatter } from "./latent_scatter.js";
import { SHADES, boundingBox, formatHash, fromBase64, nearestCodes, parseHash, partnerOf,
         payloadProblem, pointProblem } from "./site_state.js";

const GROUP = "site";
function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

class Site {
  constructor(root, catalogue) {
    this.root = root;
    this.catalogue = catalogue;
    this.names = catalogue.models.map((m) => m.name);
    this.payloads = new Map();  // name -> Promise of the model's data
    this.models = new ModelCache((name) => this.payload(name).then((p) => fromBase64(p.model)));
    this.bus = new GroupBus(document);
    this.views = new Map();
    this.scatters = [];
    this.pad = null;
    this.replayShown = null;
    this.shown = null;  // the main plot's model data, once drawn
    this.atlases = new Map();
    this.plotly = plotlyLoaded();
    this.onHash = () => this.open(parseHash(location.hash, this.names), true);
    this.onData = (event) => { const d = event.detail; if (d && typeof d.name === "string") this.arrived.set(d.name, d); };
    this.arrived = new Map();
    document.addEventListener(catalogue.modelEvent, this.onData);
    this.ui = this.build();
    this.view = parseHash(location.hash, this.names);
    window.addEventListener("hashchange", this.onHash);
  }

  // ---------------------------------------------------------------- data

  entry(name) {
    return this.catalogue.models.find((m) => m.name === name) || null;
  }

  // A model's data: its script is added to the page once; the script dispatches the data.
  payload(name) {
    if (!this.payloads.has(name)) {
      const entry = this.entry(name);
      const loading = new Promise((resolve, reject) => {
        const script = el("script", { src: entry.file });
        script.onload = () => {
          const data = this.arrived.get(name);
          const problem = payloadProblem(data);
          if (problem) reject(new Error(`${entry.file} is damaged: ${problem}`));
          else resolve(data);
        };
        script.onerror = () => reject(new Error(`${entry.file} is missing or cannot be read`));
        document.head.appendChild(script);
      });
      loading.catch(() => this.payloads.delete(name));
      this.payloads.set(name, loading);
    }
    return this.payloads.get(name);
  }

  // What a scatter asks its host for by reference: "<model>:points", "<model>:map:<shade>".
  json(ref) {
    const [name, what, shade] = ref.split(":");
    return this.payload(name).then((p) => (what === "points" ? p.points : p.maps[shade]));
  }

  atlas(payload) {
    const a = payload.atlas;
    if (!a || !a.file) return Promise.resolve(null);
    if (!this.atlases.has(a.file)) {
      this.atlases.set(a.file, new Promise((resolve) => {
        const image = new Image();
        image.onload = () => resolve(image);
        image.onerror = () => resolve(null);
        image.src = a.file;
      }));
    }
    return this.atlases.get(a.file);
  }

  // ---------------------------------------------------------------- the page's controls

  build() {
    const q = (sel) => this.root.querySelector(sel);
    const ui = { model: q("#lx-model"), compare: q("#lx-compare"), shade: q("#lx-shade"), hover: q("#lx-hover"),
                 large: q("#lx-large"), plots: q("#lx-plots"), point: q("#lx-point"), message: q("#lx-message"),
                 shadeNote: q("#lx-shade-note"), replay: q("#lx-replay"), replayNote: q("#lx-replay-note"),
                 pad: q("#lx-pad"), padNote: q("#lx-pad-note"), live: q("#lx-announce"),
                 replaySection: q("#lx-replay-section") };
    for (const m of this.catalogue.models) ui.model.appendChild(el("option", { value: m.name }, m.title));
    // The words of each shading come from the library (ae.maps.SHADINGS), through the catalogue.
    for (const s of SHADES) ui.shade.appendChild(el("option", { value: s }, this.catalogue.shadings[s].label));
    ui.model.addEventListener("change", () => this.open({ ...this.view, model: ui.model.value, z: null, problems: [] }));
    ui.compare.addEventListener("change", () => this.open({ ...this.view, compare: ui.compare.checked, problems: [] }));
    ui.shade.addEventListener("change", () => this.open({ ...this.view, shade: ui.shade.value, problems: [] }));
    ui.hover.addEventListener("change", () => this.render());
    ui.large.addEventListener("change", () => this.render());
    // The replay (16 frames of 3,000 points) is built when its section is opened, not before the first chart.
    ui.replaySection.addEventListener("toggle", () => {
      if (ui.replaySection.open) this.payload(this.view.model).then((p) => this.showReplay(p), () => {});
    });
    return ui;
  }

  say(lines) {
    this.ui.message.replaceChildren(...lines.map((line) => el("p", {}, line)));
    this.ui.message.hidden = !lines.length;
  }

  // ---------------------------------------------------------------- views

  // Show `view` ({model, z, shade, compare, problems}); `fromLink`: it came from the address.
  open(view, fromLink = false) {
    const before = this.view;
    this.view = { ...view };
    if (fromLink || !view.z || !before || before.model !== view.model) this.dot = null;
    const ui = this.ui;
    ui.model.value = view.model;
    ui.shade.value = view.shade;
    const partner = partnerOf(this.entry(view.model), this.catalogue.models);
    ui.compare.disabled = !partner;
    ui.compare.checked = !!partner && view.compare;
    ui.compare.parentElement.title = partner ? `Show ${partner.title} beside it, linked` :
      "Publish the autoencoder and the VAE of one dataset together to compare them here";
    ui.shadeNote.textContent = this.catalogue.shadings[view.shade].note;
    this.say(view.problems || []);
    const opening = Promise.all([this.payload(view.model), this.plotly,
      this.models.load(view.model).catch((err) => {
        const entry = this.entry(view.model);
        throw new Error(`${entry.file} is damaged: its weights cannot be read (${err.message})`);
      })]);
    return opening.then(([payload]) => {
      if (this.view.model !== view.model) return;
      if (view.z) {
        const problem = pointProblem(view.z, payload.boxes.accepted);
        if (problem) { this.view.z = null; this.say([...(view.problems || []), problem]); }
      }
      this.writeHash();
      this.render();
      if (this.ui.replaySection.open) this.showReplay(payload);
    }, (err) => {
      if (this.view.model !== view.model) return;
      this.clearPlots();
      this.say([...(view.problems || []), `This model cannot be shown: ${err.message}. Publish the site again with latent-explorer publish.`]);
      this.root.dataset.state = "error";
    });
  }

  writeHash() {
    const hash = formatHash(this.view);
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }

  clearPlots() {
    for (const s of this.scatters) s.instance.destroy();
    this.scatters = [];
    this.ui.point.replaceChildren();
  }

  scatterData(payload, key, marker, height) {
    const box = payload.boxes;
    const [x, y] = rangesWith(box.plot[0], box.plot[1], marker);
    const large = this.ui.large.checked;
    return {
      key, points_url: `${payload.name}:points`,
      map_url: this.view.shade !== "none" ? `${payload.name}:map:${this.view.shade}` : null,
      marker, sent_back: null, point_size: 4, opacity: 0.7, height, palette: payload.palette,
      x_range: x, y_range: y, revision: payload.name, path: null, model_url: payload.name, snap_to_dots: true,
      accepted: box.accepted,
      live: { hover: this.ui.hover.checked, image_px: large ? 280 : 168, group: GROUP, box: box.codes, off_note: "" },
    };
  }

  // Mount or update the plots (one, or the model and its partner side by side), the point panel and the pad.
  render() {
    const view = this.view, partner = view.compare ? partnerOf(this.entry(view.model), this.catalogue.models) : null;
    const names = partner ? [view.model, partner.name] : [view.model];
    Promise.all(names.map((n) => this.payload(n))).then((payloads) => {
      if (this.view !== view) return;
      if (this.scatters.length !== payloads.length) this.clearPlots();
      const height = payloads.length > 1 ? 520 : 620;
      payloads.forEach((payload, i) => {
        const marker = i === 0 ? view.z : null;
        const data = this.scatterData(payload, i === 0 ? "main" : "partner", marker, height);
        const slot = this.scatters[i];
        if (slot) slot.instance.update(data);
        else {
          const holder = el("div", { class: "lx-site-plot", "data-model": payload.name });
          this.ui.plots.appendChild(holder);
          const host = { plotly: () => this.plotly, json: (ref) => this.json(ref), models: this.models,
                         bus: this.bus, views: this.views, onClick: (click) => this.clicked(payload.name, click) };
          this.scatters[i] = { instance: mountScatter(holder, data, host), holder };
        }
        this.scatters[i].holder.dataset.model = payload.name;
      });
      this.ui.plots.classList.toggle("lx-two", payloads.length > 1);
      this.root.dataset.state = "ready";
      this.shown = payloads[0];
      this.showPoint(payloads[0]);
      this.showPad(payloads[0]);
    }, (err) => this.say([`This model cannot be shown: ${err.message}.`]));
  }

  clicked(name, click) {
    if (name !== this.view.model) return;  // the partner's clicks move its own preview only
    const z = [click.z1, click.z2];
    // The scatter fixed nothing for a point outside the model's accepted box: say why, keep the view.
    const problem = this.shown && pointProblem(z, this.shown.boxes.accepted, "That click");
    if (problem) { this.say([problem]); return; }
    this.view = { ...this.view, z, problems: [] };
    this.dot = Number.isInteger(click.index) ? click.index : null;
    // The preview painted the click's image already; the panel, the link and the rest follow after
    // that frame is on screen, not before it.
    requestAnimationFrame(() => setTimeout(() => {
      if (this.view.z !== z) return;
      this.writeHash();
      this.render();
    }, 0));
  }

  // ---------------------------------------------------------------- the point panel

  showPoint(payload) {
    const panel = this.ui.point, z = this.view.z;
    panel.replaceChildren();
    if (!z) {
      panel.appendChild(el("p", { class: "lx-site-hint" },
        "Click anywhere on the plot, on a cluster or in the empty space between clusters, to fix a point " +
        "and see the real images nearest to it."));
      return;
    }
    this.models.load(payload.name).then((handle) => {
      if (this.view.z !== z) return;
      const result = decodeNow(handle, z);
      const place = result.place;
      const words = `decoding of (${z[0].toFixed(2)}, ${z[1].toFixed(2)})` +
        (place ? `, gap measure ${place.gap.toFixed(1)} times the usual spacing` : "");
      this.ui.live.textContent = place ? `${words}. ${place.sentence}` : words;
      const canvas = el("canvas", { width: 28, height: 28, class: "lx-site-decoded" });
      paintGrid(canvas, result.image);
      const link = el("a", { download: `decoded_z1_${z[0].toFixed(3)}_z2_${z[1].toFixed(3)}.png`, class: "lx-site-download",
                             href: canvas.toDataURL("image/png") }, "Download the decoding as PNG");
      panel.appendChild(link);
      this.showNearest(payload, z);
    });
  }

  showNearest(payload, z) {
    const panel = this.ui.point, atlas = payload.atlas || {};
    if (!atlas.file) {
      panel.appendChild(el("p", { class: "lx-site-note" }, atlas.missing || "No real images were published with this model."));
      return;
    }
    const size = this.ui.large.checked ? 84 : 56;
    const p = payload.points, names = payload.classes;
    const figure = (index, caption, px) => {
      const fig = el("figure", { class: "lx-site-thumb", "data-index": index });
      const canvas = el("canvas", { width: 28, height: 28, role: "img", "aria-label": caption });
      canvas.style.width = canvas.style.height = `${px}px`;
      fig.append(canvas, el("figcaption", {}, caption));
      return { fig, canvas };
    };
    const shown = [];
    if (this.dot !== null && this.dot < atlas.count) {
      const label = names[p.label[this.dot]];
      const { fig, canvas } = figure(this.dot, `the dot you clicked: test image #${this.dot} (${label})`, 2 * size);
      fig.classList.add("lx-site-dot");
      panel.appendChild(fig);
      shown.push([canvas, this.dot]);
    }
    panel.appendChild(el("p", { class: "lx-site-caption" },
      `Nearest real images (of the ${atlas.count.toLocaleString("en")} test images in this site; label, distance):`));
    const row = el("div", { class: "lx-site-nearest" });
    for (const hit of nearestCodes(p.x, p.y, atlas.count, z, 8)) {
      const { fig, canvas } = figure(hit.index, `${names[p.label[hit.index]]} · ${hit.distance.toFixed(2)}`, size);
      fig.dataset.distance = hit.distance;
      row.appendChild(fig);
      shown.push([canvas, hit.index]);
    }
    panel.appendChild(row);
    this.atlas(payload).then((image) => {
      if (!image) { panel.appendChild(el("p", { class: "lx-site-note" }, `${atlas.file} is missing: the real images cannot be shown.`)); return; }
      for (const [canvas, index] of shown) {
        const r = Math.floor(index / atlas.columns), c = index % atlas.columns;
        canvas.getContext("2d").drawImage(image, c * 28, r * 28, 28, 28, 0, 0, 28, 28);
      }
    });
  }

  // ---------------------------------------------------------------- replay and pad

  showReplay(payload) {
    const frames = payload.replay, box = this.ui.replay;
    if (this.replayShown === payload.name) return;
    this.replayShown = payload.name;
    const Plotly = window.Plotly;
    Plotly.purge(box);
    if (!frames) {
      box.hidden = true;
      this.ui.replayNote.textContent = payload.no_replay || "";
      return;
    }
    box.hidden = false;
    this.ui.replayNote.textContent = `Where the encoder put ${frames.labels.length.toLocaleString("en")} test images before training and after each epoch. ` +
      "Press play, or drag the slider. Each frame is zoomed to its own codes.";
    const traces = (k) => payload.classes.map((name, c) => {
      const [xs, ys] = frames.codes[k], x = [], y = [];
      frames.labels.forEach((l, i) => { if (l === c) { x.push(xs[i]); y.push(ys[i]); } });
      return { type: "scattergl", mode: "markers", name, x, y, hoverinfo: "skip",
               marker: { size: 4, opacity: 0.7, color: payload.palette[c % payload.palette.length] } };
    });
    const ranges = (k) => { const [x, y] = boundingBox(frames.codes[k][0], frames.codes[k][1]); return { "xaxis.range": x, "yaxis.range": y }; };
    const last = frames.codes.length - 1;
    const step = { mode: "immediate", frame: { duration: 700, redraw: true }, transition: { duration: 0 } };
    const [x, y] = boundingBox(frames.codes[last][0], frames.codes[last][1]);
    const layout = {
      height: 480, title: { text: frames.titles[last] }, margin: { l: 50, r: 10, t: 40, b: 40 }, plot_bgcolor: "#fafafa",
      xaxis: { title: { text: "z1" }, range: x }, yaxis: { title: { text: "z2" }, range: y },
      legend: { itemsizing: "constant" },
      updatemenus: [{ type: "buttons", direction: "left", x: 0, y: -0.08, xanchor: "left", yanchor: "top", showactive: false,
        buttons: [{ label: "\u25b6 Play", method: "animate", args: [null, { ...step, fromcurrent: false }] },
                  { label: "\u275a\u275a Pause", method: "animate", args: [[null], { mode: "immediate", frame: { duration: 0, redraw: false } }] }] }],
      sliders: [{ active: last, x: 0.18, len: 0.82, y: -0.05, currentvalue: { prefix: "" },
        steps: frames.codes.map((_, k) => ({ label: String(k), method: "animate", args: [[String(k)], step] })) }],
    };
    const plotFrames = frames.codes.map((_, k) => {
      const r = ranges(k);
      return { name: String(k), data: traces(k), layout: { title: { text: frames.titles[k] }, xaxis: { range: r["xaxis.range"] }, yaxis: { range: r["yaxis.range"] } } };
    });
    Plotly.newPlot(box, traces(last), layout, { displaylogo: false, responsive: true })
      .then(() => Plotly.addFrames(box, plotFrames));
  }

  showPad(payload) {
    const data = { kind: "pad", model_url: payload.name, dataset: payload.dataset, group: GROUP, pen: 22, size: 280,
                   preview_px: this.ui.large.checked ? 140 : 84, off_note: "" };
    if (this.pad) this.pad.update(data);
    else this.pad = mountPad(this.ui.pad, data, { models: this.models, bus: this.bus, onDrawn: () => {} });
  }

  destroy() {
    this.clearPlots();
    if (this.pad) this.pad.destroy();
    this.models.dispose();
    window.removeEventListener("hashchange", this.onHash);
    document.removeEventListener(this.catalogue.modelEvent, this.onData);
  }
}

// plotly.js, from the script element after this bundle's (index.html): this bundle runs first, so the
// model's file is already on its way while the browser compiles plotly.js.
function plotlyLoaded() {
  return new Promise((resolve, reject) => {
    const settle = () => (window.Plotly ? resolve(window.Plotly)
                                        : reject(new Error("plotly.min.js is missing from this site's folder")));
    if (window.Plotly || document.readyState !== "loading") settle();
    else document.addEventListener("DOMContentLoaded", settle, { once: true });  // after every script of the page ran
  });
}

// The page's one Site, started from the catalogue that ae/site.py put in index.html.
export function startSite(root) {
  const source = document.getElementById("lx-catalogue");
  let catalogue;
  try {
    catalogue = JSON.parse(source.textContent);
  } catch (err) {
    root.querySelector("#lx-message").textContent = "This site's list of models is damaged; publish it again.";
    return null;
  }
  if (!catalogue.models.length) {
    root.querySelector("#lx-message").textContent = "No models were published in this site.";
    return null;
  }
  const site = new Site(root, catalogue);
  site.open(site.view, true);
  return site;
}

if (typeof document !== "undefined" && document.getElementById && document.getElementById("lx-site")) {
  startSite(document.getElementById("lx-site"));
}
