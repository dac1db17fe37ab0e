"""Which checkpoints the app offers, and what each is: the shipped folder (`checkpoints/`,
AE_CHECKPOINT_DIR), then the Train page's folder (`trained/`, AE_TRAINED_DIR; not in git, never
overwriting a shipped file). Classifiers (`*_classifier.pt`) are the judges, not listed.
"""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

import ae
from ui import mounts

ROOT = Path(__file__).resolve().parent.parent
CHECKPOINT_DIR = Path(os.environ.get("AE_CHECKPOINT_DIR", ROOT / "checkpoints"))
TRAINED_DIR = ae.importer.default_trained_dir()


def file_version(path: Path) -> float:
    """What tells one version of a file from the next (its modification time; 0 when it is missing)."""
    return path.stat().st_mtime if path.exists() else 0.0


def checkpoint_path(name: str) -> Path:
    """Where the checkpoint called `name` lives: the shipped folder, else the Train page's folder."""
    shipped = CHECKPOINT_DIR / name
    return shipped if shipped.exists() or not (TRAINED_DIR / name).exists() else TRAINED_DIR / name


def classifier_path(dataset: str) -> Path:
    """The judge of a dataset's decodings (trained by `python -m ae.classifier`)."""
    return CHECKPOINT_DIR / f"{dataset}_classifier.pt"


def list_checkpoints(dataset: str | None = None) -> list[str]:
    """Autoencoder checkpoints (of one dataset, if given): the shipped ones, then those trained in the app.

    A file that cannot be read is listed under every dataset, so that picking it explains what is wrong.
    """
    shipped = sorted(p for p in CHECKPOINT_DIR.glob("*.pt") if not p.name.endswith("_classifier.pt"))
    trained = sorted(p for p in TRAINED_DIR.glob("*.pt") if p.name not in {q.name for q in shipped}) \
        if TRAINED_DIR.is_dir() else []
    paths = shipped + trained
    _prune_static(tuple(p.stem for p in paths))
    if dataset is None:
        return [p.name for p in paths]
    return [p.name for p in paths if _dataset_of(p) in (dataset, None)]


def kind_of(name: str) -> tuple[str | None, str | None, int | None]:
    """(dataset, model type, latent size) of a checkpoint, or Nones if it cannot be read."""
    path = checkpoint_path(name)
    return _kind(str(path), file_version(path))


@st.cache_data(max_entries=64, show_spinner=False)
def _kind(path: str, version: float) -> tuple[str | None, str | None, int | None]:
    from ui.view import view_at  # the view loads the file once for every use (and imports this module)
    view, _ = view_at(Path(path))
    if view is None:
        return None, None, None
    return view.ckpt.dataset, view.ckpt.model_type, view.latent_size


def _dataset_of(path: Path) -> str | None:
    """A checkpoint's dataset: from its name's prefix (mnist_..., fashion_...), else from the file."""
    for name in ae.data.DATASETS:
        if path.name.startswith(name + "_"):
            return name
    return kind_of(path.name)[0]


@st.cache_resource(max_entries=4, show_spinner=False)
def _prune_static(stems: tuple[str, ...]) -> int:
    """Once per set of checkpoints: drop published payloads of checkpoints that are gone."""
    return len(mounts.prune(set(stems), older_than_s=3600))


def same_kind_for(name: str | None, dataset: str, names: list[str]) -> str | None:
    """The checkpoint of `dataset` that matches `name` of another dataset (mnist_vae_z2 -> fashion_vae_z2)."""
    for other in ae.data.DATASETS:
        if name and name.startswith(other + "_") and f"{dataset}_{name[len(other) + 1:]}" in names:
            return f"{dataset}_{name[len(other) + 1:]}"
    return None


def no_checkpoints_message(dataset: str) -> str:
    return (f"No {ae.data.dataset_title(dataset)} checkpoints in checkpoints/. Train one: "
            f"`python -m ae.train --dataset {dataset} --out checkpoints/{dataset}_ae_z2.pt`, "
            f"or switch the dataset in the sidebar.")
