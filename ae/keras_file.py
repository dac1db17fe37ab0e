"""The book's Keras autoencoders, read from the files Keras writes, as this project's models.

*Generative Deep Learning* (1st edition), chapter 3, builds its autoencoder and VAE in Keras
(`models/AE.py`, `models/VAE.py` in davidADSP/GDL_code): Conv2D 32, 64, 64, 64 (strides 1, 2, 2, 1,
'same'), each followed by LeakyReLU (and, with the notebook's flags, BatchNormalization and Dropout
0.25), Flatten, Dense(z) (a VAE: Dense `mu` and Dense `log_var`); then Dense, Reshape(7, 7, 64),
Conv2DTranspose 64, 64, 32, 1 with LeakyReLU between and a sigmoid at the end.

`read_keras(source)` reads weights saved by Keras 2 (`save_weights` to `.h5`, or a whole model saved
to `.h5`), by Keras 3 (`.weights.h5`) or a whole Keras 3 `.keras` file, and returns the `AEConfig` and
state_dict of the same network here. Only HDF5 datasets and JSON are read: nothing in the file runs.
Group names in a weights file are generated, so layers are matched by kind, order and shape; a weights
file has no strides, so the book's are assumed (a `.keras` file carries its own, which are checked).
What a port must get right, and does here: Keras kernels are (kh, kw, in, out) for Conv2D and
(kh, kw, out, in) for Conv2DTranspose, Dense (in, out); Flatten and Reshape run channels-last, so
the Dense rows and columns are reordered from (7, 7, 64) to (64, 7, 7); 'same' padding at stride 2 is
asymmetric (`AEConfig.padding = "keras"`); LeakyReLU's slope is 0.3; batch-norm's epsilon is 1e-3
and comes after the activation.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np
import torch

from .model import AEConfig, build_model

BOOK_STRIDES_ENCODER = (1, 2, 2, 1)
BOOK_STRIDES_DECODER = (1, 2, 2, 1)
KERAS_NORM_EPS = 1e-3
KERAS_LEAKY_SLOPE = 0.3
BOOK_DROPOUT = 0.25
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class KerasImportError(ValueError):
    """A file that is not one of the book's Keras models; the message says what was found."""


@dataclass
class KerasLayer:
    """One layer's weights: kind "kernel" (Conv2D, Conv2DTranspose or Dense) or "norm"."""

    kind: str
    name: str
    arrays: dict[str, np.ndarray]
    group: str = ""  # the (nested) model it belongs to, where the file says
    transposed: bool | None = None  # known from a Keras 3 file's class names
    config: dict = field(default_factory=dict)  # a .keras file's layer config


@dataclass
class KerasModel:
    """What `read_keras` found: the network as this project's config and weights."""

    config: AEConfig
    state_dict: dict[str, torch.Tensor]
    file_format: str  # "Keras 2 .h5", "Keras 3 .weights.h5", "Keras 3 .keras"

    @property
    def kind(self) -> str:
        return "vae" if self.config.variational else "ae"

    def build(self):
        model = build_model(self.config)
        model.load_state_dict(self.state_dict)
        return model.eval()


def _natural(name: str) -> tuple:
    """conv2d < conv2d_1 < conv2d_2 < ... < conv2d_10: Keras numbers its generated names in order."""
    m = re.fullmatch(r"(.*?)(?:_(\d+))?", name)
    return (m.group(1), int(m.group(2) or 0))


def _layer(name: str, arrays: dict[str, np.ndarray], **extra) -> KerasLayer:
    if {"kernel"} <= set(arrays):
        return KerasLayer("kernel", name, arrays, **extra)
    if {"gamma", "beta", "moving_mean", "moving_variance"} <= set(arrays):
        return KerasLayer("norm", name, arrays, **extra)
    raise KerasImportError(f"layer {name!r} holds weights {sorted(arrays)}, which the book's models do not have")


