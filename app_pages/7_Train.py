"""Train: train a model in the app and watch its latent space form, or open your own (the book's Keras
model); the result joins the checkpoints."""
import plotly.graph_objects as go
import streamlit as st

from ui import mounts

st.set_page_config(page_title="Train", page_icon=mounts.PAGE_ICON, layout="wide")
st.title("Train a model and watch its latent space form")
st.caption("An autoencoder (with batch-norm) trained here on the server on the first N training images with Adam and "
           "a one-cycle schedule: the fast recipe's dense layers on one CPU core, or the chapter's convolutions (see "
           "Recipe) on both cores while nobody else is using the app and on one as soon as somebody is, so that their "
           "pages keep answering. The plot redraws where the encoder puts 2,000 test images every second of the "
           "first epoch and after every epoch.")

import ae  # noqa: E402
from ui import own_model, pickers, training_room  # noqa: E402
from ui.server import replica_name, session_id  # noqa: E402
from ui.figures import chart, class_colour  # noqa: E402
from ui.text import plain_text  # noqa: E402
from ui.datasets import dataset_images  # noqa: E402
from ae.live_training import RunSettings  # noqa: E402

# name -> (label, settings, training images per second on (one core, both cores) of this project's
# machine, measured with bench/train_live.py)
RECIPES = {"dense": ("fast (dense layers)", dict(dense_units=(512, 128), batch_size=256, lr=5e-3), (15_500, 15_500)),
           "shipped": ("the chapter's (convolutions)", dict(width=1.0, batch_size=128, lr=3e-3), (1_000, 1_650))}

dataset = pickers.choose_dataset("tr")
room, me = training_room.room(), session_id()
active = room.busy(me) is not None
if replica := replica_name():
    st.caption(plain_text(f"This page is served by replica {replica} of the course server. Each replica trains one "
                          f"model at a time; a model trained on any replica appears in every replica's lists."))
if active and room.owner != me:
    st.warning(room.busy(me))

with st.form("tr_settings", border=True):
    cols = st.columns(5)
    recipe = cols[0].radio("Recipe", list(RECIPES), key="tr_recipe", format_func=lambda k: RECIPES[k][0],
                           help="Fast: dense (fully connected) layers instead of convolutions, image -> 512 -> 128 "
                                "-> code and back, batches of 256, peak rate 0.005: about thirty times fewer "
                                "multiplications per image, so 15 passes over all 60,000 images take about a "
                                "minute on one core. The chapter's: the convolutional model of the shipped "
                                "checkpoints, batches of 128, peak rate 0.003: about 1,650 images a second on both "
                                "cores, 1,000 on one.")
    model = cols[0].radio("Model", ["ae", "vae"], key="tr_model",
                          format_func={"ae": "plain autoencoder", "vae": "variational (VAE)"}.get)
    beta = cols[0].number_input("VAE: beta (KL weight)", 0.0, 20.0, 1.0, 0.5, key="tr_beta")
    z_dim = cols[1].select_slider("Latent size", [2, 3, 5, 10, 16], 2, key="tr_z",
                                  help="Above 2, the plot shows the codes' first two principal components.")
    images = cols[2].select_slider("Training images", [2_000, 5_000, 10_000, 20_000, 60_000], 60_000, key="tr_images")
    epochs = cols[3].slider("Epochs", 1, 15, 15, key="tr_epochs")
    settings = RunSettings(dataset=dataset, model=model, beta=float(beta), z_dim=int(z_dim), images=int(images),
                           epochs=int(epochs), **RECIPES[recipe][1])
    cores, others = training_room.training_threads(me, settings), training_room.others_here(me)
    seconds = epochs * images / RECIPES[recipe][2][min(cores, 2) - 1] + 10
    where = ("on both cores: nobody else is using the app" if cores > 1 else
             "on one core (the dense model runs no faster on two)" if settings.dense_units else
             f"on one core: {others} other session{'s are' if others != 1 else ' is'} using the app")
    cols[4].caption((f"About {seconds / 60:.0f} min" if seconds >= 90 else f"About {seconds:.0f} s") + f", {where}.")
    start = cols[4].form_submit_button("Start training", type="primary", disabled=active)
(train, problem), (test, _) = dataset_images(dataset, "train"), dataset_images(dataset, "test")
if train is None or test is None:
    st.info(f"Training needs the dataset on this machine. {problem or 'The test images are missing.'}")
elif start:
    busy = room.start(settings, me, (train, test))
    if busy:
        st.warning(busy)
    else:
        st.rerun()


def progress_charts(p, run) -> None:
    left, right = st.columns(2)
    with left:
        fig = go.Figure()
        if p.losses:
            x, y = zip(*p.losses)
            fig.add_trace(go.Scatter(x=x, y=y, name="training loss (last 10 steps)", mode="lines"))
        if p.test_losses:
            x, y = zip(*p.test_losses)
            fig.add_trace(go.Scatter(x=x, y=y, name="test loss (after each epoch)", mode="lines+markers"))
        fig.update_layout(height=380, margin=dict(l=50, r=10, t=30, b=40), xaxis_title="training images seen",
                          yaxis_title="loss (per pixel)", legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                          xaxis_range=[0, p.total or 1])
        chart(fig, key="tr_loss")
    with right:
        if p.view_codes is not None:
            names = ae.class_names(run.settings.dataset)
            fig = go.Figure([go.Scattergl(x=p.view_codes[p.view_labels == c, 0], y=p.view_codes[p.view_labels == c, 1],
                                          mode="markers", name=name, hoverinfo="skip",
                                          marker=dict(size=4, opacity=0.7, color=class_colour(c)))
                             for c, name in enumerate(names)])
            axes = "z1, z2" if run.settings.z_dim == 2 else "first two principal components"
            fig.update_layout(height=380, margin=dict(l=50, r=10, t=30, b=40), plot_bgcolor="#fafafa",
                              title=dict(text=f"test codes after {p.view_at:,} images ({axes})", font=dict(size=13)),
                              legend=dict(itemsizing="constant"))
            chart(fig, key="tr_codes")


def status() -> None:
    run = room.run
    if run is None:
        st.info("Choose the settings and press *Start training*. The clusters form within the first minute.")
        return
    p = run.progress()
    mine = room.owner == me
    who = "Your run" if mine else "Another session's run"
    st.subheader(plain_text(f"{who}: {training_room.describe(run.settings)}"))
    if not p.finished:
        cores = {0: "", 1: ", on one core"}.get(p.threads, f", on {p.threads} cores")
        st.progress(p.fraction, text=f"{p.state}: epoch {min(p.epoch + 1, run.settings.epochs)} of "
                                     f"{run.settings.epochs}, {p.seen:,} of {p.total:,} images, {p.seconds:.0f} s{cores}")
        if mine and st.button("Stop (keeps what has been learned)", key="tr_stop"):
            room.stop(me)
    progress_charts(p, run)
    if p.state == "failed":
        st.error(plain_text(f"The training failed: {p.message}"))
    elif p.finished:
        name = p.path.name
        st.success(plain_text(f"{p.message} Saved as {name} in the trained models' folder: pick it in the "
                                 f"Checkpoint list of any page."))
        if st.button("Open it in the explorer", key="tr_open"):
            st.session_state.lx_checkpoint, st.session_state.lx_dataset = name, run.settings.dataset
            st.switch_page("app_pages/0_Explorer.py")
    if active and p.finished:
        st.rerun(scope="app")  # the run ended: stop polling, enable the form


st.fragment(status, run_every=1.0 if active else None)()
own_model.open_your_own(dataset, (train, test) if train is not None and test is not None else None)
