"""Two models side by side (a plain autoencoder and its VAE to begin with, or any two checkpoints of one
dataset): one click decoded by both, and the three limits measured for both."""
from functools import partial

import pandas as pd
import streamlit as st

from ui import mounts

st.set_page_config(page_title="Compare two models", page_icon=mounts.PAGE_ICON, layout="wide")
mounts.preload()
st.title("Two models side by side")
st.caption("The same data, two models: a plain autoencoder and a variational one to begin with, or any two "
           "checkpoints of the dataset (pick them in the sidebar: your own model beside the shipped one, a "
           "larger latent space's plane beside a 2-D one). Move the mouse over either plot, or click it: both "
           "decode the same relative position (the same fraction across and up each model's box of codes), so "
           "you see where one falls apart and whether the other holds.")

import ae  # noqa: E402  (torch loads after the page has started drawing)
from ae.limits import limits_table  # noqa: E402
from ui import backdrops, panels, pickers  # noqa: E402
from ui.boxes import intersection  # noqa: E402
from ui.click import parse_point, take_click  # noqa: E402
from ui.comparison import limits_for  # noqa: E402
from ui.scatter import ScatterStyle, hover_preview_toggle, latent_scatter  # noqa: E402
from ui.text import plain_text  # noqa: E402

dataset = pickers.choose_dataset("cmp")
pair = pickers.choose_pair("cmp", dataset)
backdrop = backdrops.choose_backdrop("cmp")
live_hover = hover_preview_toggle("cmp")
if pair is None or None in pair:
    st.stop()
# Column names: the checkpoints' own, told apart when the same one is on both sides.
names = [pair[0].name, pair[1].name] if pair[0].name != pair[1].name else [f"{pair[0].name} (left)", f"{pair[1].name} (right)"]
models = dict(zip(names, pair))
SIDE_KEYS = dict(zip(names, ("left", "right")))


if "cmp_relative" not in st.session_state:  # first run of this session: open on the link's point
    # The link carries the point as fractions across and up each model's box of codes, accepted where
    # a click on both plots would be (ui.boxes).
    relative, warning = parse_point(st.query_params.get("across"), st.query_params.get("up"),
                                    intersection(*(view.boxes.relative_accepted for view in models.values())))
    st.session_state.cmp_relative = relative
    if warning:
        st.warning(plain_text(warning.replace("z1", "across").replace("z2", "up")))


def remember_click(name: str, key: str):
    click = take_click(key, models[name])
    if click is None:
        return
    st.session_state.cmp_warning = click.warning
    if click.point is not None:
        relative = ae.latent.to_relative(click.point, models[name].boxes.codes)
        st.session_state.cmp_relative = relative
        st.query_params.update(across=f"{relative[0]:.5f}", up=f"{relative[1]:.5f}")


@st.fragment
def side_by_side():
    relative = st.session_state.get("cmp_relative")
    if st.session_state.get("cmp_warning"):
        st.warning(plain_text(st.session_state.cmp_warning))
    judge, problem = pair[0].judge()
    for column, (name, view) in zip(st.columns(2), models.items()):
        with column:
            st.subheader(plain_text(name))
            mse = view.ckpt.test_mse
            kind = "variational autoencoder" if view.ckpt.model_type == "vae" else "plain autoencoder"
            st.caption(plain_text(f"{kind}, {view.latent_size}-D latent space" + (" (its principal plane)" if view.latent_size > 2 else "")
                                  + (f" · test MSE {mse:.4f}" if mse else "")))
            point = ae.latent.from_relative(relative, view.boxes.codes) if relative else None
            key = f"cmp_scatter_{SIDE_KEYS[name]}"
            zoom = st.session_state.get(f"cmp_zoom_{SIDE_KEYS[name]}")  # a lesson step's (ui.lesson)
            latent_scatter(view, ScatterStyle(height=430, backdrop=backdrop, live_hover=live_hover, preview_px=112, zoom=zoom),
                           point, key=key, on_click=partial(remember_click, name, key), group="cmp")
            if point is not None:
                panels.point_card(view, point, judge)
    backdrops.explain(backdrop)
    if relative is None:
        st.info("Click anywhere on either plot, on a cluster or in the empty space, to decode that spot in both.")
    elif judge is None:
        st.caption(problem)


side_by_side()

st.header("The three limits, measured for both")
measured = dict(zip(models, limits_for(*models.values())))


def own_way(view, limits):
    """Each model sampled the way it allows: a VAE from N(0, I), the distribution it was trained
    towards; a plain autoencoder uniformly in its box, since nothing better is known."""
    return (limits.prior, "from N(0, I)") if view.ckpt.model_type == "vae" else (limits.box, "uniformly in its box")


ways = [own_way(view, measured[name]) for name, view in models.items()]
said = [f"**{plain_text(name)}** (sampled {how})" for name, (_, how) in zip(models, ways)]
st.markdown(f"Each model sampled the way it allows, {said[0]} against {said[1]}: **{ways[0][0].gaps:.0%}** against "
            f"**{ways[1][0].gaps:.0%}** of the samples land in gaps, "
            f"the classes' shares spread **{ways[0][0].area_spread:.2f}** against **{ways[1][0].area_spread:.2f}** "
            f"(std / mean), and **{ways[0][0].drift_high:.0%}** against **{ways[1][0].drift_high:.0%}** of the "
            f"decodings are sent back farther than 99% of real images' codes (round-trip drift).")
labels, columns = limits_table(measured)
st.table(pd.DataFrame(columns, index=pd.Index(labels, name="measure (1,000 random samples each, seed 0)")))
st.markdown(f"""
- **1. Where to sample.** A sample is *in a gap* when it lies farther from every training code than 99%
  of training codes lie from their nearest neighbour.
- **2. Unequal shares.** Each point goes to the class of its nearest training code; a class's share is
  the part of the box's area (uniform samples) or of N(0, I)'s probability mass that it owns. Equal
  shares give a spread of 0 and a ratio of 1x.
- **3. Quality.** *Round-trip drift*: decode a sample, encode the image again, and measure how far from
  the sample the encoder puts it. A sample *drifts* when it comes back farther than 99% of real images'
  codes do (each model against its own real images); the median is given as a multiple of real
  images' median. This is the measure that shows the third limit. The median confidence of a
  classifier trained on real {ae.data.item_words(dataset)[1]} is a weaker one: a classifier trained on
  clean images is sure of most decodings, odd ones included (on MNIST nearly all of them), so read that
  row beside the pictures above.
- **The price.** The last row: what the VAE's KL term costs in reconstruction error.
""")
