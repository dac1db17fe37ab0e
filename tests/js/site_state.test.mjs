// The static site's links, data checks and nearest images (components/site_state.js), without a browser.
import test from "node:test";
import assert from "node:assert/strict";
import { boundingBox, formatHash, nearestCodes, parseHash, partnerOf, payloadProblem, pointProblem,
         quoted } from "../../components/site_state.js";

const NAMES = ["mnist_ae_z2", "mnist_vae_z2"];

test("a link opens its model, point, shading and comparison", () => {
  const v = parseHash("#model=mnist_vae_z2&z=1.5,-2&shade=drift&compare=1", NAMES);
  assert.deepEqual(v, { model: "mnist_vae_z2", z: [1.5, -2], shade: "drift", compare: true, problems: [] });
  assert.deepEqual(parseHash(formatHash(v), NAMES), v);
  assert.deepEqual(parseHash("", NAMES), { model: "mnist_ae_z2", z: null, shade: "none", compare: false, problems: [] });
});

test("what a link gets wrong is dropped, and said as quoted plain text", () => {
  const v = parseHash("#model=<img src=x onerror=alert(1)>&z=1e999,2&shade=**bold**", NAMES);
  assert.equal(v.model, "mnist_ae_z2");
  assert.equal(v.z, null);
  assert.equal(v.shade, "none");
  assert.equal(v.problems.length, 3);
  assert.ok(v.problems[0].includes('"<img src=x onerror=alert(1)>"'));
  for (const bad of ["1", "1,2,3", "a,b", ",", "NaN,1", "Infinity,0"]) {
    assert.equal(parseHash(`#z=${encodeURIComponent(bad)}`, NAMES).z, null, bad);
  }
  assert.ok(quoted("x".repeat(500)).length < 70);
  assert.equal(quoted("a\u0000b\nc"), '"a b c"');
});

test("a point far outside the model's codes is refused with where they are", () => {
  const box = [[-10, 10], [-5, 5]];
  assert.equal(pointProblem([0, 0], box), null);
  assert.equal(pointProblem([10, -5], box), null);
  assert.match(pointProblem([1e12, 0], box), /\(1\.00e\+12, 0\.00\) lies far outside/);
  assert.match(pointProblem([-11, 0], box, "That click"), /^That click \(-11\.00, 0\.00\) lies far outside/);
});

test("the nearest codes, nearest first, only among the first `count`", () => {
  const xs = [0, 1, 2, 3, 0.1], ys = [0, 0, 0, 0, 0];
  assert.deepEqual(nearestCodes(xs, ys, 5, [0, 0], 3).map((h) => h.index), [0, 4, 1]);
  assert.deepEqual(nearestCodes(xs, ys, 4, [0, 0], 3).map((h) => h.index), [0, 1, 2]);
  assert.deepEqual(nearestCodes(xs, ys, 5, [2.9, 0], 2).map((h) => h.index), [3, 2]);
  assert.ok(Math.abs(nearestCodes(xs, ys, 5, [0, 3], 1)[0].distance - 3) < 1e-12);
  assert.equal(nearestCodes(xs, ys, 2, [0, 0], 8).length, 2);
});

test("a damaged model file is named as such", () => {
  const good = { model: "AAAA", points: { x: [1], y: [2], label: [0] }, maps: {}, boxes: {}, classes: [], palette: [] };
  assert.equal(payloadProblem(good), null);
  assert.equal(payloadProblem(null), "it holds no model data");
  assert.equal(payloadProblem({ ...good, maps: undefined, model: "AAAA" }) === null, true);
  const { maps, ...noMaps } = good;
  assert.equal(payloadProblem(noMaps), 'it lacks "maps"');
  assert.equal(payloadProblem({ ...good, model: "not base64!" }), "its weights are damaged");
  assert.equal(payloadProblem({ ...good, points: { x: [1, 2], y: [2], label: [0] } }), "its plotted codes are damaged");
});

test("the bounding box is widened by its margin on each side", () => {
  assert.deepEqual(boundingBox([0, 10], [0, 20], 0.1), [[-1, 11], [-2, 22]]);
});

test("a model's partner is the other kind of the same dataset", () => {
  const models = [{ name: "a", dataset: "mnist", kind: "ae" }, { name: "b", dataset: "fashion", kind: "vae" },
                  { name: "c", dataset: "mnist", kind: "vae" }];
  assert.equal(partnerOf(models[0], models).name, "c");
  assert.equal(partnerOf(models[2], models).name, "a");
  assert.equal(partnerOf(models[1], models), null);
});
