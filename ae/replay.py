"""How a checkpoint's latent space formed: which of its stored snapshots' test codes a replay shows and
what each frame is called. The app (ui.replay, a Plotly figure built on the server) and the static
site (drawn in the page from the same numbers) replay the same frames.
"""
from __future__ import annotations

import numpy as np

SHOWN = 3000  # test codes per frame: enough to see the clusters, light enough to animate


def shown_index(n_codes: int) -> np.ndarray:
    """The test codes every frame shows: the same fixed sample for every replay of a checkpoint."""
    return np.sort(np.random.default_rng(0).choice(n_codes, min(SHOWN, n_codes), replace=False))


def frame_names(ckpt) -> list[str]:
    """One label per snapshot: "before training", then each epoch with its test loss when known."""
    names = ["before training"]
    for k in range(1, len(ckpt.snapshots)):
        h = ckpt.history[k - 1] if k - 1 < len(ckpt.history) else {}
        loss = f", test MSE {h['test_loss']:.4f}" if "test_loss" in h else ""
        names.append(f"epoch {k}{loss}")
    return names


def has_replay(ckpt) -> bool:
    return ckpt.snapshots is not None and len(ckpt.snapshots) >= 2


def no_replay_reason(ckpt) -> str:
    """Why a checkpoint has no replay, in one sentence (the app's pages and the static site say it)."""
    if ckpt.source:
        return (f"{ckpt.path.name} was imported from {ckpt.source.get('file', 'a file')}, which kept no record of "
                "its training, so there is no replay of how its space formed.")
    return (f"{ckpt.path.name} was trained before snapshots were stored, so there is no replay of how its space "
            "formed. Training with `python -m ae.train` (or on the Train page) stores one snapshot per epoch.")
