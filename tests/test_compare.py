"""The comparison page (any two models of a dataset, the AE beside its VAE to begin with) and the dataset
switch that every page shares, under AppTest."""
import re
import shutil

import numpy as np
import pytest

import ae
from conftest import ROOT, SHIPPED, run_script

COMPARE = str(ROOT / "app_pages" / "6_Compare.py")
APP = str(ROOT / "navigation.py")


run = run_script  # the one harness, in conftest.py


def decoded_points(at):
    text = " ".join(m.value for m in at.markdown)
    return [tuple(float(v) for v in m) for m in
            re.findall(r"<figcaption[^>]*>decoded at z = \(([-\d.]+), ([-\d.]+)\)</figcaption>", text)]


def ok(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_compare_decodes_the_same_relative_position_in_both_models(monkeypatch, mnist_path):
    at = run(COMPARE, monkeypatch, data_dir=mnist_path)
    ok(at)
    assert at.selectbox(key="cmp_left").value == "mnist_ae_z2.pt"
    assert at.selectbox(key="cmp_right").value == "mnist_vae_z2.pt"
    assert any("Click anywhere" in i.value for i in at.info) and not decoded_points(at)

    at.session_state["cmp_relative"] = (0.2, 0.9)  # what a click on either scatter stores
    at.run()
    ok(at)
    shown = decoded_points(at)
    assert len(shown) == 2
    for name, point in zip(("mnist_ae_z2.pt", "mnist_vae_z2.pt"), shown):
        box = ae.latent.bounding_box(ae.load_checkpoint(ROOT / "checkpoints" / name).test_codes, margin=0.0)
        assert ae.latent.to_relative(point, box) == pytest.approx((0.2, 0.9), abs=2e-3)
    assert shown[0] != pytest.approx(shown[1], abs=0.1)  # different boxes, different latent points
    readings = [m.value for m in at.markdown if m.value.startswith("The classifier reads")]
    assert len(readings) == 2


def test_compare_table_measures_both_models(monkeypatch, mnist_path):
    at = run(COMPARE, monkeypatch, data_dir=mnist_path)
    table = at.table[0].value
    assert list(table.columns) == ["mnist_ae_z2.pt", "mnist_vae_z2.pt"]
    assert len(table) == 13
    # Limit 3 by round-trip drift, each model sampled its own way: the plain autoencoder's uniform
    # samples drift far more often than the VAE's N(0, I) samples.
    plain_drift = float(table.loc["3. samples whose decoding drifts more than 99% of real images': uniform in the codes' box",
                                  "mnist_ae_z2.pt"].rstrip("%"))
    vae_drift = float(table.loc["3. samples whose decoding drifts more than 99% of real images': drawn from N(0, I)",
                                "mnist_vae_z2.pt"].rstrip("%"))
    assert plain_drift > 2 * vae_drift
    gaps = table.loc["1. samples in gaps: drawn from N(0, I)"]
    assert all(v.endswith("%") for v in gaps)
    spread = table.loc["2. class shares, spread (std / mean): drawn from N(0, I)"].astype(float)
    # The VAE is trained to spread its codes like N(0, I): the prior splits evenly between its classes.
    assert spread["mnist_vae_z2.pt"] < 0.3 < spread["mnist_ae_z2.pt"]
    mse = table.loc["test reconstruction error (MSE per pixel)"].astype(float)
    ckpts = [ae.load_checkpoint(ROOT / "checkpoints" / n) for n in ("mnist_ae_z2.pt", "mnist_vae_z2.pt")]
    assert mse.tolist() == pytest.approx([c.test_errors.mean() for c in ckpts], abs=1e-4)


def test_compare_says_a_second_model_is_missing(monkeypatch, tmp_path):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    shutil.copy(SHIPPED, folder / "mnist_ae_z2.pt")
    at = run(COMPARE, monkeypatch, checkpoint_dir=folder, data_dir=tmp_path / "no-data")
    assert not at.exception
    assert "The comparison needs two MNIST checkpoints; only mnist_ae_z2.pt is here" in at.error[0].value
    assert "--model vae" in at.error[0].value


@pytest.mark.parametrize("script", [APP, COMPARE], ids=["explorer", "compare"])
def test_an_unknown_dataset_in_the_link_warns_and_shows_mnist(monkeypatch, script):
    at = run(script, monkeypatch, query={"dataset": "cifar"})
    assert not at.exception
    assert any("cifar" in w.value and "MNIST" in w.value for w in at.warning)
    assert at.query_params["dataset"] == "mnist"


def test_the_link_picks_fashion_and_the_pickers_follow(monkeypatch):
    at = run(APP, monkeypatch, query={"dataset": "fashion"})
    ok(at)
    assert at.radio(key="ex_dataset").value == "fashion"
    assert at.selectbox(key="ex_checkpoint").value == "fashion_ae_z2.pt"
    assert at.selectbox(key="ex_checkpoint").options == ["fashion_ae_z2.pt", "fashion_vae_z2.pt"]
    at = run(COMPARE, monkeypatch, query={"dataset": "fashion"})
    ok(at)
    assert (at.selectbox(key="cmp_left").value, at.selectbox(key="cmp_right").value) == \
        ("fashion_ae_z2.pt", "fashion_vae_z2.pt")


def test_switching_the_dataset_keeps_the_kind_of_model_and_writes_the_url(monkeypatch):
    at = run(APP, monkeypatch, query={"z1": "0.5", "z2": "0.5"}, state={"lx_checkpoint": "mnist_vae_z2.pt"})
    ok(at)
    assert at.selectbox(key="ex_checkpoint").value == "mnist_vae_z2.pt"
    assert decoded_points(at) == [(0.5, 0.5)]
    at.radio(key="ex_dataset").set_value("fashion").run()
    ok(at)
    assert at.selectbox(key="ex_checkpoint").value == "fashion_vae_z2.pt"
    assert at.query_params["dataset"] == "fashion"
    # One rule for every page: a point stays when it lies inside the new model's accepted box.
    assert decoded_points(at) == [(0.5, 0.5)] and at.query_params["z1"] == "0.5"
    names = ae.class_names("fashion")
    assert "Sneaker" in names and at.session_state["lx_dataset"] == "fashion"


def test_a_point_outside_the_new_models_space_is_cleared_with_one_line(monkeypatch):
    # The review's case: (-8, 8) on the plain autoencoder, then the VAE, whose codes reach about +-4.
    at = run(APP, monkeypatch, query={"z1": "-8", "z2": "8"}, state={"lx_checkpoint": "mnist_ae_z2.pt"})
    assert decoded_points(at) == [(-8.0, 8.0)]
    at.selectbox(key="ex_checkpoint").set_value("mnist_vae_z2.pt").run()
    ok(at)
    assert not decoded_points(at) and "z1" not in at.query_params
    lines = [i.value for i in at.info if "(-8, 8)" in i.value.replace("\\", "")]
    assert len(lines) == 1 and "mnist_vae_z2" in lines[0].replace("\\", "") and "cleared" in lines[0]
    at.run()  # the line is said once, when it happens
    assert not [i for i in at.info if "cleared" in i.value]


def test_a_foreign_named_checkpoint_is_listed_under_its_own_dataset(monkeypatch, tmp_path):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    shutil.copy(SHIPPED, folder / "mnist_ae_z2.pt")
    shutil.copy(ROOT / "checkpoints" / "fashion_ae_z2.pt", folder / "my_model.pt")  # no dataset prefix
    (folder / "broken.pt").write_bytes(b"nonsense")
    at = run(APP, monkeypatch, checkpoint_dir=folder)
    assert at.selectbox(key="ex_checkpoint").options == ["broken.pt", "mnist_ae_z2.pt"]
    at.radio(key="ex_dataset").set_value("fashion").run()
    assert not at.exception
    assert at.selectbox(key="ex_checkpoint").options == ["broken.pt", "my_model.pt"]
    assert at.selectbox(key="ex_checkpoint").value == "my_model.pt"
    assert np.isfinite(ae.load_checkpoint(folder / "my_model.pt").test_codes).all()


def test_any_two_checkpoints_of_a_dataset_can_be_compared(monkeypatch, mnist_path):
    """z=10's principal plane beside the 2-D autoencoder: the same linked point and the same table."""
    at = run(COMPARE, monkeypatch, data_dir=mnist_path, query={"left": "mnist_ae_z2.pt", "right": "mnist_ae_z10.pt"})
    ok(at)
    assert (at.selectbox(key="cmp_left").value, at.selectbox(key="cmp_right").value) == ("mnist_ae_z2.pt", "mnist_ae_z10.pt")
    assert {"mnist_ae_z2.pt", "mnist_vae_z2.pt", "mnist_ae_z10.pt"} <= set(at.selectbox(key="cmp_right").options)
    table = at.table[0].value
    assert list(table.columns) == ["mnist_ae_z2.pt", "mnist_ae_z10.pt"]
    mse = table.loc["test reconstruction error (MSE per pixel)"].astype(float)
    assert mse.tolist() == pytest.approx([0.0381, 0.0105], abs=1e-4)
    at.session_state["cmp_relative"] = (0.3, 0.6)
    at.run()
    ok(at)
    assert len(decoded_points(at)) == 2
    assert at.query_params["left"] == "mnist_ae_z2.pt" and at.query_params["right"] == "mnist_ae_z10.pt"
    # The same checkpoint on both sides is allowed, its columns told apart.
    at.selectbox(key="cmp_right").set_value("mnist_ae_z2.pt").run()
    ok(at)
    assert list(at.table[0].value.columns) == ["mnist_ae_z2.pt (left)", "mnist_ae_z2.pt (right)"]
