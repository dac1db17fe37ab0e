"""The rectangles of a latent space, defined once and all built from the same codes: the test codes,
the ones every scatter plots by default.

- `codes`: their bounding box. Uniform random samples are drawn in it, and the comparison page's
  relative positions (fractions across and up) are fractions of it.
- `plot`: the codes' box widened by PLOT_MARGIN of its size on each side: what a scatter shows.
- `accepted`: the codes' box widened by POINT_REACH box sizes on each side: where a point from a
  click, a link, typing or another model is accepted. Beyond it a point is absurd, and says so.
  In fractions of the codes' box (the comparison page's links), that is RELATIVE_ACCEPTED.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ae.latent import bounding_box

PLOT_MARGIN = 0.05
# How far outside the codes' box a point may lie, in box sizes, before it counts as absurd: a quarter
# of the box beyond the farthest code is already many times the usual spacing out, deep in the empty
# space the chapter's third limit is about; much farther, every decoding looks the same.
POINT_REACH = 0.25

Box = tuple[tuple[float, float], tuple[float, float]]
RELATIVE_ACCEPTED: Box = ((-POINT_REACH, 1 + POINT_REACH), (-POINT_REACH, 1 + POINT_REACH))


def accepted_box(codes: np.ndarray, reach: float = POINT_REACH) -> Box:
    """The rectangle where points are accepted: the codes' box widened by `reach` box sizes each side."""
    return bounding_box(codes, margin=reach)


def inside(point, box: Box) -> bool:
    (x0, x1), (y0, y1) = box
    return x0 <= point[0] <= x1 and y0 <= point[1] <= y1


@dataclass(frozen=True)
class Boxes:
    codes: Box
    plot: Box
    accepted: Box

    @classmethod
    def of(cls, codes: np.ndarray) -> "Boxes":
        return cls(bounding_box(codes, margin=0.0), bounding_box(codes, margin=PLOT_MARGIN), accepted_box(codes))
