"""The maps that can shade the plane behind a latent scatter: where the gaps are, where decodings
drift on their round trip, and where the decoded image changes fastest. Each is measured once per
view over its plot box, published as a small JSON file with its own colour scale, and drawn by the
scatter component under the data.
"""
from __future__ import annotations

import json

import streamlit as st

from ae import maps

from typing import TYPE_CHECKING

from ui import measured
from ui.payloads import publish, published

if TYPE_CHECKING:  # ui.view imports torch; the sidebar's picker comes before it (ui.first_paint)
    from ui.view import ModelView

# name -> (label in the picker, what it says under the plot when it is on): defined in ae.maps,
# which the static site's page gets them from too.
BACKDROPS = maps.SHADINGS


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


def gap_map(view: ModelView, x_range, y_range) -> dict:
    return maps.gap_map(view.index, x_range, y_range)


def drift_map(view: ModelView, x_range, y_range) -> dict:
    return maps.drift_map(view.round_trip, x_range, y_range)


def sensitivity_map(view: ModelView, x_range, y_range) -> dict:
    return maps.sensitivity_map(view.ckpt.model, x_range, y_range)


MAPS = {"gaps": (gap_map, "Measuring the gaps..."),
        "drift": (drift_map, "Measuring the round-trip drift over the plane..."),
        "sensitivity": (sensitivity_map, "Measuring how fast the decoder changes over the plane...")}


# The maps that take seconds (a decoding per grid node and more), kept per version of the checkpoint's
# file (ui.measured) and shipped for the shipped checkpoints; the gap map takes milliseconds.
KEPT = ("drift", "sensitivity")


def shading_map(view: ModelView, kind: str) -> dict:
    """The map of `kind` (a MAPS key) over the view's plot box, which depends only on the checkpoint."""
    from ui.view import spinning
    measure, spinner = MAPS[kind]
    make = spinning(spinner, lambda: measure(view, *view.boxes.plot))
    return view.kept(f"map-{kind}", make, measured.MAP) if kind in KEPT else view.once(("map", kind), make)


def backdrop_url(kind: str, view: ModelView) -> str | None:
    """The published map of `kind` over the view's plot box; None for "none"."""
    if kind not in MAPS:
        return None
    return published(view, ("backdrop", kind),
                     lambda: publish(view, kind, "json", json.dumps(shading_map(view, kind), separators=(",", ":"))))
