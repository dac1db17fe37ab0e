// The page's shared state and its models: one model per weight file and page, used by every
// component on the page (the scatters, the drawing pad). Prepended, after web_model.js, to each
// component's code by components/__init__.py.
const store = (window.__latentExplorer = window.__latentExplorer ||
  { json: {}, plotly: null, views: {}, models: {}, groups: {}, paints: 0, lib: webModelModule() });

// ------------------------------------------------------------------ the model in the page

// One model per weight file and page: a copy on the main thread for clicks (decoded synchronously,
// in the frame of the click) and one in a Web Worker for hovering. The worker only ever holds one
// request; newer pointer positions replace the waiting one, so decoding never falls behind the mouse.
function loadModel(url) {
  if (!url) return Promise.reject(new Error("no web model for this checkpoint"));
  if (!store.models[url]) {
    store.models[url] = fetch(url)
      .then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.arrayBuffer(); })
      .then((buffer) => {
        const model = new store.lib.WebModel(buffer.slice(0));
        const handle = { model, worker: null, busy: false, waiting: null, id: 0, callbacks: {}, early: {} };
        try {
          const source = `const M = (${webModelModule.toString()})();\n(${webModelWorker.toString()})(M);`;
          handle.worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
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
          handle.worker.postMessage({ type: "load", buffer }, [buffer]);
        } catch (err) {
          handle.worker = null;  // no workers here: hover decodes on the main thread instead
        }
        return handle;
      });
    store.models[url].catch(() => { delete store.models[url]; });
  }
  return store.models[url];
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
function runLatest(handle, request, done, encoded) {
  if (!handle.worker) {  // no workers here: run on the main thread (callers ask once per frame at most)
    const t0 = performance.now();
    const result = Object.assign(store.lib.runRequest(handle.model, request), { ms: performance.now() - t0 });
    if (encoded) encoded(result);
    done(result);
    return;
  }
  if (handle.busy) handle.waiting = { request, done, encoded };
  else sendToWorker(handle, { request, done, encoded });
}

function decodeLatest(handle, z, done) {
  runLatest(handle, { z }, done);
}

// On the main thread, now: for a click, whose image must be on screen in the same frame. Its round
// trip (an encode, as long again as the decode) follows just after, handed to `then(result)`.
function decodeNow(handle, z, then) {
  const result = store.lib.runRequest(handle.model, { z, roundTrip: false });
  if (then && handle.model.drift) {
    setTimeout(() => { result.roundTrip = handle.model.roundTrip(result.z, result.image); then(result); }, 0);
  }
  return result;
}
