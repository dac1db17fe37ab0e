import pytest
import torch

from ae.model import AEConfig, Autoencoder, build_model


def count(module):
    return sum(p.numel() for p in module.parameters())


def test_default_config_matches_the_chapters_keras_parameter_counts():
    model = Autoencoder(AEConfig())
    assert count(model.encoder) == 98_946
    assert count(model.decoder_input) + count(model.decoder) == 102_017


def test_shapes_and_output_range():
    model = Autoencoder(AEConfig())
    x = torch.rand(5, 1, 28, 28)
    z = model.encode(x)
    assert z.shape == (5, 2)
    y = model.decode(z)
    assert y.shape == (5, 1, 28, 28)
    assert torch.equal(model(x), y)
    assert 0.0 <= y.min() and y.max() <= 1.0


@pytest.mark.parametrize("cfg", [AEConfig(z_dim=8), AEConfig(use_batch_norm=True, dropout=0.25),
                                 AEConfig(encoder_filters=(16, 32, 32, 32), decoder_filters=(32, 32, 16, 1))])
def test_other_sizes_come_from_the_config(cfg):
    model = Autoencoder(cfg).eval()
    z = model.encode(torch.rand(3, 1, 28, 28))
    assert z.shape == (3, cfg.z_dim)
    assert model.decode(z).shape == (3, 1, 28, 28)
    has_bn = any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    assert has_bn == cfg.use_batch_norm


def test_config_round_trips_through_a_plain_dict():
    cfg = AEConfig(z_dim=3, use_batch_norm=True, encoder_filters=(8, 8, 8, 8))
    assert AEConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="unknown config fields"):
        AEConfig.from_dict({**cfg.to_dict(), "colour": "red"})


def test_inconsistent_configs_are_rejected():
    with pytest.raises(ValueError):
        AEConfig(encoder_strides=(1, 2, 2))
    with pytest.raises(ValueError):
        AEConfig(z_dim=0)
    with pytest.raises(ValueError):
        AEConfig(decoder_filters=(64, 64, 32, 3))


@pytest.mark.parametrize("variational", [False, True], ids=["ae", "vae"])
def test_a_dense_backbone_replaces_the_convolutions(variational):
    cfg = AEConfig(dense_units=(64, 16), use_batch_norm=True, variational=variational, z_dim=3)
    model = build_model(cfg)
    assert not any(isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)) for m in model.modules())
    widths = [m.out_features for m in model.encoder if isinstance(m, torch.nn.Linear)]
    assert widths == [64, 16, 6 if variational else 3]  # a VAE's last layer also gives log-variances
    assert [m.out_features for m in model.modules() if isinstance(m, torch.nn.Linear)][-3:] == [16, 64, 784]
    # image -> 64 -> 16 -> code and back, with batch-norm after each hidden layer
    assert count(model) == (784 * 64 + 64 + 64 * 16 + 16 + 16 * (6 if variational else 3) + (6 if variational else 3)
                            + 3 * 16 + 16 + 16 * 64 + 64 + 64 * 784 + 784 + 2 * 2 * (64 + 16))
    model.eval()
    z = model.encode(torch.rand(4, 1, 28, 28))
    assert z.shape == (4, 3)
    y = model.decode(z)
    assert y.shape == (4, 1, 28, 28) and 0.0 <= y.min() and y.max() <= 1.0


def test_a_dense_config_round_trips_and_older_configs_stay_convolutional():
    cfg = AEConfig(dense_units=(512, 128), use_batch_norm=True)
    assert AEConfig.from_dict(cfg.to_dict()) == cfg and cfg.to_dict()["dense_units"] == [512, 128]
    older = {k: v for k, v in AEConfig().to_dict().items() if k != "dense_units"}  # saved before the field existed
    assert AEConfig.from_dict(older).dense_units == ()
    with pytest.raises(ValueError):
        AEConfig(dense_units=(512, 0))
