"""The datasets as this machine has them (AE_DATA_DIR, the CLI's download cache, Debian's
Fashion-MNIST), looked up once per process; never downloading from the app unless AE_DOWNLOAD=1."""
from __future__ import annotations

import os

import streamlit as st

import ae


def dataset_images(name: str, split: str) -> tuple[ae.ImageSet | None, str | None]:
    """A dataset's split as the app finds it (never downloading unless AE_DOWNLOAD=1), or None and why."""
    # Where to look is part of the key: a process whose AE_DATA_DIR changes (tests do) finds that folder's data.
    return _dataset_images(name, split, os.environ.get(ae.data.DATA_DIR_ENV), os.environ.get("AE_DOWNLOAD") == "1")


@st.cache_resource(show_spinner="Looking for the dataset...", max_entries=8)
def _dataset_images(name: str, split: str, where: str | None, download: bool) -> tuple[ae.ImageSet | None, str | None]:
    try:
        # Downloading can hang for minutes on a machine without network; the app only looks locally
        # unless AE_DOWNLOAD=1. The training CLI is where data gets downloaded.
        return ae.load_images(name, split, download=download), None
    except ae.DataUnavailable:
        return None, ae.data.how_to_get(name, app=True)
