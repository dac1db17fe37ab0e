"""Opening a model made elsewhere: a file in, a checkpoint of this project's format out.

`import_model(source, dataset=...)` reads the file (the book's Keras models: `ae.keras_file`; a
PyTorch autoencoder as torch.export programs, TorchScript or a state_dict of a named class:
`ae.torch_file`),
encodes the dataset's training and test images with it, measures its reconstruction error, and
writes a checkpoint that records where it came from (the file's name, sha256 and format), so that
every page, the web model and `latent-explorer publish` work on it as on a model trained here.
Nothing is written unless all of that succeeds; a bad file raises `ImportProblem` with one line
saying what is wrong.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

TRAINED_DIR_ENV = "AE_TRAINED_DIR"
MAX_IMPORT_BYTES = 200 * 10**6  # the book's model is about 1 MB; a 28x28 autoencoder needs no more
KINDS = ("keras", "export", "torchscript", "state_dict")


class ImportProblem(ValueError):
    """A file that cannot be opened as a model; the message says why, in one line."""


@dataclass
class Imported:
    path: Path
    model_type: str
    file_format: str
    z_dim: int
    test_mse: float

    def summary(self) -> str:
        return (f"Imported a {'VAE' if self.model_type == 'vae' else 'plain autoencoder'} with a {self.z_dim}-D latent "
                f"space from a {self.file_format} file (test MSE {self.test_mse:.4f}). Saved {self.path}.")


def default_trained_dir() -> Path:
    """Where models made or imported by users go: $AE_TRAINED_DIR, else the project's trained/."""
    return Path(os.environ.get(TRAINED_DIR_ENV) or Path(__file__).resolve().parent.parent / "trained")


def detect_kind(data: bytes) -> str:
    """The kind of model file `data` is, from its bytes (not its name)."""
    from .keras_file import HDF5_SIGNATURE

    if data[:8] == HDF5_SIGNATURE:
        return "keras"
    from .torch_file import looks_like

    torch_kind = looks_like(data)
    if torch_kind:
        return torch_kind
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = z.namelist()
        except (zipfile.BadZipFile, EOFError, ValueError):
            raise ImportProblem("a zip file that is damaged or truncated: not a model Latent Explorer can open") from None
        if "config.json" in names:
            return "keras"  # read_keras says what is missing, if anything
        raise ImportProblem("a zip file that is neither a .keras model nor a PyTorch file")
    raise ImportProblem("not a model file Latent Explorer can open: it opens the book's Keras models "
                        "(.h5 from save_weights, .weights.h5, .keras) and PyTorch autoencoders (torch.export .pt2, "
                        "TorchScript, or a state_dict with --class)")


