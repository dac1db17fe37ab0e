"""A 2-D window on a larger latent space: the plane of the codes' first two principal components.

For a model with more than two latent dimensions the app plots the codes projected on that plane
and decodes points of it, with every other direction at the codes' mean. `plane_model` folds the
projection into the model's two dense layers, so the result is an ordinary 2-D `Autoencoder`:
`decode(p) == full.decode(plane.lift(p))` and `encode(x) == plane.project(full.encode(x))`, and every
2-D tool (the gap measure, round-trip drift, the web model for the page) works on it unchanged.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from .model import Autoencoder, build_model


@dataclass
class Plane:
    """An affine plane in latent space: `mean` (z_dim,) and two orthonormal `axes` (2, z_dim)."""

    mean: np.ndarray
    axes: np.ndarray
    explained: np.ndarray  # share of the codes' variance along each axis

    def project(self, codes) -> np.ndarray:
        """Codes (..., z_dim) -> plane coordinates (..., 2)."""
        return ((np.asarray(codes, np.float64) - self.mean) @ self.axes.T).astype(np.float32)

    def lift(self, points) -> np.ndarray:
        """Plane coordinates (..., 2) -> codes (..., z_dim): the mean plus the point along the axes."""
        return (self.mean + np.asarray(points, np.float64) @ self.axes).astype(np.float32)


def principal_plane(codes) -> Plane:
    """The plane through the codes' mean spanned by their first two principal components.

    Each axis's sign is fixed so that its largest component is positive: the same codes always give
    the same picture, not a mirror image.
    """
    x = np.asarray(codes, np.float64)
    if x.ndim != 2 or x.shape[1] < 2 or len(x) < 3:
        raise ValueError("a principal plane needs at least 3 codes of 2 or more dimensions")
    mean = x.mean(0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    axes = vt[:2].copy()
    for axis in axes:
        if axis[np.argmax(np.abs(axis))] < 0:
            axis *= -1
    variance = s ** 2
    return Plane(mean=mean, axes=axes, explained=variance[:2] / max(variance.sum(), 1e-300))


def plane_model(model: Autoencoder, plane: Plane) -> Autoencoder:
    """A 2-D autoencoder that encodes into and decodes from `plane` of `model`'s latent space.

    The encoder's last dense layer is followed by the projection and the decoder's first dense layer
    preceded by the lift; both are affine, so each pair folds into one layer. A VAE becomes a plain
    2-D autoencoder of its means (the app plots and decodes means).
    """
    z = model.cfg.z_dim
    axes = torch.as_tensor(plane.axes, dtype=torch.float64)
    mean = torch.as_tensor(plane.mean, dtype=torch.float64)
    flat = build_model(replace(model.cfg, z_dim=2, variational=False))
    state = {k: v for k, v in copy.deepcopy(model.state_dict()).items()}
    last = [k for k in state if k.startswith("encoder.") and k.endswith(".weight")][-1].rsplit(".", 1)[0]
    with torch.no_grad():
        w, b = state[f"{last}.weight"][:z].double(), state[f"{last}.bias"][:z].double()
        state[f"{last}.weight"] = (axes @ w).float()
        state[f"{last}.bias"] = (axes @ (b - mean)).float()
        w, b = state["decoder_input.weight"].double(), state["decoder_input.bias"].double()
        state["decoder_input.weight"] = (w @ axes.T).float()
        state["decoder_input.bias"] = (w @ mean + b).float()
    flat.load_state_dict(state)
    flat.train(model.training)
    assert isinstance(getattr(flat.encoder, last.split(".")[1]), nn.Linear)
    return flat


def plane_checkpoint(ckpt):
    """A loaded checkpoint seen in its codes' principal plane: a 2-D `Checkpoint` whose model is
    `plane_model`, whose codes (and snapshots) are projected, with `plane` set and `full` the original.
    A 2-D checkpoint is returned as it is."""
    from .checkpoint import Checkpoint

    if ckpt.config.z_dim == 2:
        return ckpt
    from .torch_file import ForeignAutoencoder, PlaneOfForeign

    plane = principal_plane(ckpt.train_codes)
    # A user's own PyTorch model keeps its program: the plane wraps it instead of folding into layers.
    model = (PlaneOfForeign(ckpt.model, plane) if isinstance(ckpt.model, ForeignAutoencoder)
             else plane_model(ckpt.model, plane)).eval()
    snapshots = None if ckpt.snapshots is None else plane.project(ckpt.snapshots)
    return Checkpoint(model=model, config=model.cfg, dataset=ckpt.dataset, history=ckpt.history,
                      train_codes=plane.project(ckpt.train_codes), train_labels=ckpt.train_labels,
                      test_codes=plane.project(ckpt.test_codes), test_labels=ckpt.test_labels, path=ckpt.path,
                      model_type=ckpt.model_type, train_args=ckpt.train_args, test_errors=ckpt.test_errors,
                      snapshots=snapshots, plane=plane, full=ckpt, source=ckpt.source)
