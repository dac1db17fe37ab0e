"""Latent Explorer's library: the chapter-3 autoencoder, its data, training, checkpoints and latent tools.

Usable from a notebook or a script; it never imports streamlit or plotly. The names below load on
first use, so `import ae.files` (the atomic write the app's components share) does not import torch.
"""
from __future__ import annotations

import importlib

# name -> the module that defines it
_EXPORTS = {
    **dict.fromkeys(["Checkpoint", "CheckpointCorrupt", "CheckpointError", "CheckpointForeign", "CheckpointMismatch",
                     "CheckpointNotFound", "CheckpointUnsafe", "load_checkpoint", "save_checkpoint"], "checkpoint"),
    **dict.fromkeys(["DataUnavailable", "ImageSet", "class_names", "load_images"], "data"),
    **dict.fromkeys(["LatentIndex", "decode", "decode_grid", "decode_point", "describe_place", "encode",
                     "grid_points"], "latent"),
    **dict.fromkeys(["Plane", "plane_checkpoint", "principal_plane"], "plane"),
    **dict.fromkeys(["AEConfig", "Autoencoder", "VariationalAutoencoder", "build_model", "kl_divergence"], "model"),
    **dict.fromkeys(["ImportProblem", "import_model"], "importer"),
}
_MODULES = {"boxes", "checkpoint", "classifier", "cli", "data", "export", "files", "importer", "keras_file", "latent",
            "limits", "live_training", "maps", "model", "plane", "preprocess", "quality", "replay", "site", "train"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    elif name in _MODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'ae' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | _MODULES)