def _safe_stem(name: str) -> str:
    stem = Path(name).name
    for suffix in (".weights.h5", ".h5", ".keras", ".pt2", ".pt", ".pth", ".ts"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")[:40]
    return stem or "model"


def output_path(name: str, dataset: str, model_type: str, folder: Path) -> Path:
    """A new file in `folder` for an imported model: <dataset>_<type>_<name>.pt, numbered if taken."""
    base = f"{dataset}_{model_type}_{_safe_stem(name)}"
    path = folder / f"{base}.pt"
    n = 2
    while path.exists():
        path = folder / f"{base}_{n}.pt"
        n += 1
    return path


FORMAT_NAMES = {"export": "torch.export .pt2", "torchscript": "TorchScript", "state_dict": "PyTorch state_dict"}


def _is_checkpoint(data: bytes) -> bool:
    """Whether a torch.save file is one of this project's checkpoints (read with weights_only=True)."""
    import torch

    from .checkpoint import FORMAT_NAME

    try:
        raw = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - refused or unreadable: the state_dict reader says why
        return False
    return isinstance(raw, dict) and raw.get("format") == FORMAT_NAME


def read_model(data: bytes, kind: str | None = None, *, decoder: bytes | None = None,
               class_path: str | None = None, kwargs: str | None = None):
    """(model in eval mode, model type "ae"/"vae", the file's format) of a model file's bytes.
    `decoder`: a second file's bytes (a PyTorch decoder saved apart from its encoder); `class_path`
    and `kwargs`: the class (module:Class) and JSON keyword arguments of a state_dict."""
    kind = kind or detect_kind(data)
    if kind not in KINDS:
        raise ImportProblem(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    if kind == "keras":
        from .keras_file import KerasImportError, read_keras

        try:
            found = read_keras(data)
        except KerasImportError as e:
            raise ImportProblem(f"not one of the book's Keras models: {e}.") from None
        return found.build(), found.kind, found.file_format
    from .torch_file import TorchImportError, from_programs, from_state_dict

    if kind == "state_dict" and _is_checkpoint(data):
        raise ImportProblem("this is already a Latent Explorer checkpoint: copy it into trained/ and pick it in the "
                            "sidebar, no import needed")
    try:
        if kind == "state_dict":
            if not class_path:
                raise TorchImportError("a state_dict holds weights only: name its class with --class module:Class "
                                       "(and its arguments with --kwargs JSON)")
            model = from_state_dict(data, class_path, kwargs)
        else:
            model = from_programs(data, decoder, kind)
    except TorchImportError as e:
        raise ImportProblem(f"not a PyTorch autoencoder this app can open: {e}.") from None
    return model, "vae" if model.cfg.variational else "ae", FORMAT_NAMES[kind]


def _read(path: Path, name: str) -> bytes:
    """A model file's bytes, refused when it is missing, empty or over the size limit."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise ImportProblem(f"cannot read {name}: {e.strerror or e}") from None
    if size > MAX_IMPORT_BYTES:
        raise ImportProblem(f"{name} is {size / 1e6:.0f} MB, over the {MAX_IMPORT_BYTES / 1e6:.0f} MB limit for a model of 28x28 images")
    if size == 0:
        raise ImportProblem(f"{name} is empty")
    return path.read_bytes()


def import_model(source: str | Path, *, dataset: str = "mnist", kind: str | None = None, out: str | Path | None = None,
                 data_dir: str | Path | None = None, name: str | None = None, data=None, folder: str | Path | None = None,
                 decoder: str | Path | None = None, class_path: str | None = None, kwargs: str | None = None,
                 progress: Callable[[str, float], None] | None = None) -> Imported:
    """Import the model in `source` (a path) for `dataset`; write the checkpoint to `out` (default: a new
    name of its own in `folder`, else the trained folder). `name`: the file's name as the user knows it (an upload's).
    `data`: the dataset's (train, test) ImageSets when the caller has them loaded (else they are read
    from `data_dir` or the usual places). `decoder`, `class_path`, `kwargs`: see `read_model`.
    `progress(what, fraction)` is told what is being done."""
    from .checkpoint import save_checkpoint
    from .data import DataUnavailable, load_images
    from .latent import encode
    from .train import reconstruction_errors

    def say(what: str, fraction: float) -> None:
        if progress:
            progress(what, fraction)

    source = Path(source)
    name = name or source.name
    content = _read(source, name)
    decoder_content = _read(Path(decoder), Path(decoder).name) if decoder else None
    say("reading the model", 0.05)
    model, model_type, file_format = read_model(content, kind, decoder=decoder_content, class_path=class_path, kwargs=kwargs)
    say("loading the dataset", 0.15)
    try:
        train, test = data or (load_images(dataset, "train", data_root=data_dir), load_images(dataset, "test", data_root=data_dir))
    except DataUnavailable as e:
        raise ImportProblem(f"the dataset is needed to place the model's codes: {e}") from None
    say(f"encoding {len(train.images):,} training images", 0.25)
    train_codes = encode(model, train.images)
    say(f"encoding {len(test.images):,} test images", 0.7)
    test_codes = encode(model, test.images)
    if not (np.isfinite(train_codes).all() and np.isfinite(test_codes).all()):
        raise ImportProblem(f"{name} gives codes that are not finite numbers (NaN or infinity): its weights are broken")
    say("measuring the reconstruction error", 0.85)
    import torch

    errors = reconstruction_errors(model, test.images, torch.device("cpu"))
    path = Path(out) if out else output_path(name, dataset, model_type, Path(folder) if folder else default_trained_dir())
    path.parent.mkdir(parents=True, exist_ok=True)
    test_mse = float(errors.astype(np.float64).mean())
    source_info = {"file": Path(name).name, "sha256": hashlib.sha256(content).hexdigest(), "format": file_format,
                   "test_mse": f"{test_mse:.6f}"}
    if decoder_content is not None:
        source_info |= {"decoder_file": Path(decoder).name, "decoder_sha256": hashlib.sha256(decoder_content).hexdigest()}
    if class_path:
        source_info |= {"class": class_path, "kwargs": kwargs or "{}"}
    say("saving the checkpoint", 0.95)
    save_checkpoint(path, model=model, dataset=dataset, history=[], model_type=model_type,
                    train_codes=train_codes, train_labels=train.labels.numpy(),
                    test_codes=test_codes, test_labels=test.labels.numpy(), test_errors=errors,
                    source=source_info)
    say("done", 1.0)
    return Imported(path=path, model_type=model_type, file_format=file_format, z_dim=model.cfg.z_dim, test_mse=test_mse)
