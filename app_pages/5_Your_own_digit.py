"""Your own image: upload a digit (or a garment photo), prepare it like the dataset, see where the encoder puts it."""
import numpy as np
import streamlit as st
import torch

import ae
import ui
from ae.preprocess import InvalidImage, limits_text, prepare_image

st.set_page_config(page_title="Your own image", layout="wide")
ckpt = ui.choose_checkpoint("own")
if ckpt is None:
    st.stop()
if ckpt.dataset == "mnist":
    st.title("Your own digit")
    st.caption("Photograph or scan a digit written on paper (or draw one in any paint program) and upload "
               "it. It is prepared the way MNIST was: grayscale, white on black, cropped, scaled into 20x20, "
               "centred by mass in 28x28. Then the encoder places it in the latent space.")
    prompt = "A PNG or JPG of one handwritten digit"
else:
    st.title("Your own item of clothing")
    st.caption("Upload a photo of one garment, shoe or bag on a plain light background. It is prepared the "
               "way Fashion-MNIST was: grayscale, negated (light item on black), trimmed, longest edge "
               "scaled to 28, centred in 28x28. Then the encoder places it in the latent space.")
    prompt = "A PNG or JPG of one item of clothing"
upload = st.file_uploader(prompt, key="own_upload", type=["png", "jpg", "jpeg", "gif", "bmp", "webp"],
                          help=f"{limits_text()}.")
if upload is None:
    st.info("Upload an image to begin.")
    st.stop()
try:
    digit = prepare_image(upload.getvalue(), ckpt.dataset)
except InvalidImage as e:
    st.error(ui.plain_text(f"{upload.name}: {e}"))
    st.stop()

st.subheader(f"Preparing it like {ae.data.dataset_title(ckpt.dataset)}")
columns = st.columns(len(digit.steps))
for column, (title, image) in zip(columns, digit.steps):
    # A grey frame shows each step's true extent: a light crop would vanish into the white page.
    framed = np.pad(image, max(1, max(image.shape) // 40), constant_values=0.5)
    column.image(ui.upscale(framed, 140) if max(framed.shape) <= 140 else framed, caption=title,
                 width=140, output_format="PNG")

code = ae.encode(ckpt.model, torch.from_numpy(digit.image)[None, None])[0]
reconstruction = ae.decode(ckpt.model, code[None])[0]
place = ui.index_for(ckpt).place(code)
names = ae.class_names(ckpt.dataset)

left, right = st.columns([3, 2])
with left:
    fig = ui.scatter_figure(ckpt, height=500)
    ui.add_on_top(fig, [code[0]], [code[1]], name="yours",
                  marker=dict(symbol="star", size=22, color="black", line=dict(color="white", width=2)))
    st.plotly_chart(fig, key="own_scatter")
with right:
    st.image([ui.upscale(digit.image, ui.px(168)), ui.upscale(reconstruction, ui.px(168))],
             caption=["yours, prepared", "its reconstruction"], width=ui.px(168), output_format="PNG")
    st.write(f"Code: **{ui.format_point(code)}**. {ae.describe_place(place, names)}")
    judge, problem = ui.judge_for(ckpt)
    if judge is None:
        st.caption(problem)
    else:
        (p_in, p_out), (c_in, c_out) = judge([digit.image, reconstruction])
        st.metric("The classifier reads yours as", names[p_in], help=f"{c_in:.0%} sure")
        st.caption(f"{c_in:.0%} sure")
        st.metric("... and its reconstruction as", names[p_out], help=f"{c_out:.0%} sure")
        st.caption(f"{c_out:.0%} sure")
