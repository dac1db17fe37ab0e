"""Interpolation: walk the straight line between two codes and watch the decodings (and their quality)."""
import numpy as np
import plotly.graph_objects as go
import streamlit as st

import ae
from ae import limits, slides
from ui import panels, pickers
from ui.click import carry_point, parse_point, take_click
from ui.figures import chart
from ui.images import image_strip
from ui.scatter import ScatterStyle, hover_preview_toggle, latent_scatter
from ui.text import format_point, parse_index, plain_text

st.set_page_config(page_title="Interpolation", layout="wide")
st.title("Interpolation")
st.caption("Pick two test images, by index or by clicking two points on the plot. The straight line "
           "between their codes crosses whatever lies between them; in a gap the decodings stop looking "
           "like anything real. Move the mouse along the line to decode any position on it.")
view = pickers.choose_checkpoint("ip")
if view is None:
    st.stop()
panels.require_2d(view, "drawing the path on the plot")
ckpt, names = view.ckpt, view.class_names
n_test = len(ckpt.test_codes)
# Defaults whose straight line crosses a wide gap in the shipped plain autoencoder: MNIST, a 1 and a
# 7; Fashion-MNIST, a trouser (test image 2) and a bag (test image 18).
start, end = {"mnist": (9356, 1369), "fashion": (2, 18)}.get(ckpt.dataset, (0, 1))
a_key, b_key = f"ip_a_{ckpt.dataset}", f"ip_b_{ckpt.dataset}"
if "ip_clicks" not in st.session_state:  # first run of this session: open on the link's line
    for key, param in ((a_key, "start"), (b_key, "end")):
        if st.query_params.get(param) is not None:
            value, problem = parse_index(st.query_params.get(param), n_test)
            if problem:
                st.warning(plain_text(f"The link's {param} test image: {problem} It was ignored."))
            else:
                st.session_state[key] = value
    linked = []
    for param in ("from", "to"):
        raw = st.query_params.get(param)
        if raw is not None:
            parts = str(raw).split(",")
            point, problem = parse_point(parts[0], parts[1] if len(parts) == 2 else None, view.boxes.accepted,
                                            source=f"The link's {param} point")
            if problem:
                st.warning(plain_text(problem))
            linked.append(point)
    st.session_state.ip_clicks = linked if len(linked) == 2 and None not in linked else []
    st.session_state.ip_clicks_model = view.name
if st.session_state.get("ip_clicks_model") != view.name:
    # Another model's plane: the clicked ends stay only if both still lie inside this model's space.
    carried = [carry_point(p, view, "A clicked end") for p in st.session_state.ip_clicks]
    if all(p is not None for p, _ in carried):
        st.session_state.ip_clicks = [p for p, _ in carried]
    else:
        st.session_state.ip_clicks = []
        st.info(plain_text(next(notice for _, notice in carried if notice)))
    st.session_state.ip_clicks_model = view.name
st.session_state.setdefault(a_key, min(start, n_test - 1))
st.session_state.setdefault(b_key, min(end, n_test - 1))
with st.sidebar:
    a_index = st.number_input("Start: test image", 0, n_test - 1, key=a_key)
    b_index = st.number_input("End: test image", 0, n_test - 1, key=b_key)
    steps = st.slider("Steps", 3, 24, 12, key="ip_steps")
    live_hover = hover_preview_toggle("ip")
    if st.button("Use the test images again", key="ip_reset"):
        st.session_state.ip_clicks = []

clicks = st.session_state.ip_clicks
if len(clicks) == 2:
    a, b = clicks
    label_a, label_b = f"clicked {format_point(a)}", f"clicked {format_point(b)}"
    st.query_params.update({"from": f"{a[0]:.5f},{a[1]:.5f}", "to": f"{b[0]:.5f},{b[1]:.5f}"})
    for param in ("start", "end"):
        st.query_params.pop(param, None)
else:
    a, b = ckpt.test_codes[a_index], ckpt.test_codes[b_index]
    label_a = f"test #{a_index} ({names[int(ckpt.test_labels[a_index])]})"
    label_b = f"test #{b_index} ({names[int(ckpt.test_labels[b_index])]})"
    st.query_params.update(start=str(a_index), end=str(b_index))
    for param in ("from", "to"):
        st.query_params.pop(param, None)


