// A map shading the plane under a latent scatter (gaps, round-trip drift or decoder sensitivity, each
// measured by the library: ae/maps.py), drawn as an image under the data instead of a heatmap trace,
// so the scatter needs only plotly.js's scattergl (the static site's small plotly.js bundle has no
// heatmap). The pure parts (colours, pixels, extent) are unit-tested with `node --test`.
//
// A map is {x: [n], y: [m] (both ascending, cell centres), z: [m][n], zmax, colorscale: [[f, colour]],
// title}; values from 0 to zmax run along the colour scale, as Plotly's heatmap with zmin 0.

// "rgba(253,174,97,0.5)", "rgb(1,2,3)" or "#rrggbb" -> [r, g, b, a] with a in [0, 1].
export function parseColour(text) {
  const s = String(text).trim();
  const hex = /^#([0-9a-f]{6})$/i.exec(s);
  if (hex) {
    const v = parseInt(hex[1], 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255, 1];
  }
  const m = /^rgba?\(([^)]*)\)$/i.exec(s);
  if (!m) throw new Error(`not a colour: ${s}`);
  const parts = m[1].split(",").map((p) => Number(p.trim()));
  return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
}

// The colour at fraction f (clamped to [0, 1]) of a colour scale, interpolated linearly in RGBA.
export function colourAt(scale, f) {
  const stops = scale.map(([at, c]) => [at, parseColour(c)]);
  const t = Math.min(1, Math.max(0, f));
  if (t <= stops[0][0]) return stops[0][1];
  for (let i = 1; i < stops.length; i++) {
    const [a, ca] = stops[i - 1], [b, cb] = stops[i];
    if (t <= b) {
      const u = b > a ? (t - a) / (b - a) : 1;
      return ca.map((v, k) => v + u * (cb[k] - v));
    }
  }
  return stops[stops.length - 1][1];
}

// The map's pixels, one per cell, top row first (the largest y): {width, height, data: RGBA bytes}.
export function backdropPixels(map) {
  const width = map.x.length, height = map.y.length, data = new Uint8ClampedArray(width * height * 4);
  // A table of 256 colours along the scale: cheap per cell, finer than the eye tells apart.
  const table = Array.from({ length: 256 }, (_, i) => colourAt(map.colorscale, i / 255));
  for (let r = 0; r < height; r++) {
    const row = map.z[height - 1 - r];
    for (let c = 0; c < width; c++) {
      const v = row[c];
      const colour = Number.isFinite(v) ? table[Math.round(Math.min(1, Math.max(0, v / map.zmax)) * 255)] : [0, 0, 0, 0];
      const o = 4 * (r * width + c);
      data[o] = colour[0]; data[o + 1] = colour[1]; data[o + 2] = colour[2]; data[o + 3] = Math.round(colour[3] * 255);
    }
  }
  return { width, height, data };
}

// Where the image lies in data units: cells are centred on the grid's values, as a heatmap's are.
export function backdropExtent(map) {
  const half = (v) => (v.length > 1 ? (v[v.length - 1] - v[0]) / (v.length - 1) / 2 : 0.5);
  const hx = half(map.x), hy = half(map.y);
  const x0 = map.x[0] - hx, x1 = map.x[map.x.length - 1] + hx;
  const y0 = map.y[0] - hy, y1 = map.y[map.y.length - 1] + hy;
  return { x: x0, y: y1, sizex: x1 - x0, sizey: y1 - y0 };
}

// The colour scale as a CSS gradient, left (0) to right (zmax), for the legend under the plot.
export function scaleGradient(scale) {
  return `linear-gradient(to right, ${scale.map(([at, c]) => {
    const [r, g, b, a] = parseColour(c);
    return `rgba(${r}, ${g}, ${b}, ${a}) ${(100 * at).toFixed(1)}%`;
  }).join(", ")})`;
}

// Round numbers along the legend, from 0 to zmax: about `count` of them.
export function scaleTicks(zmax, count = 4) {
  if (!(zmax > 0)) return [0];
  const raw = zmax / count, power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let v = 0; v <= zmax * (1 + 1e-9); v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

// In the page: the map as a PNG data URL (a canvas of one pixel per cell; the browser smooths it
// when stretched over the plot, as a heatmap's best smoothing does) and the Plotly layout image.
export function backdropImage(map) {
  const { width, height, data } = backdropPixels(map);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").putImageData(new ImageData(data, width, height), 0, 0);
  return { source: canvas.toDataURL("image/png"), xref: "x", yref: "y", xanchor: "left", yanchor: "top",
           sizing: "stretch", layer: "below", ...backdropExtent(map) };
}
