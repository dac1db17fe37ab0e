// The Streamlit side of the components: thin adapters from Streamlit's v2 component calls (one call
// per render, the same parent element each time) to the instances of latent_scatter.js and
// draw_pad.js. This file is the bundle's entry for the app (ui/mounts.py); the static site's entry is
// site.js. What the instances share on one page (the models, the group bus, the plots' zoom) is
// created here, once per page, in this module's scope.
import { mountPad } from "./draw_pad.js";
import { GroupBus, ModelCache } from "./live_model.js";
import { mountScatter } from "./latent_scatter.js";

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
// goes through a Blob URL.
function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotly) {
    plotly = fetch(url)
      .then((r) => { if (!r.ok) throw new Error(`plotly.js: HTTP ${r.status}`); return r.text(); })
      .then((src) => new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
        script.onload = () => resolve(window.Plotly);
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
                 onClick: (click) => host.component.setTriggerValue("click", click) };
  return host;
}

function padHost() {
  const host = { component: null, models, bus, onDrawn: (drawn) => host.component.setTriggerValue("drawn", drawn) };
  return host;
}

export default function (component) {
  const { data, parentElement } = component;
  if (data.preload_only) {  // mounted at the top of a page: only warm up plotly.js
    loadPlotly(data.plotly_url).catch(() => {});
    return undefined;
  }
  const isPad = data.kind === "pad";
  let entry = instances.get(parentElement);
  const mounted = { ...data, key: component.key || data.key };
  if (!entry) {
    const host = isPad ? padHost() : scatterHost(data);
    host.component = component;
    entry = { host, instance: (isPad ? mountPad : mountScatter)(parentElement, mounted, host) };
    instances.set(parentElement, entry);
  } else {
    entry.host.component = component;  // the latest render's setTriggerValue
    if (!isPad) entry.host.plotlyUrl = data.plotly_url;
    entry.instance.update(mounted);
  }
  return () => {
    entry.instance.destroy();
    instances.delete(parentElement);
  };
}
