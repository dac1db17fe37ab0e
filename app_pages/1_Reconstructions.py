"""Reconstructions: originals beside what one or two models rebuild from their codes."""
import numpy as np
import plotly.graph_objects as go
import streamlit as st

import ae
from ae.latent import article
from ui import catalog, pickers
from ui.figures import chart
from ui.images import image_strip
from ui.text import parse_indices, plain_text
from ui.view import view_of

st.set_page_config(page_title="Reconstructions", layout="wide")
st.title("Reconstructions")
st.caption("Each test image is squeezed into a few numbers and rebuilt from them. With two numbers the rebuilds "
           "keep the rough shape but lose detail; compare a model with a larger latent space (a *_z10 "
           "checkpoint) on the same images to see what more numbers buy.")
view = pickers.choose_checkpoint("rec")
if view is None:
    st.stop()
ckpt = view.ckpt
test, problem = view.images("test")
if test is None:
    st.info(f"Comparing with the originals needs the dataset on this machine. {problem}")
    st.stop()

with st.sidebar:
    others = [n for n in catalog.list_checkpoints(view.dataset) if n != view.name]
    other_name = st.selectbox("Compare with", [None] + others, key="rec_other",
                              format_func=lambda n: "nothing" if n is None else n,
                              help="Another checkpoint of this dataset, reconstructing the same images.")
    count = st.slider("Images", 4, 16, 8, key="rec_count")
    typed = st.text_input("Test image indices (optional)", key="rec_indices", placeholder="e.g. 0, 7, 42")
    seed = st.number_input("Random pick", 0, 10_000, 0, key="rec_seed", help="Change to draw other images.")

indices, warning = parse_indices(typed, len(test))
if warning:
    st.warning(plain_text(warning))
if not indices:
    indices = np.random.default_rng(int(seed)).choice(len(test), count, replace=False).tolist()

models = [view]
if other_name is not None:
    other, problem = view_of(other_name)
    if other is None:
        st.error(plain_text(f"{other_name}: {problem}"))
    elif len(other.ckpt.test_codes) != len(test.images):
        st.error(plain_text(f"{other_name} was trained on another test set; it cannot rebuild these images."))
    else:
        models.append(other)

names = view.class_names
originals = test.images[indices, 0].numpy()
st.subheader("Originals")
image_strip(originals, [f"#{i} · {names[int(ckpt.test_labels[i])]}" for i in indices],
            [f"test image {i}, {article(names[int(ckpt.test_labels[i])])}" for i in indices])
per_class = {}
for model in models:
    full = model.ckpt.full or model.ckpt  # a larger latent space rebuilds from all its numbers, not the plotted plane
    decoded = ae.decode(full.model, full.test_codes[indices])  # the stored codes are the encoder's
    errors = ((originals - decoded) ** 2).mean(axis=(1, 2))
    per_image = model.test_errors()
    z = full.config.z_dim
    st.subheader(plain_text(f"{model.name}: {z} latent numbers, test MSE {per_image.mean():.4f}"))
    code = (lambda i, c=full.test_codes: f"({c[i, 0]:.1f}, {c[i, 1]:.1f}) · ") if z == 2 else (lambda i: "")
    image_strip(decoded, [f"{code(i)}MSE {e:.3f}" for i, e in zip(indices, errors)],
                [f"{model.name}'s rebuild of test image {i} ({article(names[int(ckpt.test_labels[i])])}) from {z} numbers, "
                 f"mean squared error {e:.3f}" for i, e in zip(indices, errors)])
    per_class[model.name] = [float(per_image[model.ckpt.test_labels == c].mean()) for c in range(len(names))]

st.subheader("Mean error per class (whole test set)")
fig = go.Figure([go.Bar(x=names, y=values, name=name) for name, values in per_class.items()])
fig.update_layout(barmode="group", height=320, margin=dict(l=40, r=10, t=30, b=40), yaxis_title="mean per-pixel MSE",
                  xaxis_title="class", legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                  showlegend=len(per_class) > 1)
fig.update_xaxes(type="category", tickmode="array", tickvals=names)  # every class labelled, not every other
chart(fig, key="rec_bars")
