// The live preview's state and words (components/preview.js), without a browser.
import test from "node:test";
import assert from "node:assert/strict";
import { PreviewState, driftLine, hoverTarget, idleText, plotSummary, IDLE_CLICK, IDLE_HOVER } from "../../components/preview.js";

test("only the latest pointer position waits for the frame", () => {
  const p = new PreviewState();
  assert.equal(p.move([1, 1]), true);  // the first move asks for a frame
  assert.equal(p.move([2, 2]), false);  // later ones replace the waiting position
  assert.equal(p.move([3, 3]), false);
  assert.deepEqual(p.take(), [3, 3]);
  assert.equal(p.take(), null);
  assert.equal(p.move([4, 4]), true);
});

test("leaving drops the waiting position and says whether it was hovering", () => {
  const p = new PreviewState();
  assert.equal(p.leave(), false);
  p.move([1, 1]);
  assert.equal(p.leave(), true);
  assert.equal(p.take(), null);
});

test("a fixed point decoded by another model is decoded again; the same one by the same model is kept", () => {
  const p = new PreviewState(), modelA = {}, modelB = {};
  assert.equal(p.reconcile([1, 2], modelA), "fix");
  p.fix({ z: [1, 2] }, "Clicked point", modelA);
  assert.equal(p.reconcile([1, 2], modelA), "keep");
  assert.equal(p.reconcile([1, 2], modelB), "fix");  // a switch of checkpoint with the same point
  assert.equal(p.reconcile([3, 2], modelA), "fix");
  assert.equal(p.reconcile(null, modelA), "clear");  // the server's marker went away
  p.fix({ z: [5, 5] }, "Clicked point", modelA, true);  // a click in the page, before the server knows
  assert.equal(p.reconcile(null, modelA), "keep");
  assert.equal(p.reconcile(null, modelB), "clear");
});

test("a linked hover is current until a newer one starts or it ends", () => {
  const p = new PreviewState();
  const first = p.startLinked();
  assert.ok(p.isCurrentLinked(first));
  const second = p.startLinked();
  assert.ok(!p.isCurrentLinked(first) && p.isCurrentLinked(second));
  p.endLinked();
  assert.ok(!p.isCurrentLinked(second) && !p.isCurrentLinked(0));
});

test("the words of the preview", () => {
  assert.equal(idleText(true), IDLE_HOVER);
  assert.equal(idleText(false), IDLE_CLICK);
  assert.equal(driftLine(null), "");
  assert.equal(driftLine({ drift: 2.345, level: "high" }),
               "round-trip drift 2.35: more than 99% of real images (arrow: where its image is sent back)");
});

test("on an interpolation path the pointer decodes its nearest point of the line", () => {
  assert.deepEqual(hoverTarget(null, [1, 2], [1, 1]), { z: [1, 2], label: "Under the cursor" });
  const t = hoverTarget([[0, 0], [5, 5], [10, 0]], [5, 3], [1, 1]);  // only the ends count
  assert.deepEqual(t.z, [5, 0]);
  assert.equal(t.label, "On the line at t = 0.50");
});

test("the preview said in words: point, gap, place and drift, for a screen reader", async () => {
  const { spokenText } = await import("../../components/preview.js");
  const result = { z: [1.2, -3.4], place: { gap: 14.04, sentence: "In a gap between the 7s and the 9s." },
                   roundTrip: { drift: 1.5, level: 2 } };
  const text = spokenText(result, "Clicked point");
  assert.match(text, /^Clicked point: decoding of \(1\.200, -3\.400\)\. gap measure 14\.0 times the usual spacing\. In a gap between the 7s and the 9s\. round-trip drift 1\.50: /);
  assert.doesNotMatch(text, /arrow|\.\./);
  assert.equal(spokenText({ z: [0, 0], place: null, roundTrip: null }, "Under the cursor"), "Under the cursor: decoding of (0.000, 0.000)");
});

test("the plot in words: how many codes of each class and how far they spread", () => {
  const points = { x: [-1.25, 0, 2.5, 1200.04], y: [3, -4, 0.5, 1], label: [0, 1, 1, 1], classes: ["T-shirt", "Trouser"],
                   class_word: "item" };
  assert.equal(plotSummary(points), "Latent space plot of 4 codes, each an image placed by the encoder, by item " +
    "(T-shirt: 1, Trouser: 3); z1 from -1.3 to 1200.0 across, z2 from -4.0 to 3.0 up.");
  assert.equal(plotSummary({ x: [], y: [], label: [], classes: ["0"], class_word: "digit" }),
               "Latent space plot, with no codes to show.");
});
