"""The checkpoint file: one format, atomic saving, safe loading, readable errors.

A checkpoint is a `torch.save`d dict of plain values and tensors only, so it loads with
`weights_only=True` and a file carrying pickled code is refused. It holds everything the app needs
without the dataset: the model config and weights, the training history, and the 2-D codes of the
training and test sets with their labels. Training state (optimizer, scheduler) rides along so that
`--resume` can continue.
"""
from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from . import files
from .files import remove_leftovers  # noqa: F401  (the training CLI's cleanup, with the checkpoint API)
from .model import AEConfig, Autoencoder, build_model

FORMAT_NAME = "latent-explorer-checkpoint"
FORMAT_VERSION = 1


class CheckpointError(Exception):
    """A checkpoint could not be used; the message says what is wrong and how to fix it."""


class CheckpointNotFound(CheckpointError):
    pass


class CheckpointCorrupt(CheckpointError):
    pass


class CheckpointUnsafe(CheckpointError):
    pass


class CheckpointForeign(CheckpointError):
    pass


class CheckpointMismatch(CheckpointError):
    pass


@dataclass(repr=False)
class Checkpoint:
    """A loaded checkpoint: the model (eval mode, CPU) and what was stored with it."""

    model: Autoencoder
    config: AEConfig
    dataset: str
    history: list[dict]
    train_codes: np.ndarray  # float32 (N, z_dim)
    train_labels: np.ndarray  # int64 (N,)
    test_codes: np.ndarray
    test_labels: np.ndarray
    path: Path | None = None
    model_type: str = "ae"
    train_args: dict = field(default_factory=dict)
    train_state: dict | None = None  # optimizer/scheduler state for --resume
    test_errors: np.ndarray | None = None  # per-test-image reconstruction MSE, when stored
    # The test codes as training went: (1 + epochs, N_test, z_dim) float32, frame 0 before training,
    # frame k after epoch k; None for checkpoints trained before snapshots were stored.
    snapshots: np.ndarray | None = None
    # Set by ae.plane.plane_checkpoint for a model with more than 2 latent dimensions seen in its
    # codes' principal plane: the plane, and the full checkpoint (for reconstructions).
    plane: object | None = None
    full: "Checkpoint | None" = None
    # Where an imported model came from: {"file": its name, "sha256": ..., "format": ...}; None for
    # models trained here.
    source: dict | None = None

    @property
    def epochs(self) -> int:
        return len(self.history)

    @property
    def test_mse(self) -> float | None:
        if self.history:
            return self.history[-1]["test_loss"]
        # An imported model has no training history, only its measured test errors.
        return float(self.test_errors.astype(np.float64).mean()) if self.test_errors is not None else None

    def __repr__(self) -> str:
        # One line: the dataclass default would print every weight and the optimizer's state.
        mse = f", test MSE {self.test_mse:.4f}" if self.test_mse is not None else ""
        name = (self.path.name if self.path else "unsaved") + (" in its principal plane" if self.plane is not None else "")
        return (f"Checkpoint({name}: {self.model_type} on {self.dataset}, z_dim {self.config.z_dim}, "
                f"{self.epochs} epoch{'' if self.epochs == 1 else 's'}{mse}, {len(self.train_codes):,} train / "
                f"{len(self.test_codes):,} test codes)")


def save_checkpoint(path: str | Path, *, model: Autoencoder, dataset: str, history: list[dict],
                    train_codes, train_labels, test_codes, test_labels,
                    train_args: dict | None = None, train_state: dict | None = None, test_errors=None,
                    model_type: str = "ae", snapshots=None, source: dict | None = None) -> Path:
    """Write a checkpoint atomically: a temporary file in the same folder, then a rename.

    A process killed at any moment leaves either the old file or the new one, never half of one.
    """
    payload = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "model_type": model_type,
        "config": model.cfg.to_dict(),
        # A user's own PyTorch model (ae.torch_file) is kept as its program; this project's as weights.
        "state_dict": {} if _foreign(model) else {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "program": _foreign(model) and _program_payload(model) or None,
        "dataset": dataset,
        "history": [dict(h) for h in history],
        "train_codes": torch.as_tensor(np.asarray(train_codes, dtype=np.float32)),
        "train_labels": torch.as_tensor(np.asarray(train_labels, dtype=np.int64)),
        "test_codes": torch.as_tensor(np.asarray(test_codes, dtype=np.float32)),
        "test_labels": torch.as_tensor(np.asarray(test_labels, dtype=np.int64)),
        "train_args": dict(train_args or {}),
        "test_errors": None if test_errors is None else torch.as_tensor(np.asarray(test_errors, dtype=np.float32)),
        "train_state": train_state,
        # float16 halves the file; a replay frame needs no more than about 3 significant digits.
        "snapshots": None if snapshots is None else torch.as_tensor(np.asarray(snapshots, dtype=np.float16)),
        "source": None if source is None else {str(k): str(v) for k, v in source.items()},
    }
    return write_atomically(path, payload)


def _foreign(model) -> bool:
    from .torch_file import ForeignAutoencoder
    return isinstance(model, ForeignAutoencoder)


def _program_payload(model) -> dict:
    from .torch_file import program_payload
    return program_payload(model)


