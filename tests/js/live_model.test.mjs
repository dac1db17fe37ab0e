// Where a hover's image is decoded (components/live_model.js), without a browser.
import test from "node:test";
import assert from "node:assert/strict";
import { MAIN_THREAD_MS, PROBE_EVERY, hoverOnMainThread } from "../../components/live_model.js";

const handle = (mainMs, skipped = 0, worker = {}) => ({ worker, mainMs, skipped });

test("the main thread decodes a hover while its recent decodes fit the frame", () => {
  assert.equal(hoverOnMainThread(handle([])), true);  // not measured yet: this decode measures it
  assert.equal(hoverOnMainThread(handle([30, 6])), true);  // still measuring (the first is the engine compiling)
  assert.equal(hoverOnMainThread(handle([30, 6, 6.5])), true);  // the median fits
  assert.equal(hoverOnMainThread(handle([MAIN_THREAD_MS, 2, 30])), true);
});

test("a busy main thread hands hovers to the worker, and is tried again now and then", () => {
  assert.equal(hoverOnMainThread(handle([9, 12, 6])), false);
  assert.equal(hoverOnMainThread(handle([9, 12, 6], PROBE_EVERY - 1)), false);
  assert.equal(hoverOnMainThread(handle([9, 12, 6], PROBE_EVERY)), true);
});

test("without a worker, hovers go the one way there is (runLatest, on the main thread)", () => {
  assert.equal(hoverOnMainThread(handle([], 0, null)), false);
});
