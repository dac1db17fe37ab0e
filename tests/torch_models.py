"""Users' own PyTorch autoencoders, as an ML engineer might write them: the oracle models of
tests/test_torch_import.py (and what `--class torch_models:...` names there)."""
from __future__ import annotations

import torch
from torch import nn


class DenseAE(nn.Module):
    """encode/decode methods; the decoder writes (N, 784)."""

    def __init__(self, z_dim: int = 2, hidden: int = 64):
        super().__init__()
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, z_dim))
        self.dec = nn.Sequential(nn.Linear(z_dim, hidden), nn.ReLU(), nn.Linear(hidden, 784), nn.Sigmoid())

    def encode(self, x):
        return self.enc(x)

    def decode(self, z):
        return self.dec(z)

    def forward(self, x):
        return self.decode(self.encode(x))


class ConvEncoder(nn.Module):
    def __init__(self, z_dim: int = 2, channels: int = 1):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(channels, 8, 3, 2, 1), nn.GELU(), nn.Conv2d(8, 16, 3, 2, 1), nn.GELU(), nn.Flatten())
        self.mu, self.log_var = nn.Linear(16 * 7 * 7, z_dim), nn.Linear(16 * 7 * 7, z_dim)

    def forward(self, x):
        h = self.conv(x)
        return self.mu(h), self.log_var(h)


class ConvDecoder(nn.Module):
    def __init__(self, z_dim: int = 2, size: int = 28):
        super().__init__()
        self.size = size
        self.fc = nn.Linear(z_dim, 16 * (size // 4) ** 2)
        self.up = nn.Sequential(nn.ConvTranspose2d(16, 8, 4, 2, 1), nn.GELU(), nn.ConvTranspose2d(8, 1, 4, 2, 1), nn.Sigmoid())

    def forward(self, z):
        return self.up(self.fc(z).view(-1, 16, self.size // 4, self.size // 4))


class ConvVAE(nn.Module):
    """encoder/decoder submodules; the encoder gives (mean, log-variance)."""

    def __init__(self, z_dim: int = 2):
        super().__init__()
        self.encoder, self.decoder = ConvEncoder(z_dim), ConvDecoder(z_dim)


def seeded(cls, seed: int = 0, **kwargs):
    torch.manual_seed(seed)
    return cls(**kwargs).eval()
