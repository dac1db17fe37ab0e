"""Any PyTorch autoencoder of 28x28 greyscale images, opened here as this project's model.

A user's encoder and decoder arrive in one of three forms:

- `torch.export` programs (`.pt2`), an encoder file and a decoder file;
- TorchScript (`torch.jit.save`): one module with `encode` and `decode` methods, or two modules;
- `module:Class` with a state_dict (`torch.save(model.state_dict())`) and JSON keyword arguments: the
  class (the user's own code, imported by name) must have `encode` and `decode` methods, or `encoder`
  and `decoder` submodules.

Loading never runs pickled code: a state_dict is read with `weights_only=True`; a `.pt2` archive is
opened only after every pickle in it has been read by an unpickler that builds tensors and plain
values only; TorchScript's own loader builds TorchScript objects, not Python ones. Every form is kept
as a TorchScript or exported program inside the checkpoint (`program_bytes`), so the checkpoint opens
without the user's code.

The encoder takes (N, 1, 28, 28) in [0, 1] and gives (N, z), or a pair (mean, log-variance) for a VAE;
the decoder takes (N, z) and gives (N, 1, 28, 28) or (N, 784).
"""
from __future__ import annotations

import importlib
import io
import json
import pickle
import zipfile
from dataclasses import replace

import torch
from torch import nn

from .model import AEConfig

IMAGE_SIZE = 28
FORMS = ("export", "torchscript", "state_dict")


class TorchImportError(ValueError):
    """A file that is not a PyTorch autoencoder this project can open; the message says why."""


