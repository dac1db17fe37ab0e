"""The web model: a checkpoint's encoder and decoder as one compact binary file a browser can run.

The app's pages run the (tiny) networks in the page so that hovering decodes at frame rate. This
module writes what they load: float32 weights with batch-norm folded into the preceding convolution,
a small JSON header naming the layers, and (for a 2-D model) the training codes with the gap
measure's thresholds, so the page can say where a point lies without asking the server.

File layout (all little-endian)::

    b"LXWM" | uint32 header length | header (JSON, UTF-8, space-padded to 4 bytes) | data

`header["tensors"]` maps each name to its dtype, shape and byte offset into the data; `encoder` and
`decoder` list the layers in order. Weights keep torch's own layouts (Linear [out, in], Conv2d
[out, in, k, k], ConvTranspose2d [in, out, k, k]); a feature map is (channels, height, width).
A convolution's `padding` is its padding at the top and left (for a transposed one: how much of the
full result is cropped there) and `output_size` its output's side, which together cover both padding
conventions (ae.model.PADDINGS). A batch-norm after an activation cannot fold into the weights before
it: it stays as the layer's `post` scale and shift per channel, applied after the activation.
`run_layers` is the Python reading of the same file, the oracle for the JavaScript forward pass.
"""
from __future__ import annotations

import json
import struct

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .model import Autoencoder, KerasConv2d, KerasConvTranspose2d

MAGIC = b"LXWM"
FORMAT_NAME = "latent-explorer-web-model"
FORMAT_VERSION = 1


class WebModelError(ValueError):
    """A web model file that cannot be read (wrong magic, truncated, unknown layer)."""


def _normalise(layer: dict, weight, bias, mean, var, eps: float) -> None:
    """A batch-norm (eval mode) after `layer`: folded into its weights when it comes before the
    activation; kept as the layer's `post` scale and shift when it comes after (the book's order)."""
    scale = weight / torch.sqrt(var + eps)
    shift = bias - mean * scale
    if layer["activation"] == "none" and "_post" not in layer:
        shape = [1] * layer["_w"].dim()
        shape[layer["_out_dim"]] = -1
        layer["_w"], layer["_b"] = layer["_w"] * scale.view(shape), layer["_b"] * scale + shift
    elif "_post" not in layer and "reshape" not in layer:
        layer["_post"] = (scale, shift)
    else:
        raise WebModelError("it normalises after a reshaping layer, or twice after one layer")


def _serialised(layers: list[dict], prefix: str, tensors: dict) -> list[dict]:
    """The layers as the header lists them, their weights (and post scale and shift) into `tensors`."""
    for i, layer in enumerate(layers):
        name = f"{prefix}.{i}"
        tensors[f"{name}.weight"] = layer.pop("_w").float().numpy()
        tensors[f"{name}.bias"] = layer.pop("_b").float().numpy()
        layer.pop("_out_dim")
        layer.update(weight=f"{name}.weight", bias=f"{name}.bias")
        if "_post" in layer:
            scale, shift = layer.pop("_post")
            tensors[f"{name}.post_scale"], tensors[f"{name}.post_shift"] = scale.float().numpy(), shift.float().numpy()
            layer["post"] = {"scale": f"{name}.post_scale", "shift": f"{name}.post_shift"}
    return layers


