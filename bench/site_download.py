"""The explorer's "Download this as a site" for MNIST's shipped models (ui/site_download.py), as the
app's server runs it (one torch thread): with the drift and sensitivity maps the app keeps per
checkpoint version (shipped in checkpoints/measured/), and with every map measured again (before:
neither the app's maps nor those kept beside the checkpoints given to the publisher).

    python bench/site_download.py [--runs 3]

Prints seconds per build and the medians. AE_DATA_DIR for the atlas of real images.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import torch

    from ae.site import publish_site
    from ui import catalog, site_download
    torch.set_num_threads(1)  # as the app's server runs it (ui/server.py)
    paths = [catalog.checkpoint_path(n) for n in ("mnist_ae_z10.pt", "mnist_ae_z2.pt", "mnist_vae_z2.pt")]
    site_download.kept_map(paths[0], "drift")  # the views loaded once, as on a server that has shown them
    import ae.kept
    beside = ae.kept.map_beside
    modes = {"every map measured (before)": (None, lambda path, kind: None),
             "kept maps read (after)": (site_download.kept_map, beside)}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}; "
          f"{', '.join(p.name for p in paths)}")
    seconds = {mode: [] for mode in modes}
    for run in range(args.runs):
        for mode, (known, maps_beside) in modes.items():  # alternated, so that both meet the same machine
            import tempfile
            ae.kept.map_beside = maps_beside  # what ae.site reads beside the checkpoints
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                publish_site(paths, Path(tmp) / "site", known_map=known)
                seconds[mode].append(time.perf_counter() - t0)
            print(f"run {run + 1}, {mode}: {seconds[mode][-1]:.1f} s", flush=True)
    for mode, values in seconds.items():
        print(f"median, {mode}: {statistics.median(values):.1f} s")


if __name__ == "__main__":
    main()
