"""The static site's budgets, measured: size per published model, first chart after navigation with a
cold browser cache from a local static server, and in-page click and hover latency.

    python bench/site_budget.py [--runs 5] [--clicks 30] [--hovers 40] [--data-dir DIR]

Publishes the shipped 2-D models with `python -m ae publish` into a temporary folder, serves it with
Python's static server on 127.0.0.1, and drives Debian's Chromium. Budgets (issue 21): at most 6 MB per
model with its atlas; first chart at most 1 s; click p50 at most 16 ms; hover p50 at most 33 ms.
Times are taken inside the page: navigation start -> the plot drawn (`data-ready`); pointer event ->
the animation frame after the preview painted that point.
"""
from __future__ import annotations

import argparse
import functools
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from app_harness import CHROMIUM, CHROMIUM_FLAGS, ROOT, plot_area, pointer_latencies

# Installed before the page's own scripts: the moment the plot is drawn, from navigation start.
FIRST_CHART_JS = """new MutationObserver((_, observer) => {
    const plot = document.querySelector('.lx-plot[data-ready="1"]');
    if (plot && window.__lxFirstChart === undefined) { window.__lxFirstChart = performance.now(); observer.disconnect(); }
}).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-ready'] });"""

class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def pct(values, q):
    return float(np.percentile(values, q)) if len(values) else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="cold first-chart runs")
    parser.add_argument("--clicks", type=int, default=30)
    parser.add_argument("--hovers", type=int, default=40)
    parser.add_argument("--data-dir", default=os.environ.get("AE_DATA_DIR"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    checkpoints = sorted((ROOT / "checkpoints").glob("*_z2.pt"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "site"
        started = time.perf_counter()
        command = [sys.executable, "-m", "ae", "publish", *map(str, checkpoints), "--out", str(folder)]
        subprocess.run(command + (["--data-dir", args.data_dir] if args.data_dir else []), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        publish_s = time.perf_counter() - started
        atlases = {p.name: p.stat().st_size for p in (folder / "models").glob("*-atlas.png")}
        print(f"{time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
              f"publish of {len(checkpoints)} models: {publish_s:.1f} s")
        for ckpt in checkpoints:
            js = (folder / "models" / f"{ckpt.stem}.js").stat().st_size
            atlas = atlases.get(f"{ckpt.stem.split('_')[0]}-atlas.png", 0)
            print(f"  {ckpt.stem:<14} model file {js / 1e6:.2f} MB + atlas {atlas / 1e6:.2f} MB = {(js + atlas) / 1e6:.2f} MB"
                  f" (budget 6 MB)")
        shared = sum((folder / n).stat().st_size for n in ("index.html", "latent-explorer.js", "latent-explorer.css", "plotly.min.js"))
        print(f"  shared page files (plotly.js included): {shared / 1e6:.2f} MB")

        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html#model={checkpoints[0].stem}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            firsts = []
            for _ in range(args.runs):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})  # an empty cache each time
                page = context.new_page()
                page.add_init_script(FIRST_CHART_JS)
                page.goto(url)
                page.wait_for_function("() => window.__lxFirstChart !== undefined", timeout=60_000)
                firsts.append(page.evaluate("() => window.__lxFirstChart") / 1000)
                context.close()
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.goto(url)
            page.wait_for_selector(".lx-wrap[data-live='on'] .lx-plot[data-ready='1']", timeout=60_000)
            area = plot_area(page)
            rng = np.random.default_rng(0)
            times = {kind: pointer_latencies(page, kind, n, rng, area, pause_ms=100)
                     for kind, n in (("click", args.clicks), ("hover", args.hovers))}
            browser.close()
        server.shutdown()
    print(f"  first chart, cold cache, local static server: median {np.median(firsts):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in firsts)}; budget 1 s)")
    for kind, budget in (("click", 16), ("hover", 33)):
        t = np.array(times[kind])
        print(f"  {kind} -> image in the page: p50 {pct(t, 50):.1f} ms, p95 {pct(t, 95):.1f} ms over {len(t)} (budget p50 {budget} ms)")


if __name__ == "__main__":
    main()
