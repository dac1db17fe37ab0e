import numpy as np
import pytest

from ae import LatentIndex
from ae.limits import (area_shares, class_shares, interpolate, limits_table, measure_limits, nearest_class_shares,
                       prior_shares, sample_box, sample_prior, sample_report)


def test_uniform_samples_stay_in_the_box_and_are_repeatable():
    box = ((-1, 3), (10, 12))
    pts = sample_box(box, 500, seed=3)
    assert pts.shape == (500, 2)
    assert pts[:, 0].min() >= -1 and pts[:, 0].max() <= 3 and pts[:, 1].min() >= 10 and pts[:, 1].max() <= 12
    assert np.array_equal(pts, sample_box(box, 500, seed=3))
    assert abs(sample_prior(20_000).std() - 1) < 0.02


def test_area_shares_sum_to_one_and_match_a_hand_split():
    # Class 0 sits at x=0, class 1 at x=3, over the box x in [0, 4]: the border is at x=1.5, so
    # class 0 owns 1.5/4 of the box and class 1 owns 2.5/4.
    codes = np.array([[0, 0.5], [3, 0.5]])
    shares = area_shares(codes, np.array([0, 1]), ((0, 4), (0, 1)), n_classes=3, resolution=401)
    assert shares.sum() == pytest.approx(1.0)
    assert shares[0] == pytest.approx(1.5 / 4, abs=0.01) and shares[1] == pytest.approx(2.5 / 4, abs=0.01)
    assert shares[2] == 0


def test_class_shares():
    assert class_shares([0, 0, 1, 3], 4).tolist() == [0.5, 0.25, 0, 0.25]


def test_interpolation_endpoints_and_spacing():
    path = interpolate((0, 0), (3, 6), 4)
    assert path.tolist() == [[0, 0], [1, 2], [2, 4], [3, 6]]


def test_sample_report_counts_gaps_and_keeps_the_judges_reading():
    grid = np.stack(np.meshgrid(np.arange(10.0), np.arange(10.0)), -1).reshape(-1, 2)
    index = LatentIndex(grid, np.zeros(100, int))
    points = np.array([[5, 5], [5.4, 5], [30, 30], [-20, 4]], float)
    judge = lambda images: (np.arange(len(images)), np.full(len(images), 0.5))  # noqa: E731
    report = sample_report(points, index, np.zeros((4, 28, 28)), judge)
    assert report.in_gap.tolist() == [False, False, True, True]
    assert report.gap_share == 0.5
    assert report.predicted.tolist() == [0, 1, 2, 3]


def fake_checkpoint(train_codes, train_labels, test_errors=None):
    """Just what measure_limits reads of a checkpoint: codes, labels, config, a decoder, test errors."""
    from types import SimpleNamespace

    from ae import AEConfig, Autoencoder

    return SimpleNamespace(model=Autoencoder(AEConfig()).eval(), config=AEConfig(),
                           train_codes=np.asarray(train_codes, np.float32), train_labels=np.asarray(train_labels),
                           test_codes=np.asarray(train_codes, np.float32), test_labels=np.asarray(train_labels),
                           test_errors=test_errors, test_mse=None)


def test_nearest_class_shares_and_the_prior_split_by_symmetry():
    codes = np.array([[-1.0, 0.0], [1.0, 0.0]])
    points = np.array([[-3.0, 5.0], [-0.1, 0.0], [0.2, -1.0], [4.0, 4.0]])
    assert nearest_class_shares(codes, np.array([0, 1]), points, 3).tolist() == [0.5, 0.5, 0.0]
    # N(0, I) is symmetric about x = 0, the border between the two classes: half each.
    shares = prior_shares(codes, np.array([0, 1]), 2, n=20_000)
    assert shares == pytest.approx([0.5, 0.5], abs=0.02)
    # Move the border to x = 1: class 0 owns P(x < 1) of the prior, about 0.841.
    assert prior_shares(np.array([[0.0, 0.0], [2.0, 0.0]]), np.array([0, 1]), 2, n=20_000)[0] == \
        pytest.approx(0.841, abs=0.01)


