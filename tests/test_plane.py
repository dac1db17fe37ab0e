"""The principal plane of a larger latent space: its model decodes the point it shows."""
import numpy as np
import pytest
import torch

from ae import AEConfig, build_model, load_checkpoint, plane_checkpoint, principal_plane, save_checkpoint
from ae.plane import plane_model


def test_the_plane_is_the_codes_first_two_principal_components():
    rng = np.random.default_rng(0)
    # Variance 9 along e3, 4 along e1, tiny elsewhere: the plane is spanned by e3 then e1.
    codes = rng.normal(size=(5000, 5)) * [2, 0.1, 3, 0.1, 0.1] + [1, 2, 3, 4, 5]
    plane = principal_plane(codes)
    assert np.allclose(np.abs(plane.axes), np.eye(5)[[2, 0]], atol=0.02)
    assert (plane.axes.max(1) > 0).all()  # the sign convention
    assert np.allclose(plane.mean, codes.mean(0))
    assert plane.explained.sum() == pytest.approx(13 / 13.03, abs=0.01)
    p = plane.project(codes[:10])
    assert np.allclose(plane.project(plane.lift(p)), p, atol=1e-5)


@pytest.mark.parametrize("variational", [False, True])
def test_the_plane_model_decodes_the_point_it_shows_and_encodes_into_the_plane(variational):
    torch.manual_seed(0)
    full = build_model(AEConfig(z_dim=10, use_batch_norm=True, variational=variational)).eval()
    codes = np.random.default_rng(1).normal(size=(300, 10)) * np.linspace(3, 0.2, 10)
    plane = principal_plane(codes)
    flat = plane_model(full, plane).eval()
    assert flat.cfg.z_dim == 2 and not flat.cfg.variational
    points = np.random.default_rng(2).normal(size=(6, 2)) * 3
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        lifted = torch.as_tensor(plane.lift(points))
        assert torch.allclose(flat.decode(torch.as_tensor(points, dtype=torch.float32)), full.decode(lifted), atol=1e-5)
        assert np.allclose(flat.encode(x).numpy(), plane.project(full.encode(x).numpy()), atol=1e-4)


def test_a_larger_checkpoint_seen_in_its_plane(tmp_path):
    torch.manual_seed(0)
    model = build_model(AEConfig(z_dim=4)).eval()
    rng = np.random.default_rng(0)
    train, test = rng.normal(size=(50, 4)), rng.normal(size=(20, 4))
    save_checkpoint(tmp_path / "z4.pt", model=model, dataset="mnist", history=[], train_codes=train,
                    train_labels=rng.integers(0, 10, 50), test_codes=test, test_labels=rng.integers(0, 10, 20),
                    snapshots=np.stack([test * 0.1, test]))
    ckpt = load_checkpoint(tmp_path / "z4.pt")
    view = plane_checkpoint(ckpt)
    assert view.full is ckpt and view.config.z_dim == 2 and view.train_codes.shape == (50, 2)
    assert np.allclose(view.test_codes, view.plane.project(test), atol=1e-5)
    assert view.snapshots.shape == (2, 20, 2) and "principal plane" in repr(view)
    assert plane_checkpoint(view) is view  # already 2-D: nothing to project
