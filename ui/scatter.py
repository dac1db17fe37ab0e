"""The clickable latent scatter and the drawing pad, the app's own components (`components/`): what
each is sent (codes, web model, backdrop, marker) and how pages mount them. A click arrives in the
page's callback; `ui.click.take_click` reads and checks it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from ui import mounts
from ui import payloads
from ui.figures import PALETTE
from ui.images import px

if TYPE_CHECKING:  # ui.view imports torch: this module does not, so the first paint comes before it
    from ui.view import ModelView


@dataclass
class ScatterStyle:
    which: str = "test"
    point_size: int = 4
    opacity: float = 0.7
    backdrop: str = "none"  # the map shading the plane under the data: a ui.backdrops.BACKDROPS key
    height: int = 620
    live_hover: bool = True  # decode the point under the mouse in the page as it moves
    preview_px: int = 168  # size of the live preview image beside the plot
    zoom: list | None = None  # [x0, x1, y0, y1] to show (a lesson step's), else the whole plane or the user's zoom


def hover_preview_toggle(prefix: str) -> bool:
    """The sidebar switch for decoding under the mouse (clicks always decode); on by default."""
    return st.sidebar.toggle("Live preview on hover", value=True, key=f"{prefix}_live",
                             help="The model runs in your browser: moving the mouse over the plot decodes the "
                                  "point under it at once. Off: only clicks decode. Touch screens never hover.")


def latent_scatter(view: ModelView, style: ScatterStyle, marker, *, key: str, on_click, line=None,
                   group: str | None = None, snap_to_dots: bool = False) -> None:
    """Mount the clickable scatter; a click calls `on_click()` before the rerun (read it there with
    `ui.click.take_click(key, view, style.which, snap_to_dots)`).

    `marker` is the (z1, z2) to mark with a cross; `line`, optional points to join with a line (the
    live preview then follows the line). Scatters with the same `group` hover together: the pointer
    over one decodes the same relative position of the codes' box in the others. With `snap_to_dots`
    a click right on a data dot reports that dot.
    """
    data = scatter_data(view, style, marker, line=line, group=group, snap_to_dots=snap_to_dots)
    mount_scatter(data, key=key, on_click=on_click, style=style)


def mount_scatter(data: dict, *, key: str, on_click, style: ScatterStyle) -> None:
    """Mount the scatter with `data` (`scatter_data`'s, or the first paint's: ui.first_paint)."""
    mounts.scatter(data={**data, "plotly_url": mounts.plotly_js_url()}, key=key, on_click_change=on_click,
                   height=style.height)


def scatter_data(view: ModelView, style: ScatterStyle, marker, *, line=None, group: str | None = None,
                 snap_to_dots: bool = False) -> dict:
    """What the scatter is sent (less plotly.js's address): the published codes, model and map, the
    marker, the ranges and the style."""
    from ui import backdrops, drift
    (x0, x1), (y0, y1) = x_range, y_range = view.boxes.plot
    if marker is not None:  # a point beyond the codes (a link, a carried point) is still in view, with room
        pad_x, pad_y = 0.05 * (x1 - x0), 0.05 * (y1 - y0)
        x_range = (min(x0, marker[0] - pad_x), max(x1, marker[0] + pad_x))
        y_range = (min(y0, marker[1] - pad_y), max(y1, marker[1] + pad_y))
    return {
        "points_url": payloads.points_url(view, style.which),
        "map_url": backdrops.backdrop_url(style.backdrop, view),
        "marker": list(marker) if marker else None,
        # Where the marker's decoding is sent back by the encoder (the round-trip arrow), for pages
        # where the model cannot run; the page's own model draws the same arrow at once.
        "sent_back": list(drift.point_drift(view, marker)[1]) if marker is not None else None,
        "point_size": style.point_size, "opacity": style.opacity, "height": style.height, "palette": PALETTE,
        "x_range": list(x_range), "y_range": list(y_range), "zoom": style.zoom,
        "revision": revision(view.name, view.version),
        "path": np.round(np.asarray(line, dtype=float), 5).tolist() if line is not None else None,
        "model_url": payloads.web_model_url(view),
        "model_problem": payloads.web_model_problem(view),
        "snap_to_dots": snap_to_dots,
        "accepted": [list(r) for r in view.boxes.accepted],  # a click outside is refused (ui.click), not fixed
        "live": {"hover": style.live_hover, "image_px": px(style.preview_px), "group": group,
                 "off_note": mounts.SERVER_DECODES,
                 "box": [list(r) for r in view.boxes.codes] if group else None},
    }


def revision(name: str, version: float) -> str:
    """What tells the scatter one version of a checkpoint's plot from another (its zoom is kept per revision)."""
    return f"{name}:{version}"


def drawing_pad(view: ModelView, *, key: str, on_drawn, group: str, pen: int = 22, size: int = 280) -> None:
    """Mount the drawing pad; on pen up, `on_drawn()` runs before the rerun (read `drawn(key)`).

    While drawing, the page prepares, encodes and decodes the drawing every frame and moves its
    code on the scatters of `group`.
    """
    data = {"kind": "pad", "model_url": payloads.web_model_url(view), "model_problem": payloads.web_model_problem(view),
            "dataset": view.dataset, "group": group,
            "off_note": mounts.SERVER_READS,
            "pen": pen, "size": px(size), "preview_px": px(84)}
    mounts.pad(data=data, key=key, on_drawn_change=on_drawn)


def drawn(key: str) -> np.ndarray | None:
    """Inside the pad's callback: the drawing prepared as the dataset was, (28, 28) in [0, 1], or None."""
    state = st.session_state.get(key)
    payload = state.get("drawn") if hasattr(state, "get") else getattr(state, "drawn", None)
    grid = payload.get("grid") if isinstance(payload, dict) else None
    try:
        image = np.asarray(grid, dtype=np.float32).reshape(28, 28)
    except (TypeError, ValueError):
        return None
    return np.clip(image, 0, 1) if np.isfinite(image).all() and image.max() > 0 else None