class ForeignAutoencoder(nn.Module):
    """A user's encoder and decoder behind this project's interface (`encode`, `decode`, `cfg`).

    `program` is how it is stored: {"form": "torchscript" | "export", "encoder": bytes, "decoder": bytes}
    (one TorchScript module with both methods has the same bytes for both).
    """

    def __init__(self, encoder, decoder, cfg: AEConfig, program: dict):
        super().__init__()
        self.encoder_program, self.decoder_program = encoder, decoder
        self.cfg = cfg
        self.program = program

    def train(self, mode: bool = True):
        # The programs are fixed at inference (an exported program refuses train() and eval()).
        self.training = mode
        return self

    def _encode_raw(self, x: torch.Tensor):
        fn = getattr(self.encoder_program, "encode", None)
        return fn(x) if fn is not None else self.encoder_program(x)

    def encode_stats(self, x: torch.Tensor):
        out = self._encode_raw(x)
        if isinstance(out, (tuple, list)):
            return out[0], out[1]
        return out, torch.zeros_like(out)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        out = self._encode_raw(x)
        return (out[0] if isinstance(out, (tuple, list)) else out).reshape(len(x), -1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        fn = getattr(self.decoder_program, "decode", None)
        out = fn(z) if fn is not None else self.decoder_program(z)
        return out.reshape(len(z), 1, self.cfg.image_size, self.cfg.image_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


class PlaneOfForeign(nn.Module):
    """A foreign model of more than 2 latent dimensions seen in a plane (ae.plane): encode projects,
    decode lifts (the project's own models fold the plane into their layers instead)."""

    def __init__(self, model: ForeignAutoencoder, plane):
        super().__init__()
        self.model = model
        self.cfg = replace(model.cfg, z_dim=2, variational=False)
        self.register_buffer("mean", torch.as_tensor(plane.mean, dtype=torch.float32))
        self.register_buffer("axes", torch.as_tensor(plane.axes, dtype=torch.float32))

    def train(self, mode: bool = True):
        self.training = mode
        return self

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return (self.model.encode(x) - self.mean) @ self.axes.T

    def decode(self, p: torch.Tensor) -> torch.Tensor:
        return self.model.decode(self.mean + p @ self.axes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


# ---------------------------------------------------------------- reading files without running pickles


class _PlainUnpickler(pickle.Unpickler):
    """Builds plain values only: any class or function named in the pickle is refused."""

    def find_class(self, module, name):
        raise TorchImportError(f"the file contains a pickled Python object ({module}.{name}) that would run code "
                               "when loaded, so it was refused")


def _check_pickles(data: bytes) -> None:
    """Every pickle inside a zip archive (a .pt2) read safely first: tensors through
    `torch.load(weights_only=True)`, bare pickles by an unpickler that allows no classes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise TorchImportError("the file is damaged or truncated (not a readable zip archive)") from None
    with archive:
        for info in archive.infolist():
            blob = archive.read(info)
            if blob[:4] == b"PK\x03\x04":  # a torch.save inside the archive (pickled weights)
                try:
                    torch.load(io.BytesIO(blob), weights_only=True)
                except pickle.UnpicklingError:
                    raise TorchImportError(f"{info.filename} in the archive contains pickled Python objects that "
                                           "would run code when loaded, so it was refused") from None
                except Exception:  # noqa: BLE001 - not a torch.save after all: nothing was unpickled
                    continue
            elif blob[:1] == b"\x80":  # a bare pickle (constants): plain values only
                try:
                    _PlainUnpickler(io.BytesIO(blob)).load()
                except TorchImportError:
                    raise
                except Exception:  # noqa: BLE001 - raw weight bytes that merely start with 0x80
                    continue


def _load_export(data: bytes):
    _check_pickles(data)
    try:
        return torch.export.load(io.BytesIO(data)).module()
    except TorchImportError:
        raise
    except Exception as e:  # noqa: BLE001 - torch raises many kinds on a foreign archive
        raise TorchImportError(f"not a torch.export program ({_first_line(e)})") from None


def _load_torchscript(data: bytes):
    try:
        return torch.jit.load(io.BytesIO(data), map_location="cpu").eval()
    except Exception as e:  # noqa: BLE001
        raise TorchImportError(f"not a TorchScript program ({_first_line(e)})") from None


def _first_line(e: Exception) -> str:
    """One line of an exception's text: its first, and the second where the first is only a heading
    (torch's "Error(s) in loading state_dict for X:")."""
    lines = [line.strip() for line in str(e).splitlines() if line.strip()]
    if not lines:
        return type(e).__name__
    text = " ".join(lines[:2]) if lines[0].endswith(":") and len(lines) > 1 else lines[0]
    return text[:240]


def looks_like(data: bytes) -> str | None:
    """"export", "torchscript" or "state_dict" for a PyTorch file's bytes (by its archive's contents), else None."""
    if data[:4] != b"PK\x03\x04":
        return "state_dict" if data[:1] == b"\x80" else None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
    except zipfile.BadZipFile:
        return None
    if any("/models/" in n and n.endswith(".json") for n in names) or any(n.endswith("archive_format") for n in names):
        return "export"
    if any(n.endswith("/code/__torch__.py") or "/code/__torch__/" in n for n in names) or any(n.endswith("constants.pkl") for n in names):
        return "torchscript"
    if any(n.endswith("data.pkl") for n in names):
        return "state_dict"
    return None


# ---------------------------------------------------------------- the three forms


def from_programs(encoder_bytes: bytes, decoder_bytes: bytes | None, form: str) -> ForeignAutoencoder:
    """A model from stored programs (what a checkpoint keeps; what a user's .pt2 or TorchScript files are)."""
    load = _load_export if form == "export" else _load_torchscript
    encoder = load(encoder_bytes)
    if decoder_bytes is None or decoder_bytes == encoder_bytes:
        if form != "torchscript" or not (hasattr(encoder, "encode") and hasattr(encoder, "decode")):
            raise TorchImportError("one file holds the encoder only: give the decoder too (--decoder), or save one "
                                   "TorchScript module with encode and decode methods")
        decoder, decoder_bytes = encoder, encoder_bytes
    else:
        decoder = load(decoder_bytes)
    return probe(encoder, decoder, {"form": form, "encoder": encoder_bytes, "decoder": decoder_bytes})


def from_state_dict(state_bytes: bytes, class_path: str, kwargs_json: str | None = None) -> ForeignAutoencoder:
    """The user's class (`package.module:Class`, imported: the user's own code) with its state_dict,
    read with weights_only=True, then traced to TorchScript so that the checkpoint needs no code."""
    module_name, _, class_name = class_path.partition(":")
    if not module_name or not class_name:
        raise TorchImportError(f"--class must be module:Class (e.g. mymodels:AE), not {class_path!r}")
    try:
        kwargs = json.loads(kwargs_json) if kwargs_json else {}
    except ValueError as e:
        raise TorchImportError(f"the keyword arguments are not JSON ({e})") from None
    if not isinstance(kwargs, dict):
        raise TorchImportError("the keyword arguments must be a JSON object, e.g. '{\"z_dim\": 2}'")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as e:
        raise TorchImportError(f"cannot import {class_path} ({_first_line(e)})") from None
    try:
        state = torch.load(io.BytesIO(state_bytes), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise TorchImportError("the state_dict file contains pickled Python objects that would run code when "
                               "loaded, so it was refused; save it with torch.save(model.state_dict(), path)") from None
    except Exception as e:  # noqa: BLE001
        raise TorchImportError(f"the state_dict file is damaged or truncated ({_first_line(e)})") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise TorchImportError("the file is not a state_dict (a dict of tensors)")
    try:
        model = cls(**kwargs)
        model.load_state_dict(state)
    except Exception as e:  # noqa: BLE001 - the user's constructor or mismatched weights
        raise TorchImportError(f"{class_path}(**kwargs) with these weights: {_first_line(e)}") from None
    model.eval()
    encode = getattr(model, "encode", None) or getattr(model, "encoder", None)
    decode = getattr(model, "decode", None) or getattr(model, "decoder", None)
    if encode is None or decode is None:
        raise TorchImportError(f"{class_path} has neither encode/decode methods nor encoder/decoder submodules")
    x = torch.zeros(2, 1, IMAGE_SIZE, IMAGE_SIZE)
    with torch.no_grad():
        try:
            code = encode(x)
            z = (code[0] if isinstance(code, (tuple, list)) else code).reshape(2, -1)
            decode(z)
        except Exception as e:  # noqa: BLE001
            raise TorchImportError(f"the model does not run on 28x28 greyscale images (N, 1, 28, 28): {_first_line(e)}") from None
    # Kept as two exported programs (whose layers the page's model can read); a model torch.export
    # cannot capture is traced to TorchScript instead.
    try:
        programs = [_export_bytes(_Call(fn), example) for fn, example in ((encode, x), (decode, z))]
        return from_programs(programs[0], programs[1], "export")
    except TorchImportError:
        raise
    except Exception:  # noqa: BLE001 - torch.export refuses some Python; TorchScript's tracer may not
        pass
    try:
        traced = torch.jit.trace_module(_Both(encode, decode), {"encode": x, "decode": z}, check_trace=False)
    except Exception as e:  # noqa: BLE001
        raise TorchImportError(f"the model could be neither exported nor traced: {_first_line(e)}") from None
    buffer = io.BytesIO()
    torch.jit.save(traced, buffer)
    return from_programs(buffer.getvalue(), None, "torchscript")


def _export_bytes(module: nn.Module, example: torch.Tensor) -> bytes:
    program = torch.export.export(module, (example,), dynamic_shapes=({0: torch.export.Dim("batch")},))
    buffer = io.BytesIO()
    torch.export.save(program, buffer)
    return buffer.getvalue()


class _Call(nn.Module):
    """One method of a user's model (encode or decode) as a module's forward, for torch.export."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        owner = fn if isinstance(fn, nn.Module) else getattr(fn, "__self__", None)
        if isinstance(owner, nn.Module):
            self.owner = owner

    def forward(self, x):
        return self.fn(x)


class _Both(nn.Module):
    def __init__(self, encode, decode):
        super().__init__()
        self._encode, self._decode = encode, decode
        for name, m in (("enc", encode), ("dec", decode)):
            target = m if isinstance(m, nn.Module) else getattr(m, "__self__", None)
            if isinstance(target, nn.Module):
                self.add_module(name, target)

    def encode(self, x):
        return self._encode(x)

    def decode(self, z):
        return self._decode(z)

    def forward(self, x):
        return self._decode(self._encode(x))


def probe(encoder, decoder, program: dict) -> ForeignAutoencoder:
    """Run the nets on a small batch: find the latent size and whether it is a VAE; check the shapes."""
    x = torch.zeros(2, 1, IMAGE_SIZE, IMAGE_SIZE)
    holder = ForeignAutoencoder(encoder, decoder, AEConfig(), program)
    with torch.no_grad():
        try:
            out = holder._encode_raw(x)
        except Exception as e:  # noqa: BLE001
            raise TorchImportError(f"the encoder does not take 28x28 greyscale images (N, 1, 28, 28): {_first_line(e)}") from None
        variational = isinstance(out, (tuple, list))
        code = out[0] if variational else out
        if not isinstance(code, torch.Tensor) or code.dim() < 2 or len(code) != 2:
            raise TorchImportError("the encoder's output is not one code per image")
        z_dim = int(code[0].numel())
        if not 1 <= z_dim <= 512:
            raise TorchImportError(f"the encoder gives {z_dim} numbers per image; a latent space of 1 to 512 can be opened")
        try:
            run = getattr(decoder, "decode", None) or decoder
            image = run(torch.zeros(2, z_dim))
        except Exception as e:  # noqa: BLE001
            raise TorchImportError(f"the decoder does not take codes of {z_dim} numbers: {_first_line(e)}") from None
        if not isinstance(image, torch.Tensor) or image[0].numel() != IMAGE_SIZE * IMAGE_SIZE:
            shape = tuple(image.shape) if isinstance(image, torch.Tensor) else type(image).__name__
            raise TorchImportError(f"the decoder makes {shape} per batch of 2; a 28x28 greyscale image per code is needed")
    cfg = AEConfig(z_dim=z_dim, variational=variational)
    model = ForeignAutoencoder(encoder, decoder, cfg, program)
    return model.eval()


def program_payload(model: ForeignAutoencoder) -> dict:
    """What a checkpoint stores of a foreign model (plain values and uint8 tensors, weights_only-safe)."""
    p = model.program
    same = p["decoder"] is p["encoder"] or p["decoder"] == p["encoder"]
    as_tensor = lambda b: torch.frombuffer(bytearray(b), dtype=torch.uint8)  # noqa: E731
    return {"form": p["form"], "encoder": as_tensor(p["encoder"]), "decoder": None if same else as_tensor(p["decoder"])}


def from_payload(payload: dict) -> ForeignAutoencoder:
    """The model a checkpoint's `program` stores."""
    encoder = payload["encoder"].numpy().tobytes()
    decoder = payload["decoder"].numpy().tobytes() if payload.get("decoder") is not None else None
    return from_programs(encoder, decoder, str(payload["form"]))


def graphs(model: ForeignAutoencoder):
    """(encoder graph, decoder graph) as torch.fx GraphModules of ATen operations, for reading the
    layers (ae.export); None where the program cannot give one (a TorchScript module with encode and
    decode methods, or one the converter does not take)."""
    if model.program["form"] == "export":
        return model.encoder_program, model.decoder_program
    if model.encoder_program is model.decoder_program:
        return None
    try:
        from torch._export.converter import TS2EPConverter

        x = torch.zeros(2, 1, model.cfg.image_size, model.cfg.image_size)
        z = torch.zeros(2, model.cfg.z_dim)
        return tuple(TS2EPConverter(m, (example,)).convert().module()
                     for m, example in ((model.encoder_program, x), (model.decoder_program, z)))
    except Exception:  # noqa: BLE001 - a private converter; without it the server decodes
        return None
