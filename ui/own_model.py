"""'Open your own model' on the Train page: a model file uploaded, converted into a checkpoint in the
trained models' folder (ae.importer) with a progress bar, then opened in the explorer."""
from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

import ae
from ae.importer import MAX_IMPORT_BYTES, ImportProblem, import_model
from ui import catalog
from ui.text import plain_text

WHAT_OPENS = ("The book's Keras autoencoder or VAE (chapter 3 of *Generative Deep Learning*, first edition: "
              "`models/AE.py`, `models/VAE.py`), as its notebook saves it (`weights.h5` from `save_weights`), "
              "as Keras 3 saves it (`.weights.h5`), or a whole `.keras` file. Nothing in the file is run.")


def open_your_own(dataset: str, data) -> None:
    """The section; `data` is the dataset's (train, test) ImageSets, or None when they are missing."""
    st.header("Open your own model")
    st.markdown(WHAT_OPENS + f" It is converted for {ae.data.dataset_title(dataset)} (the dataset chosen in the "
                "sidebar): the training and test images are encoded with it, and the result joins the checkpoints.")
    upload = st.file_uploader("Model file", key="tr_own_file",
                              help=f"At most {MAX_IMPORT_BYTES // 2**20} MB. The book's model is about 1 MB.")
    if upload is None:
        return
    name = plain_text(upload.name)
    if data is None:
        st.info("Converting needs the dataset on this machine, to place the model's codes.")
        return
    if not st.button(f"Convert {name} and open it", key="tr_own_go", type="primary"):
        return
    if upload.size > MAX_IMPORT_BYTES:
        st.error(f"{name} is {upload.size / 1e6:.0f} MB, over the {MAX_IMPORT_BYTES / 1e6:.0f} MB limit. Nothing was saved.")
        return
    bar = st.progress(0.0, text="Reading the model")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload"
        path.write_bytes(upload.getvalue())
        try:
            done = import_model(path, dataset=dataset, name=upload.name, data=data, folder=catalog.TRAINED_DIR,
                                progress=lambda what, fraction: bar.progress(fraction, text=what.capitalize()))
        except ImportProblem as e:
            bar.empty()
            st.error(plain_text(f"{upload.name}: {e} Nothing was saved."))
            return
    st.session_state.lx_checkpoint, st.session_state.lx_dataset = done.path.name, dataset
    st.session_state.lx_imported = done.summary().replace(str(done.path), done.path.name)
    st.switch_page("app_pages/0_Explorer.py")
