"""Working in the latent space: batched encode/decode, grids, random points and straight lines, neighbours and the gap measure.

The gap measure answers "has the model seen anything near here?": the distance from a point to the
nearest training code, divided by the typical nearest-neighbour spacing of the training codes
(their median distance to their own nearest neighbour). About 1 means "as dense as the data";
large values mean "empty space, where the decoder was never trained".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.spatial import cKDTree

from .model import Autoencoder

# Floors for the thresholds on the gap measure (see LatentIndex): a point is never called "in a gap"
# when it is closer than 4 typical spacings to the data, however regular the data are.
INSIDE = 2.0
GAP = 4.0


@torch.inference_mode()
def encode(model: Autoencoder, images: torch.Tensor, batch_size: int = 512) -> np.ndarray:
    """Images (N, C, H, W) -> codes (N, z_dim) as float32, in batches, on the model's device."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out = [model.encode(images[i:i + batch_size].to(device)).float().cpu()
           for i in range(0, len(images), batch_size)]
    model.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros((0, model.cfg.z_dim), np.float32)


@torch.inference_mode()
def decode(model: Autoencoder, codes, batch_size: int = 512) -> np.ndarray:
    """Codes (N, z_dim) -> images (N, H, W) as float32 in [0, 1] (single-channel models)."""
    device = next(model.parameters()).device
    z = torch.as_tensor(np.asarray(codes, dtype=np.float32)).reshape(-1, model.cfg.z_dim)
    was_training = model.training
    model.eval()
    out = [model.decode(z[i:i + batch_size].to(device)).float().cpu()
           for i in range(0, len(z), batch_size)]
    model.train(was_training)
    if not out:
        s = model.cfg.image_size
        return np.zeros((0, s, s), np.float32)
    return torch.cat(out)[:, 0].numpy()


def decode_point(model: Autoencoder, z1: float, z2: float) -> np.ndarray:
    """The decoder's (H, W) image for one 2-D point."""
    return decode(model, [[z1, z2]])[0]


def grid_points(x_range: tuple[float, float], y_range: tuple[float, float], n: int) -> np.ndarray:
    """An n x n grid of points, row by row from the top (largest y) down, as (n*n, 2).

    Rows run top-down so that decoding the grid and tiling the images gives a picture whose layout
    matches the scatter plot (y grows upwards on the plot, downwards in an image).
    """
    xs = np.linspace(x_range[0], x_range[1], n)
    ys = np.linspace(y_range[1], y_range[0], n)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)


def sample_box(box, k: int, seed: int = 0) -> np.ndarray:
    """k points uniformly in the box ((x0, x1), (y0, y1)) (the chapter's red dots)."""
    (x0, x1), (y0, y1) = box
    rng = np.random.default_rng(seed)
    return np.c_[rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)].astype(np.float32)


def sample_prior(k: int, z_dim: int = 2, seed: int = 0) -> np.ndarray:
    """k points from the standard normal N(0, I) (a VAE's prior)."""
    return np.random.default_rng(seed).standard_normal((k, z_dim)).astype(np.float32)


def interpolate(a, b, steps: int) -> np.ndarray:
    """`steps` points on the straight line from a to b, both ends included."""
    t = np.linspace(0.0, 1.0, steps)[:, None]
    return ((1 - t) * np.asarray(a, np.float64) + t * np.asarray(b, np.float64)).astype(np.float32)


def tile(images: np.ndarray, n_cols: int) -> np.ndarray:
    """Images (N, H, W) -> one (rows*H, n_cols*W) wall, filled row by row."""
    n, h, w = images.shape
    rows = -(-n // n_cols)
    wall = np.zeros((rows * h, n_cols * w), images.dtype)
    for i, img in enumerate(images):
        r, c = divmod(i, n_cols)
        wall[r * h:(r + 1) * h, c * w:(c + 1) * w] = img
    return wall


def decode_grid(model: Autoencoder, x_range, y_range, n: int) -> np.ndarray:
    """The chapter's figure: decode an n x n grid over a rectangle and tile it into one image."""
    return tile(decode(model, grid_points(x_range, y_range, n)), n)


def bounding_box(codes: np.ndarray, margin: float = 0.05) -> tuple[tuple[float, float], tuple[float, float]]:
    """The codes' bounding box, widened by `margin` of its size on each side."""
    lo, hi = codes.min(axis=0), codes.max(axis=0)
    pad = (hi - lo) * margin
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), (float(lo[1] - pad[1]), float(hi[1] + pad[1]))


def to_relative(point, box) -> tuple[float, float]:
    """A point as fractions of the box ((x0, x1), (y0, y1)): (0, 0) is its lower left, (1, 1) its upper right."""
    (x0, x1), (y0, y1) = box
    return (float(point[0]) - x0) / (x1 - x0), (float(point[1]) - y0) / (y1 - y0)


def from_relative(fractions, box) -> tuple[float, float]:
    """The point at the given fractions of the box (the inverse of `to_relative`)."""
    (x0, x1), (y0, y1) = box
    return x0 + float(fractions[0]) * (x1 - x0), y0 + float(fractions[1]) * (y1 - y0)


@dataclass
class Place:
    """What the gap measure says about one point."""

    gap: float  # distance to the nearest training code / typical spacing
    inside: float  # thresholds of the index this place came from
    edge: float
    distance: float  # distance to the nearest training code, in latent units
    neighbours: np.ndarray  # indices of the nearest training codes, closest first
    neighbour_labels: np.ndarray
    majority: int  # most common label among the neighbours
    majority_share: float


