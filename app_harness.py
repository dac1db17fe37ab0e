"""Start the Streamlit app on a free local port and drive it with Debian's Chromium (for tests and bench)."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("AE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(script: str = "app.py", env: dict | None = None, timeout: float = 60):
    """Run `streamlit run script` on 127.0.0.1; yields (url, seconds until the server answered)."""
    port = free_port()
    started = time.perf_counter()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError("streamlit exited:\n" + log.read().decode(errors="replace"))
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() - started > timeout:
                raise TimeoutError("streamlit did not answer in time")
            time.sleep(0.1)
        yield url, time.perf_counter() - started
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextlib.contextmanager
def chromium_page(width: int = 1400, height: int = 1000):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


def plot_area(page, nth: int = 0):
    """The nth scatter's plot rectangle in page pixels and its axis ranges: {left, top, width, height, x, y}."""
    # The plot's drag layer (plotly.js's own element) and the ranges the component writes on its plot.
    return page.evaluate("""(nth) => {
        const plot = document.querySelectorAll('.lx-plot')[nth], r = plot.querySelector('.nsewdrag').getBoundingClientRect();
        const [x0, x1, y0, y1] = JSON.parse(plot.dataset.range);
        return {left: r.left, top: r.top, width: r.width, height: r.height, x: [x0, x1], y: [y0, y1]};
    }""", nth)


def load_library(page) -> None:
    """Put the components' library (`LatentExplorer`: the same source files the pages run, as the
    static site loads them) into `page`, for tests that call its functions directly."""
    import components
    if not page.evaluate("() => typeof LatentExplorer !== 'undefined'"):
        page.add_script_tag(content=components.bundle("site", "classic"))


def run_web_model(browser, data: bytes, points, images):
    """(decoded (N, size*size), encoded (M, z)) of a web model file run by the components' WebModel
    (the code the pages run) in a blank page of `browser`: the page's side of a model, for tests."""
    import base64

    import numpy as np

    page = browser.new_page()
    try:
        page.set_content("<html><body></body></html>")
        load_library(page)
        got = page.evaluate("""([b64, points, images]) => {
            const model = new LatentExplorer.lib.WebModel(LatentExplorer.fromBase64(b64));
            return {decoded: points.map((z) => Array.from(model.decode(z))), encoded: images.map((x) => model.encode(x))};
        }""", [base64.b64encode(data).decode(), np.asarray(points).tolist(), np.asarray(images).reshape(len(images), -1).tolist()])
    finally:
        page.close()
    return np.array(got["decoded"]), np.array(got["encoded"])


def to_pixels(area, z1, z2):
    """Page pixel position of a data point, from the plot rectangle and the axis ranges."""
    fx = (z1 - area["x"][0]) / (area["x"][1] - area["x"][0])
    fy = (z2 - area["y"][0]) / (area["y"][1] - area["y"][0])
    return area["left"] + fx * area["width"], area["top"] + (1 - fy) * area["height"]


def to_data(area, px, py):
    fx = (px - area["left"]) / area["width"]
    fy = 1 - (py - area["top"]) / area["height"]
    return (area["x"][0] + fx * (area["x"][1] - area["x"][0]),
            area["y"][0] + fy * (area["y"][1] - area["y"][0]))


def decoded_caption(page) -> str | None:
    """The caption under the decoded image ('decoded at z = (z1, z2)'), if shown."""
    return page.evaluate(CAPTION_JS)


CAPTION_JS = """() => {
    for (const el of document.querySelectorAll('div, p, span, figcaption'))
        if (el.childElementCount === 0 && el.textContent.startsWith('decoded at z = ')) return el.textContent;
    return null;
}"""


def wait_for_new_caption(page, previous: str | None, timeout_ms: int = 20_000) -> str:
    """Wait until the decoded image's caption differs from `previous`, and return it."""
    page.wait_for_function(f"(prev) => {{ const c = ({CAPTION_JS})(); return c !== null && c !== prev; }}",
                           arg=previous, timeout=timeout_ms)
    return decoded_caption(page)


def caption_point(caption: str) -> tuple[float, float]:
    inner = caption.split("(", 1)[1].rstrip(")")
    z1, z2 = (float(v) for v in inner.split(","))
    return z1, z2


ALL_CAPTIONS_JS = """() => [...document.querySelectorAll('figure.lx-decoded figcaption')].map(c => c.textContent)"""


def decoded_captions(page) -> list[str]:
    """The captions of every decoded image on the page, in page order."""
    return page.evaluate(ALL_CAPTIONS_JS)


def wait_for_new_captions(page, previous: list[str], count: int, timeout_ms: int = 20_000) -> list[str]:
    """Wait until `count` decoded images show and their captions all differ from `previous`; return them."""
    page.wait_for_function(f"([prev, n]) => {{ const c = ({ALL_CAPTIONS_JS})(); "
                           f"return c.length === n && c.every((t, i) => t !== prev[i]); }}",
                           arg=[previous, count], timeout=timeout_ms)
    return decoded_captions(page)
