"""Latent grid: decode an n x n grid of points and lay the images out like the plane (the chapter's figure)."""
import numpy as np
import streamlit as st

import ae
from ui import panels, pickers
from ui.figures import add_on_top, chart, scatter_figure
from ui.images import pixel_picture, upscale

st.set_page_config(page_title="Latent grid", layout="wide")
st.title("Latent grid")
st.caption("Decode a regular grid of points and tile the images in the same layout as the plane. "
           "Drag a box on the scatter (box select) to decode just that region.")
view = pickers.choose_checkpoint("grid")
if view is None:
    st.stop()
panels.require_2d(view, "the chapter's grid over the plane")
# A region chosen on one model's plane means nothing on another's: one region per checkpoint.
region_key = f"grid_region_{view.name}"

with st.sidebar:
    n = st.slider("Grid size n (n x n images)", 5, 40, 15, key="grid_n")
    if st.button("Reset to the whole plane", key="grid_reset"):
        st.session_state.pop(region_key, None)
        # A new chart key drops the old box selection along with the region.
        st.session_state.grid_version = st.session_state.get("grid_version", 0) + 1

box = view.boxes.codes
region = st.session_state.get(region_key, box)
points = ae.grid_points(region[0], region[1], n)

left, right = st.columns(2)
with left:
    fig = scatter_figure(view, height=600)
    add_on_top(fig, points[:, 0], points[:, 1], name="grid", showlegend=False,
                  marker=dict(size=4 if n > 20 else 6, color="black", symbol="cross-thin", line=dict(width=1)))
    (x0, x1), (y0, y1) = region
    fig.add_shape(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, line=dict(color="black", dash="dot"))
    fig.update_layout(dragmode="select")
    event = chart(fig, key=f"grid_scatter_{st.session_state.get('grid_version', 0)}", on_select="rerun", selection_mode="box")
with right:
    wall = ae.decode_grid(view.ckpt.model, region[0], region[1], n)
    over = f"z1 {region[0][0]:.2f}..{region[0][1]:.2f}, z2 {region[1][0]:.2f}..{region[1][1]:.2f}"
    gaps = view.index.gap(points)
    pixel_picture(upscale(wall, 560 if n * 28 < 560 else n * 28), caption=f"{n} x {n} decodings over {over}",
                  alt=f"A wall of {n} by {n} decoded images, one for each grid point over {over}, z1 growing to "
                      f"the right and z2 upwards; {np.mean(gaps > view.index.edge):.0%} of the grid points lie in "
                      f"gaps, where the images blur or change abruptly.")

boxes = (event.selection or {}).get("box", []) if event else []
if boxes:
    xs, ys = boxes[-1]["x"], boxes[-1]["y"]
    chosen = ((min(xs), max(xs)), (min(ys), max(ys)))
    if chosen != region and np.ptp(xs) > 0 and np.ptp(ys) > 0:
        st.session_state[region_key] = chosen
        st.rerun()
