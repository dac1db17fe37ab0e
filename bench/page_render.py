"""First render time of each page once the app is warm (model loaded), under streamlit's AppTest.

    python bench/page_render.py

Warms up by running the explorer page once (which loads the checkpoint and indexes its codes), then
times the first run of every page in app_pages/, including what that page computes and caches for
itself (decoding the test set, area shares, classifier readings). Needs AE_DATA_DIR for the pages
that show real images.
"""
from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def timed_run(script: Path) -> tuple[float, AppTest]:
    at = AppTest.from_file(str(script), default_timeout=300)
    start = time.perf_counter()
    at.run()
    return time.perf_counter() - start, at


def main() -> None:
    sys.path.insert(0, str(ROOT))
    cold, _ = timed_run(ROOT / "navigation.py")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}")
    print(f"explorer, cold (loads the model): {cold:.2f} s")
    warm, _ = timed_run(ROOT / "navigation.py")
    print(f"explorer, warm: {warm:.2f} s")
    for page in sorted((ROOT / "app_pages").glob("*.py")):
        seconds, at = timed_run(page)
        status = "error: " + str(at.exception[0].value)[:80] if at.exception else "ok"
        print(f"{page.stem:28s} first render {seconds:.2f} s  ({status})")


if __name__ == "__main__":
    main()
