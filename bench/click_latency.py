"""Click-to-image latency and cold start of the explorer, in a real headless Chromium.

    python bench/click_latency.py [--clicks 40] [--pause-ms 300]

Opens Chromium, then starts `streamlit run app.py` and measures process start -> chart visible (cold
start). Then clicks spots spread over the plot (clusters and empty gaps alike) and times, inside the
page, each mouse press until the first frame that shows the decoded image for the new point (its
caption changed and the image decoded). Prints p50/p95. Needs Debian's chromium; AE_DATA_DIR for the
neighbour thumbnails.
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from app_harness import CAPTION_JS, chromium_page, plot_area, running_app  # noqa: E402

# Records, in the page, the time from each mouse press to the first animation frame showing the new
# decoded image: what the person at the screen sees, without the test driver's own round trips.
TIMER_JS = f"""() => {{
    const caption = {CAPTION_JS};
    window.__lxBench = {{ done: true, ms: null }};
    document.addEventListener('mousedown', () => {{
        const t0 = performance.now(), previous = caption();
        window.__lxBench = {{ done: false, ms: null }};
        const poll = () => {{
            const c = caption(), img = document.querySelector('figure.lx-decoded img');
            if (c !== null && c !== previous && img && img.complete && img.naturalWidth > 0)
                window.__lxBench = {{ done: true, ms: performance.now() - t0 }};
            else requestAnimationFrame(poll);
        }};
        requestAnimationFrame(poll);
    }}, true);
}}"""


def click_times(page, clicks: int, pause_ms: int) -> np.ndarray:
    area = plot_area(page)
    page.evaluate(TIMER_JS)
    spots = np.random.default_rng(0).uniform(0.05, 0.95, size=(clicks + 3, 2))
    times = []
    for i, (fx, fy) in enumerate(spots):
        page.mouse.click(area["left"] + fx * area["width"], area["top"] + fy * area["height"])
        page.wait_for_function("() => window.__lxBench.done", timeout=20_000)
        if i >= 3:  # the first clicks warm up the decoder and the neighbour thumbnails
            times.append(page.evaluate("() => window.__lxBench.ms"))
        page.wait_for_timeout(pause_ms)
    return np.array(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=40)
    parser.add_argument("--pause-ms", type=int, default=300, help="pause between clicks (a person: 300+)")
    args = parser.parse_args()
    with chromium_page() as page:  # already open, as a user's browser would be
        started = time.perf_counter()
        with running_app() as (url, server_s):
            page.goto(url)
            page.wait_for_selector(".lx-plot[data-ready='1']", timeout=120_000)
            cold = time.perf_counter() - started
            times = click_times(page, args.clicks, args.pause_ms)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}")
    print(f"cold start (process start -> chart visible): {cold:.2f} s (server answering after {server_s:.2f} s)")
    print(f"click -> decoded image, {len(times)} clicks {args.pause_ms} ms apart: p50 {np.percentile(times, 50):.0f} ms, "
          f"p95 {np.percentile(times, 95):.0f} ms, max {times.max():.0f} ms")


if __name__ == "__main__":
    main()
