"""Model configs, the convolutional autoencoder of *Generative Deep Learning*, chapter 3, and its VAE.

`AEConfig` describes the network; `build_model(cfg)` builds it: an `Autoencoder`, or with
`variational=True` a `VariationalAutoencoder` on the same backbone. Every variation (latent size,
filters, batch-norm, dropout, beta, a dense backbone instead of the convolutions, the padding
convention and layer order of a model imported from Keras) is a config field, so a checkpoint that
stores the config can rebuild its own model.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
from torch import nn
from torch.nn import functional as F

# How a strided convolution pads (AEConfig.padding). "torch": `padding=k // 2` on every side and, in
# a transposed convolution, `output_padding=stride - 1` (how this project trains). "keras":
# TensorFlow's 'same', which puts the odd extra row and column of padding at the bottom and right
# (and a transposed convolution, its gradient, crops them there): at stride 2 the two conventions
# read pixels one place apart, so a Keras model's weights give other images under the other one.
PADDINGS = ("torch", "keras")

@dataclass(frozen=True)
class AEConfig:
    """Shape of an autoencoder. The defaults are the chapter's MNIST model (1st edition)."""

    z_dim: int = 2
    image_channels: int = 1
    image_size: int = 28
    encoder_filters: tuple[int, ...] = (32, 64, 64, 64)
    encoder_strides: tuple[int, ...] = (1, 2, 2, 1)
    decoder_filters: tuple[int, ...] = (64, 64, 32, 1)
    decoder_strides: tuple[int, ...] = (1, 2, 2, 1)
    kernel_size: int = 3
    leaky_slope: float = 0.3  # Keras' LeakyReLU default, which the chapter uses
    use_batch_norm: bool = False
    dropout: float = 0.0
    variational: bool = False  # a VAE: the encoder gives a mean and a log-variance per latent dimension
    beta: float = 1.0  # VAE only: weight of the KL term against the summed squared error per image
    # Hidden layer sizes of a dense (fully connected) backbone used instead of the convolutions, e.g.
    # (512, 128): image -> 512 -> 128 -> code, and back through 128 -> 512 -> image. About thirty times
    # fewer multiplications per image than the convolutions, so it trains in seconds on a CPU (the Train
    # page's fast recipe). Empty: the chapter's convolutions.
    dense_units: tuple[int, ...] = ()
    padding: str = "torch"  # see PADDINGS
    # The book's Keras code normalises after the activation (conv -> LeakyReLU -> BatchNorm); this
    # project's own models before it (conv -> BatchNorm -> LeakyReLU).
    norm_after_activation: bool = False
    norm_eps: float = 1e-5  # batch-norm's epsilon: torch's default; Keras' is 1e-3

    def __post_init__(self) -> None:
        # Lists arrive from JSON-ish sources (checkpoints, CLIs); tuples keep the config hashable.
        for name in ("encoder_filters", "encoder_strides", "decoder_filters", "decoder_strides", "dense_units"):
            object.__setattr__(self, name, tuple(int(v) for v in getattr(self, name)))
        if len(self.encoder_filters) != len(self.encoder_strides):
            raise ValueError("encoder_filters and encoder_strides must have the same length")
        if len(self.decoder_filters) != len(self.decoder_strides):
            raise ValueError("decoder_filters and decoder_strides must have the same length")
        if self.decoder_filters[-1] != self.image_channels:
            raise ValueError("the last decoder filter count must equal image_channels")
        if self.z_dim < 1:
            raise ValueError("z_dim must be at least 1")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError("dropout must be in [0, 1)")
        if self.beta < 0:
            raise ValueError("beta must not be negative")
        if any(units < 1 for units in self.dense_units):
            raise ValueError("dense_units must be positive")
        if self.padding not in PADDINGS:
            raise ValueError(f"padding must be one of {PADDINGS}")
        if self.padding == "keras" and self.kernel_size < max(self.encoder_strides + self.decoder_strides):
            raise ValueError("Keras 'same' padding needs kernel_size at least as large as every stride")
        shrink = 1
        for s in self.encoder_strides:
            shrink *= s
        if self.image_size % shrink:
            raise ValueError("image_size must be divisible by the product of encoder_strides")

    @property
    def code_size(self) -> int:
        """Side length of the feature map between the convolutions and the dense layer."""
        shrink = 1
        for s in self.encoder_strides:
            shrink *= s
        return self.image_size // shrink

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> "AEConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown config fields: {sorted(unknown)}")
        return cls(**d)


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding of one axis of `size` pixels: (before, after); the odd one after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class KerasConv2d(nn.Conv2d):
    """A convolution padded as Keras' 'same' pads it, for inputs of `size` x `size` pixels."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int, size: int):
        super().__init__(in_channels, out_channels, kernel, stride=stride, padding=0)
        self.same = same_padding(size, kernel, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        before, after = self.same
        return super().forward(F.pad(x, (before, after, before, after)))


class KerasConvTranspose2d(nn.ConvTranspose2d):
    """A transposed convolution as Keras' 'same' computes it: `size * stride` pixels out of `size`, the
    full result cropped where the matching convolution would have padded (the odd one at the end)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int, size: int):
        super().__init__(in_channels, out_channels, kernel, stride=stride, padding=0)
        self.out_size = size * stride
        self.same = same_padding(self.out_size, kernel, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        start = self.same[0]
        return super().forward(x)[..., start:start + self.out_size, start:start + self.out_size]


def _conv(cfg: AEConfig, channels: int, filters: int, stride: int, size: int) -> nn.Module:
    if cfg.padding == "keras":
        return KerasConv2d(channels, filters, cfg.kernel_size, stride, size)
    return nn.Conv2d(channels, filters, cfg.kernel_size, stride=stride, padding=cfg.kernel_size // 2)


def _conv_transpose(cfg: AEConfig, channels: int, filters: int, stride: int, size: int) -> nn.Module:
    if cfg.padding == "keras":
        return KerasConvTranspose2d(channels, filters, cfg.kernel_size, stride, size)
    # output_padding makes a stride-2 transposed conv exactly double the size, like Keras' 'same'.
    return nn.ConvTranspose2d(channels, filters, cfg.kernel_size, stride=stride,
                              padding=cfg.kernel_size // 2, output_padding=stride - 1)


def _after_layer(channels: int, cfg: AEConfig, dense: bool) -> list[nn.Module]:
    """What follows each hidden layer: batch-norm (if used) and the leaky ReLU, in the config's order,
    then dropout (if used)."""
    block: list[nn.Module] = [nn.LeakyReLU(cfg.leaky_slope)]
    if cfg.use_batch_norm:
        norm = (nn.BatchNorm1d if dense else nn.BatchNorm2d)(channels, eps=cfg.norm_eps)
        block = [*block, norm] if cfg.norm_after_activation else [norm, *block]
    if cfg.dropout:
        block.append(nn.Dropout(cfg.dropout))
    return block


def _layer_block(layer: nn.Module, channels: int, cfg: AEConfig) -> list[nn.Module]:
    return [layer, *_after_layer(channels, cfg, dense=isinstance(layer, nn.Linear))]


class Autoencoder(nn.Module):
    """Encoder: convolutions to a `z_dim` code. Decoder: dense layer and transposed convolutions back.

    With `cfg.dense_units`, both halves are dense layers instead (see `AEConfig.dense_units`).
    """

    def __init__(self, cfg: AEConfig = AEConfig()):
        super().__init__()
        self.cfg = cfg
        if cfg.dense_units:
            self._build_dense(cfg)
            return
        layers: list[nn.Module] = []
        channels, size = cfg.image_channels, cfg.image_size
        for filters, stride in zip(cfg.encoder_filters, cfg.encoder_strides):
            layers += _layer_block(_conv(cfg, channels, filters, stride, size), filters, cfg)
            channels, size = filters, -(-size // stride)
        self._feature_shape = (channels, cfg.code_size, cfg.code_size)
        code_outputs = 2 * cfg.z_dim if cfg.variational else cfg.z_dim  # a VAE also gives log-variances
        layers += [nn.Flatten(), nn.Linear(channels * cfg.code_size**2, code_outputs)]
        self.encoder = nn.Sequential(*layers)

        self.decoder_input = nn.Linear(cfg.z_dim, channels * cfg.code_size**2)
        layers = []
        last = len(cfg.decoder_filters) - 1
        for i, (filters, stride) in enumerate(zip(cfg.decoder_filters, cfg.decoder_strides)):
            conv = _conv_transpose(cfg, channels, filters, stride, size)
            layers += [conv, nn.Sigmoid()] if i == last else _layer_block(conv, filters, cfg)
            channels, size = filters, size * stride
        self.decoder = nn.Sequential(*layers)

    def _build_dense(self, cfg: AEConfig) -> None:
        pixels = cfg.image_channels * cfg.image_size**2
        code_outputs = 2 * cfg.z_dim if cfg.variational else cfg.z_dim
        layers: list[nn.Module] = [nn.Flatten()]
        inputs = pixels
        for units in cfg.dense_units:
            layers += _layer_block(nn.Linear(inputs, units), units, cfg)
            inputs = units
        self.encoder = nn.Sequential(*layers, nn.Linear(inputs, code_outputs))
        # decode() applies decoder_input, then the decoder: its first block's linear layer is decoder_input.
        hidden = cfg.dense_units[::-1]
        self.decoder_input = nn.Linear(cfg.z_dim, hidden[0])
        self._feature_shape = (hidden[0],)
        layers = _after_layer(hidden[0], cfg, dense=True)
        for inputs, units in zip(hidden, hidden[1:]):
            layers += _layer_block(nn.Linear(inputs, units), units, cfg)
        layers += [nn.Linear(hidden[-1], pixels), nn.Sigmoid(),
                   nn.Unflatten(1, (cfg.image_channels, cfg.image_size, cfg.image_size))]
        self.decoder = nn.Sequential(*layers)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Images (N, C, H, W) in [0, 1] -> codes (N, z_dim)."""
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Codes (N, z_dim) -> images (N, C, H, W) in [0, 1]."""
        h = self.decoder_input(z).view(-1, *self._feature_shape)
        return self.decoder(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """The training objective on a batch: mean per-pixel squared error of the reconstruction."""
        return nn.functional.mse_loss(self(x), x)


def kl_divergence(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(log_var)) || N(0, I)) per example, summed over latent dimensions."""
    return -0.5 * torch.sum(1 + log_var - mean.pow(2) - log_var.exp(), dim=1)


class VariationalAutoencoder(Autoencoder):
    """The same backbone; the encoder's last layer gives (mean, log-variance) of the code.

    Training decodes a sample mean + sigma * noise (the reparameterisation trick); `encode`, used
    for plotting and inference, returns the mean, so it is deterministic.
    """

    def encode_stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_var = self.encoder(x).chunk(2, dim=1)
        return mean, log_var

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode_stats(x)[0]

    def loss_terms(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(objective, summed squared error per image, KL per image), each averaged over the batch.

        The objective is (squared error + beta * KL) / pixels, so its scale matches the plain
        autoencoder's per-pixel MSE.
        """
        mean, log_var = self.encode_stats(x)
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_var)
        squared = (self.decode(z) - x).pow(2).flatten(1).sum(1).mean()
        kl = kl_divergence(mean, log_var).mean()
        return (squared + self.cfg.beta * kl) / x[0].numel(), squared, kl

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        return self.loss_terms(x)[0]


def build_model(cfg: AEConfig) -> Autoencoder:
    return VariationalAutoencoder(cfg) if cfg.variational else Autoencoder(cfg)