def _conv_geometry(module: nn.Module, size: int) -> dict:
    """stride, kernel, padding (top/left) and output_size of a convolution reading `size` pixels."""
    k, s = int(module.kernel_size[0]), int(module.stride[0])
    if isinstance(module, KerasConvTranspose2d):
        return {"stride": s, "kernel": k, "padding": module.same[0], "output_size": module.out_size}
    if isinstance(module, KerasConv2d):
        return {"stride": s, "kernel": k, "padding": module.same[0], "output_size": -(-size // s)}
    p = int(module.padding[0])
    if isinstance(module, nn.ConvTranspose2d):
        return {"stride": s, "kernel": k, "padding": p, "output_size": (size - 1) * s - 2 * p + k + int(module.output_padding[0])}
    return {"stride": s, "kernel": k, "padding": p, "output_size": (size + 2 * p - k) // s + 1}


def _sequence_layers(modules, prefix: str, tensors: dict, size: int | None = None) -> list[dict]:
    """The layers of an nn.Sequential-like list of modules, in order, with their tensors in `tensors`.
    `size`: the side of the feature map the first convolution reads (None before a reshape)."""
    layers: list[dict] = []
    flatten = False
    for module in modules:
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            transposed = isinstance(module, nn.ConvTranspose2d)
            layer = {"kind": "linear" if isinstance(module, nn.Linear) else
                     "conv_transpose" if transposed else "conv", "activation": "none"}
            if layer["kind"] == "linear":
                layer["flatten"] = flatten
            else:
                layer.update(_conv_geometry(module, size))
                size = layer["output_size"]
            bias = module.bias if module.bias is not None else torch.zeros(module.weight.shape[1 if transposed else 0])
            layer["_w"], layer["_b"] = module.weight.detach().clone(), bias.detach().clone()
            layer["_out_dim"] = 1 if transposed else 0
            layers.append(layer)
            flatten = False
        elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                _normalise(layers[-1], module.weight, module.bias, module.running_mean, module.running_var, module.eps)
        elif isinstance(module, nn.LeakyReLU):
            layers[-1].update(activation="leaky_relu", slope=float(module.negative_slope))
        elif isinstance(module, nn.Sigmoid):
            layers[-1]["activation"] = "sigmoid"
        elif isinstance(module, nn.Flatten):
            flatten = True
        elif isinstance(module, nn.Unflatten):  # the dense decoder's last layer writes an image
            layers[-1]["reshape"] = [int(v) for v in module.unflattened_size]
        elif isinstance(module, nn.Dropout):
            continue  # identity at inference
        else:
            raise WebModelError(f"cannot export a {type(module).__name__} layer")
    return _serialised(layers, prefix, tensors)


# ---------------------------------------------------------------- a user's PyTorch program, read from its graph

_SKIPPED = {"aten.clone.default", "aten.contiguous.default", "aten.alias.default", "aten.dropout.default",
            "aten.detach.default", "aten.feature_dropout.default"}


def _attr(gm, node):
    import functools
    return functools.reduce(getattr, node.target.split("."), gm).detach().float().clone()


def _chain(gm) -> list:
    """The operations from the graph's input to its (first) output, in order: following each
    operation's first argument back from the output (a VAE's log-variance head is left aside)."""
    out = next(n for n in gm.graph.nodes if n.op == "output").args[0]
    node = out[0] if isinstance(out, (tuple, list)) else out
    chain = []
    while node.op != "placeholder":
        if node.op != "call_function" or not node.args or not hasattr(node.args[0], "op"):
            raise WebModelError("its graph is not a chain of layers the page's model reads")
        chain.append(node)
        node = node.args[0]
    return chain[::-1]


def graph_layers(gm, shape: tuple[int, ...], prefix: str, tensors: dict, image: tuple[int, int, int] | None = None) -> list[dict]:
    """The web model's layers of a torch.fx graph of ATen operations (a user's exported program),
    reading `shape` (C, H, W) or (n,); WebModelError names the first operation the page cannot run.
    `image`: the (C, H, W) the last layer must write (a decoder), reshaped from a flat vector if need be."""
    layers: list[dict] = []
    pending_flatten, pad = False, None

    def add(layer, w, b, out_dim):
        layer.update(activation="none", _w=w, _b=b, _out_dim=out_dim)
        layers.append(layer)

    for node in _chain(gm):
        op, args = str(node.target), node.args
        last = layers[-1] if layers else None
        if op in _SKIPPED or op == "<built-in function getitem>" and args[1] == 0:
            continue
        if op in ("aten.flatten.using_ints", "aten.view.default", "aten.reshape.default", "aten.unflatten.int",
                  "aten._unsafe_view.default"):
            n = int(np.prod(shape))
            if op == "aten.flatten.using_ints":
                target = (n,)
            else:  # the first dimension is the batch (a number, -1 or a symbol); the others are the shape
                dims = list(args[2]) if op == "aten.unflatten.int" else list(args[1])[1:]
                if not all(isinstance(v, int) for v in dims):
                    raise WebModelError("it reshapes by sizes computed at run time")
                known = int(np.prod([v for v in dims if v != -1]))
                target = tuple(n // known if v == -1 else v for v in dims)
            if len(shape) == 3 and len(target) == 1:
                pending_flatten, shape = True, target
            elif len(shape) == 1 and len(target) == 3:
                if not last or last["kind"] != "linear" or "_post" in last:
                    raise WebModelError("it reshapes a vector to an image other than after a dense layer")
                last["reshape"], shape = list(target), target
            elif tuple(target) != tuple(shape):
                raise WebModelError(f"it reshapes {shape} to {target}, which the page's model does not do")
            continue
        if op == "aten.linear.default":
            w = _attr(gm, args[1])
            b = _attr(gm, args[2]) if len(args) > 2 and args[2] is not None else torch.zeros(w.shape[0])
            add({"kind": "linear", "flatten": pending_flatten}, w, b, 0)
            pending_flatten, shape = False, (w.shape[0],)
            continue
        if op == "aten.slice.Tensor":  # a crop of a transposed convolution's result (Keras' 'same' in PyTorch)
            dim, start, end = args[1], args[2] if len(args) > 2 else 0, args[3] if len(args) > 3 else None
            step = args[4] if len(args) > 4 else 1
            side = shape[-1] if len(shape) == 3 else None
            if dim in (0, 1) and (start in (0, None)) and (end is None or end >= 2 ** 62) and step == 1:
                continue  # the whole batch or every channel: nothing cut
            if not (last and last["kind"] == "conv_transpose" and side and dim in (2, 3, -1, -2) and step == 1):
                raise WebModelError("it slices its feature maps other than to crop a transposed convolution")
            end = side if end is None or end > side else end
            crop = last.setdefault("_crop", {})
            crop[dim % 4] = (int(start), int(end))
            if len(crop) == 2:
                (s0, e0), (s1, e1) = crop[2], crop[3]
                if (s0, e0) != (s1, e1):
                    raise WebModelError("it crops a transposed convolution's rows and columns differently")
                last["padding"] += s0
                last["output_size"] = e0 - s0
                del last["_crop"]
                shape = (shape[0], e0 - s0, e0 - s0)
            continue
        if op in ("aten.constant_pad_nd.default", "aten.pad.default"):
            p = [int(v) for v in args[1]]
            mode, value = (args[2] if len(args) > 2 else "constant", args[3] if len(args) > 3 else None) \
                if op == "aten.pad.default" else ("constant", args[2] if len(args) > 2 else 0)
            if len(p) != 4 or p[0] != p[2] or p[1] != p[3] or mode != "constant" or value not in (None, 0, 0.0):
                raise WebModelError("it pads images unevenly, or with something other than zeros")
            pad = p
            shape = (shape[0], shape[1] + p[2] + p[3], shape[2] + p[0] + p[1])
            continue
        if op in ("aten.conv2d.default", "aten.conv_transpose2d.input", "aten.convolution.default"):
            transposed = op == "aten.conv_transpose2d.input" or (op == "aten.convolution.default" and args[6])
            w = _attr(gm, args[1])
            b = _attr(gm, args[2]) if args[2] is not None else torch.zeros(w.shape[1 if transposed else 0])
            stride, padding = list(args[3]) if len(args) > 3 else [1, 1], list(args[4]) if len(args) > 4 else [0, 0]
            if op == "aten.conv2d.default":
                dilation, groups, out_pad = (list(args[5]) if len(args) > 5 else [1, 1]), (args[6] if len(args) > 6 else 1), [0, 0]
            elif op == "aten.conv_transpose2d.input":
                out_pad = list(args[5]) if len(args) > 5 else [0, 0]
                groups, dilation = (args[6] if len(args) > 6 else 1), (list(args[7]) if len(args) > 7 else [1, 1])
            else:
                dilation, out_pad, groups = list(args[5]), list(args[7]), args[8]
            k = int(w.shape[-1])
            if len(set(stride)) != 1 or len(set(padding)) != 1 or len(set(out_pad)) != 1 or set(dilation) != {1} \
                    or groups != 1 or w.shape[-1] != w.shape[-2]:
                raise WebModelError("its convolutions have unequal strides or padding, dilation or groups")
            s, p, size = int(stride[0]), int(padding[0]), int(shape[-1])
            if pad is not None:  # a pad just before: its top/left is this layer's padding
                if transposed or p:
                    raise WebModelError("it pads before a transposed or padded convolution")
                p, size = pad[2], size - pad[2] - pad[3]
                out = (size + pad[2] + pad[3] - k) // s + 1
            elif transposed:
                out = (size - 1) * s - 2 * p + k + int(out_pad[0])
                if out_pad[0] > p:
                    raise WebModelError("its transposed convolution's output padding exceeds its padding")
            else:
                out = (size + 2 * p - k) // s + 1
            add({"kind": "conv_transpose" if transposed else "conv", "stride": s, "kernel": k, "padding": p,
                 "output_size": out}, w, b, 1 if transposed else 0)
            pad, shape = None, (int(w.shape[1] if transposed else w.shape[0]), out, out)
            continue
        if op in ("aten._native_batch_norm_legit_no_training.default", "aten.batch_norm.default"):
            weight, bias, mean, var = (_attr(gm, a) if a is not None else None for a in args[1:5])
            eps = float(args[6] if op.startswith("aten._native") else args[7])
            if op == "aten.batch_norm.default" and args[5]:
                raise WebModelError("its batch-norm runs in training mode")
            if not last:
                raise WebModelError("it normalises its input before any layer")
            channels = mean.shape[0]
            _normalise(last, weight if weight is not None else torch.ones(channels),
                       bias if bias is not None else torch.zeros(channels), mean, var, eps)
            continue
        activation = {"aten.relu.default": ("leaky_relu", 0.0), "aten.sigmoid.default": ("sigmoid", None),
                      "aten.tanh.default": ("tanh", None), "aten.leaky_relu.default": ("leaky_relu", None)}.get(op)
        if activation and last and last["activation"] == "none" and "_post" not in last:
            kind, slope = activation
            last["activation"] = kind
            if kind == "leaky_relu":
                last["slope"] = float(slope if slope is not None else (args[1] if len(args) > 1 else 0.01))
            continue
        name = op.removeprefix("aten.").split(".")[0]
        raise WebModelError(f"its layers include {name}, which the page's model does not run")
    if image is not None and tuple(shape) != tuple(image):
        if len(shape) == 1 and int(np.prod(image)) == shape[0] and layers and layers[-1]["kind"] == "linear" and "_post" not in layers[-1]:
            layers[-1]["reshape"] = list(image)
        else:
            raise WebModelError(f"its decoder writes {tuple(shape)}, not an image of {image}")
    if not layers:
        raise WebModelError("it has no layers the page's model reads")
    if any("_crop" in layer for layer in layers):
        raise WebModelError("it crops a transposed convolution's rows but not its columns")
    return _serialised(layers, prefix, tensors)


def _foreign_layers(model) -> tuple[list[dict], list[dict], dict[str, np.ndarray]]:
    from .torch_file import graphs

    found = graphs(model)
    if found is None:
        raise WebModelError("it is a TorchScript module whose layers the page's model cannot read")
    cfg, tensors = model.cfg, {}
    image = (cfg.image_channels, cfg.image_size, cfg.image_size)
    encoder = graph_layers(found[0], image, "encoder", tensors)
    decoder = graph_layers(found[1], (cfg.z_dim,), "decoder", tensors, image=image)
    if tensors[encoder[-1]["bias"]].shape[0] != cfg.z_dim:
        raise WebModelError("its encoder's last layer does not write the code")
    return encoder, decoder, tensors


def model_layers(model: Autoencoder) -> tuple[list[dict], list[dict], dict[str, np.ndarray]]:
    """(encoder layers, decoder layers, tensors) of a model, batch-norm folded, ready to serialise.

    A VAE's encoder keeps only its mean: the last layer's first `z_dim` outputs. A user's own PyTorch
    program (ae.torch_file) is read from its graph when its operations are of kinds the page runs.
    """
    from .torch_file import ForeignAutoencoder

    if isinstance(model, ForeignAutoencoder):
        return _foreign_layers(model)
    if not isinstance(model, Autoencoder):
        raise WebModelError("it is a program of its own (imported from PyTorch) seen in a plane, whose layers "
                            "the page's model does not read")
    cfg = model.cfg
    tensors: dict[str, np.ndarray] = {}
    encoder = _sequence_layers(list(model.encoder), "encoder", tensors, cfg.image_size)
    last = encoder[-1]
    tensors[last["weight"]] = tensors[last["weight"]][:cfg.z_dim]
    tensors[last["bias"]] = tensors[last["bias"]][:cfg.z_dim]
    # One sequence: a dense decoder's batch-norm and activation that follow decoder_input fold into it.
    decoder = _sequence_layers([model.decoder_input, *model.decoder], "decoder", tensors,
                               model._feature_shape[-1] if len(model._feature_shape) == 3 else None)
    if len(model._feature_shape) == 3:  # the convolutional decoder's feature map
        decoder[0]["reshape"] = list(model._feature_shape)
    return encoder, decoder, tensors


def export_web_model(model: Autoencoder, *, codes=None, labels=None, gap: dict | None = None,
                     drift: dict | None = None, meta: dict | None = None) -> bytes:
    """The web model file for `model`, as bytes.

    `codes`/`labels` (the training codes) and `gap` ({spacing, inside, edge} of an `ae.LatentIndex`)
    let the page compute the gap measure; `drift` ({usual, typical, high} of an `ae.quality.RoundTrip`)
    lets it judge round-trip drift; `meta` is free JSON (dataset, class names, ...).
    """
    was_training = model.training
    model.eval()
    encoder, decoder, tensors = model_layers(model)
    model.train(was_training)
    if codes is not None:
        tensors["codes"] = np.asarray(codes, dtype=np.float32)
        tensors["labels"] = np.asarray(labels, dtype=np.uint8)
    header = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "z_dim": model.cfg.z_dim,
              "image_size": model.cfg.image_size, "image_channels": model.cfg.image_channels,
              "encoder": encoder, "decoder": decoder, "gap": gap, "drift": drift, "meta": meta or {}, "tensors": {}}
    chunks, offset = [], 0
    for name, array in tensors.items():
        array = np.ascontiguousarray(array, dtype=np.uint8 if array.dtype == np.uint8 else "<f4")
        header["tensors"][name] = {"dtype": "uint8" if array.dtype == np.uint8 else "float32",
                                   "shape": list(array.shape), "offset": offset}
        raw = array.tobytes()
        raw += b"\0" * (-len(raw) % 4)  # keep every float32 tensor 4-byte aligned
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(len(text) + 8) % 4)
    return MAGIC + struct.pack("<I", len(text)) + text + b"".join(chunks)


def read_web_model(data: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """(header, tensors) of a web model file; raises WebModelError if it is not one."""
    if len(data) < 8 or data[:4] != MAGIC:
        raise WebModelError("not a Latent Explorer web model (wrong magic bytes)")
    (length,) = struct.unpack("<I", data[4:8])
    try:
        header = json.loads(data[8:8 + length])
    except ValueError as e:
        raise WebModelError(f"the web model's header is not JSON: {e}") from None
    if header.get("format") != FORMAT_NAME or header.get("version") != FORMAT_VERSION:
        raise WebModelError("unknown web model format or version")
    base, tensors = 8 + length, {}
    for name, spec in header["tensors"].items():
        dtype = np.uint8 if spec["dtype"] == "uint8" else np.dtype("<f4")
        count = int(np.prod(spec["shape"], dtype=np.int64))
        start = base + spec["offset"]
        if start + count * np.dtype(dtype).itemsize > len(data):
            raise WebModelError(f"the web model is truncated (tensor {name!r})")
        tensors[name] = np.frombuffer(data, dtype, count, start).reshape(spec["shape"])
    return header, tensors


def run_layers(layers: list[dict], tensors: dict[str, np.ndarray], x) -> np.ndarray:
    """Run exported layers on a batch in torch: the reference reading of the file format."""
    h = torch.as_tensor(np.asarray(x, dtype=np.float32))
    for layer in layers:
        w, b = torch.from_numpy(np.array(tensors[layer["weight"]])), torch.from_numpy(np.array(tensors[layer["bias"]]))
        if layer["kind"] == "linear":
            h = F.linear(h.flatten(1) if layer.get("flatten") else h, w, b)
            if "reshape" in layer:
                h = h.view(-1, *layer["reshape"])
        elif layer["kind"] == "conv":
            # Padded `padding` at the top and left and as much as output_size needs at the bottom and right.
            p, s, k, n = layer["padding"], layer["stride"], layer["kernel"], layer["output_size"]
            after = (n - 1) * s + k - h.shape[-1] - p
            h = F.conv2d(F.pad(h, (p, after, p, after)), w, b, stride=s)
        elif layer["kind"] == "conv_transpose":
            p, n = layer["padding"], layer["output_size"]
            h = F.conv_transpose2d(h, w, b, stride=layer["stride"])
            h = F.pad(h, (0, max(0, p + n - h.shape[-1])) * 2)[..., p:p + n, p:p + n]
        else:
            raise WebModelError(f"unknown layer kind {layer['kind']!r}")
        if layer["activation"] == "leaky_relu":
            h = F.leaky_relu(h, layer["slope"])
        elif layer["activation"] == "sigmoid":
            h = torch.sigmoid(h)
        elif layer["activation"] == "tanh":
            h = torch.tanh(h)
        if "post" in layer:
            shape = (1, -1) + (1,) * (h.dim() - 2)
            h = h * torch.from_numpy(np.array(tensors[layer["post"]["scale"]])).view(shape) \
                + torch.from_numpy(np.array(tensors[layer["post"]["shift"]])).view(shape)
    return h.numpy()


def export_checkpoint(ckpt, index=None, round_trip=None) -> bytes:
    """The web model of a loaded checkpoint: both nets and, for a 2-D model, the training codes, the
    gap measure's thresholds (from `index`, an `ae.LatentIndex` of its training codes, if given) and
    the round-trip drift's scale (from `round_trip`, an `ae.quality.RoundTrip`, if given)."""
    from .data import class_names
    from .latent import LatentIndex
    from .quality import RoundTrip

    meta = {"dataset": ckpt.dataset, "model_type": ckpt.model_type, "classes": class_names(ckpt.dataset)}
    if ckpt.config.z_dim != 2:
        return export_web_model(ckpt.model, meta=meta)
    index = index or LatentIndex(ckpt.train_codes, ckpt.train_labels)
    round_trip = round_trip or RoundTrip(ckpt.model, ckpt.test_codes)
    gap = {"spacing": index.spacing, "inside": index.inside, "edge": index.edge}
    drift = {"usual": round_trip.usual, "typical": round_trip.typical, "high": round_trip.high}
    return export_web_model(ckpt.model, codes=ckpt.train_codes, labels=ckpt.train_labels, gap=gap, drift=drift,
                            meta=meta)
