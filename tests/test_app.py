"""The explorer page under streamlit.testing's AppTest: renders, decodes points, survives bad input."""
import re
import shutil

import pytest

from conftest import ROOT, SHIPPED, run_script

APP = str(ROOT / "navigation.py")


def run_app(monkeypatch, query=None, state=None, checkpoint_dir=None, data_dir=None):
    return run_script(APP, monkeypatch, query=query, state=state, checkpoint_dir=checkpoint_dir, data_dir=data_dir)


def images(at):
    return at.get("image")


def decoded_captions(at):
    return re.findall(r"<figcaption[^>]*>(decoded at z = [^<]*)</figcaption>", " ".join(m.value for m in at.markdown))


def test_renders_with_the_shipped_checkpoint(monkeypatch, mnist_path):
    at = run_app(monkeypatch, data_dir=mnist_path)
    assert not at.exception and not at.error
    assert at.title[0].value == "Latent Explorer"
    assert at.selectbox(key="ex_checkpoint").value == "mnist_ae_z2.pt"
    assert any("Click anywhere" in i.value for i in at.info)
    assert not decoded_captions(at)


def test_a_shared_link_opens_on_its_point(monkeypatch, mnist_path):
    at = run_app(monkeypatch, query={"z1": "0.5", "z2": "-1.25"}, data_dir=mnist_path)
    assert not at.exception
    assert decoded_captions(at) == ["decoded at z = (0.500, -1.250)"]
    assert at.metric[0].label.startswith("Gap measure")
    assert float(at.metric[0].value) >= 0
    neighbours = " ".join(m.value for m in at.markdown).count('class="lx-neighbour"')
    assert neighbours == 8, "the nearest training images are shown when the dataset is present"


def test_a_click_decodes_the_clicked_point(monkeypatch, mnist_path):
    at = run_app(monkeypatch, state={"ex_point": (-3.0, 2.0)}, data_dir=mnist_path)
    assert not at.exception
    assert decoded_captions(at) == ["decoded at z = (-3.000, 2.000)"]
    assert any(b.proto.label == "Download PNG" for b in at.get("download_button"))


@pytest.mark.parametrize("query, words", [
    ({"z1": "abc", "z2": "1"}, "not numeric"),
    ({"z1": "inf", "z2": "1"}, "not a finite"),
    ({"z1": "1e9", "z2": "0"}, "far outside"),
    ({"z1": "1"}, "only one"),
])
def test_bad_links_warn_and_are_ignored(monkeypatch, query, words):
    at = run_app(monkeypatch, query=query)
    assert not at.exception
    assert any(words in w.value for w in at.warning)
    assert not decoded_captions(at)


def test_without_the_dataset_the_app_still_runs_from_the_checkpoint(monkeypatch, tmp_path):
    at = run_app(monkeypatch, query={"z1": "0", "z2": "0"}, data_dir=tmp_path / "no-data")
    assert not at.exception and not at.error
    assert decoded_captions(at) == ["decoded at z = (0.000, 0.000)"]
    assert any("need the dataset" in c.value for c in at.caption)


@pytest.mark.parametrize("content, words", [
    (b"", "damaged or truncated"),
    (b"this is not a checkpoint at all" * 10, "damaged or truncated"),
])
def test_a_broken_checkpoint_shows_an_error_and_the_rest_keeps_working(monkeypatch, tmp_path, content, words):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    shutil.copy(SHIPPED, folder / "mnist_ae_z2.pt")
    (folder / "broken.pt").write_bytes(content)
    at = run_app(monkeypatch, checkpoint_dir=folder)
    assert not at.exception and not at.error
    at.selectbox(key="ex_checkpoint").select("broken.pt").run()
    assert not at.exception
    assert words in at.error[0].value and "Pick another checkpoint" in at.error[0].value
    assert at.sidebar.radio(key="ex_backdrop") is not None  # the sidebar still works
    at.selectbox(key="ex_checkpoint").select("mnist_ae_z2.pt").run()
    assert not at.error and not at.exception


def test_a_truncated_copy_of_the_real_checkpoint(monkeypatch, tmp_path):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    data = SHIPPED.read_bytes()
    (folder / "mnist_ae_z2.pt").write_bytes(data[: len(data) // 3])
    at = run_app(monkeypatch, checkpoint_dir=folder)
    assert not at.exception
    assert "truncated" in at.error[0].value


def test_no_checkpoints_at_all(monkeypatch, tmp_path):
    at = run_app(monkeypatch, checkpoint_dir=tmp_path)
    assert not at.exception
    assert "No MNIST checkpoints" in at.error[0].value and "--dataset mnist" in at.error[0].value


def test_sidebar_controls_rerun_cleanly(monkeypatch, mnist_path):
    at = run_app(monkeypatch, query={"z1": "1", "z2": "1"}, data_dir=mnist_path)
    for backdrop in ("gaps", "drift", "sensitivity"):
        at.radio(key="ex_backdrop").set_value(backdrop).run()
        assert not at.exception and not at.error
    at.radio(key="ex_which").set_value("train").run()
    at.slider(key="ex_size").set_value(7).run()
    assert not at.exception and not at.error
    assert decoded_captions(at) == ["decoded at z = (1.000, 1.000)"]


def test_a_vae_checkpoint_opens_in_the_explorer(monkeypatch, tmp_path):
    import numpy as np

    from ae import AEConfig, build_model, save_checkpoint

    folder = tmp_path / "checkpoints"
    rng = np.random.default_rng(0)
    save_checkpoint(folder / "mnist_vae_z2.pt", model=build_model(AEConfig(variational=True)).eval(),
                    dataset="mnist", history=[], model_type="vae",
                    train_codes=rng.normal(size=(300, 2)), train_labels=rng.integers(0, 10, 300),
                    test_codes=rng.normal(size=(100, 2)), test_labels=rng.integers(0, 10, 100))
    at = run_app(monkeypatch, query={"z1": "0.25", "z2": "-0.5"}, checkpoint_dir=folder)
    assert not at.exception and not at.error
    assert decoded_captions(at) == ["decoded at z = (0.250, -0.500)"]
