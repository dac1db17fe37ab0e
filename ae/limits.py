"""The plain autoencoder's three limits, measured.

1. No clear way to pick a random point: sample uniformly in the codes' bounding box and count how
   many samples land in gaps (`sample_box`, `LatentIndex.gap`).
2. Unequal areas, so samples lack diversity: the share of the box each class owns (`area_shares`)
   against its share of the data, and the classes a judge reads in decoded samples.
3. Poor quality in gaps: round-trip drift (`ae.quality`), how far the encoder sends a sample's
   decoding back, against how far real images' codes come back; and, a weaker measure, a judge's
   confidence on decoded samples against decoded real codes and real images (`sample_report`). On
   MNIST the judge is sure of nearly every decoding, gaps included; drift is not fooled.

`measure_limits` puts all three (and the test reconstruction error) into one row of numbers per
model, so a plain and a variational autoencoder can be compared measure by measure.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

# The samplers and the straight line live with the other latent-space tools; kept importable from here.
from .latent import interpolate, sample_box, sample_prior  # noqa: F401


def area_shares(codes: np.ndarray, labels: np.ndarray, box, n_classes: int, resolution: int = 200,
                tree: cKDTree | None = None) -> np.ndarray:
    """Share of the box owned by each class: every cell of a fine grid goes to its nearest code's class.
    `tree`: a KD-tree over `codes` already built (a LatentIndex's), instead of building one."""
    (x0, x1), (y0, y1) = box
    xs = np.linspace(x0, x1, resolution)
    ys = np.linspace(y0, y1, resolution)
    grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    return nearest_class_shares(codes, labels, grid, n_classes, tree)


def class_shares(labels, n_classes: int) -> np.ndarray:
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes)
    return counts / max(counts.sum(), 1)


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


@dataclass
class SamplerLimits:
    """The three limits for one way of drawing random points."""

    gaps: float  # share of the samples that land in gaps
    area_ratio: float  # largest / smallest class share of the sampled region (inf if a class gets none)
    area_spread: float  # std / mean of the class shares (0: every class owns the same share)
    drift_high: float  # share of the samples whose decoding drifts farther than 99% of real images' codes
    drift_ratio: float  # median round-trip drift of the samples / that of real images' codes
    confidence: float  # the judge's median confidence on the decoded samples (nan without a judge)


@dataclass
class ModelLimits:
    """The three limits of one model in numbers, for both samplers, and its reconstruction error."""

    box: SamplerLimits  # uniform in the codes' bounding box (the chapter's recipe for the plain AE)
    prior: SamplerLimits  # from N(0, I) (the VAE's recipe)
    test_mse: float  # mean per-pixel reconstruction error on the test set (nan if unknown)


SAMPLERS = {"box": "uniform in the codes' box", "prior": "drawn from N(0, I)"}
# (field, label, format) of each measure, in reading order; every sampler gets each one.
MEASURES = [
    ("gaps", "1. samples in gaps", "{:.0%}"),
    ("area_ratio", "2. class shares, largest / smallest", "{:.1f}x"),
    ("area_spread", "2. class shares, spread (std / mean)", "{:.2f}"),
    ("drift_high", "3. samples whose decoding drifts more than 99% of real images'", "{:.0%}"),
    ("drift_ratio", "3. median round-trip drift (x real images')", "{:.1f}x"),
    ("confidence", "3. median classifier confidence", "{:.2f}"),
]


def codes_box(codes: np.ndarray):
    """The codes' bounding box, no margin: where uniform samples are drawn ((x0, x1), (y0, y1))."""
    from .latent import bounding_box

    return bounding_box(codes, margin=0.0)


def nearest_class_shares(codes: np.ndarray, labels: np.ndarray, points: np.ndarray, n_classes: int,
                         tree: cKDTree | None = None) -> np.ndarray:
    """Share of `points` whose nearest training code belongs to each class (`tree`: one over `codes`)."""
    _, nearest = (tree if tree is not None else cKDTree(codes)).query(points)
    counts = np.bincount(np.asarray(labels)[nearest], minlength=n_classes)
    return counts / max(counts.sum(), 1)


def prior_shares(codes: np.ndarray, labels: np.ndarray, n_classes: int, n: int = 40_000, seed: int = 0,
                 tree: cKDTree | None = None) -> np.ndarray:
    """Share of N(0, I)'s probability mass owned by each class (the `area_shares` of the prior)."""
    return nearest_class_shares(codes, labels, sample_prior(n, codes.shape[1], seed), n_classes, tree)


