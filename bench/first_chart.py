"""The explorer's first chart: from `streamlit run app.py` starting on a fresh clone to the chart on
screen, and on re-opening the explorer on that warm server, in a real headless Chromium.

    python bench/first_chart.py [--runs 3]

Each run: a fresh copy of the app as a clone has it (`app_harness.fresh_tree`: nothing published in
static/), Chromium already open; the clock starts as the server process is started, the page is
opened as soon as the server answers (as `streamlit run` opens the browser), and stops when the scatter
says it has drawn its points (`.lx-plot[data-ready='1']`). Then, on that warm server, the explorer is
opened again in a new tab of the same browser (re-opened: the browser has its files) and in a new
browser profile (another student: nothing cached). Prints, per run, the server's start, the title,
the chart, the re-open and the other student's chart, each from its own start; and the medians.
Needs Debian's chromium.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app_harness import CHROMIUM, CHROMIUM_FLAGS, app_server, fresh_tree  # noqa: E402

CHART = ".lx-plot[data-ready='1']"


def open_explorer(browser, url: str, started: float) -> dict:
    """Open the explorer in a new tab of `browser` (a context); seconds since `started` until its
    title and its chart."""
    page = browser.new_page()
    try:
        page.goto(url, wait_until="commit")
        page.wait_for_selector("h1", timeout=120_000)
        title = time.perf_counter() - started
        page.wait_for_selector(CHART, timeout=120_000, state="attached")
        return {"title": title, "chart": time.perf_counter() - started}
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}")
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        viewport = {"width": 1400, "height": 1000}
        for run in range(args.runs):
            student, other = browser.new_context(viewport=viewport), browser.new_context(viewport=viewport)
            with fresh_tree() as tree:
                started = time.perf_counter()
                with app_server(cwd=tree, env={"AE_DATA_DIR": os.environ.get("AE_DATA_DIR", "../shared/data/mnist")},
                                poll_s=0.02) as server:
                    first = open_explorer(student, server.url, started)
                    again = open_explorer(student, server.url, time.perf_counter())
                    another = open_explorer(other, server.url, time.perf_counter())
            student.close(), other.close()
            rows.append({"server": server.seconds, **first, "reopen": again["chart"], "other": another["chart"]})
            print(f"run {run + 1}: server answering {server.seconds:.2f} s, title {first['title']:.2f} s, "
                  f"chart {first['chart']:.2f} s; re-opened: chart {again['chart']:.2f} s (title {again['title']:.2f} s); "
                  f"another student: chart {another['chart']:.2f} s", flush=True)
        browser.close()
    print("median: " + ", ".join(f"{k} {statistics.median(r[k] for r in rows):.2f} s"
                                  for k in ("server", "title", "chart", "reopen", "other")))


if __name__ == "__main__":
    main()
