"""The variational autoencoder: shapes, loss terms, deterministic inference, checkpoints, CLI."""
import pytest
import torch

import ae.train as train_module
from ae import (AEConfig, Autoencoder, VariationalAutoencoder, build_model, kl_divergence, load_checkpoint,
                save_checkpoint)


def test_kl_is_zero_for_the_prior_and_matches_the_closed_form():
    assert torch.equal(kl_divergence(torch.zeros(3, 2), torch.zeros(3, 2)), torch.zeros(3))
    # One dimension, mean 1, variance e: 0.5 * (e + 1 - 1 - 1) = 0.5 * (e - 1)
    value = kl_divergence(torch.tensor([[1.0]]), torch.tensor([[1.0]]))
    assert value.item() == pytest.approx(0.5 * (torch.e - 1))


def test_vae_shares_the_backbone_and_doubles_the_code_layer():
    vae, plain = build_model(AEConfig(variational=True)), build_model(AEConfig())
    assert isinstance(vae, VariationalAutoencoder) and type(plain) is Autoencoder
    extra = sum(p.numel() for p in vae.parameters()) - sum(p.numel() for p in plain.parameters())
    assert extra == 7 * 7 * 64 * 2 + 2  # a second Linear head (weights and biases) for the log-variances
    x = torch.rand(4, 1, 28, 28)
    mean, log_var = vae.encode_stats(x)
    assert mean.shape == log_var.shape == (4, 2)
    assert vae(x).shape == (4, 1, 28, 28)


def test_inference_is_deterministic_and_training_is_not():
    torch.manual_seed(0)
    vae = build_model(AEConfig(variational=True)).eval()
    x = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(vae.encode(x), vae.encode(x))
        assert torch.equal(vae(x), vae(x))
        assert not torch.equal(vae.loss_terms(x)[1], vae.loss_terms(x)[1])  # sampled codes differ


def test_loss_terms_combine_with_beta():
    torch.manual_seed(1)
    x = torch.rand(2, 1, 28, 28)
    for beta in (0.0, 4.0):
        vae = build_model(AEConfig(variational=True, beta=beta))
        torch.manual_seed(2)
        total, squared, kl = vae.loss_terms(x)
        assert total.item() == pytest.approx((squared + beta * kl).item() / 784, rel=1e-5)
        assert kl.item() >= 0


def test_vae_checkpoint_round_trip(tmp_path):
    vae = build_model(AEConfig(variational=True, beta=2.0)).eval()
    save_checkpoint(tmp_path / "v.pt", model=vae, dataset="fashion", history=[], model_type="vae",
                    train_codes=torch.zeros(5, 2), train_labels=torch.zeros(5, dtype=torch.long),
                    test_codes=torch.zeros(3, 2), test_labels=torch.zeros(3, dtype=torch.long))
    loaded = load_checkpoint(tmp_path / "v.pt")
    assert isinstance(loaded.model, VariationalAutoencoder) and loaded.model_type == "vae"
    assert loaded.config.beta == 2.0 and loaded.dataset == "fashion"
    x = torch.rand(2, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(vae(x), loaded.model(x))


def test_cli_trains_a_vae(tmp_path, mnist_path):
    out = tmp_path / "vae.pt"
    assert train_module.main(["--model", "vae", "--out", str(out), "--data-dir", str(mnist_path), "--limit", "1024",
                              "--test-limit", "500", "--epochs", "3", "--lr", "2e-3", "--quiet"]) == 0
    ckpt = load_checkpoint(out)
    assert ckpt.model_type == "vae" and ckpt.train_args["model"] == "vae"
    losses = [h["test_loss"] for h in ckpt.history]
    assert losses[-1] < losses[0]
    # The stored codes are the (deterministic) means.
    assert ckpt.test_codes.shape == (500, 2)