def _keras2_layers(f) -> list[KerasLayer]:
    """Keras 2's layout: `layer_names` in model order, each with `weight_names` in order."""
    if "model_weights" in f and "layer_names" not in f.attrs:  # a whole model saved to .h5
        f = f["model_weights"]
    layers: list[KerasLayer] = []
    for top in (n.decode() if isinstance(n, bytes) else str(n) for n in f.attrs["layer_names"]):
        group = f[top]
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in group.attrs.get("weight_names", [])]
        current: dict[str, dict] = {}
        for weight in names:
            layer, _, var = weight.rpartition("/")
            var = var.split(":")[0]  # Keras 2 writes kernel:0
            current.setdefault(layer or top, {})[var] = np.asarray(group[weight])
        layers += [_layer(name, arrays, group=top) for name, arrays in current.items()]
    return layers


def _keras3_layers(f, config_order: dict[str, int] | None) -> list[KerasLayer]:
    """Keras 3's layout: `layers/<generated name>/vars/<i>`, nested models under their own `layers`.

    Within one model, layers of a class are numbered in the order they were made; where the .keras
    file's config gives the order of the layers by name, that order is used.
    """
    found: list[KerasLayer] = []

    def walk(group, path: str) -> None:
        for key in sorted(group["layers"].keys(), key=_natural):
            child = group["layers"][key]
            if "layers" in child:  # a nested model
                walk(child, f"{path}/{key}")
                continue
            vars_ = child.get("vars")
            if vars_ is None or not len(vars_):
                continue
            name = str(vars_.attrs.get("name", key))
            base = _natural(key)[0]
            values = [np.asarray(vars_[i]) for i in sorted(vars_.keys(), key=int)]
            if base == "batch_normalization":
                if len(values) != 4:
                    raise KerasImportError(f"batch-norm layer {name!r} has {len(values)} weights, not 4 (no centre or scale?)")
                arrays = dict(zip(("gamma", "beta", "moving_mean", "moving_variance"), values))
            elif base in ("conv2d", "conv2d_transpose", "dense"):
                if len(values) != 2:
                    raise KerasImportError(f"layer {name!r} has {len(values)} weights; the book's layers have a kernel and a bias")
                arrays = dict(zip(("kernel", "bias"), values))
            else:
                raise KerasImportError(f"layer {name!r} ({base}) is not one of the book's kinds of layer")
            found.append(_layer(name, arrays, group=path, transposed=base == "conv2d_transpose"))

    if "layers" not in f:
        raise KerasImportError("the HDF5 file holds no Keras layers")
    walk(f, "")
    if config_order:
        found.sort(key=lambda layer: (config_order.get(layer.name, 1 << 30)))
    return found


def _keras_config_layers(config: dict) -> tuple[dict[str, int], dict[str, dict]]:
    """(order by name, config by name) of every layer in a .keras config, nested models flattened."""
    order: dict[str, int] = {}
    configs: dict[str, dict] = {}

    def walk(node: dict) -> None:
        for layer in node.get("config", {}).get("layers", []):
            cls, cfg = layer.get("class_name"), layer.get("config", {})
            if cls in ("Functional", "Model", "Sequential"):
                walk(layer)
                continue
            name = cfg.get("name")
            if name is not None:
                order[name] = len(order)
                configs[name] = {"class_name": cls, **cfg}

    walk(config)
    return order, configs


