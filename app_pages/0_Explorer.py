"""The Latent Explorer page: click anywhere in a 2-D latent space and see what the decoder makes of it."""
import streamlit as st

from ui import backdrops, first_paint, mounts, pickers
from ui.scatter import ScatterStyle, hover_preview_toggle, latent_scatter, mount_scatter

st.set_page_config(page_title="Latent Explorer", page_icon=mounts.PAGE_ICON, layout="wide")
mounts.preload()  # the browser fetches plotly.js while Python imports torch below
st.title("Latent Explorer")
st.caption("Each dot is a test image, placed by the encoder at its 2-D code. Move the mouse over the plot: "
           "the decoder, running in your browser, draws the point under it; sweep from a cluster into the "
           "empty space and watch the image fall apart. Click to fix a point and see its nearest training images.")
notes = st.container()  # what the page says about the model, above the plot: once the model is loaded

with st.sidebar:
    st.header("Model")
checkpoint = pickers.choose_checkpoint_name("ex")
with st.sidebar:
    st.header("Plot")
    style = ScatterStyle(
        which=st.radio("Codes to plot", ["test", "train"], key="ex_which", horizontal=True,
                       format_func={"test": "test set", "train": "train sample"}.get),
        backdrop=backdrops.choose_backdrop("ex"),
        point_size=st.slider("Point size", 1, 10, 4, key="ex_size"),
        opacity=st.slider("Opacity", 0.1, 1.0, 0.7, key="ex_opacity"),
        live_hover=hover_preview_toggle("ex"), zoom=st.session_state.get("ex_zoom"))


def go_to(point, dot=None):
    st.session_state.ex_point, st.session_state.ex_dot = point, dot
    st.query_params.update(z1=f"{point[0]:.5f}", z2=f"{point[1]:.5f}")


def remember_click():
    from ui.click import take_click
    click = take_click("ex_scatter", view, style.which, snap_to_dots=True)
    if click is None:
        return
    st.session_state.ex_warning = click.warning
    if click.point is not None:
        go_to(click.point, click.dot)


view = None  # the checkpoint's ModelView, once loaded (after the first paint, when there is one)


def point_side():
    from ui import panels
    from ui.text import plain_text
    if st.session_state.get("ex_warning"):
        st.warning(plain_text(st.session_state.ex_warning))
    panels.point_panel(view, st.session_state.ex_point, key="ex", dot=st.session_state.get("ex_dot"))


@st.fragment
def explorer():
    global view
    left, right = st.columns([3, 1])
    with left:
        if view is None:  # the first paint: the scatter's shipped data now, the model below while it draws
            mount_scatter(first, key="ex_scatter", on_click=remember_click, style=style)
            view = pickers.open_view(checkpoint)
        else:
            latent_scatter(view, style, st.session_state.ex_point, key="ex_scatter", on_click=remember_click,
                           snap_to_dots=True)
        backdrops.explain(style.backdrop)
    if view is not None:
        with right:
            point_side()


# A freshly started server's first visitors: the chart drawn from the files shipped with the opening
# checkpoint before torch and the model load (ui.first_paint), in the same fragment as ever.
first = None
if (checkpoint and not first_paint.torch_loaded() and "ex_point" not in st.session_state
        and st.query_params.get("z1") is None and st.query_params.get("z2") is None
        and first_paint.opens_plainly(style, large=st.session_state.get("lx_large", False))):
    first = first_paint.scatter_data(checkpoint)
if first is not None:
    st.session_state.ex_point = None  # no link's point: the view a first paint draws
    explorer()

# torch and the model load after the page has started drawing
from ae import slides  # noqa: E402
from ae.maps import plotted_index  # noqa: E402
from ui import panels, replay  # noqa: E402
from ui.click import carry_point, parse_point  # noqa: E402
from ui.site_download import download_site  # noqa: E402
from ui.text import plain_text  # noqa: E402

if first is None:  # else explorer() loaded it, below the first paint's scatter
    view = pickers.open_view(checkpoint)
if view is None:
    st.stop()
