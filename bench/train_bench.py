"""Training and encoding speed, and what the chapter's settings and the shipped recipe reach in equal time.

    python bench/train_bench.py [--budget 240]

Prints images/second for training (batch 32 and 128) and for encoding, then trains the chapter's
settings (Adam 5e-4, batch 32, constant rate, no batch-norm) and the shipped recipe (one-cycle
Adam peaking at 3e-3, batch 128, batch-norm) for the same wall-clock budget each and prints their
test MSE side by side. Needs MNIST (AE_DATA_DIR or --data-dir).
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import torch

from ae import AEConfig, Autoencoder, encode, load_images
from ae.train import CHAPTER, SHIPPED, evaluate, make_scheduler, train_epoch


def train_speed(train, recipe: dict, seconds: float = 20.0) -> float:
    """Images/second of the real training loop with `recipe` (after a few warm-up batches)."""
    model = Autoencoder(AEConfig(use_batch_norm=recipe["batch_norm"]))
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe["lr"])
    warm = train.images[: 5 * recipe["batch_size"]]
    train_epoch(model, warm, optimizer, "cpu", batch_size=recipe["batch_size"], generator=torch.Generator())
    counter = Counter()
    start = time.perf_counter()
    train_epoch(model, train.images, optimizer, "cpu", batch_size=recipe["batch_size"],
                generator=torch.Generator(), deadline=start + seconds, progress=counter)
    return counter.n / (time.perf_counter() - start)


class Counter:
    """Stands in for a tqdm bar: counts the images train_epoch reports."""

    def __init__(self):
        self.n = 0

    def update(self, n):
        self.n += n

    def set_postfix(self, **kwargs):
        pass


def train_for(recipe: dict, train, test, budget: float, images_per_second: float, seed: int = 0) -> tuple[float, int]:
    """Train with `recipe` for `budget` seconds; returns (test MSE, images seen)."""
    torch.manual_seed(seed)
    model = Autoencoder(AEConfig(use_batch_norm=recipe["batch_norm"]))
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe["lr"])
    # A one-cycle schedule must know its length: size it to the images the budget should allow.
    steps = max(1, int(budget * images_per_second / recipe["batch_size"]))
    scheduler = make_scheduler(optimizer, recipe["schedule"], recipe["lr"], steps)
    deadline = time.perf_counter() + budget
    seen, epoch = Counter(), 0
    while time.perf_counter() < deadline and (scheduler is None or scheduler.last_epoch < steps):
        images = train.images
        if scheduler is not None:  # stop exactly at the schedule's end
            images = images[: (steps - scheduler.last_epoch) * recipe["batch_size"]]
        train_epoch(model, images, optimizer, "cpu", batch_size=recipe["batch_size"],
                    generator=torch.Generator().manual_seed(seed + epoch), scheduler=scheduler,
                    deadline=deadline, progress=seen)
        epoch += 1
    return evaluate(model, test.images, "cpu"), seen.n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=240, help="seconds of training per recipe")
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    train = load_images("mnist", "train", data_dir=args.data_dir)
    test = load_images("mnist", "test", data_dir=args.data_dir)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads); {time.strftime('%Y-%m-%d')}")
    speed = {}
    for name, recipe in (("chapter: batch 32", CHAPTER), ("shipped: batch 128 + batch-norm", SHIPPED)):
        speed[name] = train_speed(train, recipe)
        print(f"training, {name}: {speed[name]:,.0f} images/s")
    model = Autoencoder(AEConfig()).eval()
    start = time.perf_counter()
    encode(model, test.images, batch_size=256)
    print(f"encoding (batches of 256): {len(test.images) / (time.perf_counter() - start):,.0f} images/s")

    print(f"\ntest MSE after {args.budget:.0f} s of training each:")
    for (name, recipe), rate in zip((("chapter (Adam 5e-4, batch 32, constant)", CHAPTER),
                                     ("shipped (one-cycle 3e-3, batch 128, batch-norm)", SHIPPED)), speed.values()):
        mse, seen = train_for(recipe, train, test, args.budget, rate)
        print(f"  {name:50s} {mse:.4f}  ({seen / len(train.images):.1f} epochs)")


if __name__ == "__main__":
    main()