def read_layers(data: bytes) -> tuple[list[KerasLayer], str, dict[str, dict]]:
    """(layers in model order, the file's format, a .keras file's layer configs by name)."""
    import h5py  # a runtime dependency only of importing Keras files

    configs: dict[str, dict] = {}
    order = None
    file_format = None
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
                if not {"config.json", "model.weights.h5"} <= names:
                    raise KerasImportError("this zip file is not a .keras model (it lacks config.json or model.weights.h5)")
                config = json.loads(z.read("config.json"))
                data = z.read("model.weights.h5")
        except (zipfile.BadZipFile, EOFError, ValueError) as e:
            if isinstance(e, KerasImportError):
                raise
            raise KerasImportError(f"the .keras file is damaged or truncated ({e})") from None
        order, configs = _keras_config_layers(config if isinstance(config, dict) else {})
        file_format = "Keras 3 .keras"
    if data[:8] != HDF5_SIGNATURE:
        raise KerasImportError("not a Keras file: Keras weights are HDF5 (.h5, .weights.h5) or a .keras zip")
    try:
        with h5py.File(io.BytesIO(data), "r") as f:
            if "layer_names" in f.attrs or ("model_weights" in f and "layer_names" in f["model_weights"].attrs):
                return _keras2_layers(f), "Keras 2 .h5", configs
            return _keras3_layers(f, order), file_format or "Keras 3 .weights.h5", configs
    except KerasImportError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as e:
        why = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise KerasImportError(f"the HDF5 file is damaged or truncated, or not written by Keras ({why})") from None


def _config_of(layer: KerasLayer, configs: dict[str, dict]) -> dict:
    return configs.get(layer.name, {})


