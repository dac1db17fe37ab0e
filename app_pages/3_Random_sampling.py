"""Random sampling and the three limits of a plain autoencoder, each put into numbers."""
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import ae
from ae import limits
from ui import panels, pickers
from ui.figures import add_on_top, chart, scatter_figure
from ui.images import pixel_picture, upscale

st.set_page_config(page_title="Random sampling and the three limits", layout="wide")
st.title("Random sampling and the three limits")
view = pickers.choose_checkpoint("rs")
if view is None:
    st.stop()
panels.require_2d(view, "measuring the three limits by sampling the plane")
ckpt = view.ckpt
with st.sidebar:
    k = st.slider("Random points K", 10, 1000, 100, step=10, key="rs_k")
    seed = st.number_input("Seed", 0, 10_000, 0, key="rs_seed")
    # A VAE is trained to make N(0, I) its code distribution; a plain autoencoder has no such recipe.
    source = st.radio("Sample from", list(limits.SAMPLERS), format_func=limits.SAMPLERS.get, key="rs_source",
                      index=1 if ckpt.model_type == "vae" else 0)

names = view.class_names
item, items = ae.data.item_words(view.dataset)
index = view.index
box = view.boxes.codes
points = (limits.sample_box(box, k, seed=int(seed)) if source == "box"
          else limits.sample_prior(k, ckpt.config.z_dim, seed=int(seed)))
decoded = view.decoded(points)
judge, problem = view.judge()
report = limits.sample_report(points, index, decoded, judge) if judge else None
in_gap = report.in_gap if report is not None else index.gap(points) > index.edge

left, right = st.columns([3, 2])
with left:
    fig = scatter_figure(view, height=520)
    # Black with a white ring: no class has that colour (red is the 3s'), for both samplers alike.
    add_on_top(fig, points[:, 0], points[:, 1], name="random sample",
                  marker=dict(color="black", size=7, line=dict(color="white", width=1.5)))
    chart(fig, key="rs_scatter")
with right:
    st.caption(f"The first {min(k, 48)} random points, decoded (white frame: in a gap):")
    shown = min(k, 48)
    tiles = np.stack([np.pad(img, 2, constant_values=(1.0 if g else 0.25)) for img, g in zip(decoded[:shown], in_gap)])
    pixel_picture(upscale(ae.latent.tile(tiles, 8), 8 * 64),
                  alt=f"The decodings of the first {shown} random points, eight to a row; {int(in_gap[:shown].sum())} of "
                      f"them lie in a gap and have a white frame, the others a dark grey one.")

st.header("1. No clear way to pick a random point")
where = "Uniform points in the codes' bounding box" if source == "box" else "Points drawn from N(0, I)"
st.write(f"{where}: **{in_gap.mean():.0%}** land in a gap (farther from any training code than 99% of "
         f"training codes are from their neighbours).")
if ckpt.model_type == "vae":
    st.write("This is a variational autoencoder: its KL term pulls the codes towards N(0, I), so "
             "sampling from N(0, I) is a recipe, not a guess. Compare with a plain autoencoder's "
             "checkpoint, or open *Compare two models*.")
else:
    st.write("For a plain autoencoder nothing says which distribution to sample from: much of its box "
             "is empty, and N(0, I) covers only a corner of how far its codes spread.")

st.header("2. Unequal areas, so samples lack diversity")
area = view.class_shares(source)
data_share = limits.class_shares(ckpt.train_labels, len(names))
region = "latent area" if source == "box" else "share of N(0, I)"
shares = pd.DataFrame({region: area, "data": data_share}, index=names)
if report is not None:
    predicted, confidence = report.predicted, report.confidence
    shares["read in random samples"] = limits.class_shares(predicted, len(names))
# Three clearly different colours, none a class colour's twin; one legend, above the bars.
bars = go.Figure([go.Bar(x=names, y=shares[column], name=column, marker_color=colour)
                  for column, colour in zip(shares.columns, ("#54278f", "#bdbdbd", "#f28e2b"))])
