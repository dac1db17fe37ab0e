"""Each page's first visit on a freshly started server, in a real headless Chromium.

    python bench/first_visits.py [--runs 2] [--pages compare,random-sampling,...] [--clean]

For each page and run: start `streamlit run app.py` (Chromium already open), open the page first,
and time from the navigation's start to the page complete (its script has finished, every scatter
drawn, no spinner). `--clean` moves static/ (the published files) aside first, as on a fresh clone.
Prints seconds per page, each run and the median. Needs Debian's chromium; AE_DATA_DIR.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app_harness import CHROMIUM, CHROMIUM_FLAGS, app_server  # noqa: E402
from ui.site import PAGES  # noqa: E402

# Streamlit's app root says whether the script is running ("running", "notRunning"; "initial" before the first run).
COMPLETE_JS = ("() => document.querySelector('h1')"
               " && document.querySelector('[data-testid=stApp]').dataset.testScriptState === 'notRunning'"
               " && !document.querySelector('[data-testid=stSpinner]')"
               " && [...document.querySelectorAll('.lx-plot')].every(p => p.dataset.ready === '1')"
               " && [...document.querySelectorAll('[data-testid=stPlotlyChart]')].every(c => c.querySelector('.main-svg'))")


def first_visit(browser, url: str, path: str) -> float:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        start = time.perf_counter()
        page.goto(f"{url}/{path}")
        # Complete twice in a row, 300 ms apart: a rerun that starts right after a first finish counts.
        page.wait_for_function(COMPLETE_JS, timeout=240_000, polling=50)
        while True:
            done = time.perf_counter()
            page.wait_for_timeout(300)
            if page.evaluate(COMPLETE_JS):
                return done - start
            page.wait_for_function(COMPLETE_JS, timeout=240_000, polling=50)
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--pages", default=",".join(p.url_path for p in PAGES if p.url_path != "train"))
    parser.add_argument("--clean", action="store_true", help="move static/ aside first (a fresh clone)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}; "
          f"static/ {'moved aside (fresh clone)' if args.clean else 'as it is'}")
    static, aside = ROOT / "static", Path(tempfile.mkdtemp()) / "static"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for path in args.pages.split(","):
            path = "" if path in ("explorer", "") else path
            seconds = []
            for _ in range(args.runs):
                if args.clean and static.exists():
                    shutil.rmtree(aside, ignore_errors=True)
                    shutil.move(str(static), str(aside))
                try:
                    with app_server(env={"AE_DATA_DIR": os.environ.get("AE_DATA_DIR", "../shared/data/mnist")}) as server:
                        seconds.append(first_visit(browser, server.url, path))
                finally:
                    if args.clean and aside.exists():
                        shutil.rmtree(static, ignore_errors=True)
                        shutil.move(str(aside), str(static))
            runs = ", ".join(f"{s:.2f}" for s in seconds)
            print(f"{path or 'explorer':18s} first visit {statistics.median(seconds):6.2f} s  (runs: {runs})", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
