"""Which quality measure shows the third limit? Each measure's ROC-AUC at telling decodings of points
in gaps from decodings of real test codes, for every shipped model.

    AE_DATA_DIR=../shared/data/mnist python bench/third_limit.py [--n 1500] [--seed 0]

For each shipped z=2 checkpoint: `n` uniform samples in the test codes' box whose gap measure is above
the edge threshold ("gaps"), and `n` uniform samples in the central half of the box that are in gaps
("interior gaps"), each against `n` test codes (seeded). Scores, each oriented so that a higher AUC
means the measure flags the gap points (0.5: no separation, 1: full):

- classifier confidence (lower in gaps expected; today's quality score)
- realism score (Kynkäänniemi et al. 2019, k=3, in the judge's 128-d penultimate features, against
  10,000 real training images; lower in gaps expected)
- decoder sensitivity, RMS pixel change per latent unit (higher in gaps would flag them)
- round-trip drift |E(D(z)) - z| (higher in gaps expected)
- the gap measure itself, as a reference (the gap points were chosen by it)

Needs the datasets (real images for the realism score).
"""
from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent

import ae  # noqa: E402
from ae.classifier import features, load_classifier, predict  # noqa: E402
from ae.limits import codes_box  # noqa: E402
from ae.quality import RoundTrip, decoder_sensitivity, realism_scores, roc_auc  # noqa: E402

MEASURES = ["classifier confidence", "realism score", "decoder sensitivity", "round-trip drift", "gap measure"]


def gap_samples(index, box, n: int, seed: int, central: bool) -> np.ndarray:
    """Up to n uniform points in the box (or its central half) whose gap measure is above the edge."""
    (x0, x1), (y0, y1) = box
    if central:
        x0, x1 = x0 + (x1 - x0) / 4, x1 - (x1 - x0) / 4
        y0, y1 = y0 + (y1 - y0) / 4, y1 - (y1 - y0) / 4
    rng = np.random.default_rng(seed)
    found = []
    for _ in range(50):
        pts = np.c_[rng.uniform(x0, x1, 20_000), rng.uniform(y0, y1, 20_000)].astype(np.float32)
        found.append(pts[index.gap(pts) > index.edge])
        if sum(map(len, found)) >= n:
            break
    return np.concatenate(found)[:n]


def scores(ckpt, points, judge_model, real_features, index, rt) -> dict[str, np.ndarray]:
    decoded = ae.decode(ckpt.model, points)
    return {
        "classifier confidence": -predict(judge_model, decoded)[1],
        "realism score": -realism_scores(real_features, features(judge_model, decoded), k=3),
        "decoder sensitivity": decoder_sensitivity(ckpt.model, points),
        "round-trip drift": rt.drift(points).drift,
        "gap measure": index.gap(points),
    }


def central_group(group: str) -> bool:
    return group == "interior gaps"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1500, help="points per group")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}; "
          f"n = {args.n} per group, seed {args.seed}. AUC: higher = the measure flags gap points.")
    results = {}
    for path in sorted((ROOT / "checkpoints").glob("*_z2.pt")):
        started = time.perf_counter()
        ckpt = ae.load_checkpoint(path)
        judge = load_classifier(ROOT / "checkpoints" / f"{ckpt.dataset}_classifier.pt").model
        real = ae.load_images(ckpt.dataset, "train").images
        rng = np.random.default_rng(args.seed)
        real_features = features(judge, real[np.sort(rng.choice(len(real), 10_000, replace=False))].numpy())
        index = ae.LatentIndex(ckpt.train_codes, ckpt.train_labels)
        rt = RoundTrip(ckpt.model, ckpt.test_codes)
        test_points = ckpt.test_codes[np.sort(rng.choice(len(ckpt.test_codes), args.n, replace=False))]
        data = scores(ckpt, test_points, judge, real_features, index, rt)
        box = codes_box(ckpt.test_codes)
        row = {}
        for group, central in (("gaps", False), ("interior gaps", True)):
            points = gap_samples(index, box, args.n, args.seed + 1, central)
            if len(points) < 50:
                row[group] = (len(points), None)
                continue
            gap_scores = scores(ckpt, points, judge, real_features, index, rt)
            row[group] = (len(points), {m: roc_auc(data[m], gap_scores[m]) for m in MEASURES},
                          float(np.median(gap_scores["round-trip drift"])))
        results[path.name] = (row, float(np.median(data["round-trip drift"])), rt)
        print(f"  {path.name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)

    names = list(results)
    print()
    print(f"{'measure (ROC-AUC)':<28}" + "".join(f"{n:>22}" for n in names))
    for group in ("gaps", "interior gaps"):
        where = "the central half of the test codes' box" if central_group(group) else "the test codes' box"
        print(f"-- {group} (uniform in {where}, gap measure above the edge) vs test codes")
        print(f"{'  points in this group':<28}" + "".join(f"{results[n][0][group][0]:>22}" for n in names))
        for m in MEASURES:
            cells = []
            for n in names:
                got = results[n][0][group]
                cells.append("n/a" if got[1] is None else f"{got[1][m]:.2f}")
            print(f"{'  ' + m:<28}" + "".join(f"{c:>22}" for c in cells))
    print("-- round-trip drift, median (latent units)")
    print(f"{'  test codes':<28}" + "".join(f"{results[n][1]:>22.2f}" for n in names))
    for group in ("gaps", "interior gaps"):
        print(f"{'  ' + group:<28}" + "".join(
            f"{'n/a' if results[n][0][group][1] is None else format(results[n][0][group][2], '.2f'):>22}" for n in names))
    print(f"{'  99% of real images within':<28}" + "".join(f"{results[n][2].high:>22.2f}" for n in names))


if __name__ == "__main__":
    main()
