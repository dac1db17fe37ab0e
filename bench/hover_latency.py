"""Hover and click in the app's explorer, timed inside the page: pointer event -> the animation
frame after the preview painted that point (the same probe as bench/site_budget.py, on the app).

    python bench/hover_latency.py [--hovers 60] [--clicks 30] [--runs 3]

Starts `streamlit run app.py`, opens the explorer in Debian's Chromium, waits for the model in the
page, then sends pointer moves and clicks over the plot, each after a random part of a frame.
Goals (issue "Instant"): hover p50 <= 17 ms and p95 <= 33 ms. Needs AE_DATA_DIR.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app_harness import chromium_page, live_explorer_ready, plot_area, pointer_latencies, running_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hovers", type=int, default=60)
    parser.add_argument("--clicks", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}")
    env = {"AE_DATA_DIR": os.environ.get("AE_DATA_DIR", "../shared/data/mnist")}
    with running_app(env=env) as (url, _), chromium_page() as page:
        for run in range(args.runs):
            page.goto(url)
            live_explorer_ready(page)
            area = plot_area(page)
            rng = np.random.default_rng(run)
            times = {kind: pointer_latencies(page, kind, n, rng, area, pause_ms=60 if kind == "hover" else 400)
                     for kind, n in (("hover", args.hovers), ("click", args.clicks))}
            print(f"run {run + 1}: " + "; ".join(
                f"{kind} p50 {np.percentile(t, 50):.1f} ms, p95 {np.percentile(t, 95):.1f} ms (n={len(t)})"
                for kind, t in times.items()), flush=True)


if __name__ == "__main__":
    main()
