"""The checkpoint that ships with the repo, checked against the real test set (not its own history)."""
import numpy as np
import pytest
import torch

from ae import AEConfig, encode, load_checkpoint, load_images
from ae.train import evaluate
from conftest import SHIPPED


def test_shipped_checkpoint_reconstructs_the_test_set_within_the_target(mnist_path):
    ckpt = load_checkpoint(SHIPPED)
    test = load_images("mnist", "test", data_dir=mnist_path)
    mse = evaluate(ckpt.model, test.images, torch.device("cpu"))
    assert mse <= 0.040
    assert abs(mse - ckpt.test_mse) < 1e-4  # the stored history tells the truth
    assert abs(ckpt.test_errors.mean() - mse) < 1e-5 and ckpt.test_errors.shape == (10_000,)
    # The stored codes are the model's codes of the real images, in order.
    np.testing.assert_allclose(encode(ckpt.model, test.images[:500]), ckpt.test_codes[:500], atol=1e-4)
    assert ckpt.train_codes.shape == (60_000, 2) and np.bincount(ckpt.test_labels).tolist()[1] == 1135


def test_shipped_checkpoint_is_the_chapters_architecture_and_small():
    ckpt = load_checkpoint(SHIPPED)
    base = AEConfig()
    assert (ckpt.config.z_dim, ckpt.config.encoder_filters, ckpt.config.decoder_filters) == \
           (2, base.encoder_filters, base.decoder_filters)
    assert SHIPPED.stat().st_size < 5 * 2**20


def test_shipped_vae_reconstructs_and_its_codes_follow_the_prior(mnist_path):
    from ae import VariationalAutoencoder

    vae = load_checkpoint(SHIPPED.with_name("mnist_vae_z2.pt"))
    assert isinstance(vae.model, VariationalAutoencoder) and vae.model_type == "vae"
    test = load_images("mnist", "test", data_dir=mnist_path)
    mse = evaluate(vae.model, test.images, torch.device("cpu"))
    assert mse <= 0.040 and abs(mse - vae.test_mse) < 1e-4
    # The KL term pulls the codes towards N(0, I); the plain autoencoder's spread far wider.
    assert np.abs(vae.test_codes.mean(axis=0)).max() < 0.2
    assert ((vae.test_codes.std(axis=0) > 0.7) & (vae.test_codes.std(axis=0) < 1.3)).all()
    assert (load_checkpoint(SHIPPED).test_codes.std(axis=0) > 2).all()


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_shipped_fashion_models_reconstruct_the_real_test_set(fashion_path, kind):
    ckpt = load_checkpoint(SHIPPED.with_name(f"fashion_{kind}_z2.pt"))
    assert ckpt.dataset == "fashion" and ckpt.model_type == kind and ckpt.config.z_dim == 2
    test = load_images("fashion", "test", data_dir=fashion_path)
    mse = evaluate(ckpt.model, test.images, torch.device("cpu"))
    assert mse <= 0.035 and abs(mse - ckpt.test_mse) < 1e-4
    np.testing.assert_allclose(encode(ckpt.model, test.images[:300]), ckpt.test_codes[:300], atol=1e-4)
    assert ckpt.test_labels.tolist() == test.labels.tolist()


def test_the_shipped_10d_autoencoder_rebuilds_far_better_than_the_2d_one(mnist_path):
    from conftest import ROOT
    z10 = load_checkpoint(ROOT / "checkpoints" / "mnist_ae_z10.pt")
    test = load_images("mnist", "test", data_dir=mnist_path)
    mse = evaluate(z10.model, test.images, torch.device("cpu"))
    assert z10.config.z_dim == 10 and abs(mse - z10.test_mse) < 1e-4
    assert mse < 0.5 * load_checkpoint(SHIPPED).test_mse
    np.testing.assert_allclose(encode(z10.model, test.images[:200]), z10.test_codes[:200], atol=1e-4)
    assert z10.snapshots.shape == (16, 10_000, 10)


@pytest.mark.parametrize("name", ["mnist_ae_z2.pt", "mnist_vae_z2.pt", "fashion_ae_z2.pt", "fashion_vae_z2.pt"])
def test_the_shipped_2d_models_replay_how_their_space_formed(request, name):
    """Retrained with snapshots, same recipe and seed: frame 0 is the seeded untrained encoder, the last
    frame the shipped codes, one frame per epoch between."""
    from ae import build_model
    ckpt = load_checkpoint(SHIPPED.with_name(name))
    dataset = ckpt.dataset
    data_dir = request.getfixturevalue("mnist_path" if dataset == "mnist" else "fashion_path")
    assert ckpt.snapshots.shape == (len(ckpt.history) + 1, 10_000, 2) and len(ckpt.history) == 15
    np.testing.assert_allclose(ckpt.snapshots[-1], ckpt.test_codes, rtol=1e-3, atol=1e-3)  # float16 frames
    torch.manual_seed(ckpt.train_args["seed"])
    untrained = build_model(ckpt.config)
    test = load_images(dataset, "test", data_dir=data_dir)
    np.testing.assert_allclose(ckpt.snapshots[0][:500], encode(untrained, test.images[:500]), rtol=1e-3, atol=1e-3)
    # The frames move: training spread the codes far from where the untrained encoder put them.
    assert np.abs(ckpt.snapshots[-1] - ckpt.snapshots[0]).mean() > 0.5
