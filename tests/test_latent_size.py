"""Checkpoints with more than two latent dimensions in the app: the explorer shows their principal
plane and says so, Reconstructions compares them with a 2-D model, 2-D-only pages say why not."""
import shutil

import numpy as np
import pytest
import torch

from ae import AEConfig, build_model, save_checkpoint
from conftest import ROOT, SHIPPED, shown_text
from test_compare import run


@pytest.fixture
def folder(tmp_path):
    """The shipped MNIST autoencoder beside an (untrained) 4-D one with codes for the whole test set."""
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    shutil.copy(SHIPPED, folder / "mnist_ae_z2.pt")
    shutil.copy(ROOT / "checkpoints" / "mnist_classifier.pt", folder / "mnist_classifier.pt")
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    from ae import load_checkpoint
    shipped = load_checkpoint(SHIPPED)
    save_checkpoint(folder / "mnist_ae_z4.pt", model=build_model(AEConfig(z_dim=4)).eval(), dataset="mnist",
                    history=[{"epoch": 1, "train_loss": 0.06, "test_loss": 0.05, "seconds": 1}],
                    train_codes=rng.normal(size=(2000, 4)) * [3, 2, 1, 0.5], train_labels=shipped.train_labels[:2000],
                    test_codes=rng.normal(size=(10000, 4)), test_labels=shipped.test_labels,
                    test_errors=np.full(10000, 0.05))
    return folder


def test_the_explorer_shows_a_larger_model_in_its_principal_plane(monkeypatch, folder, mnist_path):
    at = run(str(ROOT / "navigation.py"), monkeypatch, state={"lx_checkpoint": "mnist_ae_z4.pt"}, query={"z1": "0.5", "z2": "-0.5"},
             checkpoint_dir=folder, data_dir=mnist_path)
    assert not at.exception and not at.error
    note = " ".join(shown_text(i.value) for i in at.info)
    assert "4 latent dimensions" in note and "principal components" in note and "other 2 directions" in note
    assert any("decoded at z = (0.500, -0.500)" in m.value for m in at.markdown)


@pytest.mark.parametrize("page", ["2_Latent_grid.py", "3_Random_sampling.py", "4_Interpolation.py", "5_Your_own_digit.py"])
def test_pages_that_need_a_2d_space_say_why(monkeypatch, folder, mnist_path, page):
    at = run(str(ROOT / "app_pages" / page), monkeypatch, state={"lx_checkpoint": "mnist_ae_z4.pt"},
             checkpoint_dir=folder, data_dir=mnist_path)
    assert not at.exception and not at.error
    assert any("needs a 2-D latent space" in shown_text(i.value) for i in at.info)


def test_reconstructions_compare_two_checkpoints_on_the_same_images(monkeypatch, folder, mnist_path):
    at = run(str(ROOT / "app_pages" / "1_Reconstructions.py"), monkeypatch, checkpoint_dir=folder, data_dir=mnist_path)
    at.selectbox(key="rec_other").select("mnist_ae_z4.pt").run()
    assert not at.exception and not at.error
    heads = [shown_text(h.value) for h in at.subheader]
    assert any(h.startswith("mnist_ae_z2.pt: 2 latent numbers, test MSE 0.0381") for h in heads)
    assert any(h.startswith("mnist_ae_z4.pt: 4 latent numbers, test MSE 0.0500") for h in heads)
    import json
    bars = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "rec_bars" in c.proto.id)
    assert [t["name"] for t in bars["data"]] == ["mnist_ae_z2.pt", "mnist_ae_z4.pt"]


def test_the_comparison_page_offers_larger_models_in_their_plane(monkeypatch, folder, mnist_path):
    at = run(str(ROOT / "app_pages" / "6_Compare.py"), monkeypatch, checkpoint_dir=folder, data_dir=mnist_path,
             query={"right": "mnist_ae_z4.pt"})
    assert not at.exception and not at.error
    assert "mnist_ae_z4.pt" in at.selectbox(key="cmp_left").options
    assert at.selectbox(key="cmp_right").value == "mnist_ae_z4.pt"
    assert any("4-D latent space (its principal plane)" in shown_text(c.value) for c in at.caption)


def test_the_explorer_replays_how_the_space_formed(monkeypatch, tmp_path, mnist_path):
    import json

    from ae import load_checkpoint
    folder = tmp_path / "checkpoints"
    shipped = load_checkpoint(SHIPPED)
    frames = np.stack([shipped.test_codes * f for f in (0.01, 0.5, 1.0)])
    save_checkpoint(folder / "mnist_ae_z2.pt", model=shipped.model, dataset="mnist", history=shipped.history[:2],
                    train_codes=shipped.train_codes, train_labels=shipped.train_labels,
                    test_codes=shipped.test_codes, test_labels=shipped.test_labels, snapshots=frames)
    at = run(str(ROOT / "navigation.py"), monkeypatch, checkpoint_dir=folder, data_dir=mnist_path,
             state={"ex_open_replay": True})  # the replay is built only once its section is opened
    assert not at.exception and not at.error
    spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "ex_replay" in c.proto.id)
    assert len(spec["frames"]) == 3 and spec["layout"]["sliders"][0]["active"] == 2
    assert spec["frames"][0]["layout"]["title"]["text"] == "before training"
    assert spec["frames"][1]["layout"]["title"]["text"].startswith("epoch 1, test MSE")
    # Each frame shows that snapshot's codes: frame 0's points are the first snapshot's, per class.
    from test_pages import plotly_array
    first = spec["frames"][0]["data"][3]  # the 3s
    xs = plotly_array(first["x"])
    assert len(xs) > 100 and set(np.round(xs, 3)) <= set(np.round(frames[0][shipped.test_labels == 3, 0], 3))
    # Each frame is zoomed to its own codes.
    assert spec["frames"][0]["layout"]["xaxis"]["range"][1] < 0.05 * spec["frames"][2]["layout"]["xaxis"]["range"][1]


def test_without_snapshots_the_explorer_says_how_to_get_them(monkeypatch, tmp_path, mnist_path):
    from ae import load_checkpoint
    folder = tmp_path / "checkpoints"
    shipped = load_checkpoint(SHIPPED)
    save_checkpoint(folder / "mnist_ae_z2.pt", model=shipped.model, dataset="mnist", history=shipped.history,
                    train_codes=shipped.train_codes, train_labels=shipped.train_labels,
                    test_codes=shipped.test_codes, test_labels=shipped.test_labels)  # no snapshots
    at = run(str(ROOT / "navigation.py"), monkeypatch, checkpoint_dir=folder, data_dir=mnist_path,
             state={"ex_open_replay": True})
    assert not at.exception and not at.error
    assert any("before snapshots were stored" in shown_text(c.value) for c in at.caption)
    assert not any("ex_replay" in c.proto.id for c in at.get("plotly_chart"))