class LatentIndex:
    """Nearest-neighbour search over the training codes, and the gap measure built on it.

    Thresholds come from the data themselves: `inside` is the 90th and `edge` the 99th percentile of
    the training codes' own nearest-neighbour distances (in spacings), floored at INSIDE and GAP. So
    "in a gap" means: farther from any training code than 99% of training codes are from each other.
    """

    def __init__(self, codes: np.ndarray, labels: np.ndarray):
        self.codes = np.asarray(codes, dtype=np.float64)
        self.labels = np.asarray(labels)
        if len(self.codes) < 2:
            raise ValueError("the gap measure needs at least two training codes")
        self.tree = cKDTree(self.codes)
        # k=2: the first neighbour of a training code is itself. Duplicate codes give 0, so take
        # the median over distinct positive spacings.
        d, _ = self.tree.query(self.codes, k=2)
        positive = d[:, 1][d[:, 1] > 0]
        self.spacing = float(np.median(positive)) if len(positive) else 1.0
        ratios = d[:, 1] / self.spacing
        self.inside = max(INSIDE, float(np.percentile(ratios, 90)))
        self.edge = max(GAP, float(np.percentile(ratios, 99)))

    def nearest(self, points, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Distances and indices of the k nearest training codes to each point, closest first."""
        pts = np.asarray(points, dtype=np.float64).reshape(-1, self.codes.shape[1])
        k = min(k, len(self.codes))
        d, i = self.tree.query(pts, k=k)
        return d.reshape(len(pts), k), i.reshape(len(pts), k)

    def gap(self, points) -> np.ndarray:
        """Gap measure of each point: nearest-code distance in units of the typical spacing."""
        d, _ = self.nearest(points, k=1)
        return d[:, 0] / self.spacing

    def place(self, point, k: int = 8) -> Place:
        d, i = self.nearest(point, k=k)
        d, i = d[0], i[0]
        labels = self.labels[i]
        values, counts = np.unique(labels, return_counts=True)
        best = int(np.argmax(counts))
        return Place(gap=float(d[0] / self.spacing), inside=self.inside, edge=self.edge,
                     distance=float(d[0]), neighbours=i,
                     neighbour_labels=labels, majority=int(values[best]),
                     majority_share=float(counts[best] / len(labels)))

    def gap_map(self, x_range, y_range, n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Gap measure on an n x n grid: x values, y values (both ascending) and an (n, n) array [y, x]."""
        xs = np.linspace(x_range[0], x_range[1], n)
        ys = np.linspace(y_range[0], y_range[1], n)
        gx, gy = np.meshgrid(xs, ys)
        g = self.gap(np.stack([gx.ravel(), gy.ravel()], axis=1)).reshape(n, n)
        return xs, ys, g


def _plural(name: str) -> str:
    return f"{name}s" if len(name) == 1 else f"{name} images"


def article(name: str) -> str:
    """"a 7", "an 8", "a Bag", "an Ankle boot": a class name as a noun in a sentence."""
    return f"an {name}" if name[:1] in "8AEIOU" else f"a {name}"


def describe_place(place: Place, class_names: list[str]) -> str:
    """One plain sentence about where a point lies, for the gap meter.

    It names a class as the place ("inside the 7s", "at the edge of the 7s") only when most of the
    nearest training codes belong to it; otherwise the point lies *between* the two commonest
    classes. Edges and gaps name the class of the nearest training image, which is what a student
    checks against the thumbnails. The page's live preview (components/web_model.js) says the same.
    """
    def name_of(c: int) -> str:
        return class_names[c] if 0 <= c < len(class_names) else str(c)

    labels = [int(label) for label in place.neighbour_labels]
    ranked = sorted(((labels.count(c), c) for c in set(labels)), key=lambda t: (-t[0], t[1]))
    top, share = ranked[0][1], ranked[0][0] / len(labels)
    others = [name_of(c) for c in sorted(c for _, c in ranked[1:])]
    nearest = name_of(labels[0])
    between = (f"between the {_plural(name_of(top))} and the {_plural(name_of(ranked[1][1]))}"
               if len(ranked) > 1 else "")
    if place.gap <= place.inside:
        if share >= 0.75 or not others:
            return f"Inside the {_plural(name_of(top))}: training codes lie all around this point."
        if share > 0.5:
            very = f"; the very nearest is {article(nearest)}" if nearest != name_of(top) else ""
            return (f"Among the {_plural(name_of(top))} ({ranked[0][0]} of the {len(labels)} nearest training "
                    f"codes), on a border with {', '.join(others)}{very}.")
        if len(ranked) == 2 or ranked[1][0] > ranked[2][0]:
            return f"{between[0].upper()}{between[1:]}: no class has most of the {len(labels)} nearest training codes."
        return (f"Between classes: {ranked[0][0]} of the {len(labels)} nearest training codes are "
                f"{_plural(name_of(top))}, the others {', '.join(others)}.")
    if place.gap <= place.edge:
        where = (f"At the edge of the {_plural(nearest)}" if share > 0.5 and name_of(top) == nearest
                 else f"At the edge, {between or f'near the {_plural(nearest)}'}")
        return f"{where}, {place.gap:.1f} times the usual spacing from the nearest training code ({article(nearest)})."
    return (f"In a gap, {place.gap:.1f} times the usual spacing from any training image (the nearest is "
            f"{article(nearest)}); 99% of training images have a neighbour within {place.edge:.1f}. "
            f"The decoder never saw anything here.")
