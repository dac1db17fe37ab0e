"""How good a decoding is, measured: round-trip drift (the third limit), decoder sensitivity, realism.

**Round-trip drift** asks whether the decoder's image for a point is an image the encoder would put
there: drift(z) = |E(D(z)) - z|, in latent units (the plot's). Among the data it is small; in the gaps the decoder draws something the
encoder sends back towards a cluster. A crisp image can still drift far: it is not what this place
in the latent space means. That is the chapter's third limit in one number, where a classifier's
confidence is often fooled (a plain decoder extrapolates into gaps with crisp, exaggerated strokes).

`RoundTrip` holds a model's scale: thresholds read from the test codes' own drift, as the gap
measure's thresholds are read from the training codes' own spacings.

**Decoder sensitivity** is how fast the decoded image changes as the point moves: the root-mean-square
change of a pixel per latent unit moved (from the Jacobian dD/dz). High along the seams between
classes, low where the decoder saturates far from the data. A picture of the decoder, not a quality
score: it is *lower* in most gaps.

**Realism score** (Kynkäänniemi et al. 2019, "Improved precision and recall") compares a sample's
features with the k-nearest-neighbour balls of real images' features.

`roc_auc` measures how well any of these separates two groups of points.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.spatial import cKDTree

from .latent import _plural
from .model import Autoencoder

@torch.inference_mode()
def round_trip(model: Autoencoder, points, batch_size: int = 512) -> np.ndarray:
    """E(D(z)) for each point: where the encoder sends the decoder's image of z. (N, z_dim) float32.

    A variational model's encoder gives its mean, as it does for every code the app plots.
    """
    device = next(model.parameters()).device
    z = torch.as_tensor(np.asarray(points, dtype=np.float32)).reshape(-1, model.cfg.z_dim)
    was_training = model.training
    model.eval()
    out = [model.encode(model.decode(z[i:i + batch_size].to(device))).float().cpu()
           for i in range(0, len(z), batch_size)]
    model.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros((0, model.cfg.z_dim), np.float32)


def drift_of(points, returned) -> np.ndarray:
    """|returned - points| per point, in latent units (float64)."""
    diff = np.asarray(returned, np.float64) - np.asarray(points, np.float64).reshape(np.shape(returned))
    return np.linalg.norm(diff, axis=1)


@dataclass
class Drift:
    """Round-trip drift of a batch of points."""

    points: np.ndarray  # (N, z_dim) the points asked about
    returned: np.ndarray  # (N, z_dim) E(D(z)): where each decoding is sent back to
    drift: np.ndarray  # (N,) |returned - points| in latent units


class RoundTrip:
    """A model's round-trip drift with its scale, read from real images.

    The drift of real test codes sets the scale: `usual` is its median, `typical` its 90th and
    `high` its 99th percentile. So "high drift" means: the decoding comes back farther than 99% of
    real images' codes do. Drift is in latent units (the plot's units); divided by `usual` it compares
    across models whose codes spread differently.
    """

    def __init__(self, model: Autoencoder, test_codes, *, sample: int = 1000):
        self.model = model
        codes = np.asarray(test_codes, np.float32).reshape(-1, model.cfg.z_dim)
        if not len(codes):
            raise ValueError("round-trip drift needs some test codes to set its scale")
        # An even stride over the test set: deterministic. 1,000 codes put the 99th percentile within a
        # few percent of the whole test set's (1.21 against 1.24 for mnist_ae_z2) at half the time of
        # 2,000: the app measures it when it first prepares a model for the page, on its cold start.
        codes = codes[:: max(1, len(codes) // sample)][:sample]
        self._scale(self.drift(codes).drift)

    @classmethod
    def from_test_drift(cls, model: Autoencoder, test_drift) -> RoundTrip:
        """The scale measured before (`test_drift`, as a RoundTrip of this model found it), not measured again."""
        trip = cls.__new__(cls)
        trip.model = model
        drift = np.asarray(test_drift, np.float64).ravel()
        if not len(drift) or not np.all(np.isfinite(drift)) or np.any(drift < 0):
            raise ValueError("a round trip's stored scale must be finite distances")
        trip._scale(drift)
        return trip

    def _scale(self, test_drift: np.ndarray) -> None:
        self.test_drift = test_drift
        self.usual = max(float(np.median(self.test_drift)), 1e-12)
        self.typical = float(np.percentile(self.test_drift, 90))
        self.high = float(np.percentile(self.test_drift, 99))

    def drift(self, points) -> Drift:
        pts = np.asarray(points, np.float32).reshape(-1, self.model.cfg.z_dim)
        back = round_trip(self.model, pts)
        return Drift(pts, back, drift_of(pts, back))

    def drift_map(self, x_range, y_range, n: int = 48) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Drift on an n x n grid: x values, y values (both ascending) and an (n, n) array [y, x]."""
        xs, ys, grid = _grid(x_range, y_range, n)
        return xs, ys, self.drift(grid).drift.reshape(n, n)


