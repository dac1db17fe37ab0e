"""Stroke to moved point: how long after the pen moves the drawing's code has moved on the scatter.

    python bench/draw_latency.py [--seconds 6]

Opens "Your own image" (the drawing pad) in headless Chromium and draws in the page: a pointer moving
along a figure-eight on the pad, one move per animation frame. For each move it times, inside the
page, the move until the animation frame after the star on the scatter was placed at the code of
the drawing as it then was (prepared as MNIST was, encoded and decoded in the page). Prints p50 and
p95 and how many frames moved the star. Goal: p50 at most 33 ms.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

from app_harness import chromium_page, running_app  # noqa: E402

DRAW_JS = """([seconds]) => new Promise((resolve) => {
    const pad = document.querySelector('.lx-pad-canvas'), r = pad.getBoundingClientRect();
    const times = [], pending = [];
    let frames = 0;
    document.addEventListener('lx-drawn', (e) => {
        // Every move up to the one this result was started from is now on screen at the next frame.
        const started = e.detail.started, done = [];
        while (pending.length && pending[0] <= started) done.push(pending.shift());
        requestAnimationFrame(() => { const now = performance.now(); for (const t of done) times.push(now - t); });
    });
    const at = (t) => [r.left + r.width * (0.5 + 0.3 * Math.sin(t * 2.1)), r.top + r.height * (0.5 + 0.35 * Math.sin(t * 4.2))];
    const start = performance.now();
    const [x0, y0] = at(0);
    pad.dispatchEvent(new PointerEvent('pointerdown', { clientX: x0, clientY: y0, bubbles: true, pointerId: 7, pointerType: 'pen', buttons: 1 }));
    const step = (now) => {
        const t = (now - start) / 1000;
        if (t > seconds) {
            pad.dispatchEvent(new PointerEvent('pointerup', { bubbles: true, pointerId: 7, pointerType: 'pen' }));
            setTimeout(() => resolve({ times, frames, seconds: t }), 300);
            return;
        }
        const [x, y] = at(t);
        pending.push(performance.now());
        pad.dispatchEvent(new PointerEvent('pointermove', { clientX: x, clientY: y, bubbles: true, pointerId: 7, pointerType: 'pen', buttons: 1 }));
        frames += 1;
        requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
})"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    with chromium_page() as page, running_app() as (url, _):
        page.goto(url + "/your-own-digit")
        page.wait_for_selector(".lx-pad[data-live='on']", timeout=120_000)
        page.wait_for_selector(".lx-plot[data-ready='1']", timeout=120_000)
        page.wait_for_timeout(1000)
        result = page.evaluate(DRAW_JS, [args.seconds])
    times = np.array(result["times"])
    print(f"{time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} cores; headless Chromium; {result['frames']} pen moves "
          f"in {result['seconds']:.1f} s")
    print(f"pen move -> star moved on screen: p50 {np.percentile(times, 50):.1f} ms, p95 {np.percentile(times, 95):.1f} ms "
          f"({len(times)} moves reached the screen; moves that arrived while the page was busy are folded into the next update)")


if __name__ == "__main__":
    main()