with notes:
    if st.session_state.get("lx_imported"):  # just converted on the Train page
        st.success(plain_text(st.session_state.pop("lx_imported")))
    panels.source_note(view)
    download_site(view.dataset, "ex")
    panels.plane_note(view)

    notice = None
    if st.session_state.get("ex_point_model", view.name) != view.name:
        # Another model's plane: the point stays only where it still lies inside this model's space.
        st.session_state.ex_point, notice = carry_point(st.session_state.get("ex_point"), view, "The clicked point")
        st.session_state.ex_dot = None  # a dot belongs to one model's codes
        if st.session_state.ex_point is None:
            for name in ("z1", "z2"):
                st.query_params.pop(name, None)
    st.session_state.ex_point_model = view.name
    if "ex_point" not in st.session_state:  # first run of this session: open on the shared link's point
        point, warning = parse_point(st.query_params.get("z1"), st.query_params.get("z2"), view.boxes.accepted)
        st.session_state.ex_point = point
        if warning:
            st.warning(plain_text(warning))
    if notice:
        st.info(plain_text(notice))

with st.sidebar.form("ex_goto", border=False):
    st.caption("Or type a point exactly:")
    typed = st.columns(2)
    z1 = typed[0].number_input("z1", value=None, format="%.4f", key="ex_type_z1")
    z2 = typed[1].number_input("z2", value=None, format="%.4f", key="ex_type_z2")
    if st.form_submit_button("Decode this point"):
        point, st.session_state.ex_warning = parse_point(z1, z2, view.boxes.accepted, source="The typed point")
        if point is not None:
            go_to(point)

if first is None:
    explorer()

# The panels have keys: whether each is open is part of the view a lesson step saves (ui.lesson).
with st.expander("Export for slides", key="ex_open_export", on_change="rerun"):
    st.caption("The plot as a picture: the camera icon above the plot (PNG of the current zoom). "
               "The plotted codes with their labels, for a spreadsheet or another plot:")
    codes, labels = ((view.ckpt.test_codes, view.ckpt.test_labels) if style.which == "test"
                     else (view.ckpt.train_codes, view.ckpt.train_labels))
    shown = plotted_index(len(codes), sample=style.which == "train")
    st.download_button(f"Download the plotted {style.which} codes (CSV)", lambda: slides.codes_csv(  # made when pressed
                           codes[shown], labels[shown], view.class_names, index=shown),
                       file_name=f"{view.ckpt.path.stem}-{style.which}-codes.csv", mime="text/csv", key="ex_codes_csv")

with st.expander("How this space formed: replay the training", key="ex_open_replay", on_change="rerun") as replayed:
    if replayed.open:
        replay.show_replay(view, "ex_replay")

with st.expander("What am I looking at?", key="ex_open_about", on_change="rerun"):
    st.markdown("""
An **autoencoder** squeezes each 28x28 image (784 numbers) through a bottleneck of just two numbers,
its **code** `(z1, z2)`, and learns to rebuild the image from those two numbers alone. The encoder
learns where to put each image; the decoder learns to turn *any* point of the plane back into an image.

The plane of all codes is the **latent space**. Similar images land near each other, so the classes
(digits in MNIST, kinds of clothing in Fashion-MNIST; switch in the sidebar) form clusters. The decoder
was only ever trained on points where real images landed, so:

1. **There is no clear way to pick a random point**: the clusters have odd shapes and sizes, and most of
   the plane is empty.
2. **Samples lack diversity**: classes take very unequal areas, so random points mostly hit a few of them.
3. **Quality collapses in the gaps**: a point between clusters decodes to a smudge, or to a crisp image
   that does not belong there. Shade the plane by *gaps* in the sidebar, click into a red region, and
   watch it happen. The **round-trip drift** measures it: encode the decoded image again and see where
   the encoder puts it (the purple arrow). Real images' codes come back close; a decoding from a gap
   is sent back towards a cluster, so the image does not mean the place it was drawn from, however
   clean it looks. (A classifier is no help here: on MNIST it is sure of nearly every decoding, gaps
   included.) Shade the plane by *round-trip drift* to see where that happens.

The variational autoencoder (next chapter) fixes this by making the codes fill a known, continuous region:
pick a `*_vae_*` checkpoint in the sidebar, or open **Compare two models** to click the autoencoder and its VAE side by side.
""")
