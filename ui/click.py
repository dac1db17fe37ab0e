"""Points from outside (a click on the scatter, a link, typed numbers, a point carried over from
another model), read and checked against the one accepted box of `ui.boxes`, with one sentence
saying what was wrong. The scatter's click comes through `take_click`, the same for every page.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import streamlit as st

from ui.boxes import inside
from ui.view import ModelView


def parse_point(raw_z1, raw_z2, box, source: str = "The link's point") -> tuple[tuple[float, float] | None, str | None]:
    """A point from URL query values (or a click, or typing). Returns (point, None), (None, warning) or
    (None, None) when neither value is given. `source` names the point in the warnings ("That click")."""
    if raw_z1 is None and raw_z2 is None:
        return None, None
    if raw_z1 is None or raw_z2 is None:
        return None, f"{source} gives only one of z1 and z2; both are needed, so it was ignored."
    try:
        z1, z2 = float(str(raw_z1).strip()), float(str(raw_z2).strip())
    except ValueError:
        return None, f"{source} (z1={str(raw_z1)[:20]!r}, z2={str(raw_z2)[:20]!r}) is not numeric, so it was ignored."
    if not (math.isfinite(z1) and math.isfinite(z2)):
        return None, f"{source} is not a finite number, so it was ignored."
    if not inside((z1, z2), box):
        (x0, x1), (y0, y1) = box
        return None, (f"{source} ({z1:.4g}, {z2:.4g}) lies far outside this latent space "
                      f"(z1 from {x0:.1f} to {x1:.1f}, z2 from {y0:.1f} to {y1:.1f}), so it was ignored.")
    return (z1, z2), None


def carry_point(point, view: ModelView, what: str = "The point"):
    """One rule for every page when the model changes: a point is kept when it lies inside the new
    model's accepted box, else cleared. Returns (point or None, the one line saying why, or None)."""
    if point is None:
        return None, None
    if inside(point, view.boxes.accepted):
        return point, None
    (x0, x1), (y0, y1) = view.boxes.accepted
    return None, (f"{what} ({point[0]:.4g}, {point[1]:.4g}) lies outside the latent space of {view.name} "
                  f"(z1 from {x0:.1f} to {x1:.1f}, z2 from {y0:.1f} to {y1:.1f}), so it was cleared.")


def parse_click(payload) -> tuple[float, float] | None:
    """The (z1, z2) of a click event from the scatter component, or None if malformed."""
    if not isinstance(payload, dict):
        return None
    try:
        z1, z2 = float(payload["z1"]), float(payload["z2"])
    except (KeyError, TypeError, ValueError):
        return None
    return (z1, z2) if math.isfinite(z1) and math.isfinite(z2) else None


def parse_dot(payload) -> int | None:
    """The index of the data dot a click landed on (into the plotted split's codes), or None."""
    index = payload.get("index") if isinstance(payload, dict) else None
    return index if isinstance(index, int) and not isinstance(index, bool) and index >= 0 else None


@dataclass
class Click:
    """A click on the scatter, checked: `point` inside the accepted box (a dot's own code when it hit
    one, then `dot` = (split, index)), or `point` None and `warning` saying why it was refused."""
    point: tuple[float, float] | None
    dot: tuple[str, int] | None = None
    warning: str | None = None


def take_click(key: str, view: ModelView, which: str = "test", snap_to_dots: bool = False) -> Click | None:
    """Inside the scatter's click callback: the click, checked; None when no click came (a stray event)."""
    state = st.session_state.get(key)
    payload = state.get("click") if hasattr(state, "get") else getattr(state, "click", None)
    point = parse_click(payload)
    if point is None:
        return None
    index = parse_dot(payload) if snap_to_dots else None
    codes = view.ckpt.test_codes if which == "test" else view.ckpt.train_codes
    if index is not None and index < len(codes):  # a dot: exactly its code, and its real image beside
        return Click(tuple(float(v) for v in codes[index]), (which, index))
    # Zoomed far out, a click can land where no link could point; the same box applies to both.
    point, warning = parse_point(point[0], point[1], view.boxes.accepted, source="That click")
    return Click(point, None, warning)