def test_the_shares_read_the_gap_index_tree_when_given_one():
    # The app measures shares with its LatentIndex's KD-tree instead of building a second one.
    from ae import LatentIndex
    rng = np.random.default_rng(1)
    codes, labels = rng.normal(size=(500, 2)) * [3, 1], rng.integers(0, 4, 500)
    index = LatentIndex(codes, labels)
    box = ((-8.0, 8.0), (-3.0, 3.0))
    assert area_shares(codes, labels, box, 4, tree=index.tree).tolist() == area_shares(codes, labels, box, 4).tolist()
    assert prior_shares(codes, labels, 4, tree=index.tree).tolist() == prior_shares(codes, labels, 4).tolist()


def test_measure_limits_on_codes_that_fill_the_prior_evenly():
    # A dense lattice over [-4, 4]^2, four classes by quadrant: N(0, I) samples almost never leave it,
    # and the quadrants split both the box and the prior equally.
    g = np.linspace(-4, 4, 80)  # no lattice point on an axis: the quadrants are mirror images
    codes = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    labels = (codes[:, 0] > 0).astype(int) + 2 * (codes[:, 1] > 0)
    calls = []

    def judge(images):
        calls.append(len(images))
        return np.zeros(len(images), int), np.full(len(images), 0.75)

    m = measure_limits(fake_checkpoint(codes, labels, test_errors=np.array([0.01, 0.03])), judge, k=400)
    assert calls == [400, 400]  # each sampler's decodings were judged once
    for s in (m.box, m.prior):
        assert s.gaps == 0.0
        assert s.area_spread < 0.05 and s.area_ratio < 1.2
        assert s.confidence == 0.75
    assert m.test_mse == pytest.approx(0.02)


def test_measure_limits_on_two_far_clusters():
    # Two tight clusters in opposite corners of their box: uniform samples mostly land in the empty
    # middle; N(0, I) samples, around (0, 0) far from both, all land in gaps.
    rng = np.random.default_rng(0)
    a = rng.normal((5, 5), 0.2, (500, 2))
    b = rng.normal((15, 15), 0.2, (500, 2))
    m = measure_limits(fake_checkpoint(np.r_[a, b], np.r_[np.zeros(500, int), np.ones(500, int)]), None, k=500)
    assert m.box.gaps > 0.8 and m.prior.gaps == 1.0
    assert m.prior.area_ratio == float("inf")  # N(0, I) lies wholly on class 0's side
    assert np.isnan(m.box.confidence) and np.isnan(m.test_mse)
    labels, columns = limits_table({"model": m})
    assert len(labels) == len(columns["model"]) == 2 * 6 + 1
    assert columns["model"][labels.index("2. class shares, largest / smallest: drawn from N(0, I)")].startswith("∞")
    assert columns["model"][labels.index("3. median classifier confidence: drawn from N(0, I)")] == "n/a"


def test_limit_3_by_round_trip_drift_tells_an_exact_model_from_one_that_ignores_its_code():
    from ae.limits import measure_sampler
    from ae.quality import RoundTrip
    from test_quality import Stub, exact_pair
    import torch

    rng = np.random.default_rng(1)
    codes = rng.normal(size=(400, 2)).astype(np.float32)
    index = LatentIndex(codes, rng.integers(0, 2, 400))
    points = rng.uniform(-6, 6, size=(300, 2))
    shares = np.array([0.5, 0.5])

    exact = measure_sampler(points, shares, index, RoundTrip(exact_pair(), codes))
    assert exact.drift_high == 0.0

    # A decoder that forgets z draws one image; the encoder sends it to (0, 0), whatever the point.
    blank = Stub(lambda x: torch.zeros(len(x), 2), lambda z: torch.zeros(len(z), 1, 28, 28))
    rt = RoundTrip(blank, codes)
    forgetful = measure_sampler(points, shares, index, rt)
    far = np.linalg.norm(points, axis=1)
    assert forgetful.drift_high == pytest.approx(np.mean(far > rt.high))
    assert forgetful.drift_ratio == pytest.approx(np.median(far) / np.median(np.linalg.norm(codes[::1], axis=1)), rel=0.05)
    assert forgetful.drift_high > 0.5 and np.isnan(forgetful.confidence)
