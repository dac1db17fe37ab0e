"""The rectangles of a latent space, defined once and all built from the same codes: the test codes,
the ones every scatter plots by default.

- `codes`: their bounding box. Uniform random samples are drawn in it, and the comparison page's
  relative positions (fractions across and up) are fractions of it.
- `plot`: the codes' box widened by PLOT_MARGIN of its size on each side: what a scatter shows
  (plotly then widens one axis more, to keep equal scales on both in the plot's shape).
- `accepted`: where a point from a click, a link, typing or another model is accepted; beyond it a
  point is absurd, and says so. A square in latent units around the codes' centre, POINT_REACH of its
  side beyond the codes' longer side each way, so that every point a scatter shows at its first
  view lies inside it, whichever axis the plot's shape widens. `relative_accepted` is the same
  rectangle in fractions of the codes' box.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ae.latent import bounding_box

PLOT_MARGIN = 0.05
# How far beyond the codes a point may lie, in lengths of their box's longer side, before it counts as
# absurd: a third of the box beyond the farthest code is already many times the usual spacing out,
# deep in the empty space the chapter's third limit is about (much farther, every decoding looks the
# same), and it covers the first view of a plot up to 1.5 times taller than wide, or wider than tall.
POINT_REACH = 1 / 3

Box = tuple[tuple[float, float], tuple[float, float]]


def accepted_box(codes: np.ndarray, reach: float = POINT_REACH) -> Box:
    """The rectangle where points are accepted: a square around the codes' centre whose half side is
    the codes' longer side times (1/2 + reach)."""
    (x0, x1), (y0, y1) = bounding_box(codes, margin=0.0)
    half = max(x1 - x0, y1 - y0) * (0.5 + reach)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (cx - half, cx + half), (cy - half, cy + half)


def inside(point, box: Box) -> bool:
    (x0, x1), (y0, y1) = box
    return x0 <= point[0] <= x1 and y0 <= point[1] <= y1


def intersection(*boxes: Box) -> Box:
    """The rectangle inside all of `boxes`."""
    return ((max(b[0][0] for b in boxes), min(b[0][1] for b in boxes)),
            (max(b[1][0] for b in boxes), min(b[1][1] for b in boxes)))


@dataclass(frozen=True)
class Boxes:
    codes: Box
    plot: Box
    accepted: Box

    @classmethod
    def of(cls, codes: np.ndarray) -> "Boxes":
        return cls(bounding_box(codes, margin=0.0), bounding_box(codes, margin=PLOT_MARGIN), accepted_box(codes))

    @property
    def relative_accepted(self) -> Box:
        """The accepted box in fractions across and up the codes' box."""
        (x0, x1), (y0, y1) = self.codes
        (ax0, ax1), (ay0, ay1) = self.accepted
        return ((ax0 - x0) / (x1 - x0), (ax1 - x0) / (x1 - x0)), ((ay0 - y0) / (y1 - y0), (ay1 - y0) / (y1 - y0))
