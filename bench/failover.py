"""A replica dies under a class: clicks lost and seconds until each student's server answers again.

    python bench/failover.py [--runs 3] [--sessions 6]

The course-server test's scenario (tests/test_serve.py, app_harness.class_failover), repeated: two
replicas behind Debian's nginx started from deploy/nginx.conf, six students on the explorer, each on
its own model and point; the replica of the first student is killed (SIGKILL) and every student
clicks a new point every second until the server answers one. Prints, per run, how many students had to
move, the clicks they lost, and the seconds from the kill to the first answer (students who moved,
and those who did not). The times include the harness's own turns through six pages, about 1 s.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile

from app_harness import CHROMIUM, CHROMIUM_FLAGS, app_server, class_failover, running_nginx


def one_run(browser, sessions: int) -> dict:
    with tempfile.TemporaryDirectory() as trained, contextlib.ExitStack() as stack:
        settings = {"AE_DATA_DIR": os.environ.get("AE_DATA_DIR", "../shared/data/mnist"), "AE_TRAINED_DIR": trained,
                    "STREAMLIT_SERVER_COOKIE_SECRET": "bench"}
        replicas = {name: stack.enter_context(app_server(env={**settings, "AE_REPLICA_NAME": name}, timeout=120))
                    for name in ("r1", "r2")}
        url = stack.enter_context(running_nginx([int(r.url.rsplit(":", 1)[1]) for r in replicas.values()]))
        result = class_failover(browser, url, replicas, sessions=sessions)
        for s in result["students"]:
            s["context"].close()
        return result


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=6)
    args = parser.parse_args()
    moved_s, stayed_s = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for run in range(args.runs):
            students = one_run(browser, args.sessions)["students"]
            moved = [s for s in students if s["moved"]]
            stayed = [s for s in students if not s["moved"]]
            moved_s += [s["recovered_s"] for s in moved]
            stayed_s += [s["recovered_s"] for s in stayed]
            print(f"run {run + 1}: {len(moved)} of {len(students)} students moved; clicks lost by them "
                  f"{[s['lost'] for s in moved]}, by the others {sum(s['lost'] for s in stayed)}; seconds to an answer: "
                  f"moved {[round(s['recovered_s'], 1) for s in moved]}, others {[round(s['recovered_s'], 1) for s in stayed]}")
        browser.close()
    print(f"median seconds to an answer after the kill: moved {statistics.median(moved_s):.1f} (max {max(moved_s):.1f}), "
          f"others {statistics.median(stayed_s):.1f}" if stayed_s else "")


if __name__ == "__main__":
    main()