def remember_click():
    click = take_click("ip_scatter", view)
    if click is None:
        return
    st.session_state.ip_warning = click.warning
    if click.point is not None:
        st.session_state.ip_clicks = (st.session_state.ip_clicks + [click.point])[-2:]


if st.session_state.get("ip_warning"):
    st.warning(plain_text(st.session_state.ip_warning))
path = limits.interpolate(a, b, steps)
images = ae.decode(ckpt.model, path)
gaps = view.index.gap(path)
latent_scatter(view, ScatterStyle(height=420, live_hover=live_hover, zoom=st.session_state.get("ip_zoom")),
               clicks[-1] if len(clicks) == 1 else None,
               key="ip_scatter", on_click=remember_click, line=path)
if len(clicks) == 1:
    st.info(f"First point {format_point(clicks[0])} chosen; click a second point.")
st.subheader(f"From {label_a} to {label_b}")
image_strip(images, [f"{t:.2f}" for t in np.linspace(0, 1, steps)],
            [f"decoding at t = {t:.2f} of the line from {label_a} to {label_b}, at {format_point(z)}: gap measure "
             f"{g:.1f} times the usual spacing{' (in a gap)' if g > view.index.edge else ''}"
             for t, z, g in zip(np.linspace(0, 1, steps), path, gaps)], width=72)
stem = f"interpolation-{view.ckpt.path.stem}-{label_a}-{label_b}".replace(" ", "").replace("#", "").replace("(", "-").replace(")", "")
gif, png = st.columns(2)
gif.download_button("Download as GIF (for slides)", lambda: slides.strip_gif(images), file_name=f"{stem}.gif", mime="image/gif",
                    key="ip_gif")  # made when pressed, not on every rerun
png.download_button("Download the frames (PNG, zip)", lambda: slides.frames_zip(slides.strip_frames(images), stem),
                    file_name=f"{stem}.zip", mime="application/zip", key="ip_zip")

judge, problem = view.judge()
fig = go.Figure(go.Scatter(x=np.linspace(0, 1, steps), y=gaps, name="gap measure", mode="lines+markers"))
if judge is not None:
    predicted, confidence = judge(images)
    fig.add_trace(go.Scatter(x=np.linspace(0, 1, steps), y=confidence, name="classifier confidence",
                             mode="lines+markers", yaxis="y2",
                             text=[names[p] for p in predicted], hovertemplate="%{text}: %{y:.2f}"))
else:
    st.caption(problem)
# Round-trip drift, the measure of the third limit, on its own axis (latent units) with its threshold.
round_trip = view.round_trip
drift = round_trip.drift(path).drift
fig.add_trace(go.Scatter(x=np.linspace(0, 1, steps), y=drift, name="round-trip drift", mode="lines+markers",
                         yaxis="y3", line=dict(color="#6a1b9a"), hovertemplate="drift %{y:.2f}"))
# The legend sits above the plot, where it covers no tick; confidence reads 0 to 1 in round steps.
fig.update_layout(height=340, margin=dict(l=50, r=20, t=40, b=40),
                  xaxis=dict(title="position along the line", domain=[0, 0.86]),
                  legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                  yaxis=dict(title="gap (x usual spacing)", rangemode="tozero"),
                  yaxis2=dict(title="confidence", overlaying="y", side="right", range=[0, 1.02],
                              tickvals=[0, 0.25, 0.5, 0.75, 1], showgrid=False),
                  yaxis3=dict(title=dict(text="drift", font=dict(color="#6a1b9a")), overlaying="y", side="right",
                              anchor="free", position=0.95, rangemode="tozero", showgrid=False,
                              tickfont=dict(color="#6a1b9a")))
fig.add_hline(y=view.index.edge, line_dash="dot", line_color="#d62728", annotation_text="gap threshold",
              annotation_position="top left", annotation_font_color="#d62728", annotation_yshift=2)
fig.add_shape(type="line", xref="paper", x0=0, x1=0.86, yref="y3", y0=round_trip.high, y1=round_trip.high,
              line=dict(color="#6a1b9a", dash="dot"))
chart(fig, key="ip_profile")
st.caption(f"Round-trip drift (purple, right axis): how far the encoder sends each decoding back, in latent "
           f"units; above the dotted purple line ({round_trip.high:.2f}) it comes back farther than 99% of real "
           f"images' codes do, so the image does not mean its place on the line.")
