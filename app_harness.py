"""Start the Streamlit app on a free local port and drive it with Debian's Chromium (for tests and bench)."""
from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import BinaryIO

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


def stop(proc: subprocess.Popen, log) -> None:
    """End a server the harness started (politely, then not) and close its log."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@dataclasses.dataclass
class AppServer:
    """A running `streamlit run`: its address, its process, and how long it took to answer."""
    url: str
    proc: subprocess.Popen
    seconds: float
    log: BinaryIO

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


# What a fresh clone serves the app from (git-tracked), less static/'s published files and trained/.
APP_TREE = ("app.py", "navigation.py", "app_pages", "ui", "ae", "components", "assets", "lessons", ".streamlit")


@contextlib.contextmanager
def fresh_tree():
    """A copy of the app as a fresh clone has it: nothing published in static/ (only its README), no
    trained/; the checkpoints (and their shipped measurements) linked, not copied. Yields its folder.
    A server run there neither disturbs nor is helped by what other servers published in this one."""
    with tempfile.TemporaryDirectory(prefix="lx-fresh-") as folder:
        tree = Path(folder)
        for name in APP_TREE:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
            else:
                shutil.copy2(source, tree / name)
        (tree / "static").mkdir()
        shutil.copy2(ROOT / "static" / "README.md", tree / "static" / "README.md")
        (tree / "checkpoints").symlink_to(ROOT / "checkpoints", target_is_directory=True)
        yield tree


@contextlib.contextmanager
def app_server(script: str = "app.py", env: dict | None = None, timeout: float = 60, port: int | None = None,
               cwd: Path = ROOT, poll_s: float = 0.1):
    """Run `streamlit run script` in `cwd` on 127.0.0.1 (a free port unless given); yields an AppServer
    once its health check answers (asked every `poll_s` seconds)."""
    port = port or free_port()
    started = time.perf_counter()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=cwd, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
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
            time.sleep(poll_s)
        yield AppServer(url, proc, time.perf_counter() - started, log)
    finally:
        stop(proc, log)


@contextlib.contextmanager
def running_app(script: str = "app.py", env: dict | None = None, timeout: float = 60, cwd: Path = ROOT):
    """Run `streamlit run script` in `cwd` on 127.0.0.1; yields (url, seconds until the server answered)."""
    with app_server(script, env, timeout, cwd=cwd) as server:
        yield server.url, server.seconds


NGINX = os.environ.get("AE_NGINX", "/usr/sbin/nginx")
NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def nginx_available() -> bool:
    return Path(NGINX).exists() or shutil.which(NGINX) is not None


def loopback_nginx_conf(replica_ports: list[int], port: int) -> str:
    """deploy/nginx.conf as compose runs it, with replicas on loopback ports in place of the compose
    service `app:8501` and `port` in place of 80: the two lines that differ, and nothing else."""
    conf = NGINX_CONF.read_text()
    upstream = re.search(r"^( *)server app:8501( [^;]*);$", conf, re.M)
    listen = re.search(r"^( *)listen 80;$", conf, re.M)
    if not upstream or not listen:
        raise ValueError("deploy/nginx.conf has no `server app:8501 ...;` or `listen 80;` line")
    indent, options = upstream.group(1), upstream.group(2)
    servers = "\n".join(f"{indent}server 127.0.0.1:{p}{options};" for p in replica_ports)
    conf = conf[:upstream.start()] + servers + conf[upstream.end():]
    return re.sub(r"^( *)listen 80;$", rf"\1listen 127.0.0.1:{port};", conf, flags=re.M)


@contextlib.contextmanager
def running_nginx(replica_ports: list[int], timeout: float = 20):
    """Debian's nginx from deploy/nginx.conf in front of `replica_ports`; yields its URL."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="lx-nginx-") as folder:
        conf = Path(folder) / "nginx.conf"
        conf.write_text(loopback_nginx_conf(replica_ports, port))
        log = open(Path(folder) / "stderr.log", "wb+")
        proc = subprocess.Popen([NGINX, "-p", folder, "-c", str(conf), "-g", f"daemon off; pid {folder}/nginx.pid;"],
                                stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        try:
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError("nginx exited:\n" + log.read().decode(errors="replace"))
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
                if time.perf_counter() - started > timeout:
                    raise TimeoutError("nginx did not listen in time")
                time.sleep(0.05)
            yield url
        finally:
            stop(proc, log)


def live_explorer_ready(page, timeout_ms: int = 120_000) -> None:
    """The explorer's scatter drawn with its in-page model on, and the page's script run to its end."""
    page.wait_for_selector(".lx-wrap[data-live='on'] .lx-plot[data-ready='1']", timeout=timeout_ms)
    page.wait_for_function("() => document.querySelector('[data-testid=stApp]').dataset.testScriptState"
                           " === 'notRunning'", timeout=timeout_ms)


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


def zoom_out_beyond(page, box, nth: int = 0) -> tuple[float, float]:
    """Zoom the nth scatter out with the mouse wheel, a notch at a time, until its top-left corner
    (5 px in) lies outside `box` ((x0, x1), (y0, y1)); returns that corner in page pixels."""
    (x0, x1), (y0, y1) = box
    for _ in range(20):
        area = plot_area(page, nth)
        corner = (area["left"] + 5, area["top"] + 5)
        z1, z2 = to_data(area, *corner)
        if not (x0 <= z1 <= x1 and y0 <= z2 <= y1):
            return corner
        page.mouse.move(area["left"] + area["width"] / 2, area["top"] + area["height"] / 2)
        page.mouse.wheel(0, 300)
        page.wait_for_function("([n, x]) => JSON.parse(document.querySelectorAll('.lx-plot')[n].dataset.range)[0] < x",
                               arg=[nth, area["x"][0]], timeout=10_000)
    raise AssertionError("the wheel did not zoom the plot out that far")


def hover_then_click(page, px: float, py: float, nth: int = 0) -> None:
    """Click (px, py) once the pointer is there: plotly.js takes a click's point from its hover, so
    the scatter's own hover ring is waited for at that spot (it follows the same pointer events)."""
    area = plot_area(page, nth)
    z = to_data(area, px, py)
    tolerance = 0.02 * (area["x"][1] - area["x"][0])
    page.mouse.move(px, py)
    page.wait_for_function("""([n, z, tol]) => { const ring = document.querySelectorAll('.lx-hover')[n];
        return ring && Math.abs(Number(ring.dataset.z1) - z[0]) < tol && Math.abs(Number(ring.dataset.z2) - z[1]) < tol; }""",
                           arg=[nth, list(z), tolerance], timeout=10_000)
    page.mouse.click(px, py)


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


def on_pad(page):
    """From a point of the drawing pad's 280x280 canvas to the page's pixels (where it is drawn now)."""
    box = page.query_selector(".lx-pad-canvas").bounding_box()

    def to_page(x: float, y: float) -> tuple[float, float]:
        return box["x"] + x * box["width"] / 280, box["y"] + y * box["height"] / 280
    return to_page


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


def wait_for_new_caption(page, previous: str | None | list, timeout_ms: int = 20_000) -> str:
    """Wait until the decoded image's caption differs from `previous` (a caption, or a list of them), and return it."""
    previous = previous if isinstance(previous, list) else [previous]
    page.wait_for_function(f"(prev) => {{ const c = ({CAPTION_JS})(); return c !== null && !prev.includes(c); }}",
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


# ---------------------------------------------------------------- a class on replicas behind nginx

def served_by(context, url: str, timeout_ms: int = 90_000) -> str:
    """Which replica serves a browser (a context: its cookies), as the Train page says it."""
    page = context.new_page()
    try:
        page.goto(url + "/train")
        handle = page.wait_for_function("() => { const m = document.body.innerText.match(/served by replica (\\S+) of/);"
                                        " return m && m[1]; }", timeout=timeout_ms)
        return handle.json_value()
    finally:
        page.close()


def server_point(page) -> tuple[float, float] | None:
    """The point in the page's address: what the server last answered (a click reruns the script, which
    writes z1 and z2 there)."""
    query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    try:
        return float(query["z1"][0]), float(query["z2"][0])
    except (KeyError, ValueError):
        return None


def click_at(page, fx: float, fy: float) -> tuple[tuple[float, float], float]:
    """Click the explorer's plot at a fraction of its box; returns the point the page sent the server
    (the spot, or the code of the dot under it), as the page's own panel shows it at once, and how far
    the server's answer may lie from it (the panel's rounding)."""
    area = plot_area(page)
    shown = "() => document.querySelector('.lx-live-z').textContent"
    before = page.evaluate(shown)
    page.mouse.click(area["left"] + fx * area["width"], area["top"] + fy * area["height"])
    after = page.wait_for_function(f"(b) => {{ const t = ({shown})(); return t !== b && t; }}", arg=before,
                                   timeout=10_000).json_value()
    z1, z2 = re.fullmatch(r"z = \((\S+), (\S+)\)", after.strip()).groups()
    return (float(z1), float(z2)), 2e-3


def answered(page, point, tolerance: float) -> bool:
    shown = server_point(page)
    return shown is not None and max(abs(shown[0] - point[0]), abs(shown[1] - point[1])) <= tolerance


# Every address the page's history is given (the server writes z1 and z2 there after a click): a late
# answer to a click still shows, though the next answer replaces it in the address bar.
RECORD_ADDRESSES = """(() => {
  const seen = [];
  Object.defineProperty(window, "__lxAddresses", { value: seen });
  for (const name of ["pushState", "replaceState"]) {
    const original = history[name].bind(history);
    history[name] = (state, title, url) => { if (url) seen.push(String(url)); return original(state, title, url); };
  }
})();"""


def answers(page) -> list[tuple[float, float]]:
    """The points the server has written into the page's address so far."""
    found = []
    for url in page.evaluate("() => window.__lxAddresses.slice()"):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
        with contextlib.suppress(KeyError, ValueError):
            found.append((float(query["z1"][0]), float(query["z2"][0])))
    return found


def was_answered(page, point, tolerance: float) -> bool:
    return any(max(abs(a[0] - point[0]), abs(a[1] - point[1])) <= tolerance for a in answers(page))


def class_failover(browser, url: str, replicas: dict, sessions: int = 6, timeout_s: float = 90,
                   answer_s: float = 1.0, grace_s: float = 10.0) -> dict:
    """Six students (browser contexts, each with its own cookies) on the explorer through nginx, each on
    its own model and point and each clicking; the replica serving the first of them is killed (SIGKILL,
    as a crashed container). Every student clicks a new point every `answer_s` until the server answers
    one. Returns what happened: per session its replica before and after, clicks lost (never answered,
    even `grace_s` after the last), seconds from the kill to its first answer, and the pages."""
    students = []
    for k in range(sessions):
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        context.add_init_script(RECORD_ADDRESSES)
        replica = served_by(context, url)
        checkpoint = ("mnist_ae_z2.pt", "mnist_vae_z2.pt")[k % 2]
        page = context.new_page()
        page.goto(f"{url}/?checkpoint={checkpoint}&z1={k - 2.5:.1f}&z2=1.0")
        page.wait_for_selector(".lx-plot[data-ready='1']", timeout=90_000)
        point, tolerance = click_at(page, 0.4 + 0.03 * k, 0.45)
        deadline = time.perf_counter() + 60
        while not answered(page, point, tolerance):
            if time.perf_counter() > deadline:
                raise TimeoutError(f"session {k}: the server never answered a click before the failover")
            page.wait_for_timeout(50)
        students.append({"context": context, "page": page, "replica": replica, "checkpoint": checkpoint,
                         "clicks": [], "recovered_s": None})
    victim = students[0]["replica"]
    replicas[victim].proc.kill()
    killed = time.perf_counter()
    step = 0
    while any(s["recovered_s"] is None for s in students) and time.perf_counter() - killed < timeout_s:
        step += 1
        waiting = [(k, s) for k, s in enumerate(students) if s["recovered_s"] is None]
        for k, s in waiting:
            s["clicks"].append(click_at(s["page"], 0.3 + 0.04 * (step % 10), 0.3 + 0.06 * k))
        deadline = time.perf_counter() + answer_s
        while waiting and time.perf_counter() < deadline:
            for k, s in list(waiting):
                if any(was_answered(s["page"], *click) for click in s["clicks"]):
                    s["recovered_s"] = time.perf_counter() - killed
                    waiting.remove((k, s))
            students[0]["page"].wait_for_timeout(50)
    students[0]["page"].wait_for_timeout(grace_s * 1000)
    for s in students:
        s["lost"] = sum(not was_answered(s["page"], *click) for click in s["clicks"])
        s["point"], s["tolerance"] = s["clicks"][-1] if s["clicks"] else (server_point(s["page"]), 0.0)
        s["moved"] = s["replica"] == victim
        s["replica_after"] = served_by(s["context"], url)
    return {"victim": victim, "students": students}


# One pointer event (a click's pointerdown through plotly, or a move) -> the frame after the preview
# painted its image: `source` is the preview's title for that kind of event. Each event starts after a
# random part of a frame (`phase` ms), as a real mouse press does: events sent at a fixed interval keep
# one phase against the display's frames, and the wait for the next frame (0-16.7 ms) would then be the
# same for all of them, large or small by chance.
LATENCY_JS = """([kind, x, y, phase]) => new Promise((ready) => setTimeout(ready, phase)).then(() => new Promise((resolve) => {
    const gd = document.querySelector('.lx-plot');
    const source = kind === 'click' ? 'Clicked point' : 'Under the cursor';
    const t0 = performance.now();
    const done = (e) => {
        if (e.detail.source !== source) return;
        document.removeEventListener('lx-live-paint', done);
        requestAnimationFrame(() => resolve(performance.now() - t0));
    };
    document.addEventListener('lx-live-paint', done);
    if (kind === 'hover') {
        gd.dispatchEvent(new PointerEvent('pointermove', { clientX: x, clientY: y, bubbles: true, pointerType: 'mouse' }));
    } else {
        const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
        gd.emit('plotly_click', { points: [], event: { clientX: x, clientY: y },
                                  xvals: [gd._fullLayout.xaxis.p2d(x - box.left)], yvals: [gd._fullLayout.yaxis.p2d(y - box.top)] });
    }
}))"""


def pointer_latencies(page, kind: str, n: int, rng, area: dict, pause_ms: float, warm_up: int = 3) -> list[float]:
    """`n` pointer events of `kind` ('hover' or 'click') at random spots of the plot `area`
    (`plot_area`), each timed in the page with LATENCY_JS after `warm_up` untimed ones; ms each."""
    times = []
    for i, (fx, fy) in enumerate(rng.uniform(0.1, 0.9, size=(n + warm_up, 2))):
        x, y = area["left"] + fx * area["width"], area["top"] + fy * area["height"]
        ms = page.evaluate(LATENCY_JS, [kind, x, y, float(rng.uniform(0, 1000 / 60))])
        if i >= warm_up:
            times.append(ms)
        page.wait_for_timeout(pause_ms)
    return times
