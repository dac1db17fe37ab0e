"""Interpolation: walk the straight line between two codes and watch the decodings (and their quality)."""
import numpy as np
import plotly.graph_objects as go
import streamlit as st

import ae
import ui
from ae import limits

st.set_page_config(page_title="Interpolation", layout="wide")
st.title("Interpolation")
st.caption("Pick two test images, by index or by clicking two points on the plot. The straight line "
           "between their codes crosses whatever lies between them; in a gap the decodings stop looking "
           "like anything real. Move the mouse along the line to decode any position on it.")
ckpt = ui.choose_checkpoint("ip")
if ckpt is None:
    st.stop()
names = ae.class_names(ckpt.dataset)
n_test = len(ckpt.test_codes)
clicks_key = f"ip_clicks_{ckpt.path.name}"  # clicked points belong to one model's plane
# Defaults whose straight line crosses a wide gap in the shipped plain autoencoder: MNIST, a 1 and a
# 7; Fashion-MNIST, a trouser (test image 2) and a bag (test image 18).
start, end = {"mnist": (9356, 1369), "fashion": (2, 18)}.get(ckpt.dataset, (0, 1))
with st.sidebar:
    a_index = st.number_input("Start: test image", 0, n_test - 1, min(start, n_test - 1), key=f"ip_a_{ckpt.dataset}")
    b_index = st.number_input("End: test image", 0, n_test - 1, min(end, n_test - 1), key=f"ip_b_{ckpt.dataset}")
    steps = st.slider("Steps", 3, 24, 12, key="ip_steps")
    live_hover = ui.hover_preview_toggle("ip")
    if st.button("Use the test images again", key="ip_reset"):
        st.session_state.pop(clicks_key, None)

clicks = st.session_state.get(clicks_key, [])
if len(clicks) == 2:
    a, b = clicks
    label_a, label_b = f"clicked {ui.format_point(a)}", f"clicked {ui.format_point(b)}"
else:
    a, b = ckpt.test_codes[a_index], ckpt.test_codes[b_index]
    label_a = f"test #{a_index} ({names[int(ckpt.test_labels[a_index])]})"
    label_b = f"test #{b_index} ({names[int(ckpt.test_labels[b_index])]})"


def remember_click():
    point = ui.clicked("ip_scatter")
    if point is not None:
        st.session_state[clicks_key] = (st.session_state.get(clicks_key, []) + [point])[-2:]


path = limits.interpolate(a, b, steps)
images = ae.decode(ckpt.model, path)
gaps = ui.index_for(ckpt).gap(path)
ui.latent_scatter(ckpt, ui.ScatterStyle(height=420, live_hover=live_hover), clicks[-1] if len(clicks) == 1 else None,
                  key="ip_scatter", on_click=remember_click, line=path)
if len(clicks) == 1:
    st.info(f"First point {ui.format_point(clicks[0])} chosen; click a second point.")
st.subheader(f"From {label_a} to {label_b}")
ui.image_strip(images, [f"{t:.2f}" for t in np.linspace(0, 1, steps)], width=72)

judge, problem = ui.judge_for(ckpt)
fig = go.Figure(go.Scatter(x=np.linspace(0, 1, steps), y=gaps, name="gap measure", mode="lines+markers"))
if judge is not None:
    predicted, confidence = judge(images)
    fig.add_trace(go.Scatter(x=np.linspace(0, 1, steps), y=confidence, name="classifier confidence",
                             mode="lines+markers", yaxis="y2",
                             text=[names[p] for p in predicted], hovertemplate="%{text}: %{y:.2f}"))
else:
    st.caption(problem)
# The legend sits above the plot, where it covers no tick; confidence reads 0 to 1 in round steps.
fig.update_layout(height=320, margin=dict(l=50, r=60, t=40, b=40), xaxis_title="position along the line",
                  legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                  yaxis=dict(title="gap (x usual spacing)", rangemode="tozero"),
                  yaxis2=dict(title="confidence", overlaying="y", side="right", range=[0, 1.02],
                              tickvals=[0, 0.25, 0.5, 0.75, 1], showgrid=False))
fig.add_hline(y=ui.index_for(ckpt).edge, line_dash="dot", line_color="#d62728", annotation_text="gap threshold",
              annotation_position="top left", annotation_font_color="#d62728", annotation_yshift=2)
st.plotly_chart(fig, key="ip_profile")
