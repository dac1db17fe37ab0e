import io
import math

import numpy as np
import pytest
from PIL import Image

import ui
from conftest import ROOT

LIMITS = ((-10.0, 10.0), (-5.0, 5.0))


@pytest.mark.parametrize("z1, z2, expected", [
    ("1.5", "-2", (1.5, -2.0)),
    (" 3 ", "4.25", (3.0, 4.25)),
    ("-10", "5", (-10.0, 5.0)),
    ("1e-3", "0", (0.001, 0.0)),
])
def test_valid_points(z1, z2, expected):
    assert ui.parse_point(z1, z2, LIMITS) == (expected, None)


def test_absent_point_is_silent():
    assert ui.parse_point(None, None, LIMITS) == (None, None)


@pytest.mark.parametrize("z1, z2, words", [
    ("abc", "1", "not numeric"),
    ("1", None, "only one"),
    ("nan", "1", "not a finite"),
    ("inf", "1", "not a finite"),
    ("1", "-1e308", "far outside"),
    ("11", "0", "far outside"),
    ("0", "5.01", "far outside"),
    ("0x10", "1", "not numeric"),
])
def test_bad_points_get_a_warning_and_no_point(z1, z2, words):
    point, warning = ui.parse_point(z1, z2, LIMITS)
    assert point is None and words in warning


def test_point_limits_reach_a_quarter_box_beyond_the_codes():
    codes = np.array([[0, 0], [2, 4]], float)
    assert ui.point_limits(codes) == ((-0.5, 2.5), (-1, 5))


@pytest.mark.parametrize("payload, expected", [
    ({"z1": 1.25, "z2": -3, "at": 1}, (1.25, -3.0)),
    ({"z1": "0.5", "z2": "2"}, (0.5, 2.0)),
    ({"z1": 1}, None),
    ({"z1": float("nan"), "z2": 0}, None),
    ({"z1": None, "z2": 0}, None),
    ("1,2", None),
    (None, None),
])
def test_click_payloads(payload, expected):
    assert ui.parse_click(payload) == expected


def test_upscale_keeps_hard_pixel_edges():
    image = np.array([[0.0, 1.0], [0.5, 0.25]])
    big = ui.upscale(image, size=20)
    assert big.shape == (20, 20) and big.dtype == np.uint8
    assert (big[:10, :10] == 0).all() and (big[:10, 10:] == 255).all()
    assert (big[10:, :10] == 128).all() and (big[10:, 10:] == 64).all()


def test_png_round_trip():
    image = np.random.default_rng(0).random((28, 28))
    decoded = np.asarray(Image.open(io.BytesIO(ui.png_bytes(image))))
    assert decoded.shape == (280, 280)
    assert np.array_equal(decoded[::10, ::10], np.rint(image * 255).astype(np.uint8))


def test_format_point():
    assert ui.format_point((1.23456, -math.pi)) == "(1.235, -3.142)"


def test_clicks_far_outside_get_the_same_limits_as_links():
    point, warning = ui.parse_point(1e6, 0.0, LIMITS, source="That click")
    assert point is None and warning.startswith("That click (1e+06, 0) lies far outside")
    assert ui.parse_point(-9.5, 4.5, LIMITS) == ((-9.5, 4.5), None)


def test_publishing_a_new_version_replaces_the_old_and_gone_checkpoints_are_pruned(tmp_path, monkeypatch):
    import components
    monkeypatch.setattr(components, "STATIC_DIR", tmp_path)
    first = components.publish("models/mnist_ae_z2-aaaa.bin", b"v1", replaces="models/mnist_ae_z2-*.bin")
    components.publish("models/mnist_vae_z2-bbbb.bin", b"vae", replaces="models/mnist_vae_z2-*.bin")
    second = components.publish("models/mnist_ae_z2-cccc.bin", b"v2", replaces="models/mnist_ae_z2-*.bin")
    assert first.endswith("mnist_ae_z2-aaaa.bin") and second.endswith("mnist_ae_z2-cccc.bin")
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["mnist_ae_z2-cccc.bin", "mnist_vae_z2-bbbb.bin"]
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "points-0123.json").write_text("{}")  # the old unnamed layout
    (tmp_path / "cache" / "mnist_ae_z2-points-test-9.json").write_text("{}")
    removed = components.prune({"mnist_ae_z2"})  # the VAE's file is gone from checkpoints/
    assert sorted(p.name for p in removed) == ["mnist_vae_z2-bbbb.bin", "points-0123.json"]
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["mnist_ae_z2-points-test-9.json"]


def test_a_published_file_that_has_gone_is_published_again(tmp_path, monkeypatch):
    import components
    monkeypatch.setattr(components, "STATIC_DIR", tmp_path)
    path = ui.CHECKPOINT_DIR / "mnist_ae_z2.pt"
    url = ui.published(ui.web_model_url, str(path), path.stat().st_mtime)
    file = tmp_path / url.removeprefix(components.STATIC_URL + "/")
    assert file.exists()
    file.unlink()  # pruned by another server sharing static/
    assert ui.published(ui.web_model_url, str(path), path.stat().st_mtime) == url and file.exists()


def test_the_server_is_quiet_and_teaching_ready():
    import tomllib
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    # The file watcher never walks the virtual environment or generated files (inotify floods).
    assert config["server"]["fileWatcherType"] == "none"
    assert {".venv", "static", "checkpoints"} <= set(config["server"]["folderWatchBlacklist"])
    assert config["client"]["toolbarMode"] == "minimal"  # no "Deploy" button in front of a class
    assert config["browser"]["gatherUsageStats"] is False