def _spread(shares: np.ndarray) -> tuple[float, float]:
    shares = np.asarray(shares, dtype=np.float64)
    ratio = float(shares.max() / shares.min()) if shares.min() > 0 else float("inf")
    return ratio, float(shares.std() / max(shares.mean(), 1e-12))


def measure_sampler(points, shares: np.ndarray, index, round_trip, judge=None, decoded=None, *,
                    drift=None, confidences=None) -> SamplerLimits:
    """The three limits for one set of sampled points.

    `shares`: each class's share of the sampled region; `index`: a LatentIndex of the training codes;
    `round_trip`: the model's `ae.quality.RoundTrip`; `judge(images) -> (classes, confidences)` or
    None (confidence is then nan); `decoded`, `drift`, `confidences`: the points' decodings, round-trip
    drift and judged confidences, when already measured.
    """
    from .latent import decode

    drift = round_trip.drift(points).drift if drift is None else np.asarray(drift)
    if confidences is not None:
        confidence = float(np.median(confidences))
    elif judge is not None:
        decoded = decoded if decoded is not None else decode(round_trip.model, points)
        confidence = float(np.median(judge(decoded)[1]))
    else:
        confidence = float("nan")
    ratio, spread = _spread(shares)
    return SamplerLimits(gaps=float(np.mean(index.gap(points) > index.edge)), area_ratio=ratio, area_spread=spread,
                         drift_high=float(np.mean(drift > round_trip.high)),
                         drift_ratio=float(np.median(drift) / round_trip.usual), confidence=confidence)


def measure_limits(ckpt, judge=None, *, k: int = 1000, seed: int = 0, index=None, area=None,
                   round_trip=None) -> ModelLimits:
    """Measure a checkpoint's three limits with k random samples from each sampler.

    Samplers: uniform in the box of the test codes, and N(0, I). For each: the share of samples in
    gaps, how unevenly the sampled region is split between the classes (each point goes to the class
    of its nearest training code), round-trip drift against real images', and the judge's median
    confidence on the decoded samples.
    `judge(images) -> (classes, confidences)` (None: confidences are nan). `index` (a LatentIndex of
    the training codes), `area` (the box's `area_shares`) and `round_trip` (an ae.quality.RoundTrip)
    may be passed in when already cached.
    """
    from .latent import LatentIndex
    from .quality import RoundTrip

    index = index if index is not None else LatentIndex(ckpt.train_codes, ckpt.train_labels)
    round_trip = round_trip if round_trip is not None else RoundTrip(ckpt.model, ckpt.test_codes)
    box = codes_box(ckpt.test_codes)
    n_classes = int(max(ckpt.train_labels.max(), ckpt.test_labels.max())) + 1
    codes, labels = ckpt.train_codes, ckpt.train_labels
    shares = {"box": area if area is not None else area_shares(codes, labels, box, n_classes, tree=index.tree),
              "prior": prior_shares(codes, labels, n_classes, seed=seed, tree=index.tree)}
    samples = {"box": sample_box(box, k, seed), "prior": sample_prior(k, ckpt.config.z_dim, seed)}
    results = {name: measure_sampler(points, shares[name], index, round_trip, judge)
               for name, points in samples.items()}
    if ckpt.test_errors is not None:
        mse = float(np.mean(ckpt.test_errors, dtype=np.float64))
    else:
        mse = float(ckpt.test_mse) if ckpt.test_mse is not None else float("nan")
    return ModelLimits(box=results["box"], prior=results["prior"], test_mse=mse)


def sampler_rows(limits: SamplerLimits) -> list[tuple[str, str]]:
    """(label, formatted value) of each measure of one sampler, in reading order."""
    return [(label, _format(getattr(limits, field), pattern)) for field, label, pattern in MEASURES]


def _format(value: float, pattern: str) -> str:
    if np.isnan(value):
        return "n/a"
    return "∞ (a class gets none)" if np.isinf(value) else pattern.format(value)


def limits_table(models: dict[str, ModelLimits]) -> tuple[list[str], dict[str, list[str]]]:
    """Row labels and one column of formatted values per model: every measure for each sampler, then the error."""
    labels = [f"{label}: {SAMPLERS[sampler]}" for sampler in SAMPLERS for _, label, _ in MEASURES]
    labels.append("test reconstruction error (MSE per pixel)")
    columns = {}
    for name, m in models.items():
        columns[name] = [value for sampler in SAMPLERS for _, value in sampler_rows(getattr(m, sampler))]
        columns[name].append(_format(m.test_mse, "{:.4f}"))
    return labels, columns
