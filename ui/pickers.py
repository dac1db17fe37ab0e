"""The sidebar's choices every page shares: the dataset, the checkpoint (or the plain/VAE pair of the
comparison page) and the projector switch. A choice carries from page to page in the session, and
the page's URL says it (?dataset=fashion&checkpoint=...), so a link reopens the same view.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

import ae
from ui import catalog
from ui.server import note_visit
from ui.text import plain_text

if TYPE_CHECKING:  # ui.view imports torch; choosing a checkpoint's name does not need it (ui.first_paint)
    from ui.view import ModelView

DATASET_PARAM = "dataset"  # the URL query parameter that carries the dataset from page to page
CHECKPOINT_PARAM = "checkpoint"  # ... and the one that carries the model


def choose_dataset(prefix: str) -> str:
    """The sidebar's dataset switch (the first page a session opens takes it from its link)."""
    note_visit()  # every page runs this: the Train page knows who else is using the server
    names = list(ae.data.DATASETS)
    if "lx_dataset" not in st.session_state:
        asked = st.query_params.get(DATASET_PARAM)
        if asked is not None and asked not in names:
            st.warning(plain_text(f"The link asks for the dataset {str(asked)[:30]!r}, which this app does "
                                  f"not know; showing {ae.data.dataset_title(names[0])}."))
        st.session_state.lx_dataset = asked if asked in names else names[0]
    current = st.session_state.lx_dataset if st.session_state.lx_dataset in names else names[0]
    choice = st.sidebar.radio("Dataset", names, index=names.index(current), key=f"{prefix}_dataset",
                              horizontal=True, format_func=ae.data.dataset_title)
    st.session_state.lx_dataset = choice
    if st.query_params.get(DATASET_PARAM) != choice:
        st.query_params[DATASET_PARAM] = choice
    # For the back of a lecture room: every decoded image, neighbour and reconstruction larger.
    st.session_state.lx_large = st.sidebar.toggle(
        "Large images (projector)", value=st.session_state.get("lx_large", False), key=f"{prefix}_large",
        help="Draws decoded images, neighbours and reconstructions about 1.6 times larger.")
    return choice


def _view_of(name: str):
    from ui.view import view_of  # torch: loaded when a view is asked for, not when this module is
    return view_of(name)


def choose_checkpoint(prefix: str) -> ModelView | None:
    """The dataset switch and the checkpoint picker; the chosen checkpoint's view.

    Shows what is wrong (and returns None) when there is no checkpoint or the chosen one is unusable.
    """
    return open_view(choose_checkpoint_name(prefix))


def choose_checkpoint_name(prefix: str) -> str | None:
    """The dataset switch and the checkpoint picker, without loading the model (no torch, unless a
    link names a checkpoint); the chosen checkpoint's file name, or None (with a message) if there is none."""
    dataset = choose_dataset(prefix)
    names = catalog.list_checkpoints(dataset)
    if not names:
        st.error(catalog.no_checkpoints_message(dataset))
        return None
    default = f"{dataset}_ae_z2.pt"
    default = default if default in names else next((n for n in names if catalog.kind_of(n)[1]), names[0])
    if "lx_checkpoint_linked" not in st.session_state:  # the session's first page: the link's checkpoint
        st.session_state.lx_checkpoint_linked = True
        asked = st.query_params.get(CHECKPOINT_PARAM)
        if asked is not None and asked not in names:
            st.warning(plain_text(f"The link asks for the checkpoint {str(asked)[:60]!r}, which is not among this "
                                  f"app's {ae.data.dataset_title(dataset)} checkpoints; showing {default}."))
        elif asked is not None and _view_of(asked)[0] is None:
            st.warning(plain_text(f"The link's checkpoint {asked} cannot be read ({_view_of(asked)[1]}); "
                                  f"showing {default}."))
        elif asked is not None:
            st.session_state.lx_checkpoint = asked
    current = st.session_state.get("lx_checkpoint")
    if current not in names:
        current = catalog.same_kind_for(current, dataset, names) or default
    choice = st.sidebar.selectbox("Checkpoint", names, index=names.index(current), key=f"{prefix}_checkpoint")
    st.session_state.lx_checkpoint = choice
    if st.query_params.get(CHECKPOINT_PARAM) != choice:
        st.query_params[CHECKPOINT_PARAM] = choice
    return choice


def open_view(name: str | None) -> ModelView | None:
    """The view of the checkpoint `name` (chosen in the sidebar), or None with what is wrong."""
    if name is None:
        return None
    view, problem = _view_of(name)
    if view is None:
        st.error(f"{plain_text(problem)}\n\nPick another checkpoint in the sidebar.")
    return view


# The comparison's two sides: (label, URL parameter, the link parameter of earlier versions, the kind
# of model each side opens on).
SIDES = (("Left model", "left", "ae_checkpoint", "ae"), ("Right model", "right", "vae_checkpoint", "vae"))


def choose_pair(prefix: str, dataset: str) -> tuple[ModelView, ModelView] | None:
    """Pickers for any two checkpoints of `dataset` (a plain autoencoder beside its VAE to begin
    with; larger latent spaces in their principal plane); None (with a message) if there are fewer than two."""
    names = catalog.list_checkpoints(dataset)
    options = [n for n in names if catalog.kind_of(n)[0] == dataset]
    if len(options) < 2:
        title = ae.data.dataset_title(dataset)
        have = f"only {options[0]} is here" if options else "none is here"
        st.error(f"The comparison needs two {title} checkpoints; {have}. Train another, for instance a variational "
                 f"autoencoder to set beside the plain one: `python -m ae.train --dataset {dataset} --model vae "
                 f"--out checkpoints/{dataset}_vae_z2.pt`, or open your own on the Train page.")
        return None
    picked = []
    for side, (label, param, old_param, kind) in enumerate(SIDES):
        default = f"{dataset}_{kind}_z2.pt"
        default = default if default in options else options[side]
        state = f"{prefix}_{param}"
        if state not in st.session_state:  # the session's first visit: the link's checkpoint
            asked = st.query_params.get(param, st.query_params.get(old_param))
            if asked is not None and (asked not in options or _view_of(asked)[0] is None):
                st.warning(plain_text(f"The link asks for the {label.lower()} {str(asked)[:60]!r}, which this app "
                                      f"cannot open for {ae.data.dataset_title(dataset)}; showing {default}."))
            st.session_state[state] = asked if asked in options and _view_of(asked)[0] else default
        if st.session_state[state] not in options:  # another dataset's model
            st.session_state[state] = catalog.same_kind_for(st.session_state[state], dataset, options) or default
        choice = st.sidebar.selectbox(label, options, key=state)
        if st.query_params.get(param) != choice:
            st.query_params[param] = choice
        picked.append(_view_of(choice)[0])
    return picked[0], picked[1]
