import numpy as np
import pytest
import torch

from ae import AEConfig, Autoencoder, LatentIndex, decode, decode_grid, describe_place, encode, grid_points
import ae
from conftest import ROOT
from ae.latent import bounding_box, tile

DIGITS = [str(d) for d in range(10)]


def lattice(n=11):
    """Training codes on a unit lattice 0..n-1 in both directions: spacing exactly 1."""
    g = np.stack(np.meshgrid(np.arange(n), np.arange(n)), -1).reshape(-1, 2).astype(float)
    return g


def test_encode_decode_in_batches_match_the_model():
    torch.manual_seed(0)
    model = Autoencoder(AEConfig()).eval()
    x = torch.rand(70, 1, 28, 28)
    z = encode(model, x, batch_size=16)
    with torch.no_grad():
        np.testing.assert_allclose(z, model.encode(x).numpy(), rtol=1e-5, atol=1e-6)
        images = decode(model, z, batch_size=16)
        np.testing.assert_allclose(images, model(x)[:, 0].numpy(), rtol=1e-5, atol=1e-6)
    assert images.shape == (70, 28, 28)


def test_grid_runs_top_down_like_the_plot():
    pts = grid_points((0, 2), (0, 1), 3)
    assert pts.shape == (9, 2)
    assert pts[0].tolist() == [0, 1] and pts[2].tolist() == [2, 1]  # first row: top
    assert pts[-1].tolist() == [2, 0]


def test_tile_places_images_row_by_row():
    imgs = np.arange(5)[:, None, None] * np.ones((5, 2, 2))
    wall = tile(imgs, 3)
    assert wall.shape == (4, 6)
    assert wall[0, 2] == 1 and wall[2, 0] == 3 and wall[2, 2] == 4 and wall[2, 4] == 0


def test_decode_grid_is_the_tiled_decodings():
    model = Autoencoder(AEConfig()).eval()
    wall = decode_grid(model, (-1, 1), (-1, 1), 4)
    assert wall.shape == (112, 112)
    np.testing.assert_allclose(wall[:28, :28], decode(model, [[-1, 1]])[0], atol=1e-6)


def test_spacing_and_gap_on_a_lattice():
    index = LatentIndex(lattice(), np.zeros(121, int))
    assert index.spacing == pytest.approx(1.0)
    assert index.gap([[5, 5]])[0] == pytest.approx(0.0)
    assert index.gap([[5.5, 5]])[0] == pytest.approx(0.5)
    assert index.gap([[10, 14]])[0] == pytest.approx(4.0)
    assert index.gap([[-3, -4]])[0] == pytest.approx(5.0)


def test_nearest_neighbours_are_sorted_and_exact():
    codes = np.array([[0, 0], [3, 0], [1, 0], [10, 10]], float)
    index = LatentIndex(codes, np.array([1, 2, 3, 4]))
    d, i = index.nearest([0.9, 0], k=3)
    assert i[0].tolist() == [2, 0, 1]
    np.testing.assert_allclose(d[0], [0.1, 0.9, 2.1])


def test_gap_map_orientation():
    index = LatentIndex(lattice(), np.zeros(121, int))
    xs, ys, g = index.gap_map((0, 20), (0, 10), n=21)
    assert g.shape == (21, 21) and xs[0] == 0 and ys[-1] == 10
    # rows are y (step 0.5), columns are x (step 1)
    assert g[4, 5] == pytest.approx(0.0) and g[5, 5] == pytest.approx(0.5)
    assert g[20, 20] == pytest.approx(10.0) and g[20, 0] == pytest.approx(0.0)


def test_place_sentences():
    codes = np.concatenate([lattice(), lattice() + [100, 0]])
    labels = np.array([7] * 121 + [1] * 121)
    index = LatentIndex(codes, labels)
    inside = index.place([5.2, 5.1])
    assert inside.majority == 7 and describe_place(inside, DIGITS).startswith("Inside the 7s")
    far = index.place([50, 5])
    assert far.gap == pytest.approx(40.0)
    assert describe_place(far, DIGITS).startswith("In a gap, 40.0 times the usual spacing")
    edge = index.place([5, 13])
    assert describe_place(edge, DIGITS).startswith("At the edge of the 7s, 3.0 times")


def test_duplicate_codes_do_not_make_the_spacing_zero():
    codes = np.array([[0, 0], [0, 0], [2, 0], [2, 0], [5, 0]], float)
    assert LatentIndex(codes, np.zeros(5, int)).spacing == pytest.approx(3.0)


def test_bounding_box_with_margin():
    (x0, x1), (y0, y1) = bounding_box(np.array([[0, 0], [10, 20]], float), margin=0.1)
    assert (x0, x1, y0, y1) == pytest.approx((-1, 11, -2, 22))


