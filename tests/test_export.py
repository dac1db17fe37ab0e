"""The web model file: what the page runs must be the model, batch-norm folded, for every shipped checkpoint."""
import numpy as np
import pytest
import torch

import ae
from ae.export import (WebModelError, export_checkpoint, export_web_model, read_web_model, run_layers)
from conftest import ROOT

SHIPPED_MODELS = sorted(p for p in (ROOT / "checkpoints").glob("*_z2.pt"))


def trained_looking(cfg: ae.AEConfig, seed: int = 0) -> ae.Autoencoder:
    """A model whose batch-norm layers hold non-trivial statistics, as after training."""
    torch.manual_seed(seed)
    model = ae.build_model(cfg)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return model.eval()


@pytest.mark.parametrize("cfg", [
    ae.AEConfig(use_batch_norm=True),
    ae.AEConfig(use_batch_norm=True, dropout=0.25, variational=True),
    ae.AEConfig(z_dim=3, encoder_filters=(8, 16), encoder_strides=(2, 2), decoder_filters=(16, 1),
                decoder_strides=(2, 2)),
    ae.AEConfig(dense_units=(64, 32), use_batch_norm=True),
    ae.AEConfig(dense_units=(48,), use_batch_norm=True, variational=True, z_dim=3),
], ids=["ae-batchnorm", "vae-dropout", "small-z3", "dense", "dense-vae-z3"])
def test_the_file_runs_like_the_model(cfg):
    model = trained_looking(cfg)
    header, tensors = read_web_model(export_web_model(model))
    z = np.random.default_rng(1).normal(0, 3, size=(50, cfg.z_dim)).astype(np.float32)
    assert np.abs(run_layers(header["decoder"], tensors, z)[:, 0] - ae.decode(model, z)).max() < 1e-5
    images = torch.rand(20, 1, 28, 28)
    assert np.abs(run_layers(header["encoder"], tensors, images) - ae.encode(model, images)).max() < 1e-4
    # Batch-norm is folded away: only convolutions and linear layers remain.
    assert {layer["kind"] for layer in header["decoder"] + header["encoder"]} <= {"linear", "conv", "conv_transpose"}


def test_a_vae_ships_only_the_encoders_mean():
    model = trained_looking(ae.AEConfig(use_batch_norm=True, variational=True))
    header, tensors = read_web_model(export_web_model(model))
    assert tensors[header["encoder"][-1]["weight"]].shape[0] == 2
    images = torch.rand(8, 1, 28, 28)
    mean, _ = model.encode_stats(images)
    assert np.abs(run_layers(header["encoder"], tensors, images) - mean.detach().numpy()).max() < 1e-4


@pytest.mark.parametrize("path", SHIPPED_MODELS, ids=lambda p: p.name)
def test_every_shipped_checkpoint_exports_with_its_codes_and_gap_thresholds(path):
    ckpt = ae.load_checkpoint(path)
    index = ae.LatentIndex(ckpt.train_codes, ckpt.train_labels)
    data = export_checkpoint(ckpt, index)
    header, tensors = read_web_model(data)
    assert np.array_equal(tensors["codes"], ckpt.train_codes)
    assert np.array_equal(tensors["labels"], ckpt.train_labels)
    assert header["gap"] == {"spacing": index.spacing, "inside": index.inside, "edge": index.edge}
    assert header["meta"]["classes"] == ae.class_names(ckpt.dataset)
    z = np.random.default_rng(0).uniform(ckpt.test_codes.min(0) - 1, ckpt.test_codes.max(0) + 1, (200, 2))
    assert np.abs(run_layers(header["decoder"], tensors, z)[:, 0] - ae.decode(ckpt.model, z)).max() < 1e-5
    assert len(data) < 2_000_000  # weights and 60,000 codes: small enough to load once per page


def test_files_that_are_not_web_models_are_refused_with_a_reason():
    data = export_web_model(trained_looking(ae.AEConfig()))
    with pytest.raises(WebModelError, match="magic"):
        read_web_model(b"PK\x03\x04" + data[4:])
    with pytest.raises(WebModelError, match="truncated"):
        read_web_model(data[:-100])
    with pytest.raises(WebModelError, match="not JSON"):
        read_web_model(data[:8] + b"x" + data[9:])
