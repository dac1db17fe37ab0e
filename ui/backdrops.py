"""The maps that can shade the plane behind a latent scatter: where the gaps are, where decodings
drift on their round trip, and where the decoded image changes fastest. Each is measured once per
view over its plot box, published as a small JSON file with its own colour scale, and drawn by the
scatter component under the data.
"""
from __future__ import annotations

import json

import numpy as np
import streamlit as st

from ui.payloads import publish, published
from ui.view import ModelView, spinning

# name -> (label in the picker, what it shows, said under the plot when it is on)
BACKDROPS = {
    "none": ("nothing", ""),
    "gaps": ("gaps", "Shaded: the gap measure, the distance to the nearest training code in usual spacings; "
                     "orange beyond the edge threshold, red far out."),
    "drift": ("round-trip drift", "Shaded: round-trip drift, how far the encoder sends each point's decoding "
                                  "back; purple where it comes back farther than 99% of real images' codes do. "
                                  "This is where the decoded image does not mean its place: the third limit."),
    "sensitivity": ("decoder sensitivity", "Shaded: how fast the decoded image changes as the point moves "
                                           "(pixels per latent unit). Bright along the seams where one class turns "
                                           "into another; dark far out, where the decoder saturates and every "
                                           "point draws the same thing. A picture of the decoder, not a quality "
                                           "score: it is low in most gaps."),
}


def choose_backdrop(prefix: str) -> str:
    """The sidebar's "Shade the plane by" picker; returns a BACKDROPS key."""
    return st.sidebar.radio("Shade the plane by", list(BACKDROPS), key=f"{prefix}_backdrop",
                            format_func=lambda k: BACKDROPS[k][0],
                            help="A map under the data. Gaps: how far from any training code. Round-trip drift: "
                                 "whether the decoding means its place. Decoder sensitivity: where the image "
                                 "changes fastest.")


def explain(kind: str) -> None:
    if BACKDROPS.get(kind, ("", ""))[1]:
        st.caption(BACKDROPS[kind][1])


def _grid(xs, ys, z, digits: int = 2) -> dict:
    return {"x": np.round(xs, 4).tolist(), "y": np.round(ys, 4).tolist(), "z": np.round(z, digits).tolist()}


def gap_map(view: ModelView, x_range, y_range, n: int = 150) -> dict:
    index = view.index
    xs, ys, g = index.gap_map(x_range, y_range, n)
    zmax = 2 * index.edge
    return _grid(xs, ys, np.minimum(g, 99)) | {
        "zmax": zmax, "title": "gap",
        "colorscale": [[0, "rgba(255,255,255,0)"], [index.inside / zmax, "rgba(255,255,255,0)"],
                       [index.edge / zmax, "rgba(253,174,97,0.5)"], [1, "rgba(215,48,39,0.7)"]]}


def drift_map(view: ModelView, x_range, y_range, n: int = 48) -> dict:
    rt = view.round_trip
    xs, ys, d = rt.drift_map(x_range, y_range, n)
    zmax = 2 * rt.high
    return _grid(xs, ys, np.minimum(d, 10 * zmax), 3) | {
        "zmax": zmax, "title": "drift",
        "colorscale": [[0, "rgba(255,255,255,0)"], [rt.typical / zmax, "rgba(255,255,255,0)"],
                       [rt.high / zmax, "rgba(186,104,200,0.45)"], [1, "rgba(74,20,140,0.7)"]]}


def sensitivity_map(view: ModelView, x_range, y_range, n: int = 48) -> dict:
    from ae.quality import sensitivity_map as measure
    xs, ys, s = measure(view.ckpt.model, x_range, y_range, n)
    zmax = float(np.percentile(s, 99)) or 1.0
    return _grid(xs, ys, s, 4) | {
        "zmax": zmax, "title": "change",
        "colorscale": [[0, "rgba(0,0,0,0.35)"], [0.5, "rgba(0,0,0,0)"], [1, "rgba(255,193,7,0.6)"]]}


MAPS = {"gaps": (gap_map, "Measuring the gaps..."),
        "drift": (drift_map, "Measuring the round-trip drift over the plane..."),
        "sensitivity": (sensitivity_map, "Measuring how fast the decoder changes over the plane...")}


def backdrop_url(kind: str, view: ModelView) -> str | None:
    """The published map of `kind` over the view's plot box; None for "none"."""
    if kind not in MAPS:
        return None
    measure, spinner = MAPS[kind]

    def make():
        text = json.dumps(measure(view, *view.boxes.plot), separators=(",", ":"))
        return publish(view, kind, "json", text)
    return published(view, ("backdrop", kind), spinning(spinner, make))
