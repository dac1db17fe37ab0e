"""Reconstructions: originals beside what the decoder rebuilds from their two numbers."""
import numpy as np
import plotly.express as px
import streamlit as st

import ae
import ui

st.set_page_config(page_title="Reconstructions", layout="wide")
st.title("Reconstructions")
st.caption("Each test image is squeezed into two numbers and rebuilt from them. The rebuilds keep the "
           "rough shape but lose detail: two numbers cannot hold a whole handwriting style or fabric pattern.")
ckpt = ui.choose_checkpoint("rec")
if ckpt is None:
    st.stop()
test, problem = ui.dataset_images(ckpt, "test")
if test is None:
    st.info(f"Comparing with the originals needs the dataset on this machine. {problem}")
    st.stop()

with st.sidebar:
    count = st.slider("Images", 4, 16, 8, key="rec_count")
    typed = st.text_input("Test image indices (optional)", key="rec_indices", placeholder="e.g. 0, 7, 42")
    seed = st.number_input("Random pick", 0, 10_000, 0, key="rec_seed", help="Change to draw other images.")

indices, warning = ui.parse_indices(typed, len(test))
if warning:
    st.warning(ui.plain_text(warning))
if not indices:
    indices = np.random.default_rng(int(seed)).choice(len(test), count, replace=False).tolist()

decoded = ae.decode(ckpt.model, ckpt.test_codes[indices])  # the stored codes are the encoder's
originals = test.images[indices, 0].numpy()
errors = ((originals - decoded) ** 2).mean(axis=(1, 2))
names = ae.class_names(ckpt.dataset)
st.subheader("Originals")
ui.image_strip(originals, [f"#{i} · {names[int(ckpt.test_labels[i])]}" for i in indices])
st.subheader("Reconstructions")
ui.image_strip(decoded, [f"({ckpt.test_codes[i, 0]:.1f}, {ckpt.test_codes[i, 1]:.1f}) · MSE {e:.3f}"
                                  for i, e in zip(indices, errors)])

per_image = ui.test_errors(ckpt)
per_class = [float(per_image[ckpt.test_labels == c].mean()) for c in range(len(names))]
st.subheader(f"Mean error per class (whole test set: {per_image.mean():.4f})")
fig = px.bar(x=names, y=per_class, labels={"x": "class", "y": "mean per-pixel MSE"}, height=320)
fig.update_xaxes(type="category", tickmode="array", tickvals=names)  # every class labelled, not every other
st.plotly_chart(fig, key="rec_bars")
