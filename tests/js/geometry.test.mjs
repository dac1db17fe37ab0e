// The pure geometry of a latent plot (components/geometry.js), without a browser.
import test from "node:test";
import assert from "node:assert/strict";
import { fromRelative, insideBox, insidePlot, nearestOnSegment, plotInset, rangesWith, samePoint, toClient, toData,
         toRelative } from "../../components/geometry.js";

const geo = { left: 100, top: 50, width: 400, height: 200, originLeft: 90, originTop: 40, x: [-2, 2], y: [-1, 1] };

test("client pixels and data coordinates are inverse of each other", () => {
  for (const z of [[0, 0], [-2, -1], [2, 1], [1.25, -0.4], [7, 9]]) {
    const [cx, cy] = toClient(geo, z);
    const back = toData(geo, cx, cy);
    assert.ok(Math.abs(back[0] - z[0]) < 1e-12 && Math.abs(back[1] - z[1]) < 1e-12, `${z} -> ${back}`);
  }
  assert.deepEqual(toClient(geo, [-2, 1]), [100, 50]);  // the top left corner: x0 and the top of y
  assert.deepEqual(toClient(geo, [2, -1]), [500, 250]);
});

test("inside the plot means inside the drag rectangle, edges included", () => {
  assert.ok(insidePlot(geo, 100, 50) && insidePlot(geo, 500, 250) && insidePlot(geo, 300, 100));
  assert.ok(!insidePlot(geo, 99.9, 100) && !insidePlot(geo, 300, 250.1));
});

test("relative positions are fractions of the box and come back", () => {
  const box = [[-4, 6], [10, 20]];
  assert.deepEqual(toRelative([1, 15], box), [0.5, 0.5]);
  assert.deepEqual(fromRelative([0, 1], box), [-4, 20]);
  assert.deepEqual(fromRelative(toRelative([2.5, 11], box), box), [2.5, 11]);
});

test("the nearest point of a segment is clamped to its ends and measured in screen space", () => {
  assert.deepEqual(nearestOnSegment([0, 0], [10, 0], [4, 3]), { z: [4, 0], t: 0.4 });
  assert.equal(nearestOnSegment([0, 0], [10, 0], [-5, 1]).t, 0);
  assert.equal(nearestOnSegment([0, 0], [10, 0], [50, 1]).t, 1);
  assert.equal(nearestOnSegment([1, 1], [1, 1], [5, 5]).t, 0);  // a segment of no length
  // A diagonal with y drawn 3 times as large as x: the projection follows what is on screen.
  const flat = nearestOnSegment([0, 0], [1, 1], [1, 0], 1, 1).t, tall = nearestOnSegment([0, 0], [1, 1], [1, 0], 1, 3).t;
  assert.equal(flat, 0.5);
  assert.ok(tall < flat);
});

test("an overlay is clipped to the plot area", () => {
  assert.equal(plotInset(geo, 600, 300), "inset(10px 190px 90px 10px)");  // 600 - 10 - 400, 300 - 10 - 200
});

test("a point beyond the box widens the ranges with a margin; one inside changes nothing", () => {
  assert.deepEqual(rangesWith([0, 10], [0, 10], [5, 5]), [[0, 10], [0, 10]]);
  assert.deepEqual(rangesWith([0, 10], [0, 10], [20, -3]), [[0, 20.5], [-3.5, 10]]);
  assert.deepEqual(rangesWith([0, 10], [0, 10], null), [[0, 10], [0, 10]]);
});

test("points are the same only when both coordinates are", () => {
  assert.ok(samePoint(null, null) && samePoint([1, 2], [1, 2]));
  assert.ok(!samePoint([1, 2], null) && !samePoint([1, 2], [1, 2.0001]));
});

test("arrow keys move the point by a fiftieth of the view, Shift by a tenth, never out of view", async () => {
  const { keyMove, keyStart } = await import("../../components/geometry.js");
  const view = { x: [-2, 3], y: [10, 0] };  // a reversed axis is still a range of 10
  assert.deepEqual(keyMove([0, 5], "ArrowRight", false, view), [0.1, 5]);
  assert.deepEqual(keyMove([0, 5], "ArrowUp", true, view), [0, 6]);
  assert.deepEqual(keyMove([0, 5], "ArrowDown", false, view), [0, 4.8]);
  assert.deepEqual(keyMove([-1.95, 0.3], "ArrowLeft", true, view), [-2, 0.3]);  // held at the view's edge
  assert.deepEqual(keyMove([0, 9.9], "ArrowUp", true, view), [0, 10]);
  assert.equal(keyMove([0, 5], "Enter", false, view), null);
  assert.deepEqual(keyStart([1, 2], view), [1, 2]);
  assert.deepEqual(keyStart([9, 2], view), [0.5, 5]);  // the fixed point is out of view: the middle
  assert.deepEqual(keyStart(null, view), [0.5, 5]);
});

test("inside the accepted box means between its edges, edges included, as the server's ae.boxes.inside", () => {
  const box = [[-4, 6], [10, 20]];
  assert.ok(insideBox([-4, 10], box) && insideBox([6, 20], box) && insideBox([0, 15], box));
  assert.ok(!insideBox([6.0001, 15], box) && !insideBox([0, 9.999], box) && !insideBox([1e9, 15], box));
  assert.ok(!insideBox([NaN, 15], box));
});