def read_keras(data: bytes, *, image_size: int = 28) -> KerasModel:
    """The book's autoencoder or VAE in `data` (the bytes of a Keras file) as this project's model."""
    layers, file_format, configs = read_layers(data)
    kernels = [layer for layer in layers if layer.kind == "kernel"]
    convs = [layer for layer in kernels if layer.arrays["kernel"].ndim == 4]
    denses = [layer for layer in kernels if layer.arrays["kernel"].ndim == 2]
    norms = [layer for layer in layers if layer.kind == "norm"]
    if not convs or not denses:
        raise KerasImportError(f"found {len(convs)} convolution and {len(denses)} dense layers; the book's "
                               "autoencoder has convolutions and dense layers (a dense-only model is not one of its models)")
    # The encoder's convolutions come before the first dense layer in model order; in a Keras 3
    # weights file the class names say it.
    if all(layer.transposed is not None for layer in convs):
        encoder_convs = [c for c in convs if not c.transposed]
        decoder_convs = [c for c in convs if c.transposed]
    else:
        first_dense = layers.index(denses[0])
        encoder_convs = [c for c in convs if layers.index(c) < first_dense]
        decoder_convs = [c for c in convs if layers.index(c) > first_dense]
    if not encoder_convs or not decoder_convs:
        raise KerasImportError("could not tell the encoder's convolutions from the decoder's: "
                               "the book's autoencoder has both")
    first = encoder_convs[0].arrays["kernel"]
    if first.shape[2] != 1:
        raise KerasImportError(f"the first convolution reads {first.shape[2]} channels: a colour model. "
                               "Latent Explorer opens greyscale models of 28x28 images")
    last = decoder_convs[-1].arrays["kernel"]
    if last.shape[2] != 1:
        raise KerasImportError(f"the decoder's last layer writes {last.shape[2]} channels: a colour model. "
                               "Latent Explorer opens greyscale models of 28x28 images")
    kernel_sizes = {c.arrays["kernel"].shape[0] for c in convs} | {c.arrays["kernel"].shape[1] for c in convs}
    if len(kernel_sizes) != 1:
        raise KerasImportError(f"the convolutions have kernels of sizes {sorted(kernel_sizes)}; "
                               "only one kernel size for all of them can be opened")
    kernel = kernel_sizes.pop()

    # Channels chain from layer to layer: a break means the layers are not in the order assumed.
    enc_filters = tuple(int(c.arrays["kernel"].shape[3]) for c in encoder_convs)
    channels = 1
    for c in encoder_convs:
        if c.arrays["kernel"].shape[2] != channels:
            raise KerasImportError(f"layer {c.name!r} reads {c.arrays['kernel'].shape[2]} channels after a layer "
                                   f"that writes {channels}: not the book's chain of convolutions")
        channels = c.arrays["kernel"].shape[3]
    dec_filters = tuple(int(c.arrays["kernel"].shape[2]) for c in decoder_convs)  # (kh, kw, out, in)

    strides_enc = _strides(encoder_convs, configs, BOOK_STRIDES_ENCODER)
    strides_dec = _strides(decoder_convs, configs, BOOK_STRIDES_DECODER)
    shrink = int(np.prod(strides_enc))
    if image_size % shrink:
        raise KerasImportError(f"strides {strides_enc} do not divide {image_size}-pixel images")
    side = image_size // shrink
    features = enc_filters[-1] * side * side

    heads = [d for d in denses if d.arrays["kernel"].shape[0] == features]
    inputs = [d for d in denses if d.arrays["kernel"].shape[1] == features]
    if not heads or len(inputs) != 1:
        shapes = [tuple(d.arrays["kernel"].shape) for d in denses]
        found_side = None
        for d in denses:
            n = d.arrays["kernel"].shape[0] / enc_filters[-1]
            if n == int(n) and int(np.sqrt(n)) ** 2 == int(n):
                found_side = int(np.sqrt(n)) * shrink
        if found_side and found_side != image_size:
            raise KerasImportError(f"this model was made for {found_side}x{found_side} images "
                                   f"(its dense layers are {shapes}); Latent Explorer opens models of {image_size}x{image_size} images")
        raise KerasImportError(f"the dense layers have kernels {shapes}; the book's model of {image_size}x{image_size} "
                               f"images with strides {strides_enc} needs ({features}, z) and (z, {features})")
    if len(heads) > 2:
        raise KerasImportError(f"{len(heads)} dense layers read the encoder's features; the book's models have 1 (autoencoder) or 2 (VAE)")
    variational = len(heads) == 2
    if variational:  # mu first: by name when the file keeps the book's names, else in model order
        named = {h.name for h in heads}
        if {"mu", "log_var"} <= named:
            heads = sorted(heads, key=lambda h: h.name != "mu")
    z_dim = int(heads[0].arrays["kernel"].shape[1])
    if inputs[0].arrays["kernel"].shape[0] != z_dim or any(h.arrays["kernel"].shape[1] != z_dim for h in heads):
        raise KerasImportError("the encoder's code and the decoder's input have different sizes")

    expected_norms = len(encoder_convs) + len(decoder_convs) - 1
    if norms and len(norms) != expected_norms:
        raise KerasImportError(f"found {len(norms)} batch-norm layers; with batch-norm the book's model has one "
                               f"after each convolution but the last ({expected_norms})")
    slope = KERAS_LEAKY_SLOPE
    eps = KERAS_NORM_EPS
    dropout = 0.0
    for cfg in configs.values():
        if cfg.get("class_name") == "LeakyReLU":
            slope = float(cfg.get("negative_slope", cfg.get("alpha", slope)))
        if cfg.get("class_name") == "BatchNormalization":
            eps = float(cfg.get("epsilon", eps))
        if cfg.get("class_name") == "Dropout":
            dropout = float(cfg.get("rate", BOOK_DROPOUT))
    _check_configs(convs, configs)
    try:
        config = AEConfig(z_dim=z_dim, image_channels=1, image_size=image_size, encoder_filters=enc_filters,
                          encoder_strides=strides_enc, decoder_filters=dec_filters, decoder_strides=strides_dec,
                          kernel_size=int(kernel), leaky_slope=slope, use_batch_norm=bool(norms), dropout=dropout,
                          variational=variational, padding="keras", norm_after_activation=True, norm_eps=eps)
    except ValueError as e:
        raise KerasImportError(f"these layers do not make a model Latent Explorer can run ({e})") from None

    model = build_model(config)
    state = model.state_dict()
    to = {}  # torch name -> tensor
    enc_norms, dec_norms = norms[:len(encoder_convs)], norms[len(encoder_convs):]
    _fill_sequence(to, model.encoder, "encoder", encoder_convs, enc_norms, heads, (enc_filters[-1], side, side))
    dense = inputs[0].arrays
    to["decoder_input.weight"] = _channels_first_rows(dense["kernel"].T, (side, side, enc_filters[-1]))
    to["decoder_input.bias"] = _channels_first_rows(dense["bias"][:, None], (side, side, enc_filters[-1]))[:, 0]
    _fill_sequence(to, model.decoder, "decoder", decoder_convs, dec_norms, [], None)
    for name, value in to.items():
        if tuple(state[name].shape) != tuple(value.shape):
            raise KerasImportError(f"{name}: the file's weights have shape {tuple(value.shape)}, the model needs {tuple(state[name].shape)}")
        state[name] = torch.as_tensor(np.ascontiguousarray(value), dtype=torch.float32)
    missing = [k for k in state if k not in to and not k.endswith("num_batches_tracked")]
    if missing:
        raise KerasImportError(f"the file has no weights for {missing[:3]}")
    return KerasModel(config=config, state_dict=state, file_format=file_format)


