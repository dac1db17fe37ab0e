// The Streamlit side of the components: thin adapters from Streamlit's v2 component calls (one call
// per render, the same parent element each time) to the instances of latent_scatter.js and
// draw_pad.js. This file is the bundle's entry for the app (ui/mounts.py); the static site's entry is
// site.js. What the instances share on one page (the models, the group bus, the plots' zoom) is
// created here, once per page, in this module's scope.
import { mountPad } from "./draw_pad.js";
import { GroupBus, ModelCache } from "./live_model.js";
import { mountScatter } from "./latent_scatter.js";
import { mountLessonKeys } from "./lesson_keys.js";

const instances = new WeakMap();  // parent element -> {instance, host}
const models = new ModelCache((url) => fetch(url).then((r) => {
  if (!r.ok) throw new Error(`HTTP ${r.status}`);
  return r.arrayBuffer();
}));
const bus = new GroupBus(document);
const views = new Map();  // zoom per plot and model, kept when a page is left and opened again
const payloads = new Map();
let plotly = null;

function fetchJSON(url) {
  if (!payloads.has(url)) {
    const loading = fetch(url).then((r) => { if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`); return r.json(); });
    loading.catch(() => payloads.delete(url));
    payloads.set(url, loading);
  }
  return payloads.get(url);
}

// plotly.js from the app's static folder. Streamlit serves static files with nosniff, so the source
// goes through a Blob URL. The page can hold a second plotly.js: Streamlit's own chart bundle sets
// window.Plotly when its first chart renders. A plot drawn by one copy and redrawn or zoomed by the
// other loses its handlers (each copy gives gd a new event emitter when gd's is not of its own class),
// so the scatter keeps the copy its script made, never reads window.Plotly, and gives it back as it was.
const GLOBALS = ["Plotly", "moduleName"];
function loadPlotly(url) {
  if (!plotly) {
    plotly = fetch(url, { cache: "force-cache" })
      .then((r) => { if (!r.ok) throw new Error(`plotly.js: HTTP ${r.status}`); return r.text(); })
      .then((src) => new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
        // The bundle's wrapper also sets window.moduleName.
        const before = Object.fromEntries(GLOBALS.map((name) => [name, Object.getOwnPropertyDescriptor(window, name)]));
        script.onload = () => {
          const ours = window.Plotly;
          for (const name of GLOBALS) {
            if (before[name]) Object.defineProperty(window, name, before[name]);
            else delete window[name];
          }
          if (ours && ours !== (before.Plotly && before.Plotly.value)) resolve(ours);
          else reject(new Error("plotly.js did not start"));
        };
        script.onerror = () => reject(new Error("plotly.js failed to load"));
        document.head.appendChild(script);
      }));
    plotly.catch(() => { plotly = null; });
  }
  return plotly;
}

function scatterHost(data) {
  const host = { component: null, models, bus, views, json: fetchJSON, plotly: () => loadPlotly(host.plotlyUrl),
                 plotlyUrl: data.plotly_url,
                 onClick: (click) => host.component.setTriggerValue("click", click),
                 onView: (view) => host.component.setStateValue("view", view) };
  return host;
}

function lessonHost() {
  const host = { component: null, onStep: (by) => host.component.setTriggerValue("step", by) };
  return host;
}

function padHost() {
  const host = { component: null, models, bus, onDrawn: (drawn) => host.component.setTriggerValue("drawn", drawn) };
  return host;
}

// The scatter unless the data names another kind.
const MOUNTS = { pad: [padHost, mountPad], lesson_keys: [lessonHost, mountLessonKeys] };

export default function (component) {
  const { data, parentElement } = component;
  if (data.preload_only) {  // mounted at the top of a page: only warm up plotly.js
    loadPlotly(data.plotly_url).catch(() => {});
    return undefined;
  }
  const [makeHost, mount] = MOUNTS[data.kind] || [() => scatterHost(data), mountScatter];
  let entry = instances.get(parentElement);
  const mounted = { ...data, key: component.key || data.key };
  if (!entry) {
    const host = makeHost();
    host.component = component;
    entry = { host, instance: mount(parentElement, mounted, host) };
    instances.set(parentElement, entry);
  } else {
    entry.host.component = component;  // the latest render's setTriggerValue
    if (!MOUNTS[data.kind]) entry.host.plotlyUrl = data.plotly_url;
    entry.instance.update(mounted);
  }
  return () => {
    entry.instance.destroy();
    instances.delete(parentElement);
  };
}
