"""Is Plotly's own hover still smooth while the preview decodes on the main thread? The explorer in
headless Chromium, a real mouse (Playwright's input events, the ones plotly.js listens to) swept over
the plot, with the preview's hover decoded as shipped (on the main thread when it fits the frame,
`components/live_model.js` `hoverOnMainThread`) and with every hover sent to the worker (before).

    python bench/hover_smoothness.py [--seconds 6] [--runs 3]

Per sweep, counted in the page: frames per second and the 95th percentile of the time between frames
(requestAnimationFrame), the share of frames over 33 ms, plotly's hover label updates per second
(`plotly_hover`; plotly.js itself spaces them at least 50 ms apart) and the preview's paints per
second. The worker-only mode is the shipped file with its threshold set below any decode time, served
to that browser context alone (Playwright's routing); nothing in the app has a switch for it.
Needs Debian's chromium; AE_DATA_DIR for the neighbour thumbnails.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app_harness import CHROMIUM, CHROMIUM_FLAGS, live_explorer_ready, plot_area, running_app  # noqa: E402

RECORDER_JS = """() => {
    const gd = document.querySelector('.lx-plot');
    const r = window.__lxSmooth = { frames: [], hovers: 0, paints: 0, moves: 0, on: true };
    gd.on('plotly_hover', () => { r.hovers += 1; });
    document.addEventListener('lx-live-paint', (e) => { if (e.detail.source === 'Under the cursor') r.paints += 1; });
    gd.addEventListener('pointermove', () => { r.moves += 1; }, { capture: true, passive: true });
    const tick = (now) => { if (!r.on) return; r.frames.push(now); requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
}"""

WORKER_ONLY = {"export const MAIN_THREAD_MS = 8;": "export const MAIN_THREAD_MS = -1;",
               "export const PROBE_EVERY = 5;": "export const PROBE_EVERY = 1e9;"}


def worker_only(route):
    """The shipped live_model.js with the main-thread hover turned off (the file as it was before)."""
    response = route.fetch()
    source = response.text()
    for old, new in WORKER_ONLY.items():
        if old not in source:
            raise SystemExit(f"live_model.js no longer says {old!r}: update bench/hover_smoothness.py")
        source = source.replace(old, new)
    route.fulfill(response=response, body=source)


def sweep(page, seconds: float) -> dict:
    """A mouse moved along a Lissajous path over the plot for `seconds`, each move sent when the page
    has taken the last one; what the recorder counted."""
    area = plot_area(page)
    page.evaluate(RECORDER_JS)
    start = time.perf_counter()
    while (t := time.perf_counter() - start) < seconds:
        page.mouse.move(area["left"] + area["width"] * (0.5 + 0.4 * math.sin(t * 1.3)),
                        area["top"] + area["height"] * (0.5 + 0.4 * math.sin(t * 1.7)))
    r = page.evaluate("() => { const r = window.__lxSmooth; r.on = false; return r; }")
    frames = np.diff(np.array(r["frames"]))
    span = (r["frames"][-1] - r["frames"][0]) / 1000
    return {"fps": len(frames) / span, "frame_p95": float(np.percentile(frames, 95)),
            "long": float(np.mean(frames > 33.4)), "hovers": r["hovers"] / span, "paints": r["paints"] / span,
            "moves": r["moves"] / span}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}")
    env = {"AE_DATA_DIR": os.environ.get("AE_DATA_DIR", "../shared/data/mnist")}
    with running_app(env=env) as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        results = {"worker only (before)": [], "main thread when it fits (after)": []}
        for run in range(args.runs):
            for mode in results:  # alternated, so that both meet the same machine
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                if mode.startswith("worker"):
                    context.route("**/live_model.js", worker_only)
                page = context.new_page()
                page.goto(url)
                live_explorer_ready(page)
                sweep(page, 1.5)  # the decoder compiled, the hover labels laid out once
                result = sweep(page, args.seconds)
                results[mode].append(result)
                print(f"run {run + 1}, {mode}: {result['fps']:.1f} frames/s, frame p95 {result['frame_p95']:.1f} ms, "
                      f"{100 * result['long']:.1f}% frames over 33 ms, plotly hover {result['hovers']:.1f}/s, "
                      f"preview {result['paints']:.1f} paints/s, {result['moves']:.0f} moves/s", flush=True)
                context.close()
        browser.close()
    for mode, rows in results.items():
        med = {k: float(np.median([r[k] for r in rows])) for k in rows[0]}
        print(f"median, {mode}: {med['fps']:.1f} frames/s, frame p95 {med['frame_p95']:.1f} ms, "
              f"{100 * med['long']:.1f}% over 33 ms, plotly hover {med['hovers']:.1f}/s, preview {med['paints']:.1f}/s")


if __name__ == "__main__":
    main()
