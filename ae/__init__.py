"""Latent Explorer's library: the chapter-3 autoencoder, its data, training, checkpoints and latent tools.

Usable from a notebook or a script; it never imports streamlit or plotly.
"""
from .checkpoint import (Checkpoint, CheckpointCorrupt, CheckpointError, CheckpointForeign,
                         CheckpointMismatch, CheckpointNotFound, CheckpointUnsafe, load_checkpoint,
                         save_checkpoint)
from .data import DataUnavailable, ImageSet, class_names, load_images
from .latent import LatentIndex, decode, decode_grid, decode_point, describe_place, encode, grid_points
from .plane import Plane, plane_checkpoint, principal_plane
from .model import AEConfig, Autoencoder, VariationalAutoencoder, build_model, kl_divergence

__all__ = [
    "AEConfig", "Autoencoder", "Checkpoint", "CheckpointCorrupt", "CheckpointError", "CheckpointForeign",
    "CheckpointMismatch", "CheckpointNotFound", "CheckpointUnsafe", "DataUnavailable", "ImageSet",
    "LatentIndex", "class_names", "decode", "decode_grid", "decode_point", "describe_place", "encode",
    "grid_points", "load_checkpoint", "load_images", "save_checkpoint", "VariationalAutoencoder",
    "build_model", "kl_divergence", "Plane", "plane_checkpoint", "principal_plane",
]
