// The models running in a page, and what the mounted parts of a page share: a `ModelCache` (one
// model per weight file, whoever asks for it: the scatters, the drawing pad), and the `GroupBus` over
// which linked plots and the pad talk. Both are created by whoever hosts the parts (the Streamlit
// adapter, the static site) and handed to each instance; nothing is kept on `window`.
import { webModelModule, webModelWorker } from "./web_model.js";

export const lib = webModelModule();

// What a part's model reference is before it first asks for one (a reference of null, "this page has
// no web model", is an answer too, whose reason the part shows).
export const NOT_LOADED = Symbol("not loaded");

// The source of a Web Worker running the same model code as the page (one source, two threads).
function workerSource() {
  return `const M = (${webModelModule.toString()})();\n(${webModelWorker.toString()})(M);`;
}

// One model: a copy on the main thread for clicks (decoded synchronously, in the frame of the click)
// and one in a Web Worker for hovering. The worker only ever holds one request; newer pointer
// positions replace the waiting one, so decoding never falls behind the mouse.
export function modelHandle(buffer) {
  const model = new lib.WebModel(buffer.slice(0));
  const handle = { model, worker: null, busy: false, waiting: null, id: 0, callbacks: {}, early: {},
                   mainMs: [], skipped: 0 };  // the main thread's last decode times (hoverOnMainThread)
  try {
    const url = URL.createObjectURL(new Blob([workerSource()], { type: "text/javascript" }));
    handle.worker = new Worker(url);
    URL.revokeObjectURL(url);
    handle.worker.onmessage = (event) => {
      const m = event.data;
      if (m.type === "encoded") {
        const early = handle.early[m.id];
        delete handle.early[m.id];
        if (early) early(m);
      } else if (m.type === "done" || m.type === "error") {
        delete handle.early[m.id];
        const done = handle.callbacks[m.id];
        delete handle.callbacks[m.id];
        handle.busy = false;
        if (done && m.type === "done") done(m);
        if (handle.waiting) { const next = handle.waiting; handle.waiting = null; sendToWorker(handle, next); }
      }
    };
    handle.worker.onerror = () => { handle.worker = null; handle.busy = false; };  // main thread from now on
    const copy = buffer.slice(0);
    handle.worker.postMessage({ type: "load", buffer: copy }, [copy]);
  } catch (err) {
    handle.worker = null;  // no workers here: hover decodes on the main thread instead
  }
  return handle;
}

function sendToWorker(handle, job) {
  handle.busy = true;
  const id = ++handle.id;
  handle.callbacks[id] = job.done;
  if (job.encoded) handle.early[id] = job.encoded;
  handle.worker.postMessage({ type: "run", id, request: job.request });
}

// Run a request ({z}: decode that point; {pixels}: encode an image, then decode its code) off the
// main thread; `done` gets {z, image, place}. Only the latest request waits: an older waiting one
// is dropped, never queued.
// `encoded` (optional), for an image: called with {z, place} as soon as the code is known.
export function runLatest(handle, request, done, encoded) {
  if (!handle.worker) {  // no workers here: run on the main thread (callers ask once per frame at most)
    const t0 = performance.now();
    const result = Object.assign(lib.runRequest(handle.model, request), { ms: performance.now() - t0 });
    if (encoded) encoded(result);
    done(result);
    return;
  }
  if (handle.busy) handle.waiting = { request, done, encoded };
  else sendToWorker(handle, { request, done, encoded });
}

// A hover's image is decoded on the main thread, in the frame of the pointer move, while a decode
// there lately took at most MAIN_THREAD_MS (the median of the last few: the first ones, before the
// engine has compiled the decoder, are slow); of the frame's 16.7 ms, plotly's own hover and the
// paint need the rest. Otherwise the worker decodes it, a frame later, and every PROBE_EVERY hovers
// the main thread is tried again (the machine may be less busy now). Pure: unit-tested.
export const MAIN_THREAD_MS = 8;
export const PROBE_EVERY = 5;
const RECENT = 3;
export function hoverOnMainThread(handle) {
  if (!handle.worker) return false;  // no worker: runLatest decodes on the main thread anyway, round trip too
  const recent = [...handle.mainMs].sort((a, b) => a - b);
  return recent.length < RECENT || recent[recent.length >> 1] <= MAIN_THREAD_MS || handle.skipped >= PROBE_EVERY;
}

function timed(handle, run) {
  const t0 = performance.now();
  const result = run();
  handle.mainMs.push(performance.now() - t0);
  if (handle.mainMs.length > RECENT) handle.mainMs.shift();
  return result;
}

// A hover's image now, on the main thread, without its round trip (`roundTrip` stays undefined: the
// worker measures it, see decodeHover in latent_scatter.js).
export function decodeImageNow(handle, z) {
  handle.skipped = 0;
  return timed(handle, () => lib.runRequest(handle.model, { z, roundTrip: false }));
}

// On the main thread, now: for a click, whose image must be on screen in the same frame. Its round
// trip (an encode, as long again as the decode) follows just after, handed to `then(result)`.
export function decodeNow(handle, z, then) {
  const result = timed(handle, () => lib.runRequest(handle.model, { z, roundTrip: false }));
  if (then && handle.model.drift) {
    setTimeout(() => { result.roundTrip = handle.model.roundTrip(result.z, result.image); then(result); }, 0);
  }
  return result;
}

// Models by reference: `source(ref)` gives a Promise of the weight file's ArrayBuffer (fetched by
// URL in the app, decoded from the script that carries it in the static site). A failed load is
// forgotten, so the next ask tries again.
export class ModelCache {
  constructor(source) {
    this.source = source;
    this.models = new Map();
  }

  load(ref) {
    if (!ref) return Promise.reject(new Error("no web model for this checkpoint"));
    if (!this.models.has(ref)) {
      const loading = Promise.resolve().then(() => this.source(ref)).then((buffer) => modelHandle(buffer));
      loading.catch(() => this.models.delete(ref));
      this.models.set(ref, loading);
    }
    return this.models.get(ref);
  }

  dispose() {
    for (const loading of this.models.values()) loading.then((h) => h.worker && h.worker.terminate(), () => {});
    this.models.clear();
  }
}

// Messages between the parts of one group (the comparison's two plots, the pad and its plots),
// dispatched as events on one target (the document): no registry to go stale when a part leaves.
export class GroupBus {
  constructor(target) {
    this.target = target;
  }

  send(group, message, from) {
    if (!group) return;
    this.target.dispatchEvent(new CustomEvent("lx-group", { detail: { group, message, from } }));
  }

  // `receive(message)` for every message of `group` not sent by `self`; returns the unsubscribe.
  listen(group, self, receive) {
    if (!group) return () => {};
    const handler = (event) => {
      const d = event.detail;
      if (d.group === group && d.from !== self) receive(d.message);
    };
    this.target.addEventListener("lx-group", handler);
    return () => this.target.removeEventListener("lx-group", handler);
  }
}
