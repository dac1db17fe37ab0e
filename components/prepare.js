// A drawing prepared the way the dataset was, in the page: the same steps and the same arithmetic as
// ae.preprocess.prepare_image (numpy's float32 steps, then its float64 Lanczos resize), so the
// page's 28x28 input equals the server's (tests/test_draw.py).

// Python's round(): halves go to the even neighbour.
export function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function medianF32(values) {
  const v = Float32Array.from(values).sort();
  const n = v.length, m = n >> 1;
  return n % 2 ? v[m] : Math.fround(Math.fround(v[m - 1] + v[m]) / 2);
}

// ae.preprocess.INK_SHARE and MIN_CONTRAST (tests/test_draw.py checks the two agree).
export const INK_SHARE = 1e-4;
export const MIN_CONTRAST = 0.1;

// ae.preprocess.departure: the departure (one per tone, positive on this side) that the k pixels
// departing most reach, counted over the 256 tones; 0 when fewer than k pixels depart at all.
function departure(byTone, counts, k) {
  const order = Array.from(byTone.keys()).sort((a, b) => byTone[b] - byTone[a] || a - b);
  let reached = 0;
  for (const t of order) {
    if (!(byTone[t] > 0)) return 0;
    reached += counts[t];
    if (reached >= k) return byTone[t];
  }
  return 0;
}

// ae.preprocess.resize: Lanczos-3 weights (widened by the scale when shrinking, rows summing to 1),
// rows first, then columns, in float64, clipped to [0, 1].
function lanczos(x) {
  const sinc = (t) => (t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t));
  return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

function lanczosWeights(inSize, outSize) {
  const scale = inSize / outSize, widen = Math.max(scale, 1), support = 3 * widen;
  const rows = [];
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const lo = Math.max(Math.trunc(centre - support + 0.5), 0), hi = Math.min(Math.trunc(centre + support + 0.5), inSize);
    const w = [];
    let sum = 0;
    for (let x = lo; x < hi; x++) { const v = lanczos((x - centre + 0.5) / widen); w.push(v); sum += v; }
    rows.push({ lo, w: sum ? w.map((v) => v / sum) : w });
  }
  return rows;
}

export function resize(image, w, h, outW, outH) {
  let src = image, cols = w;
  if (outH !== h) {  // rows
    const out = new Float64Array(outH * w);
    lanczosWeights(h, outH).forEach(({ lo, w: k }, o) => {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let j = 0; j < k.length; j++) s += k[j] * src[(lo + j) * w + x];
        out[o * w + x] = s;
      }
    });
    src = out;
  }
  const rowsN = outH;
  if (outW !== w) {  // columns
    const out = new Float64Array(rowsN * outW);
    const weights = lanczosWeights(w, outW);
    for (let y = 0; y < rowsN; y++)
      weights.forEach(({ lo, w: k }, o) => {
        let s = 0;
        for (let j = 0; j < k.length; j++) s += src[y * cols + lo + j] * k[j];
        out[y * outW + o] = s;
      });
    src = out;
  }
  return Array.from(src, (v) => Math.fround(Math.min(1, Math.max(0, v))));
}

/**
 * 8-bit greyscale pixels (w x h, row by row) -> the dataset's 28x28 input as a Float32Array, or null
 * when there is no ink. `dataset`: "mnist" (crop, scale into 20x20, centre by mass) or "fashion"
 * (trim, longest edge to 28, centre the box).
 */
export function prepareImage(grey, w, h, dataset) {
  const f = Math.fround, n = w * h;
  const gray = new Float32Array(n);
  for (let i = 0; i < n; i++) gray[i] = f(grey[i] / 255);
  const borderOf = (a) => {
    const b = [];
    for (let x = 0; x < w; x++) b.push(a[x]);
    for (let x = 0; x < w; x++) b.push(a[(h - 1) * w + x]);
    for (let y = 0; y < h; y++) b.push(a[y * w]);
    for (let y = 0; y < h; y++) b.push(a[y * w + w - 1]);
    return b;
  };
  // ae.preprocess.ink_polarity: the border's tone is the background; the ink departs furthest from it.
  const background = medianF32(borderOf(gray));
  const counts = new Array(256).fill(0);
  for (let i = 0; i < n; i++) counts[grey[i]]++;
  const tones = Array.from({ length: 256 }, (_, t) => f(t / 255));
  const k = Math.max(1, Math.trunc(n * INK_SHARE));
  const dark = departure(tones.map((t) => f(background - t)), counts, k);
  const light = departure(tones.map((t) => f(t - background)), counts, k);
  const inverted = dark > light || (dark === light && background > 0.5);
  if ((inverted ? dark : light) < MIN_CONTRAST) return null;
  let ink = gray.map((g) => Math.max(inverted ? f(background - g) : f(g - background), 0));
  let peak = 0;
  for (let i = 0; i < n; i++) if (ink[i] > peak) peak = ink[i];
  const low = f(0.1), high = f(0.2);
  ink = ink.map((v) => { const r = f(v / peak); return r < low ? 0 : r; });
  let top = h, bottom = -1, left = w, right = -1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (ink[y * w + x] > high) {
        if (y < top) top = y;
        if (y > bottom) bottom = y;
        if (x < left) left = x;
        if (x > right) right = x;
      }
  if (bottom < 0) return null;
  const ch = bottom - top + 1, cw = right - left + 1;
  const box = dataset === "mnist" ? 20 : 28;
  const scale = box / Math.max(ch, cw);
  const outW = Math.max(1, roundHalfEven(cw * scale)), outH = Math.max(1, roundHalfEven(ch * scale));
  const crop = new Float64Array(cw * ch);
  for (let y = 0; y < ch; y++)
    for (let x = 0; x < cw; x++) crop[y * cw + x] = Math.min(1, Math.max(0, ink[(top + y) * w + left + x]));
  const scaled = resize(crop, cw, ch, outW, outH);
  const frame = new Float32Array(28 * 28);
  let row0, col0;
  if (dataset === "mnist") {  // centre of mass in the middle, the digit kept inside the frame
    let total = 0, sr = 0, sc = 0;
    for (let y = 0; y < outH; y++) for (let x = 0; x < outW; x++) { const v = scaled[y * outW + x]; total += v; sr += y * v; sc += x * v; }
    if (total <= 0) return null;
    // A symmetric digit's offset is a half pixel give or take the sums' last bit: rounded to 9
    // decimals first it is an exact tie, settled to even, as in Python.
    const at9 = (v) => Math.round(v * 1e9) / 1e9;
    row0 = Math.min(Math.max(roundHalfEven(at9(13.5 - sr / total)), 0), 28 - outH);
    col0 = Math.min(Math.max(roundHalfEven(at9(13.5 - sc / total)), 0), 28 - outW);
  } else {
    row0 = (28 - outH) >> 1;
    col0 = (28 - outW) >> 1;
  }
  for (let y = 0; y < outH; y++) for (let x = 0; x < outW; x++) frame[(row0 + y) * 28 + col0 + x] = scaled[y * outW + x];
  return frame;
}
