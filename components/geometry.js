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

// Whether z lies in the box [[x0, x1], [y0, y1]], edges included: the rule of the server's
// accepted box (ae.boxes.inside), so the page never fixes a point the server would refuse.
export function insideBox(z, box) {
  const [[x0, x1], [y0, y1]] = box;
  return z[0] >= x0 && z[0] <= x1 && z[1] >= y0 && z[1] <= y1;
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

// The keyboard's moves of the plot's point: an arrow key moves it by a fiftieth of the visible range
// on that axis (Shift: a tenth), and it stays inside the visible ranges `view` = {x: [x0, x1], y: [y0, y1]}.
export const KEY_DIRECTIONS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
export const KEY_STEP = 1 / 50, KEY_STEP_LARGE = 1 / 10;

export function keyMove(z, key, large, view) {
  const direction = KEY_DIRECTIONS[key];
  if (!direction) return null;
  const step = large ? KEY_STEP_LARGE : KEY_STEP;
  return [0, 1].map((axis) => {
    const [lo, hi] = view[axis ? "y" : "x"].slice().sort((a, b) => a - b);
    return Math.min(hi, Math.max(lo, z[axis] + direction[axis] * step * (hi - lo)));
  });
}

// Where the keyboard's point starts: the fixed point when it is in view, else the middle of the view.
export function keyStart(fixed, view) {
  const inside = (v, [a, b]) => v >= Math.min(a, b) && v <= Math.max(a, b);
  if (fixed && inside(fixed[0], view.x) && inside(fixed[1], view.y)) return fixed.slice();
  return [(view.x[0] + view.x[1]) / 2, (view.y[0] + view.y[1]) / 2];
}
