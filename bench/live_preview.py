"""The live latent space in a real headless Chromium: in-page path against the server path, side by side.

    python bench/live_preview.py [--clicks 30] [--hover-s 5] [--sessions 20]

One run, one machine, four numbers (the issue's goals in brackets):
1. cold start: process start -> chart visible, the browser already open [<= 3 s];
2. click -> decoded image on screen, timed inside the page from the mouse press to the animation
   frame after the image was painted: the in-page image and the server's image of the same clicks
   [in-page p50 <= 16 ms, p95 <= 50 ms];
3. hover: frames per second in which a newly decoded image follows a pointer moving every frame [>= 30];
4. N sessions at once, each hovering every frame and clicking every 1.5 s: the in-page click -> image
   p95, messages sent to the server while hovering, and the server's memory.
Needs Debian's chromium; AE_DATA_DIR for the neighbour thumbnails.
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

from app_harness import CAPTION_JS, chromium_page, plot_area, running_app  # noqa: E402

# Per mouse press: the frame after the page painted the clicked point's image (in-page path) and the
# frame after the server's decoded image for it was in the document and decoded (server path).
CLICK_TIMER_JS = f"""() => {{
    const caption = {CAPTION_JS};
    window.__lxBench = {{ live: null, server: null, done: true }};
    document.addEventListener('lx-live-paint', (e) => {{
        const b = window.__lxBench;
        if (e.detail.source === 'Clicked point' && b.t0 && b.live === null)
            requestAnimationFrame(() => {{ b.live = performance.now() - b.t0; }});
    }});
    document.addEventListener('mousedown', () => {{
        const b = window.__lxBench = {{ t0: performance.now(), live: null, server: null, done: false }};
        const previous = caption();
        const poll = () => {{
            const c = caption(), img = document.querySelector('figure.lx-decoded img');
            if (c !== null && c !== previous && img && img.complete && img.naturalWidth > 0) {{
                b.server = performance.now() - b.t0; b.done = true;
            }} else requestAnimationFrame(poll);
        }};
        requestAnimationFrame(poll);
    }}, true);
}}"""

# Moves a synthetic pointer along a Lissajous path over the plot, one position per animation frame,
# for `seconds`; counts frames that showed a newly decoded image (the panel's paint counter).
HOVER_JS = """([seconds]) => new Promise((resolve) => {
    const gd = document.querySelector('.lx-plot'), box = gd.querySelector('.nsewdrag').getBoundingClientRect();
    const start = performance.now();
    let frames = 0, painted = 0, paints = 0, last = 0;
    const count = () => { paints += 1; };
    document.addEventListener('lx-live-paint', count);  // every image the preview painted
    const step = (now) => {
        const t = (now - start) / 1000;
        if (t > seconds) { document.removeEventListener('lx-live-paint', count); resolve({ frames, painted, paints, seconds: t }); return; }
        const x = box.left + box.width * (0.5 + 0.4 * Math.sin(t * 1.3)), y = box.top + box.height * (0.5 + 0.4 * Math.sin(t * 1.7));
        gd.dispatchEvent(new PointerEvent('pointermove', { clientX: x, clientY: y, bubbles: true, pointerType: 'mouse' }));
        frames += 1;
        if (paints !== last) { painted += 1; last = paints; }
        requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
})"""


def pct(values, q):
    return float(np.percentile(values, q)) if len(values) else float("nan")


def click_times(page, clicks: int, pause_ms: int):
    area = plot_area(page)
    page.evaluate(CLICK_TIMER_JS)
    spots = np.random.default_rng(0).uniform(0.05, 0.95, size=(clicks + 3, 2))
    live, server = [], []
    for i, (fx, fy) in enumerate(spots):
        page.mouse.click(area["left"] + fx * area["width"], area["top"] + fy * area["height"])
        page.wait_for_function("() => window.__lxBench.done && window.__lxBench.live !== null", timeout=30_000)
        if i >= 3:  # the first clicks warm up the decoder and the neighbour thumbnails
            result = page.evaluate("() => window.__lxBench")
            live.append(result["live"])
            server.append(result["server"])
        page.wait_for_timeout(pause_ms)
    return np.array(live), np.array(server)


def server_rss_mb(port: int) -> float:
    pids = subprocess.run(["pgrep", "-f", f"server.port {port}"], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


MANY_JS = """([seconds, clicks]) => {
    const gd = document.querySelector('.lx-plot'), box = gd.querySelector('.nsewdrag').getBoundingClientRect();
    const start = performance.now(), times = [];
    window.__lxMany = { times, done: false };
    let nextClick = 500 + Math.random() * 1000, clickAt = null;
    document.addEventListener('lx-live-paint', (e) => {
        if (e.detail.source === 'Clicked point' && clickAt !== null) {
            const t0 = clickAt; clickAt = null;
            requestAnimationFrame(() => times.push(performance.now() - t0));
        }
    });
    const step = (now) => {
        const t = (now - start) / 1000;
        if (t > seconds) { window.__lxMany.done = true; return; }
        const x = box.left + box.width * (0.5 + 0.4 * Math.sin(t * 1.3 + start)), y = box.top + box.height * (0.5 + 0.4 * Math.sin(t * 1.7));
        gd.dispatchEvent(new PointerEvent('pointermove', { clientX: x, clientY: y, bubbles: true, pointerType: 'mouse' }));
        if (clicks && now - start > nextClick) {  // a click as plotly.js reports it (clickanywhere)
            nextClick += 1500;
            clickAt = performance.now();
            gd.emit('plotly_click', { points: [], xvals: [gd._fullLayout.xaxis.p2d(x - box.left)],
                                      yvals: [gd._fullLayout.yaxis.p2d(y - box.top)] });
        }
        requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
}"""


def many_sessions(browser, url: str, sessions: int, seconds: float):
    """`sessions` pages hover every frame (first alone, then clicking every 1.5 s) at once.

    Returns the in-page click -> image times, the messages sent to the server while only hovering,
    and the messages sent while hovering and clicking.
    """
    # The already open browser: each new context is a separate session (own cookies, own workers).
    pages, counter = [], {"n": 0}
    for _ in range(sessions):
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.on("websocket", lambda ws: ws.on("framesent", lambda _: counter.__setitem__("n", counter["n"] + 1)))
        page.goto(url)
        pages.append(page)
    for page in pages:
        page.wait_for_selector(".lx-wrap[data-live='on'] .lx-plot[data-ready='1']", timeout=180_000)
    sent = []
    for clicks in (False, True):
        before = counter["n"]
        for page in pages:
            page.evaluate(MANY_JS, [seconds, clicks])
        for page in pages:
            page.wait_for_function("() => window.__lxMany.done", timeout=int(seconds * 1000) + 60_000)
        sent.append(counter["n"] - before)
    times = np.concatenate([page.evaluate("() => window.__lxMany.times") for page in pages])
    for page in pages:
        page.context.close()
    return times, sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=30)
    parser.add_argument("--pause-ms", type=int, default=300, help="pause between clicks (a person: 300+)")
    parser.add_argument("--hover-s", type=float, default=5.0)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--sessions-s", type=float, default=10.0)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M')}; headless Chromium")
    with chromium_page() as page:  # already open, as a user's browser would be
        started = time.perf_counter()
        with running_app() as (url, server_s):
            page.goto(url)
            page.wait_for_selector(".lx-plot[data-ready='1']", timeout=120_000)
            cold = time.perf_counter() - started
            page.wait_for_selector(".lx-wrap[data-live='on']", timeout=60_000)
            live_ready = time.perf_counter() - started
            print(f"cold start (process start -> chart visible): {cold:.2f} s; live preview ready at {live_ready:.2f} s "
                  f"(server answering after {server_s:.2f} s)")
            live, server = click_times(page, args.clicks, args.pause_ms)
            print(f"click -> decoded image, {len(live)} clicks {args.pause_ms} ms apart:")
            print(f"  in the page : p50 {pct(live, 50):5.1f} ms, p95 {pct(live, 95):5.1f} ms, max {live.max():5.1f} ms")
            print(f"  via server  : p50 {pct(server, 50):5.1f} ms, p95 {pct(server, 95):5.1f} ms, max {server.max():5.1f} ms")
            page.mouse.move(0, 0)
            hover = page.evaluate(HOVER_JS, [args.hover_s])
            print(f"hover, pointer moving every frame for {hover['seconds']:.1f} s: {hover['frames'] / hover['seconds']:.1f} "
                  f"frames/s, {hover['painted'] / hover['seconds']:.1f} frames/s with a newly decoded image")
            if args.sessions:
                port = int(url.rsplit(":", 1)[1])
                rss_before = server_rss_mb(port)
                times, (hover_sent, click_sent) = many_sessions(page.context.browser, url, args.sessions, args.sessions_s)
                print(f"{args.sessions} sessions at once, {args.sessions_s:.0f} s hovering every frame, then "
                      f"{args.sessions_s:.0f} s hovering and clicking every 1.5 s:")
                print(f"  in-page click -> image p50 {pct(times, 50):.1f} ms, p95 {pct(times, 95):.1f} ms ({len(times)} clicks)")
                print(f"  messages to the server: {hover_sent} while only hovering, {click_sent} while also clicking")
                print(f"  server memory (RSS): {rss_before:.0f} MB before the sessions, {server_rss_mb(port):.0f} MB after")


if __name__ == "__main__":
    main()
