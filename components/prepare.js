// A drawing prepared the way the dataset was, in the page: the same steps and the same arithmetic as
// ae.preprocess.prepare_image (numpy float32 steps, Pillow's Lanczos resampling of 8-bit images with
// its fixed-point weights), so the page's 28x28 input equals the server's (tests/test_draw.py).

// Python's round(): halves go to the even neighbour.
function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function medianF32(values) {
  const v = Float32Array.from(values).sort();
  const n = v.length, m = n >> 1;
  return n % 2 ? v[m] : Math.fround(Math.fround(v[m - 1] + v[m]) / 2);
}

// Pillow (Resample.c) for 8-bit images: Lanczos weights per output pixel, normalised, turned into
// 22-bit fixed point; a horizontal pass then a vertical one, each rounded and clipped to 0..255.
const PRECISION_BITS = 22;

function lanczos(x) {
  const sinc = (t) => (t === 0 ? 1 : Math.sin(t * Math.PI) / (t * Math.PI));
  return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

function resampleCoefficients(inSize, outSize) {
  const scale = inSize / outSize, filterscale = Math.max(scale, 1), support = 3 * filterscale;
  const rows = [];
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    const w = [];
    let ww = 0;
    for (let x = 0; x < xmax; x++) { const v = lanczos((x + xmin - center + 0.5) / filterscale); w.push(v); ww += v; }
    const fixed = w.map((v) => {
      const k = ww !== 0 ? v / ww : v;
      return Math.trunc(k < 0 ? -0.5 + k * (1 << PRECISION_BITS) : 0.5 + k * (1 << PRECISION_BITS));
    });
    rows.push({ xmin, k: fixed });
  }
  return rows;
}

function clip8(sum) {
  return Math.min(255, Math.max(0, Math.floor(sum / (1 << PRECISION_BITS))));
}

function resizeLanczos(pixels, w, h, outW, outH) {
  if (outW === w && outH === h) return Uint8Array.from(pixels);
  const horizontal = resampleCoefficients(w, outW), vertical = resampleCoefficients(h, outH);
  const first = vertical[0].xmin, last = vertical[outH - 1].xmin + vertical[outH - 1].k.length;
  let src = pixels, srcW = w, rowOffset = 0;
  if (outW !== w) {  // only the rows the vertical pass reads, as Pillow does
    const temp = new Uint8Array(outW * (last - first));
    for (let y = first; y < last; y++)
      for (let xx = 0; xx < outW; xx++) {
        const { xmin, k } = horizontal[xx];
        let ss = 1 << (PRECISION_BITS - 1);
        for (let x = 0; x < k.length; x++) ss += pixels[y * w + xmin + x] * k[x];
        temp[(y - first) * outW + xx] = clip8(ss);
      }
    src = temp; srcW = outW; rowOffset = first;
  }
  if (outH === h) return src;
  const out = new Uint8Array(outW * outH);
  for (let yy = 0; yy < outH; yy++) {
    const { xmin, k } = vertical[yy];
    for (let xx = 0; xx < outW; xx++) {
      let ss = 1 << (PRECISION_BITS - 1);
      for (let y = 0; y < k.length; y++) ss += src[(y + xmin - rowOffset) * srcW + xx] * k[y];
      out[yy * outW + xx] = clip8(ss);
    }
  }
  return out;
}

/**
 * 8-bit greyscale pixels (w x h, row by row) -> the dataset's 28x28 input as a Float32Array, or null
 * when there is no ink. `dataset`: "mnist" (crop, scale into 20x20, centre by mass) or "fashion"
 * (trim, longest edge to 28, centre the box).
 */
function prepareImage(grey, w, h, dataset) {
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
  const inverted = medianF32(borderOf(gray)) > 0.5;  // light paper: white-on-black like the dataset
  let ink = inverted ? gray.map((g) => f(1 - g)) : Float32Array.from(gray);
  const background = f(medianF32(borderOf(ink)));
  ink = ink.map((v) => Math.max(f(v - background), 0));
  let peak = 0;
  for (let i = 0; i < n; i++) if (ink[i] > peak) peak = ink[i];
  if (peak < 0.15) return null;
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
  const crop = new Uint8Array(cw * ch);
  for (let y = 0; y < ch; y++)
    for (let x = 0; x < cw; x++)
      crop[y * cw + x] = Math.trunc(f(Math.min(1, Math.max(0, ink[(top + y) * w + left + x])) * 255));
  const scaled = Array.from(resizeLanczos(crop, cw, ch, outW, outH), (u) => f(u / 255));
  const frame = new Float32Array(28 * 28);
  let row0, col0;
  if (dataset === "mnist") {  // centre of mass in the middle, the digit kept inside the frame
    let total = 0, sr = 0, sc = 0;
    for (let y = 0; y < outH; y++) for (let x = 0; x < outW; x++) { const v = scaled[y * outW + x]; total += v; sr += y * v; sc += x * v; }
    if (total <= 0) return null;
    row0 = Math.min(Math.max(roundHalfEven(13.5 - sr / total), 0), 28 - outH);
    col0 = Math.min(Math.max(roundHalfEven(13.5 - sc / total), 0), 28 - outW);
  } else {
    row0 = (28 - outH) >> 1;
    col0 = (28 - outW) >> 1;
  }
  for (let y = 0; y < outH; y++) for (let x = 0; x < outW; x++) frame[(row0 + y) * 28 + col0 + x] = scaled[y * outW + x];
  return frame;
}
