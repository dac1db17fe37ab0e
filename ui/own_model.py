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
              "as Keras 3 saves it (`.weights.h5`), or a whole `.keras` file; or your own PyTorch autoencoder of "
              "28x28 greyscale images as `torch.export` programs (`.pt2`) or TorchScript: one module with "
              "`encode` and `decode` methods, or the encoder here and the decoder below. A `state_dict` needs its "
              "class, so it opens from the command line (`latent-explorer import weights.pt --class module:Class`). "
              "No pickled code in a file is run.")


def open_your_own(dataset: str, data) -> None:
    """The section; `data` is the dataset's (train, test) ImageSets, or None when they are missing."""
    st.header("Open your own model")
    st.markdown(WHAT_OPENS + f" It is converted for {ae.data.dataset_title(dataset)} (the dataset chosen in the "
                "sidebar): the training and test images are encoded with it, and the result joins the checkpoints.")
    cols = st.columns(2)
    limit = st.get_option("server.maxUploadSize")  # the server's, shared with the photo upload
    upload = cols[0].file_uploader("Model file (or the encoder)", key="tr_own_file",
                                   help=f"At most {limit} MB here (the book's model is about 1 MB); the command "
                                        f"line takes files up to {MAX_IMPORT_BYTES // 10**6} MB.")
    decoder = cols[1].file_uploader("Its decoder, when saved apart (PyTorch)", key="tr_own_decoder")
    if upload is None:
        return
    name = plain_text(upload.name)
    if data is None:
        st.info("Converting needs the dataset on this machine, to place the model's codes.")
        return
    if not st.button(f"Convert {name} and open it", key="tr_own_go", type="primary"):
        return
    for file in (upload, decoder):
        if file is not None and file.size > MAX_IMPORT_BYTES:
            st.error(plain_text(f"{file.name} is {file.size / 1e6:.0f} MB, over the {MAX_IMPORT_BYTES / 1e6:.0f} MB "
                                "limit. Nothing was saved."))
            return
    bar = st.progress(0.0, text="Reading the model")
    with tempfile.TemporaryDirectory() as tmp:
        path, decoder_path = Path(tmp) / "upload", Path(tmp) / "decoder"
        path.write_bytes(upload.getvalue())
        if decoder is not None:
            decoder_path.write_bytes(decoder.getvalue())
        try:
            done = import_model(path, dataset=dataset, name=upload.name, data=data, folder=catalog.TRAINED_DIR,
                                decoder=decoder_path if decoder is not None else None,
                                progress=lambda what, fraction: bar.progress(fraction, text=what.capitalize()))
        except ImportProblem as e:
            bar.empty()
            st.error(plain_text(f"{upload.name}: {e} Nothing was saved."))
            return
    st.session_state.lx_checkpoint, st.session_state.lx_dataset = done.path.name, dataset
    st.session_state.lx_imported = done.summary().replace(str(done.path), done.path.name)
    st.switch_page("app_pages/0_Explorer.py")
