"""Server memory while N browser sessions upload a large photo to "Your own image" at the same moment.

    python bench/upload_memory.py [--sessions 10] [--megapixels 12] [--format png|jpeg]

Starts the app, opens N sessions on the page in headless Chromium, then hands every session the same
photo-like image (a dark stroke on noisy grey paper; a PNG, or a JPEG as a phone saves it) at once,
and samples the server's resident memory every 50 ms until all N have shown the prepared image.
Prints the peak and the resting memory.
"""
from __future__ import annotations

import argparse
import io
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from app_harness import chromium_page, running_app  # noqa: E402


def photo(megapixels: float, fmt: str = "png") -> bytes:
    w = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    h = int(w * 3 / 4)
    rng = np.random.default_rng(0)
    # Paper with a coarse grain (4x4-pixel flecks): photo-like, and under the 20 MB upload limit.
    grain = rng.normal(0, 6, (h // 4 + 1, w // 4 + 1, 3)).repeat(4, 0).repeat(4, 1)[:h, :w]
    img = Image.fromarray(np.clip(200 + grain, 0, 255).astype(np.uint8))
    ImageDraw.Draw(img).line([(w * 0.45, h * 0.2), (w * 0.55, h * 0.8)], fill=(30, 30, 30), width=max(8, w // 40))
    buffer = io.BytesIO()
    if fmt == "jpeg":
        img.save(buffer, format="JPEG", quality=90)
    else:
        img.save(buffer, format="PNG", compress_level=9)
    return buffer.getvalue()


def rss_mb(port: int) -> float:
    pids = subprocess.run(["pgrep", "-f", f"server.port {port}"], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in pids:
        try:
            total += next(int(row.split()[1]) for row in Path(f"/proc/{pid}/status").read_text().splitlines()
                          if row.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--megapixels", type=float, default=12)
    parser.add_argument("--format", choices=("png", "jpeg"), default="png")
    args = parser.parse_args()
    data = photo(args.megapixels, args.format)
    with tempfile.NamedTemporaryFile(suffix="." + args.format, delete=False) as f:
        f.write(data)
    print(f"{time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} cores; a {args.megapixels:g}-megapixel "
          f"{args.format.upper()} of "
          f"{len(data) / 2**20:.1f} MB, {args.sessions} sessions at once")
    with chromium_page() as first, running_app() as (url, _):
        port = int(url.rsplit(":", 1)[1])
        pages = []
        for _ in range(args.sessions):
            page = first.context.browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.goto(url + "/your-own-digit")
            pages.append(page)
        for page in pages:  # the page opens on the drawing pad
            page.get_by_text("Upload a picture", exact=True).click(timeout=120_000)
            page.wait_for_selector(".st-key-own_upload input[type='file']", state="attached", timeout=120_000)
        time.sleep(2)
        before = rss_mb(port)
        peak, stop = [before], threading.Event()

        def sample():
            while not stop.is_set():
                peak.append(rss_mb(port))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        for page in pages:
            page.set_input_files(".st-key-own_upload input[type='file']", f.name)  # the page's uploader, not the lesson's
        for page in pages:
            page.wait_for_function("() => ['its reconstruction', 'please upload'].some(t => document.body.innerText.includes(t))",
                                   timeout=300_000)
        took = time.perf_counter() - started
        time.sleep(5)
        stop.set()
        sampler.join()
        print(f"server memory (RSS): {before:.0f} MB before, peak {max(peak):.0f} MB during, "
              f"{rss_mb(port):.0f} MB 5 s after; all {args.sessions} prepared in {took:.1f} s")
    os.unlink(f.name)


if __name__ == "__main__":
    main()