def write_atomically(path: str | Path, payload: dict) -> Path:
    """torch.save `payload` atomically (see ae.files.write_atomically)."""
    return files.write_atomically(path, lambda f: torch.save(payload, f))


def read_payload(path: Path) -> dict:
    """torch.load with weights_only=True, turning every failure into a CheckpointError."""
    if not path.exists():
        raise CheckpointNotFound(f"No checkpoint at {path}. Train one with "
                                 f"`python -m ae.train --out {path}` or pick a file in checkpoints/.")
    if not path.is_file():
        raise CheckpointNotFound(f"{path} is not a file.")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        # weights_only refuses any global it does not know: a file that would run code on load.
        if "unsupported global" in str(e).lower():
            raise CheckpointUnsafe(
                f"{path.name} contains pickled Python objects that would run code when loaded, so it "
                f"was refused. Only load checkpoints written by `python -m ae.train`.") from None
        # torch's text here is a paragraph advising weights_only=False: the wrong advice for a stray file.
        raise CheckpointCorrupt(_unreadable(path, "its bytes are not a file written by torch.save")) from None
    except Exception as e:  # torch.load fails in many ways on arbitrary bytes (IndexError, EOFError, ...)
        raise CheckpointCorrupt(_unreadable(path, str(e).splitlines()[0] if str(e) else type(e).__name__)) from None


def _unreadable(path: Path, why: str) -> str:
    return (f"{path.name} is damaged or truncated and cannot be read ({why}). "
            f"Retrain it, or restore it from the repository (git checkout -- {path}).")


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Load a checkpoint file and rebuild its model (eval mode, on the CPU)."""
    path = Path(path)
    raw = read_payload(path)
    if not isinstance(raw, dict) or raw.get("format") != FORMAT_NAME:
        looks_like = "a bare state_dict" if isinstance(raw, dict) and raw and all(
            isinstance(v, torch.Tensor) for v in raw.values()) else "some other file"
        raise CheckpointForeign(
            f"{path.name} is not a Latent Explorer checkpoint (it looks like {looks_like}). "
            f"Checkpoints come from `python -m ae.train`; they carry their config, codes and history.")
    version = raw.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointMismatch(f"{path.name} has format version {version!r}; this code reads up to "
                                 f"{FORMAT_VERSION}. Update Latent Explorer to open it.")
    try:
        config = AEConfig.from_dict(dict(raw["config"]))
        if raw.get("program") is not None:
            from .torch_file import TorchImportError, from_payload
            try:
                model = from_payload(raw["program"])
            except TorchImportError as e:
                raise CheckpointMismatch(f"{path.name}: its stored program cannot be opened ({e}).") from None
        else:
            model = build_model(config)
            model.load_state_dict(raw["state_dict"])
        codes = {k: raw[k].numpy() for k in ("train_codes", "train_labels", "test_codes", "test_labels")}
    except KeyError as e:
        raise CheckpointMismatch(f"{path.name} lacks the field {e.args[0]!r}; it is incomplete.") from None
    except (ValueError, TypeError, RuntimeError, AttributeError) as e:
        first = str(e).splitlines()[0]
        raise CheckpointMismatch(f"{path.name}: the weights do not match the stored config ({first}).") from None
    for split in ("train", "test"):
        c, lab = codes[f"{split}_codes"], codes[f"{split}_labels"]
        if c.ndim != 2 or c.shape[1] != config.z_dim or len(c) != len(lab):
            raise CheckpointMismatch(f"{path.name}: stored {split} codes have shape {tuple(c.shape)}, "
                                     f"expected (N, {config.z_dim}) with {len(lab)} labels.")
        if not np.isfinite(c).all():
            raise CheckpointMismatch(f"{path.name}: stored {split} codes contain NaN or infinity; "
                                     f"the training diverged. Retrain with a lower learning rate.")
    errors = raw.get("test_errors")
    if errors is not None and (not isinstance(errors, torch.Tensor) or errors.shape != (len(codes["test_labels"]),)):
        raise CheckpointMismatch(f"{path.name}: stored test errors do not match the {len(codes['test_labels'])} test codes.")
    snapshots = raw.get("snapshots")
    if snapshots is not None:
        shape = tuple(snapshots.shape) if isinstance(snapshots, torch.Tensor) else None
        if shape is None or len(shape) != 3 or shape[1:] != (len(codes["test_labels"]), config.z_dim):
            raise CheckpointMismatch(f"{path.name}: stored snapshots have shape {shape}; expected "
                                     f"(frames, {len(codes['test_labels'])}, {config.z_dim}).")
        snapshots = snapshots.float().numpy()
    model.eval()
    return Checkpoint(model=model, snapshots=snapshots, test_errors=None if errors is None else errors.numpy(),
                      config=config, dataset=str(raw.get("dataset", "mnist")),
                      history=list(raw.get("history", [])), path=path,
                      model_type="vae" if config.variational else "ae",  # the config is the one source
                      train_args=dict(raw.get("train_args") or {}), train_state=raw.get("train_state"),
                      source=dict(raw["source"]) if isinstance(raw.get("source"), dict) else None, **codes)
