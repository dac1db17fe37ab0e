"""Round-trip drift, decoder sensitivity, realism score and ROC-AUC against oracles."""
import numpy as np
import pytest
import torch
from torch import nn

from ae import AEConfig, Autoencoder
from ae.quality import (RoundTrip, decoder_sensitivity, describe_drift, realism_scores, roc_auc, round_trip,
                        sensitivity_map)


class Stub(nn.Module):
    """A model with hand-written encode/decode (the only parts the measures use)."""

    def __init__(self, encode, decode, z_dim=2):
        super().__init__()
        self.cfg = AEConfig(z_dim=z_dim)
        self.weight = nn.Parameter(torch.zeros(1))  # gives the measures a device to read
        self._encode, self._decode = encode, decode

    def encode(self, x):
        return self._encode(x)

    def decode(self, z):
        return self._decode(z)


def exact_pair():
    """The decoder writes z into two pixels, the encoder reads them back: E(D(z)) = z exactly."""
    def decode(z):
        img = torch.zeros(len(z), 1, 28, 28)
        img[:, 0, 0, :2] = z
        return img
    return Stub(lambda x: x[:, 0, 0, :2].clone(), decode)


def test_an_exact_pair_has_no_drift():
    rt = RoundTrip(exact_pair(), np.random.default_rng(0).normal(size=(500, 2)))
    points = np.random.default_rng(1).uniform(-50, 50, size=(300, 2))
    d = rt.drift(points)
    assert np.allclose(d.returned, points, atol=1e-4) and d.drift.max() < 1e-4
    assert rt.high < 1e-4


def test_a_decoder_that_ignores_z_drifts_to_the_encoders_fixed_point():
    fixed = torch.tensor([0.7, -1.3])
    constant = torch.full((1, 1, 28, 28), 0.25)
    model = Stub(lambda x: x.flatten(1)[:, :2] * 4 * fixed,  # the encoder maps the constant image to `fixed`
                 lambda z: constant.expand(len(z), -1, -1, -1))
    points = np.random.default_rng(2).normal(size=(100, 2)) * 5
    d = RoundTrip(model, points).drift(points)
    oracle = np.linalg.norm(points - fixed.numpy(), axis=1)
    assert np.allclose(d.returned, fixed.numpy(), atol=1e-6)
    assert np.allclose(d.drift, oracle, rtol=1e-5)


def test_thresholds_come_from_the_test_codes_own_drift():
    # Decoder shifts every point right by an amount growing with |z|: the test codes' drift is known.
    def decode(z):
        img = torch.zeros(len(z), 1, 28, 28)
        img[:, 0, 0, 0] = z[:, 0] + z.norm(dim=1) * 0.1
        img[:, 0, 0, 1] = z[:, 1]
        return img
    model = Stub(lambda x: x[:, 0, 0, :2].clone(), decode)
    codes = np.random.default_rng(3).normal(size=(4000, 2)).astype(np.float32)
    rt = RoundTrip(model, codes, sample=4000)
    own = np.linalg.norm(codes, axis=1) * 0.1
    assert rt.usual == pytest.approx(np.median(own), rel=1e-3)
    assert rt.typical == pytest.approx(np.percentile(own, 90), rel=1e-3)
    assert rt.high == pytest.approx(np.percentile(own, 99), rel=1e-3)
    assert "means this place" in describe_drift(rt.usual, (0, 0), rt)
    assert "only partly" in describe_drift((rt.typical + rt.high) / 2, (1.5, 2), rt, "among the 3s")
    far = describe_drift(rt.high * 3, (1.5, 2), rt, "among the 3s")
    assert "not what this place means" in far and "(1.50, 2.00), among the 3s" in far


def test_round_trip_of_the_real_architecture_is_encode_after_decode():
    torch.manual_seed(0)
    model = Autoencoder(AEConfig(use_batch_norm=True)).eval()
    z = torch.randn(7, 2)
    with torch.no_grad():
        oracle = model.encode(model.decode(z)).numpy()
    assert np.allclose(round_trip(model, z.numpy()), oracle, atol=1e-6)


def test_sensitivity_matches_exact_derivatives():
    torch.manual_seed(0)
    model = Autoencoder(AEConfig(use_batch_norm=True)).eval()
    points = torch.randn(12, 2) * 2
    exact = []
    for z in points:
        jac = torch.autograd.functional.jacobian(lambda v: model.decode(v[None])[0], z)  # (1, 28, 28, 2)
        exact.append(float(jac.double().pow(2).mean().sqrt()))
    assert np.allclose(decoder_sensitivity(model, points.numpy()), exact, rtol=2e-2)


def test_sensitivity_of_a_linear_decoder_is_its_matrix_norm():
    a = torch.randn(784, 2, generator=torch.Generator().manual_seed(4))
    model = Stub(lambda x: x, lambda z: (z @ a.T).reshape(-1, 1, 28, 28))
    s = decoder_sensitivity(model, np.random.default_rng(5).normal(size=(9, 2)))
    assert np.allclose(s, float(a.double().pow(2).mean().sqrt()), rtol=1e-3)
    xs, ys, grid = sensitivity_map(model, (-1, 1), (0, 2), n=5)
    assert grid.shape == (5, 5) and xs[0] == -1 and ys[-1] == 2


def test_roc_auc_on_hand_made_scores():
    assert roc_auc([1, 2, 3], [4, 5]) == 1.0
    assert roc_auc([4, 5], [1, 2, 3]) == 0.0
    assert roc_auc([1, 1, 1], [1, 1]) == 0.5
    assert roc_auc([1, 2, 3], [2, 4]) == pytest.approx(4.5 / 6)  # 2 beats 1, ties 2, loses to 3; 4 beats all
    rng = np.random.default_rng(6)
    neg, pos = rng.integers(0, 5, 40), rng.integers(1, 7, 30)  # many ties
    pairs = [(p > n) + 0.5 * (p == n) for p in pos for n in neg]
    assert roc_auc(neg, pos) == pytest.approx(np.mean(pairs))
    with pytest.raises(ValueError):
        roc_auc([], [1])


def test_realism_score_against_brute_force():
    rng = np.random.default_rng(7)
    real = rng.normal(size=(60, 4))
    samples = np.r_[real[:3] + 1e-3, rng.normal(size=(5, 4)) * 10]
    k = 3
    radii = np.array([np.sort(np.linalg.norm(real - r, axis=1))[k] for r in real])
    keep = radii <= np.median(radii)
    oracle = [max(radii[j] / np.linalg.norm(s - real[j]) for j in np.flatnonzero(keep)) for s in samples]
    got = realism_scores(real, samples, k=k)
    assert np.allclose(got, oracle)
    assert got[5:].max() < 1 < got[:3][keep[:3]].min()