def test_thresholds_follow_the_datas_own_spacing():
    # 990 codes one unit apart on a line, then 10 stragglers 20 units apart: 99% of codes have a
    # neighbour within 1, so "inside" and "edge" sit at their floors; a straggler-heavy set raises them.
    line = np.c_[np.arange(990.0), np.zeros(990)]
    stragglers = np.c_[1000 + 20 * np.arange(10.0), np.zeros(10)]
    regular = LatentIndex(np.concatenate([line, stragglers]), np.zeros(1000, int))
    assert (regular.inside, regular.edge) == (2.0, 4.0)
    sparse = LatentIndex(np.concatenate([line[:900], stragglers, stragglers + [0, 500]]), np.zeros(920, int))
    assert sparse.edge == pytest.approx(20.0)
    assert sparse.place([10.5, 0]).gap == pytest.approx(0.5)


def test_relative_positions_map_between_boxes():
    small, large = ((0.0, 2.0), (-1.0, 1.0)), ((-10.0, 10.0), (0.0, 40.0))
    assert ae.latent.to_relative((0.5, 0.5), small) == (0.25, 0.75)
    assert ae.latent.from_relative((0.25, 0.75), large) == (-5.0, 30.0)
    # Outside the box the fractions leave [0, 1] and still map back exactly.
    point = (3.0, -2.5)
    assert ae.latent.from_relative(ae.latent.to_relative(point, small), small) == pytest.approx(point)


def place_with(labels, gap=1.0):
    """A Place whose 8 nearest training codes carry `labels` (closest first)."""
    labels = np.asarray(labels)
    values, counts = np.unique(labels, return_counts=True)
    return ae.latent.Place(gap=gap, inside=2.0, edge=4.0, distance=gap, neighbours=np.arange(len(labels)),
                           neighbour_labels=labels, majority=int(values[np.argmax(counts)]),
                           majority_share=float(counts.max() / len(labels)))


def test_a_place_is_named_after_a_class_only_when_most_neighbours_agree():
    # 3 of 8 neighbours are 2s: the point lies between classes, not "among the 2s".
    assert describe_place(place_with([4, 2, 9, 2, 4, 2, 9, 4]), DIGITS).startswith("Between the 2s and the 4s:")
    assert describe_place(place_with([6, 2, 8, 2, 2, 5, 4, 7]), DIGITS) == (
        "Between classes: 3 of the 8 nearest training codes are 2s, the others 4, 5, 6, 7, 8.")
    assert describe_place(place_with([2, 2, 2, 2, 2, 4, 9, 4]), DIGITS) == (
        "Among the 2s (5 of the 8 nearest training codes), on a border with 4, 9.")
    assert describe_place(place_with([2] * 7 + [4]), DIGITS).startswith("Inside the 2s")
    # At an edge or in a gap the sentence names the nearest training image, as the thumbnails show it.
    assert describe_place(place_with([8, 5, 5, 5, 5, 5, 5, 5], gap=3.0), DIGITS).startswith(
        "At the edge, between the 5s and the 8s, 3.0 times the usual spacing from the nearest training code (an 8)")
    assert describe_place(place_with([5, 5, 5, 5, 5, 8, 8, 8], gap=3.0), DIGITS).startswith("At the edge of the 5s")
    names = ae.class_names("fashion")
    gap = describe_place(place_with([8, 5, 5, 5, 5, 5, 5, 5], gap=9.0), names)
    assert "the nearest is a Bag" in gap and "Sandal" not in gap


def test_the_shipped_models_places_from_the_review_are_told_truthfully():
    # MNIST autoencoder at (0.29, 0.20): only 3 of the 8 nearest training codes are 2s.
    ckpt = ae.load_checkpoint(ROOT / "checkpoints" / "mnist_ae_z2.pt")
    place = LatentIndex(ckpt.train_codes, ckpt.train_labels).place((0.29, 0.20))
    assert (place.neighbour_labels == 2).sum() == 3
    assert describe_place(place, DIGITS).startswith("Between classes: 3 of the 8 nearest training codes are 2s")
    # Fashion-MNIST autoencoder at (0, 0): mostly Sandals, but the very nearest image is a Bag.
    ckpt = ae.load_checkpoint(ROOT / "checkpoints" / "fashion_ae_z2.pt")
    place = LatentIndex(ckpt.train_codes, ckpt.train_labels).place((0.0, 0.0))
    sentence = describe_place(place, ae.class_names("fashion"))
    assert place.neighbour_labels[0] == 8 and sentence.endswith("the very nearest is a Bag.")
