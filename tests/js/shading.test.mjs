// The shading's colours, pixels and extent (components/shading.js), without a browser.
import test from "node:test";
import assert from "node:assert/strict";
import { backdropExtent, backdropPixels, colourAt, parseColour, scaleGradient, scaleTicks } from "../../components/shading.js";

const SCALE = [[0, "rgba(255,255,255,0)"], [0.5, "rgba(255,255,255,0)"], [0.75, "rgba(253,174,97,0.5)"], [1, "rgba(215,48,39,0.7)"]];

test("colours are read from rgba, rgb and hex", () => {
  assert.deepEqual(parseColour("rgba(253, 174, 97, 0.5)"), [253, 174, 97, 0.5]);
  assert.deepEqual(parseColour("rgb(1,2,3)"), [1, 2, 3, 1]);
  assert.deepEqual(parseColour("#ff7f0e"), [255, 127, 14, 1]);
  assert.throws(() => parseColour("url(javascript:x)"));
});

test("the scale is interpolated between its stops and clamped at its ends", () => {
  assert.deepEqual(colourAt(SCALE, 0.25), [255, 255, 255, 0]);
  assert.deepEqual(colourAt(SCALE, 0.875), [234, 111, 68, 0.6]);
  assert.deepEqual(colourAt(SCALE, 7), [215, 48, 39, 0.7]);
  assert.deepEqual(colourAt(SCALE, -1), [255, 255, 255, 0]);
});

test("the top row of the image is the map's largest y; values run from 0 to zmax", () => {
  const map = { x: [0, 1], y: [10, 20], z: [[0, 4], [3, 99]], zmax: 4, colorscale: SCALE };
  const { width, height, data } = backdropPixels(map);
  assert.equal(width, 2);
  assert.equal(height, 2);
  const px = (r, c) => Array.from(data.slice(4 * (r * width + c), 4 * (r * width + c) + 4));
  assert.deepEqual(px(1, 0), [255, 255, 255, 0]);  // y = 10, value 0
  assert.deepEqual(px(1, 1), [215, 48, 39, 179]);  // value zmax: the scale's end
  assert.deepEqual(px(0, 1), [215, 48, 39, 179]);  // beyond zmax: clamped
  // Between stops: the scale's colour, to the 256-step table's precision.
  const want = colourAt(SCALE, 3 / 4).map((v, i) => (i === 3 ? v * 255 : v));
  px(0, 0).forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 2, `${px(0, 0)} vs ${want}`));
});

test("the image covers whole cells centred on the grid's values, as a heatmap does", () => {
  assert.deepEqual(backdropExtent({ x: [0, 1, 2], y: [-1, 1] }), { x: -0.5, y: 2, sizex: 3, sizey: 4 });
});

test("the legend's gradient and its round ticks", () => {
  assert.equal(scaleGradient([[0, "#000000"], [1, "rgba(1,2,3,0.5)"]]),
               "linear-gradient(to right, rgba(0, 0, 0, 1) 0.0%, rgba(1, 2, 3, 0.5) 100.0%)");
  assert.deepEqual(scaleTicks(15.3), [0, 5, 10, 15]);
  assert.deepEqual(scaleTicks(0.7), [0, 0.2, 0.4, 0.6]);
  assert.deepEqual(scaleTicks(0), [0]);
});
