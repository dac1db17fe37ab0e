"""How organised the 2-D latent space is after 15, 30, 60 and 120 s of training in the app, and what a
running training costs the explorer's clicks.

    AE_DATA_DIR=../shared/data/mnist python bench/train_live.py [--threads 1] [--skip-clicks]

Part 1 runs the Train page's engine (`ae.live_training.TrainingRun`, the page's recipe) in this
process on one thread, as the server does, for a few settings of training images x epochs. At each
mark of training time (evaluation time not counted) it prints the test MSE and the accuracy of a
5-nearest-neighbour classifier on the 2-D codes (fitted on 10,000 training codes, scored on the
10,000 test codes). Part 2 starts the app in Chromium and times 20 explorer clicks (mouse press to the
server's decoded image on screen) with no training, then while a training runs on the Train page.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy.spatial import cKDTree

import ae
from ae.live_training import RunSettings, TrainingRun
from ae.train import reconstruction_errors

MARKS = (15.0, 30.0, 60.0, 120.0)
# The Train page's recipes (app_pages/7_Train.py): the dense one is the page's default, the quick one
# was before it.
QUICK = dict(width=0.5, batch_size=48, lr=5e-3)
SHIPPED = dict(width=1.0, batch_size=128, lr=3e-3)
DENSE = dict(dense_units=(512, 128), batch_size=256, lr=5e-3)
SETTINGS = [  # (recipe name, recipe, training images, epochs, seed)
    ("dense", DENSE, 60_000, 15, 0), ("dense", DENSE, 60_000, 15, 1), ("dense", DENSE, 60_000, 15, 2),
    ("quick", QUICK, 60_000, 2, 0), ("quick", QUICK, 60_000, 2, 1), ("quick", QUICK, 60_000, 2, 2),
    ("quick", QUICK, 60_000, 4, 0), ("shipped", SHIPPED, 60_000, 2, 0), ("shipped", SHIPPED, 20_000, 3, 0),
]


def knn_accuracy(train_codes, train_labels, test_codes, test_labels, k: int = 5) -> float:
    _, nearest = cKDTree(train_codes).query(test_codes, k=k)
    votes = np.asarray(train_labels)[nearest]
    predicted = np.array([np.bincount(row, minlength=10).argmax() for row in votes])
    return float((predicted == np.asarray(test_labels)).mean())


def organisation(train, test, recipe: dict, images: int, epochs: int, seed: int):
    """([(mark s, test MSE, 5-NN accuracy, images seen) at each mark; the last row is the end of the run],
    seconds from start to the saved file, what the page's user waits: training, the run's own test loss
    and snapshot after each epoch, and saving; the marks' measurements not counted)."""
    rows, marking = [], [0.0]
    fit_images, fit_labels = train.images[:10_000], train.labels[:10_000].numpy()

    def measure(seconds, model, seen=None):
        t0 = time.perf_counter()
        try:
            _measure(seconds, model, seen)
        finally:
            marking[0] += time.perf_counter() - t0

    def _measure(seconds, model, seen=None):
        errors = reconstruction_errors(model, test.images, torch.device("cpu"))
        accuracy = knn_accuracy(ae.encode(model, fit_images), fit_labels, ae.encode(model, test.images),
                                test.labels.numpy())
        rows.append((seconds, float(errors.mean()), accuracy, seen if seen is not None else run.progress().seen))

    run = TrainingRun(RunSettings(images=images, epochs=epochs, seed=seed, **recipe), Path(os.environ.get("TMPDIR", "/tmp")) / "bench-train",
                      data=(train, test), marks=MARKS, on_mark=measure)
    started = time.perf_counter()
    run.start()
    run.thread.join()
    wall = time.perf_counter() - started - marking[0]
    p = run.progress()
    final = ae.load_checkpoint(p.path)
    rows.append((p.seconds, float(final.test_errors.mean()),
                 knn_accuracy(ae.encode(final.model, fit_images), fit_labels, final.test_codes, final.test_labels),
                 p.seen))
    p.path.unlink()
    return rows, wall


def click_latency() -> tuple[np.ndarray, np.ndarray]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from app_harness import chromium_page, running_app
    from click_latency import click_times
    with chromium_page() as page, running_app(env={"AE_TRAINED_DIR": "/tmp/bench-trained"}) as (url, _):
        page.goto(url)
        page.wait_for_selector(".lx-plot[data-ready='1']", timeout=120_000)
        idle = click_times(page, 20, 300)
        trainer = page.context.browser.new_page(viewport={"width": 1400, "height": 1000})
        trainer.goto(url + "/train")
        trainer.get_by_role("button", name="Start training").click()
        trainer.wait_for_selector("text=Stop (keeps what has been learned)", timeout=60_000)
        time.sleep(5)
        busy = click_times(page, 20, 300)
        trainer.get_by_role("button", name="Stop (keeps what has been learned)").click()
        trainer.wait_for_selector("text=Stopped after", timeout=120_000)
    return idle, busy


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1, help="torch threads (the app's server uses 1)")
    p.add_argument("--skip-clicks", action="store_true")
    p.add_argument("--only", type=int, help="run only the n-th setting of SETTINGS")
    p.add_argument("--clicks-only", action="store_true", help="only part 2")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, torch threads {args.threads}")
    train, test = ae.load_images("mnist", "train"), ae.load_images("mnist", "test")
    chosen = [] if args.clicks_only else [SETTINGS[args.only]] if args.only is not None else SETTINGS
    for name, recipe, images, epochs, seed in chosen:
        print(f"\n{name} recipe ({recipe}), {images:,} training images x {epochs} epochs, seed {seed}:")
        print(f"  {'training s':>10} {'test MSE':>9} {'5-NN acc':>9} {'images seen':>12}")
        rows, wall = organisation(train, test, recipe, images, epochs, seed)
        for i, (seconds, mse, accuracy, seen) in enumerate(rows):
            label = f"{seconds:.0f}" + (" (end)" if i == len(rows) - 1 else "")
            print(f"  {label:>10} {mse:>9.4f} {accuracy:>9.2f} {seen:>12,}")
        print(f"  {wall:.0f} s from start to the saved checkpoint")
    if not args.skip_clicks:
        idle, busy = click_latency()
        for name, t in (("no training", idle), ("while training", busy)):
            print(f"explorer click -> server's image, {name}: p50 {np.percentile(t, 50):.0f} ms, "
                  f"p95 {np.percentile(t, 95):.0f} ms ({len(t)} clicks)")


if __name__ == "__main__":
    main()