def _strides(convs: list[KerasLayer], configs: dict[str, dict], book: tuple[int, ...]) -> tuple[int, ...]:
    """The convolutions' strides: a .keras file's own; for a weights file, the book's."""
    found = [_config_of(c, configs).get("strides") for c in convs]
    if all(s is not None for s in found):
        strides = []
        for c, s in zip(convs, found):
            s = tuple(s) if isinstance(s, (list, tuple)) else (s, s)
            if len(set(s)) != 1:
                raise KerasImportError(f"layer {c.name!r} has strides {s}; only equal strides along both axes can be opened")
            strides.append(int(s[0]))
        return tuple(strides)
    if len(convs) != len(book):
        raise KerasImportError(f"a weights file does not say its strides, and it has {len(convs)} convolutions where "
                               f"the book's model has {len(book)}; open the whole model (.keras) instead")
    return book


def _check_configs(convs: list[KerasLayer], configs: dict[str, dict]) -> None:
    for c in convs:
        cfg = _config_of(c, configs)
        if cfg.get("padding", "same") != "same":
            raise KerasImportError(f"layer {c.name!r} has padding {cfg['padding']!r}; the book's layers use 'same'")
        if cfg.get("activation", "linear") != "linear":
            raise KerasImportError(f"layer {c.name!r} has its own activation {cfg['activation']!r}; the book's "
                                   "layers are followed by LeakyReLU layers")


def _channels_first_rows(matrix: np.ndarray, hwc: tuple[int, int, int]) -> np.ndarray:
    """Rows in Keras' (height, width, channels) order -> rows in torch's (channels, height, width)."""
    h, w, c = hwc
    return matrix.reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(h * w * c, -1)


def _fill_sequence(to: dict, sequence, prefix: str, convs, norms, heads, features_chw) -> None:
    """Map the file's layers onto a Sequential of this project's model, in order."""
    convs, norms = list(convs), list(norms)
    for index, module in enumerate(sequence):
        name = f"{prefix}.{index}"
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            layer = convs.pop(0).arrays
            # Conv2D (kh, kw, in, out) -> (out, in, kh, kw); Conv2DTranspose (kh, kw, out, in) -> (in, out, kh, kw)
            to[f"{name}.weight"] = layer["kernel"].transpose(3, 2, 0, 1)
            to[f"{name}.bias"] = layer["bias"]
        elif isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            layer = norms.pop(0).arrays
            to[f"{name}.weight"], to[f"{name}.bias"] = layer["gamma"], layer["beta"]
            to[f"{name}.running_mean"], to[f"{name}.running_var"] = layer["moving_mean"], layer["moving_variance"]
        elif isinstance(module, torch.nn.Linear):
            # The encoder's code (a VAE: mean then log-variance) from features Keras flattened channels-last.
            c, h, w = features_chw
            kernel = np.concatenate([head.arrays["kernel"] for head in heads], axis=1)
            to[f"{name}.weight"] = _channels_first_rows(kernel, (h, w, c)).T
            to[f"{name}.bias"] = np.concatenate([head.arrays["bias"] for head in heads])