def where_sent(place, class_names: list[str]) -> str:
    """Where a round trip landed, in a few words ("among the 7s", "near the 3s", "in empty space"),
    from the gap measure's `Place` of the returned point. The page's JavaScript says the same."""
    if place.gap > place.edge:
        return "in empty space"
    c = int(place.majority)
    plural = _plural(class_names[c] if 0 <= c < len(class_names) else str(c))
    return f"among the {plural}" if place.gap <= place.inside else f"near the {plural}"


def describe_drift(d: float, returned, round_trip: RoundTrip, near: str | None = None) -> str:
    """One plain sentence about a point's round-trip drift, for the point panel.

    `near` names what lies where the decoding was sent back (e.g. "among the 7s"), when known.
    """
    there = f", {near}" if near else ""
    back = f"({returned[0]:.2f}, {returned[1]:.2f}){there}"
    rt = round_trip
    if d <= rt.typical:
        return (f"The encoder puts this decoding back {d:.2f} from where it was drawn, as it does for real "
                f"images (9 in 10 of their codes come back within {rt.typical:.2f}): the image means this place.")
    if d <= rt.high:
        return (f"The encoder puts this decoding {d:.2f} away, at {back}: farther than 9 in 10 real images' "
                f"codes come back ({rt.typical:.2f}), so the image only partly means this place.")
    return (f"The encoder sends this decoding {d:.2f} away, to {back}: farther than 99% of real images' "
            f"codes come back ({rt.high:.2f}). However crisp it looks, the image is not what this place means.")


def decoder_sensitivity(model: Autoencoder, points, step: float = 1e-3, batch_size: int = 512) -> np.ndarray:
    """How fast the decoded image changes at each point: the root-mean-square change of a pixel per
    latent unit moved, averaged over the latent directions (the Jacobian's Frobenius norm / sqrt(pixels
    x directions)), by central differences `step` apart (the test checks them against exact
    forward-mode derivatives; differences need 1 + 2 x z_dim decodes, about 10 times faster). (N,) float64.
    """
    device = next(model.parameters()).device
    z = torch.as_tensor(np.asarray(points, dtype=np.float32)).reshape(-1, model.cfg.z_dim)
    was_training = model.training
    model.eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(z), batch_size):
            batch = z[i:i + batch_size].to(device)
            squares = torch.zeros(len(batch), dtype=torch.float64)
            for axis in range(model.cfg.z_dim):
                h = torch.zeros_like(batch)
                h[:, axis] = step
                dx = (model.decode(batch + h) - model.decode(batch - h)).double() / (2 * step)
                squares += dx.flatten(1).pow(2).mean(1).cpu()
            out.append((squares / model.cfg.z_dim).sqrt())
    model.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros(0)


def sensitivity_map(model: Autoencoder, x_range, y_range, n: int = 48):
    """Decoder sensitivity on an n x n grid: x values, y values (ascending) and an (n, n) array [y, x]."""
    xs, ys, grid = _grid(x_range, y_range, n)
    return xs, ys, decoder_sensitivity(model, grid).reshape(n, n)


def _grid(x_range, y_range, n: int):
    xs = np.linspace(x_range[0], x_range[1], n)
    ys = np.linspace(y_range[0], y_range[1], n)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)


def realism_scores(real_features, sample_features, k: int = 3) -> np.ndarray:
    """Kynkäänniemi et al. (2019) realism score of each sample against a set of real features.

    Each real feature vector gets a ball reaching its k-th nearest real neighbour; the half of the
    balls with the largest radii are dropped (outliers would swallow everything). A sample's score is
    max over the kept real vectors of radius / distance: at least 1 means it lies inside some real
    image's ball, near 0 far from all of them.
    """
    real = np.asarray(real_features, np.float64)
    samples = np.asarray(sample_features, np.float64)
    radii = cKDTree(real).query(real, k=k + 1)[0][:, k]  # k+1: the nearest is the vector itself
    keep = radii <= np.median(radii)
    real, radii = real[keep], radii[keep]
    scores = np.empty(len(samples))
    real_sq = (real ** 2).sum(1)
    for i in range(0, len(samples), 512):  # (512, n_real) distances at a time bounds the memory
        chunk = samples[i:i + 512]
        d2 = (chunk ** 2).sum(1)[:, None] + real_sq[None, :] - 2 * chunk @ real.T
        d = np.sqrt(np.maximum(d2, 0))
        scores[i:i + 512] = (radii[None, :] / np.maximum(d, 1e-12)).max(axis=1)
    return scores


def roc_auc(negatives, positives) -> float:
    """Area under the ROC curve: the chance that a random positive scores above a random negative
    (ties count half). 0.5: the score does not separate the groups; 1: it separates them fully."""
    neg = np.asarray(negatives, np.float64).ravel()
    pos = np.asarray(positives, np.float64).ravel()
    if not len(neg) or not len(pos):
        raise ValueError("both groups need at least one score")
    scores = np.concatenate([neg, pos])
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # Average ranks over ties (Mann-Whitney U).
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], len(scores)]
    for s, e in zip(starts, ends):
        ranks[order[s:e]] = (s + e + 1) / 2
    u = ranks[len(neg):].sum() - len(pos) * (len(pos) + 1) / 2
    return float(u / (len(neg) * len(pos)))
