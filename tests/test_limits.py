import numpy as np
import pytest

from ae import LatentIndex
from ae.limits import area_shares, class_shares, interpolate, sample_box, sample_prior, sample_report


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
