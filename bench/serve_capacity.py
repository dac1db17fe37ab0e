"""How many students one replica holds: the server's CPU time per click and per page visit, and its
memory (after the clicks, and the peak while they came) with 1, 5 and 10 browser sessions on the explorer.

    python bench/serve_capacity.py [--clicks 10] [--runs 3]

Starts one app server, opens sessions (each its own browser context, so its own Streamlit session)
on the explorer in headless Chromium, and reads the server process's CPU time (utime + stime) and
resident memory from /proc. Every session then clicks `--clicks` new points in turn, each waited for
until the server has answered (the page's address shows it). Hover and the click's own image are
drawn in the page and cost the server nothing; what a click costs the server is its rerun. Chromium
runs on the same cores, so the latencies printed are an upper bound; the CPU times are the server's own.
"""
from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from pathlib import Path

from app_harness import CHROMIUM, CHROMIUM_FLAGS, answered, app_server, click_at

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def rss_mb(pid: int) -> float:
    line = next(row for row in Path(f"/proc/{pid}/status").read_text().splitlines() if row.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def open_session(browser, url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(".lx-plot[data-ready='1']", timeout=120_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidgetRunningIcon]')", timeout=60_000)
    return page


def click_and_wait(page, k: int, step: int) -> float:
    started = time.perf_counter()
    point, tolerance = click_at(page, 0.25 + 0.05 * (step % 10), 0.3 + 0.04 * (k % 10))
    while not answered(page, point, tolerance):
        page.wait_for_timeout(10)
    return time.perf_counter() - started


class PeakMemory:
    """The process's largest resident memory since the last reset, sampled every 50 ms."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        while not self.stop.wait(0.05):
            self.peak = max(self.peak, rss_mb(self.pid))

    def reset(self) -> float:
        peak, self.peak = self.peak, 0.0
        return peak


def one_run(browser, clicks: int, sizes=(1, 5, 10)) -> list[dict]:
    rows = []
    with app_server(env={"AE_DATA_DIR": os.environ.get("AE_DATA_DIR", "../shared/data/mnist")}, timeout=120) as server:
        pid, url = server.proc.pid, server.url
        idle_mb = rss_mb(pid)
        memory, pages = PeakMemory(pid), []
        for size in sizes:
            cpu0 = cpu_s(pid)
            while len(pages) < size:
                pages.append(open_session(browser, url))
            time.sleep(2)  # the last page's script runs out
            visit_cpu = (cpu_s(pid) - cpu0) / max(1, size - (rows[-1]["sessions"] if rows else 0))
            cpu1, waits = cpu_s(pid), []
            for step in range(clicks):
                for k, page in enumerate(pages):
                    waits.append(click_and_wait(page, k, step))
            click_cpu = (cpu_s(pid) - cpu1) / len(waits)
            rows.append({"sessions": size, "rss_mb": rss_mb(pid), "peak_mb": memory.reset(), "idle_mb": idle_mb,
                         "visit_cpu_ms": 1000 * visit_cpu, "click_cpu_ms": 1000 * click_cpu,
                         "answer_p50_ms": 1000 * statistics.median(waits)})
        memory.stop.set()
        for page in pages:
            page.context.close()
    return rows


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=10, help="clicks per session at each size")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        runs = [one_run(browser, args.clicks) for _ in range(args.runs)]
        browser.close()
    keys = ("rss_mb", "peak_mb", "visit_cpu_ms", "click_cpu_ms", "answer_p50_ms")
    print(f"{'sessions':>8} {'MB after':>9} {'MB peak':>8} {'CPU ms/visit':>13} {'CPU ms/click':>13} {'answer p50 ms':>14}"
          f"   (median of {args.runs} runs; the server before any visit: {statistics.median(r[0]['idle_mb'] for r in runs):.0f} MB)")
    for i, size in enumerate(r["sessions"] for r in runs[0]):
        med = {key: statistics.median(run[i][key] for run in runs) for key in keys}
        print(f"{size:>8} {med['rss_mb']:>9.0f} {med['peak_mb']:>8.0f} {med['visit_cpu_ms']:>13.0f} {med['click_cpu_ms']:>13.0f}"
              f" {med['answer_p50_ms']:>14.0f}")
    first, last = runs[0][0], runs[0][-1]
    per_session = statistics.median((run[-1]["rss_mb"] - run[0]["rss_mb"]) / (run[-1]["sessions"] - run[0]["sessions"])
                                    for run in runs)
    print(f"memory per added session: {per_session:.1f} MB (from {first['sessions']} to {last['sessions']} sessions)")


if __name__ == "__main__":
    main()
