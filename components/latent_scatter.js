// Clickable latent scatter: plotly.js (shipped in the `plotly` Python package) with `clickanywhere`,
// so a click on empty space reports its data coordinates too. Mounted by ui.latent_scatter().
//
// Large, rarely changing payloads (the codes, the gap map, plotly.js itself) are fetched by URL once
// per page and cached in `window`; each Streamlit rerun only sends the small `data` object (marker,
// styling), so a click does not resend 10,000 points.
const store = (window.__latentExplorer = window.__latentExplorer || { json: {}, plotly: null, views: {} });

function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!store.plotly) {
    // Streamlit serves static files as text with nosniff, so load the source through a Blob URL.
    store.plotly = fetch(url)
      .then((r) => { if (!r.ok) throw new Error(`plotly.js: HTTP ${r.status}`); return r.text(); })
      .then((src) => new Promise((resolve, reject) => {
        const s = document.createElement("script");
        s.src = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
        s.onload = () => resolve(window.Plotly);
        s.onerror = () => reject(new Error("plotly.js failed to load"));
        document.head.appendChild(s);
      }));
    store.plotly.catch(() => { store.plotly = null; });
  }
  return store.plotly;
}

function loadJSON(url) {
  if (!url) return Promise.resolve(null);
  if (!store.json[url]) {
    store.json[url] = fetch(url).then((r) => { if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`); return r.json(); });
    store.json[url].catch(() => { delete store.json[url]; });
  }
  return store.json[url];
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

function classTraces(points, d) {
  // One WebGL trace per class, so the legend hides and shows digits. Built once per payload so that
  // Plotly.react sees the same arrays on every rerun and skips re-uploading them.
  // Keyed by payload and style, so that two scatters on one page (AE beside VAE) keep their own.
  const cacheKey = `${d.points_url}|${d.point_size}|${d.opacity}`;
  store.traces = store.traces || {};
  if (store.traces[cacheKey]) return store.traces[cacheKey];
  if (Object.keys(store.traces).length >= 8) store.traces = {};  // style sliders make new keys
  const traces = points.classes.map((name, c) => ({
    type: "scattergl", mode: "markers", name, x: [], y: [], customdata: [],
    marker: { size: d.point_size, opacity: d.opacity, color: PALETTE[c % PALETTE.length] },
    hovertemplate: `${points.class_word} ${name}<br>index %{customdata}<br>(%{x:.2f}, %{y:.2f})<extra></extra>`,
  }));
  for (let i = 0; i < points.label.length; i++) {
    const t = traces[points.label[i]];
    t.x.push(points.x[i]); t.y.push(points.y[i]); t.customdata.push(points.index[i]);
  }
  store.traces[cacheKey] = traces;
  return traces;
}

function placeMarker(gd) {
  // The clicked spot is an HTML overlay, not part of the figure: moving it costs nothing, while any
  // Plotly relayout redraws 10,000 WebGL points (slow where WebGL is software-rendered).
  let el = gd.querySelector(".lx-marker");
  if (!el) {
    el = document.createElement("div");
    el.className = "lx-marker";
    el.textContent = "\u2715";
    gd.appendChild(el);
  }
  const fl = gd._fullLayout, p = gd.__lxMarker;
  if (!p || !fl || !fl.xaxis) { el.style.display = "none"; return; }
  const xa = fl.xaxis, ya = fl.yaxis;
  const px = xa.d2p(p[0]), py = ya.d2p(p[1]);
  const inside = px >= 0 && px <= xa._length && py >= 0 && py <= ya._length;
  el.style.display = inside ? "block" : "none";
  el.style.left = `${xa._offset + px}px`;
  el.style.top = `${ya._offset + py}px`;
  el.dataset.z1 = p[0];
  el.dataset.z2 = p[1];
}

function sameMarker(a, b) {
  return (!a && !b) || (a && b && a[0] === b[0] && a[1] === b[1]);
}

function gapTrace(gap) {
  return {
    type: "heatmap", x: gap.x, y: gap.y, z: gap.z, zmin: 0, zmax: gap.zmax, hoverinfo: "skip", zsmooth: "best",
    // Transparent where the data are, orange from the "edge" threshold, red twice as far out.
    colorscale: [[0, "rgba(255,255,255,0)"], [gap.inside / gap.zmax, "rgba(255,255,255,0)"],
                 [gap.edge / gap.zmax, "rgba(253,174,97,0.5)"], [1, "rgba(215,48,39,0.7)"]],
    // A horizontal colour bar along the figure's bottom edge: beside the plot it would sit on top of
    // the legend whenever the plot is short (two scatters side by side).
    showscale: true,
    colorbar: { orientation: "h", yref: "container", y: 0.01, yanchor: "bottom", x: 0.5, xanchor: "center",
                len: 0.5, thickness: 8, title: { text: "gap", side: "right" } },
  };
}

function clickedPoint(gd, ev) {
  // xvals/yvals are the cursor's data coordinates (plotly.js >= 3.5 with clickanywhere); the pixel
  // fallback covers builds that omit them.
  if (ev && ev.xvals && ev.yvals && ev.xvals.length && ev.yvals.length) return [ev.xvals[0], ev.yvals[0]];
  const fl = gd._fullLayout;
  const box = gd.querySelector(".nsewdrag").getBoundingClientRect();
  return [fl.xaxis.p2d(ev.event.clientX - box.left), fl.yaxis.p2d(ev.event.clientY - box.top)];
}

export default function (component) {
  const { data, parentElement } = component;
  if (data.preload_only) {  // mounted at the top of a page: only warm up plotly.js
    loadPlotly(data.plotly_url).catch(() => {});
    return;
  }
  let gd = parentElement.querySelector(".lx-plot");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "lx-plot";
    parentElement.appendChild(gd);
  }
  gd.style.height = `${data.height}px`;
  gd.__lxComponent = component;  // the click handler always uses the latest setTriggerValue
  const viewKey = `${component.key || "scatter"}|${data.revision}`;
  // Everything but the marker: when it is unchanged (a click rerun), only the marker may move.
  const drawKey = JSON.stringify([data.points_url, data.gap_url, data.point_size, data.opacity,
                                  data.revision, data.x_range, data.y_range, data.path]);
  if (gd.__lxDrawKey === drawKey && gd._fullLayout) {
    if (!sameMarker(gd.__lxMarker, data.marker)) {
      gd.__lxMarker = data.marker;
      placeMarker(gd);
    }
    return;
  }

  Promise.all([loadPlotly(data.plotly_url), loadJSON(data.points_url), loadJSON(data.gap_url)])
    .then(([Plotly, points, gap]) => {
      const traces = [];
      if (gap) traces.push(gapTrace(gap));
      traces.push(...classTraces(points, data));
      if (data.path) {
        traces.push({ type: "scatter", mode: "lines+markers", name: "path", showlegend: false, hoverinfo: "skip",
                      x: data.path.map((p) => p[0]), y: data.path.map((p) => p[1]),
                      line: { color: "#000", width: 2 }, marker: { color: "#000", size: 6 } });
      }
      const view = store.views[viewKey];
      const layout = {
        uirevision: data.revision,  // keeps zoom, pan and hidden digits across reruns
        clickanywhere: true, hovermode: "closest", dragmode: "zoom",
        margin: { l: 50, r: 10, t: 10, b: gap ? 85 : 45 },
        xaxis: { title: { text: "z1" }, range: view ? view.x : data.x_range, zeroline: false },
        yaxis: { title: { text: "z2" }, range: view ? view.y : data.y_range, zeroline: false,
                 scaleanchor: "x", scaleratio: 1 },
        legend: { title: { text: points.class_word }, itemsizing: "constant", y: 0.9 },
        plot_bgcolor: "#fafafa",
      };
      gd.__lxDrawKey = drawKey;
      gd.__lxMarker = data.marker;
      return Plotly.react(gd, traces, layout, { responsive: true, displaylogo: false, scrollZoom: true });
    })
    .then(() => {
      if (gd.__lxBound) return;
      gd.__lxBound = true;
      gd.on("plotly_click", (ev) => {
        const [x, y] = clickedPoint(gd, ev);
        if (!Number.isFinite(x) || !Number.isFinite(y)) return;
        gd.__lxComponent.setTriggerValue("click", { z1: x, z2: y, at: Date.now() });
        gd.__lxMarker = [x, y];  // shown at once; the rerun confirms it with the decoded image
        placeMarker(gd);
      });
      gd.on("plotly_relayout", () => {
        const fl = gd._fullLayout;
        store.views[viewKey] = { x: fl.xaxis.range.slice(), y: fl.yaxis.range.slice() };
      });
      gd.on("plotly_afterplot", () => placeMarker(gd));
      gd.on("plotly_relayouting", () => placeMarker(gd));
      placeMarker(gd);
      gd.setAttribute("data-ready", "1");
    })
    .catch((err) => {
      gd.textContent = `The latent plot could not be drawn: ${err.message}`;
    });
}
