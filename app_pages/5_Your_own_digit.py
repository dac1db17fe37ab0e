"""Your own image: upload a digit (or a garment photo), prepare it like the dataset, see where the encoder puts it."""
import numpy as np
import streamlit as st
import torch

import ae
from ui import panels, pickers
from ui.figures import add_on_top, chart, scatter_figure
from ui.images import pixel_figures_html, pixel_picture, preparation_step, px
from ui.scatter import ScatterStyle, drawing_pad, drawn, latent_scatter
from ui.text import format_point, plain_text
from ae.preprocess import InvalidImage, limits_text, prepare_image

st.set_page_config(page_title="Your own image", layout="wide")
view = pickers.choose_checkpoint("own")
if view is None:
    st.stop()
panels.require_2d(view, "placing your image on the plot")
ckpt = view.ckpt
item = "digit" if ckpt.dataset == "mnist" else "item of clothing"
st.title(f"Your own {item}")
if ckpt.dataset == "mnist":
    st.caption("Draw a digit, or upload a photo or scan of one. It is prepared the way MNIST was: grayscale, "
               "white on black, cropped, scaled into 20x20, centred by mass in 28x28. Then the encoder places "
               "it in the latent space; while you draw, the star moves with every stroke.")
else:
    st.caption("Draw an item of clothing, or upload a photo of one on a plain light background. It is prepared "
               "the way Fashion-MNIST was: grayscale, negated (light item on black), trimmed, longest edge scaled "
               "to 28, centred in 28x28. Then the encoder places it in the latent space.")
names = view.class_names
mode = st.radio("Your image", ["draw", "upload"], key="own_mode", horizontal=True, label_visibility="collapsed",
                format_func={"draw": "Draw it", "upload": "Upload a picture"}.get)


def reading(image: np.ndarray) -> None:
    """What the server adds: the code, where it lies, the classifier's reading, the nearest images."""
    code = ae.encode(ckpt.model, torch.from_numpy(image)[None, None])[0]
    reconstruction = ae.decode(ckpt.model, code[None])[0]
    place = view.index.place(code)
    st.markdown(pixel_figures_html([image, reconstruction], ["yours, prepared", "its reconstruction"], px(168),
                                   alts=[f"your {item}, prepared as the dataset's images were", f"the decoder's rebuild "
                                         f"of your {item} from its code {format_point(code)}"]), unsafe_allow_html=True)
    st.write(f"Code: **{format_point(code)}**. {ae.describe_place(place, names)}")
    judge, problem = view.judge()
    if judge is None:
        st.caption(problem)
    else:
        (p_in, p_out), (c_in, c_out) = judge([image, reconstruction])
        st.metric("The classifier reads yours as", names[p_in], help=f"{c_in:.0%} sure")
        st.caption(f"{c_in:.0%} sure")
        st.metric("... and its reconstruction as", names[p_out], help=f"{c_out:.0%} sure")
        st.caption(f"{c_out:.0%} sure")
    panels.nearest_images(view, code, place)


if mode == "draw":
    def remember_drawing():
        st.session_state.own_drawing = drawn("own_pad")

    pen = st.sidebar.slider("Pen width", 4, 48, 22, step=2, key="own_pen",
                            help="In pixels of the 280-pixel pad; MNIST's digits were written with a thick pen.")
    pad, plot = st.columns([2, 3])
    with pad:
        drawing_pad(view, key="own_pad", on_drawn=remember_drawing, group="own", pen=pen)
    with plot:
        latent_scatter(view, ScatterStyle(height=440, live_hover=False, preview_px=0), None,
                       key="own_scatter", on_click=lambda: None, group="own")
    drawing = st.session_state.get("own_drawing")
    if drawing is None:
        st.info(f"Draw a {item if ckpt.dataset == 'mnist' else 'garment, shoe or bag'} in the black square "
                f"with the mouse, a pen or a finger.")
        st.stop()
    st.subheader("When you lift the pen")
    reading(drawing)
    st.stop()

upload = st.file_uploader(f"A picture of one {item}", key="own_upload", type=["png", "jpg", "jpeg", "gif", "bmp", "webp"],
                          help=f"{limits_text()}.")
if upload is None:
    st.info("Upload an image to begin.")
    st.stop()
try:
    digit = prepare_image(upload.getvalue(), ckpt.dataset)
except InvalidImage as e:
    st.error(plain_text(f"{upload.name}: {e}"))
    st.stop()

st.subheader(f"Preparing it like {ae.data.dataset_title(ckpt.dataset)}")
columns = st.columns(len(digit.steps))
for column, (title, image) in zip(columns, digit.steps):
    with column:
        pixel_picture(preparation_step(image, 140), caption=title, width=140, alt=f"your picture, {title}")

code = ae.encode(ckpt.model, torch.from_numpy(digit.image)[None, None])[0]
left, right = st.columns([3, 2])
with left:
    fig = scatter_figure(view, height=500)
    add_on_top(fig, [code[0]], [code[1]], name="yours",
                  marker=dict(symbol="star", size=22, color="black", line=dict(color="white", width=2)))
    chart(fig, key="own_scatter_upload")
with right:
    reading(digit.image)
