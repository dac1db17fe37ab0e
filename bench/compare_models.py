"""The comparison page's table for the shipped checkpoints: the three limits, plain AE against VAE.

    python bench/compare_models.py [--k 1000] [--seed 0]

For each dataset with both shipped models (checkpoints/{dataset}_ae_z2.pt and _vae_z2.pt) and its
classifier, prints the same numbers as the *Compare two models* page (`ae.limits.measure_limits`)
and how long measuring took. Needs no dataset: everything comes from the checkpoints.
"""
from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import ae
from ae.classifier import load_classifier, predict
from ae.limits import limits_table, measure_limits

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--k", type=int, default=1000, help="random samples per sampler")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}; "
          f"{args.k} samples per sampler, seed {args.seed}")
    for dataset in ae.data.DATASETS:
        paths = {kind: ROOT / "checkpoints" / f"{dataset}_{kind}_z2.pt" for kind in ("ae", "vae")}
        judge_path = ROOT / "checkpoints" / f"{dataset}_classifier.pt"
        if not all(path.exists() for path in [*paths.values(), judge_path]):
            print(f"\n{dataset}: shipped checkpoints missing, skipped")
            continue
        judge_model = load_classifier(judge_path).model
        measured, seconds = {}, {}
        for path in paths.values():
            ckpt = ae.load_checkpoint(path)
            start = time.perf_counter()
            measured[path.name] = measure_limits(ckpt, lambda x, judge=judge_model: predict(judge, x), k=args.k, seed=args.seed)
            seconds[path.name] = time.perf_counter() - start
        labels, columns = limits_table(measured)
        width = max(map(len, labels))
        print(f"\n{ae.data.dataset_title(dataset)}")
        print(f"{'':{width}}  " + "  ".join(f"{name:>16}" for name in columns))
        for i, label in enumerate(labels):
            print(f"{label:{width}}  " + "  ".join(f"{col[i]:>16}" for col in columns.values()))
        print(f"{'seconds to measure':{width}}  " + "  ".join(f"{s:>16.2f}" for s in seconds.values()))


if __name__ == "__main__":
    main()
