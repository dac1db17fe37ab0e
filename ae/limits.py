"""The plain autoencoder's three limits, measured.

1. No clear way to pick a random point: sample uniformly in the codes' bounding box and count how
   many samples land in gaps (`sample_box`, `LatentIndex.gap`).
2. Unequal areas, so samples lack diversity: the share of the box each class owns (`area_shares`)
   against its share of the data, and the classes a judge reads in decoded samples.
3. Poor quality in gaps: a judge's confidence on decoded samples against decoded real codes and real
   images (`confidence_report`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree


def sample_box(box, k: int, seed: int = 0) -> np.ndarray:
    """k points uniformly in the box ((x0, x1), (y0, y1)) (the chapter's red dots)."""
    (x0, x1), (y0, y1) = box
    rng = np.random.default_rng(seed)
    return np.c_[rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)].astype(np.float32)


def sample_prior(k: int, z_dim: int = 2, seed: int = 0) -> np.ndarray:
    """k points from the standard normal N(0, I) (a VAE's prior)."""
    return np.random.default_rng(seed).standard_normal((k, z_dim)).astype(np.float32)


def area_shares(codes: np.ndarray, labels: np.ndarray, box, n_classes: int, resolution: int = 200) -> np.ndarray:
    """Share of the box owned by each class: every cell of a fine grid goes to its nearest code's class."""
    (x0, x1), (y0, y1) = box
    xs = np.linspace(x0, x1, resolution)
    ys = np.linspace(y0, y1, resolution)
    grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    _, nearest = cKDTree(codes).query(grid)
    counts = np.bincount(np.asarray(labels)[nearest], minlength=n_classes)
    return counts / counts.sum()


def class_shares(labels, n_classes: int) -> np.ndarray:
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes)
    return counts / max(counts.sum(), 1)


def interpolate(a, b, steps: int) -> np.ndarray:
    """`steps` points on the straight line from a to b, both ends included."""
    t = np.linspace(0.0, 1.0, steps)[:, None]
    return ((1 - t) * np.asarray(a, np.float64) + t * np.asarray(b, np.float64)).astype(np.float32)


@dataclass
class SampleReport:
    points: np.ndarray  # (k, 2)
    gaps: np.ndarray  # gap measure of each point
    in_gap: np.ndarray  # bool: gap above the index's edge threshold
    predicted: np.ndarray  # the judge's class for each decoded sample
    confidence: np.ndarray  # the judge's confidence

    @property
    def gap_share(self) -> float:
        return float(self.in_gap.mean()) if len(self.in_gap) else 0.0


def sample_report(points, index, decoded: np.ndarray, judge) -> SampleReport:
    """Measure sampled points: gap measure (via `index`) and the judge's reading of their decodings.

    `judge(images) -> (classes, confidences)`, e.g. `lambda x: ae.classifier.predict(model, x)`.
    """
    gaps = index.gap(points)
    predicted, confidence = judge(decoded)
    return SampleReport(np.asarray(points), gaps, gaps > index.edge, predicted, confidence)
