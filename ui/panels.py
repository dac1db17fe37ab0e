"""What the app shows about one point: the decoded image, the real image behind a clicked dot, the
gap measure, round-trip drift, the nearest training images (the explorer's panel; a compact card for
side-by-side views), and the notes for a model seen in its principal plane.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

import ae
from ui import drift
from ui.images import pixel_figures_html, png_bytes, px
from ui.text import format_point, plain_text
from ui.view import ModelView


def decoded_figure(view: ModelView, point, size: int) -> np.ndarray:
    """Show the decoder's image for `point`, enlarged to `size` pixels, captioned with the point; returns it."""
    image = ae.decode_point(view.ckpt.model, *point)
    place = view.index.place(point)
    alt = (f"The decoder's image for the point {format_point(point)}, gap measure {place.gap:.1f} times the usual "
           f"spacing. {ae.describe_place(place, view.class_names)}")
    st.markdown(pixel_figures_html([image], [f"decoded at z = {format_point(point)}"], size, kind="lx-decoded", alts=[alt]),
                unsafe_allow_html=True)
    return image


def dot_image(view: ModelView, dot) -> tuple[np.ndarray, str] | None:
    """(image, caption) of the real image behind a data dot ((split, index)), None without the dataset."""
    split, index = dot
    images, _ = view.images(split)
    labels = view.ckpt.test_labels if split == "test" else view.ckpt.train_labels
    if images is None or not 0 <= index < len(labels):
        return None
    return images.images[index, 0].numpy(), f"{split} image #{index} ({view.class_names[int(labels[index])]})"


def point_card(view: ModelView, point, judge) -> None:
    """A compact point panel for side-by-side views: decoded image, gap measure, drift, the judge's reading."""
    image = decoded_figure(view, point, px(196))
    place = view.index.place(point)
    st.markdown(f"Gap measure **{place.gap:.1f}** × usual spacing. {ae.describe_place(place, view.class_names)}")
    drift.drift_rows(view, point, compact=True)
    if judge is not None:
        (label,), (confidence,) = judge(image[None])
        st.markdown(f"The classifier reads **{view.class_names[int(label)]}**, {confidence:.0%} sure.")


def point_panel(view: ModelView, point, *, key: str, dot=None) -> None:
    """Decoded image, coordinates, download, gap meter, drift and nearest training images for one point.

    `dot` = (split, index) of the data dot clicked on: its real image is shown beside the decoding
    of its code (the original against what the decoder makes of its code).
    """
    if point is None:
        st.info("Click anywhere on the plot, on a cluster or in the empty space between clusters, "
                "to see what the decoder makes of that point.")
        return
    image = decoded_figure(view, point, px(280))
    original = dot_image(view, dot) if dot else None
    if original is not None:
        st.markdown(pixel_figures_html([original[0]], [f"the dot you clicked: {original[1]}"], px(112), kind="lx-original",
                                       alts=[f"the real {original[1]}, whose code is the dot you clicked"]),
                    unsafe_allow_html=True)
    st.download_button("Download PNG", png_bytes(image), key=f"{key}_download", mime="image/png",
                       file_name=f"decoded_z1_{point[0]:.3f}_z2_{point[1]:.3f}.png")
    place = view.index.place(point)
    st.metric("Gap measure (× usual spacing)", f"{place.gap:.1f}",
              help="Distance to the nearest training code, divided by the typical distance between "
                   "neighbouring training codes. Around 1: as dense as the data. Above "
                   f"{place.edge:.1f}: farther out than 99% of training codes, empty space.")
    st.write(ae.describe_place(place, view.class_names))
    drift.drift_rows(view, point)
    nearest_images(view, point, place)


def nearest_images(view: ModelView, point, place) -> None:
    """The real training images nearest to a point's code, with label and distance."""
    images, _ = view.images("train")
    if images is None:
        st.caption("Nearest training images need the dataset on this machine (set AE_DATA_DIR); "
                   "the codes above come from the checkpoint.")
        return
    st.caption("Nearest training images (label, distance):")
    ckpt, shown = view.ckpt, place.neighbours[:8]
    distances = np.linalg.norm(ckpt.train_codes[shown] - np.asarray(point), axis=1)
    st.markdown(pixel_figures_html([images.images[i, 0].numpy() for i in shown],
                                   [f"{view.class_names[int(ckpt.train_labels[i])]} · {d:.2f}" for i, d in zip(shown, distances)],
                                   px(56), kind="lx-neighbour",
                                   alts=[f"nearest training image {n + 1}: {ae.latent.article(view.class_names[int(ckpt.train_labels[i])])}, "
                                         f"its code {d:.2f} away" for n, (i, d) in enumerate(zip(shown, distances))]),
                unsafe_allow_html=True)


def require_2d(view: ModelView, what: str) -> None:
    """Stop the page, saying why, for a checkpoint with more than two latent dimensions."""
    if view.ckpt.plane is None:
        return
    st.info(plain_text(
        f"{view.name} has {view.latent_size} latent dimensions; {what} needs a 2-D latent space, where "
        f"the plot is the whole space. Pick a *_z2 checkpoint in the sidebar, open the explorer to see this "
        f"model's codes in their principal plane, or Reconstructions to compare it with a 2-D model."))
    st.stop()


def source_note(view: ModelView) -> None:
    """For an imported model: where it came from (the file's name and hash, as recorded on import)."""
    source = view.ckpt.source
    if not source:
        return
    st.caption(plain_text(f"{view.name} was imported from {source.get('file', '?')} ({source.get('format', '?')}, "
                          f"sha256 {str(source.get('sha256', ''))[:16]}...); it has no training history here."))


def plane_note(view: ModelView) -> None:
    """For a model seen in its principal plane: say so, and what that means for the numbers."""
    if view.ckpt.plane is None:
        return
    z, share = view.latent_size, float(view.ckpt.plane.explained.sum())
    st.info(plain_text(
        f"{view.name} has {z} latent dimensions. The plot shows its codes projected on their first two "
        f"principal components (together {share:.0%} of the codes' variance); a click decodes that point of "
        f"the plane, with the other {z - 2} directions at the codes' mean. Gap measure and drift are measured "
        f"in this plane: codes far apart in {z} dimensions can land close together here."))
