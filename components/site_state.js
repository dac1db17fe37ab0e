// The static site's pure parts (no DOM): what a link (the URL's hash) asks for, the hash that
// reopens a view, the check of a model's published data, and the nearest real images of a point.
// Unit-tested with `node --test`; site.js uses them.
import { insideBox } from "./geometry.js";

// The shadings a link may name: ae.maps.SHADINGS' keys (tests/test_js.py checks the two agree).
export const SHADES = ["none", "gaps", "drift", "sensitivity"];
const MAX_SHOWN = 60;  // characters of a link's text quoted back in a message

// Text from a link, quoted in a message: cut short, control characters dropped. Shown with
// textContent only, never as markup.
export function quoted(text) {
  const clean = String(text).replace(/[\u0000-\u001f\u007f]/g, " ");
  return `"${clean.length > MAX_SHOWN ? `${clean.slice(0, MAX_SHOWN)}...` : clean}"`;
}

// The view a hash asks for: {model, z, shade, compare, problems}; `names` are the published models.
// Anything not understood is dropped with a problem saying what and why.
export function parseHash(hash, names) {
  const view = { model: names[0] || null, z: null, shade: "none", compare: false, problems: [] };
  let params;
  try {
    params = new URLSearchParams(String(hash || "").replace(/^#/, ""));
  } catch (err) {
    return view;
  }
  const model = params.get("model");
  if (model !== null) {
    if (names.includes(model)) view.model = model;
    else view.problems.push(`The link asks for a model this site does not have, ${quoted(model)}; showing ${view.model}.`);
  }
  const z = params.get("z");
  if (z !== null) {
    const parts = z.split(",");
    const numbers = parts.map((p) => (p.trim() === "" ? NaN : Number(p)));
    if (parts.length === 2 && numbers.every(Number.isFinite)) view.z = numbers;
    else view.problems.push(`The link's point ${quoted(z)} is not two numbers like z=1.5,-2; no point is fixed.`);
  }
  const shade = params.get("shade");
  if (shade !== null) {
    if (SHADES.includes(shade)) view.shade = shade;
    else view.problems.push(`The link's shading ${quoted(shade)} is not one of ${SHADES.join(", ")}; the plane is not shaded.`);
  }
  view.compare = params.get("compare") === "1";
  return view;
}

export function formatHash(view) {
  const params = new URLSearchParams();
  if (view.model) params.set("model", view.model);
  if (view.z) params.set("z", `${view.z[0].toFixed(5)},${view.z[1].toFixed(5)}`);
  if (view.shade && view.shade !== "none") params.set("shade", view.shade);
  if (view.compare) params.set("compare", "1");
  return `#${params.toString().replace(/%2C/g, ",")}`;
}

// A link's point against a model's accepted box [[x0, x1], [y0, y1]]: null when it is fine, else why
// it is refused (the same rule as the app's links: ae.boxes).
export function pointProblem(z, accepted, source = "The link's point") {
  if (insideBox(z, accepted)) return null;
  const [[x0, x1], [y0, y1]] = accepted;
  const fmt = (v) => (Math.abs(v) >= 1e6 ? v.toExponential(2) : v.toFixed(2));
  return `${source} (${fmt(z[0])}, ${fmt(z[1])}) lies far outside this model's codes ` +
         `(z1 from ${x0.toFixed(1)} to ${x1.toFixed(1)}, z2 from ${y0.toFixed(1)} to ${y1.toFixed(1)}); no point is fixed.`;
}

// What is wrong with a model's published data, or null: the page refuses damaged files with one line.
export function payloadProblem(payload) {
  if (!payload || typeof payload !== "object") return "it holds no model data";
  for (const key of ["model", "points", "maps", "boxes", "classes", "palette"]) {
    if (!(key in payload)) return `it lacks "${key}"`;
  }
  const p = payload.points;
  if (!p || !Array.isArray(p.x) || !Array.isArray(p.y) || p.x.length !== p.y.length || p.label.length !== p.x.length)
    return "its plotted codes are damaged";
  if (typeof payload.model !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(payload.model)) return "its weights are damaged";
  return null;
}

export function fromBase64(text) {
  const bin = atob(text), bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes.buffer;
}

// The k codes nearest to z among the first `count` of (xs, ys), nearest first, as
// [{index, distance}] (ties by index, as the library's index).
export function nearestCodes(xs, ys, count, z, k = 8) {
  const best = [];
  for (let i = 0; i < count; i++) {
    const dx = xs[i] - z[0], dy = ys[i] - z[1], d = dx * dx + dy * dy;
    if (best.length === k && d >= best[k - 1].d) continue;
    let j = best.length < k ? best.length : k - 1;
    if (best.length < k) best.push(null);
    for (; j > 0 && best[j - 1].d > d; j--) best[j] = best[j - 1];
    best[j] = { index: i, d };
  }
  return best.map((b) => ({ index: b.index, distance: Math.sqrt(b.d) }));
}

// The codes' bounding box widened by `margin` of its size each way (ae.latent.bounding_box).
export function boundingBox(xs, ys, margin = 0.05) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    if (xs[i] < x0) x0 = xs[i];
    if (xs[i] > x1) x1 = xs[i];
    if (ys[i] < y0) y0 = ys[i];
    if (ys[i] > y1) y1 = ys[i];
  }
  const mx = (x1 - x0) * margin, my = (y1 - y0) * margin;
  return [[x0 - mx, x1 + mx], [y0 - my, y1 + my]];
}

// The other published model of the same dataset and the other kind (the autoencoder's VAE), or null.
export function partnerOf(entry, models) {
  if (!entry) return null;
  return models.find((m) => m.dataset === entry.dataset && m.kind !== entry.kind) || null;
}
