// Pure geometry of a latent plot: data <-> client pixels, the plot rectangle, relative positions in a
// box, and the nearest point of a segment. No DOM, no plotly.js: unit-tested with `node --test`.
//
// `geo` is a plot area in client pixels with its axis ranges:
// {left, top, width, height, originLeft, originTop, x: [x0, x1], y: [y0, y1]} (linear axes).

export function toData(geo, clientX, clientY) {
  const fx = (clientX - geo.left) / geo.width, fy = 1 - (clientY - geo.top) / geo.height;
  return [geo.x[0] + fx * (geo.x[1] - geo.x[0]), geo.y[0] + fy * (geo.y[1] - geo.y[0])];
}

export function toClient(geo, z) {
  return [geo.left + ((z[0] - geo.x[0]) / (geo.x[1] - geo.x[0])) * geo.width,
          geo.top + (1 - (z[1] - geo.y[0]) / (geo.y[1] - geo.y[0])) * geo.height];
}

export function insidePlot(geo, clientX, clientY) {
  return clientX >= geo.left && clientX <= geo.left + geo.width && clientY >= geo.top && clientY <= geo.top + geo.height;
}

// A position as fractions of a box [[x0, x1], [y0, y1]], and back: linked plots of two models show
// the same relative place of each model's codes.
export function toRelative(z, box) {
  return [(z[0] - box[0][0]) / (box[0][1] - box[0][0]), (z[1] - box[1][0]) / (box[1][1] - box[1][0])];
}

export function fromRelative(f, box) {
  return [box[0][0] + f[0] * (box[0][1] - box[0][0]), box[1][0] + f[1] * (box[1][1] - box[1][0])];
}

// The nearest point to z of the segment a-b, measured in screen space (sx, sy: pixels per data unit
// on each axis), as {z, t} with t in [0, 1] along the segment.
export function nearestOnSegment(a, b, z, sx = 1, sy = 1) {
  const d = [b[0] - a[0], b[1] - a[1]];
  const dot = (z[0] - a[0]) * d[0] * sx * sx + (z[1] - a[1]) * d[1] * sy * sy;
  const len2 = d[0] * d[0] * sx * sx + d[1] * d[1] * sy * sy;
  const t = len2 > 0 ? Math.min(1, Math.max(0, dot / len2)) : 0;
  return { z: [a[0] + t * d[0], a[1] + t * d[1]], t };
}

// The CSS clip-path keeping an overlay of the whole figure (width x height) to the plot area.
export function plotInset(geo, width, height) {
  const left = geo.left - geo.originLeft, top = geo.top - geo.originTop;
  return `inset(${top}px ${width - left - geo.width}px ${height - top - geo.height}px ${left}px)`;
}

export function samePoint(a, b) {
  return (!a && !b) || (!!a && !!b && a[0] === b[0] && a[1] === b[1]);
}

// Axis ranges that keep `z` in view with a margin of 5% of the box, for a point beyond the codes
// (a link's point, a typed one).
export function rangesWith(xRange, yRange, z) {
  if (!z) return [xRange.slice(), yRange.slice()];
  const padX = 0.05 * (xRange[1] - xRange[0]), padY = 0.05 * (yRange[1] - yRange[0]);
  return [[Math.min(xRange[0], z[0] - padX), Math.max(xRange[1], z[0] + padX)],
          [Math.min(yRange[0], z[1] - padY), Math.max(yRange[1], z[1] + padY)]];
}
