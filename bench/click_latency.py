"""Click-to-image latency and cold start of the explorer, in a real headless Chromium.

    python bench/click_latency.py [--clicks 40]

Starts `streamlit run app.py`, measures process start -> chart visible (cold start), then clicks
spots spread over the plot (clusters and empty gaps alike) and times each click until the decoded
image's caption shows the new point. Prints p50/p95. Needs Debian's chromium and the MNIST files
(AE_DATA_DIR) for the neighbour thumbnails.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from app_server import (CAPTION_JS, chromium_page, decoded_caption, plot_area,  # noqa: E402
                        running_app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=40)
    args = parser.parse_args()

    started = time.perf_counter()
    with running_app() as (url, server_s), chromium_page() as page:
        page.goto(url)
        page.wait_for_selector(".lx-plot[data-ready='1']", timeout=120_000)
        cold = time.perf_counter() - started
        area = plot_area(page)
        rng = np.random.default_rng(0)
        spots = rng.uniform(0.05, 0.95, size=(args.clicks + 3, 2))
        times = []
        for i, (fx, fy) in enumerate(spots):
            previous = decoded_caption(page)
            t0 = time.perf_counter()
            page.mouse.click(area["left"] + fx * area["width"], area["top"] + fy * area["height"])
            page.wait_for_function(f"(p) => {{ const c = ({CAPTION_JS})(); return c !== null && c !== p; }}",
                                   arg=previous, timeout=20_000, polling="raf")
            if i >= 3:  # the first clicks warm up the decoder and the neighbour thumbnails
                times.append((time.perf_counter() - t0) * 1000)
            page.wait_for_timeout(150)
    times = np.array(times)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}")
    print(f"cold start (process start -> chart visible): {cold:.2f} s (server answering after {server_s:.2f} s)")
    print(f"click -> decoded image, {len(times)} clicks: p50 {np.percentile(times, 50):.0f} ms, "
          f"p95 {np.percentile(times, 95):.0f} ms, max {times.max():.0f} ms")


if __name__ == "__main__":
    main()