bars.update_layout(barmode="group", height=320, margin=dict(l=40, r=10, t=40, b=40), yaxis_title="share",
                   legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
bars.update_xaxes(type="category", tickvals=names)  # classes in the dataset's order, every one labelled
chart(bars, key="rs_shares")
what = "area" if source == "box" else "probability mass"
uneven = (f"the largest class owns {area.max() / area.min():.1f}x the {what} of the smallest"
          if area.min() > 0 else f"at least one class owns none of the {what}")
st.write(f"Each point goes to the class of its nearest training code: {uneven}, although the classes "
         f"are about equally common in the data.")

st.header("3. Poor quality between the clusters")
round_trip = view.round_trip
drift = round_trip.drift(points).drift
high = drift > round_trip.high
fig = go.Figure([go.Histogram(x=np.minimum(v, 4 * round_trip.high), name=name, opacity=0.6, histnorm="percent",
                              marker_color=colour, xbins=dict(start=0, end=4 * round_trip.high * 1.0001,
                                                              size=round_trip.high / 8))
                 for name, v, colour in (("random samples", drift, "#6a1b9a"),
                                         ("real test images' codes", round_trip.test_drift, "#bdbdbd"))])
fig.add_vline(x=round_trip.high, line_dash="dot", line_color="#6a1b9a")
fig.update_layout(barmode="overlay", height=300, xaxis_title="round-trip drift (latent units; the last bar: all beyond)",
                  yaxis_title="% of points", margin=dict(l=40, r=10, t=10, b=40),
                  legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
chart(fig, key="rs_drift")
st.write(f"**Round-trip drift** asks whether a sample's decoding means the place it was drawn from: encode "
         f"the decoded image again and see how far from the sample the encoder puts it. Real images' codes come "
         f"back within **{round_trip.high:.2f}** (99% of them; dotted line). **{high.mean():.0%}** of these random "
         f"samples come back farther: their images, however crisp, belong somewhere else in the plane. "
         f"In gaps: {np.mean(high[in_gap]) if in_gap.any() else float('nan'):.0%}; elsewhere: "
         f"{np.mean(high[~in_gap]) if (~in_gap).any() else float('nan'):.0%}.")

if report is None:
    st.info(problem)
    st.stop()
st.subheader("A second, weaker measure: the classifier's confidence")
real_codes_conf = view.test_confidences()
test, _ = view.images("test")
curves = {"random samples": confidence, "decoded test codes": real_codes_conf}
if test is not None:
    curves["real test images"] = view.real_confidences()
fig = go.Figure([go.Histogram(x=v, name=name, opacity=0.55, histnorm="percent", xbins=dict(start=0, end=1.0001, size=0.05))
                 for name, v in curves.items()])
fig.update_layout(barmode="overlay", height=300, xaxis_title="classifier confidence", yaxis_title="% of images",
                  margin=dict(l=40, r=10, t=10, b=40))
chart(fig, key="rs_confidence")
in_gaps, others = (f"{np.median(confidence[m]):.2f}" if m.any() else "n/a" for m in (in_gap, ~in_gap))
st.write(f"A confident reading means the classifier takes the decoding for a clear {item}. Median "
         f"confidence: {in_gaps} for the random samples in gaps, {others} for the "
         f"others, {np.median(real_codes_conf):.2f} for decoded test codes. A classifier trained on clean "
         f"images is sure of many odd images too: on MNIST it is sure of nearly every decoding, gaps "
         f"included, because the plain decoder draws crisp, exaggerated strokes even far from the data. "
         f"There, confidence does not show the third limit and round-trip drift does; on Fashion-MNIST "
         f"confidence drops for more of the gap decodings, but drift still separates them better "
         f"(README, *The third limit in numbers*).")

st.subheader("The numbers")
sampled = limits.measure_sampler(points, area, index, round_trip, drift=drift, confidences=confidence)
rows = [(f"{label} ({limits.SAMPLERS[source]})", value) for label, value in limits.sampler_rows(sampled)]
rows += [("3. median classifier confidence, random samples in gaps", in_gaps),
         ("3. median classifier confidence, decoded test codes", f"{np.median(real_codes_conf):.2f}")]
if test is not None:
    rows.append(("3. median classifier confidence, real test images", f"{np.median(curves['real test images']):.2f}"))
table = pd.DataFrame(rows, columns=["measure", "value"])
st.table(table.set_index("measure"))
