import io
import math

import numpy as np
import pytest
from PIL import Image

from ui import boxes, click, images, text
from conftest import ROOT, run_script

BOX = ((-10.0, 10.0), (-5.0, 5.0))


@pytest.mark.parametrize("z1, z2, expected", [
    ("1.5", "-2", (1.5, -2.0)),
    (" 3 ", "4.25", (3.0, 4.25)),
    ("-10", "5", (-10.0, 5.0)),
    ("1e-3", "0", (0.001, 0.0)),
])
def test_valid_points(z1, z2, expected):
    assert click.parse_point(z1, z2, BOX) == (expected, None)


def test_absent_point_is_silent():
    assert click.parse_point(None, None, BOX) == (None, None)


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
    point, warning = click.parse_point(z1, z2, BOX)
    assert point is None and words in warning


def test_the_accepted_box_reaches_a_quarter_box_beyond_the_codes_longer_side():
    codes = np.array([[0, 0], [2, 4]], float)  # a square of side 4 around (1, 2), reaching 4 / 3 beyond
    (x0, x1), (y0, y1) = boxes.accepted_box(codes)
    assert (x0, x1, y0, y1) == pytest.approx((1 - 10 / 3, 1 + 10 / 3, 2 - 10 / 3, 2 + 10 / 3))


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
    assert click.parse_click(payload) == expected


def test_upscale_keeps_hard_pixel_edges():
    image = np.array([[0.0, 1.0], [0.5, 0.25]])
    big = images.upscale(image, size=20)
    assert big.shape == (20, 20) and big.dtype == np.uint8
    assert (big[:10, :10] == 0).all() and (big[:10, 10:] == 255).all()
    assert (big[10:, :10] == 128).all() and (big[10:, 10:] == 64).all()


def test_png_round_trip():
    image = np.random.default_rng(0).random((28, 28))
    decoded = np.asarray(Image.open(io.BytesIO(images.png_bytes(image))))
    assert decoded.shape == (280, 280)
    assert np.array_equal(decoded[::10, ::10], np.rint(image * 255).astype(np.uint8))


def test_format_point():
    assert text.format_point((1.23456, -math.pi)) == "(1.235, -3.142)"


def test_clicks_far_outside_get_the_same_limits_as_links():
    point, warning = click.parse_point(1e6, 0.0, BOX, source="That click")
    assert point is None and warning.startswith("That click (1e+06, 0) lies far outside")
    assert click.parse_point(-9.5, 4.5, BOX) == ((-9.5, 4.5), None)


def test_publishing_a_new_version_replaces_the_old_and_gone_checkpoints_are_pruned(tmp_path, monkeypatch):
    from ui import mounts
    monkeypatch.setattr(mounts, "STATIC_DIR", tmp_path)
    first = mounts.publish("models/mnist_ae_z2-aaaa.bin", b"v1", replaces="models/mnist_ae_z2-*.bin")
    mounts.publish("models/mnist_vae_z2-bbbb.bin", b"vae", replaces="models/mnist_vae_z2-*.bin")
    second = mounts.publish("models/mnist_ae_z2-cccc.bin", b"v2", replaces="models/mnist_ae_z2-*.bin")
    assert first.endswith("mnist_ae_z2-aaaa.bin") and second.endswith("mnist_ae_z2-cccc.bin")
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["mnist_ae_z2-cccc.bin", "mnist_vae_z2-bbbb.bin"]
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "points-0123.json").write_text("{}")  # the old unnamed layout
    (tmp_path / "cache" / "mnist_ae_z2-points-test-9.json").write_text("{}")
    removed = mounts.prune({"mnist_ae_z2"})  # the VAE's file is gone from checkpoints/
    assert sorted(p.name for p in removed) == ["mnist_vae_z2-bbbb.bin", "points-0123.json"]
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["mnist_ae_z2-points-test-9.json"]


def test_a_published_file_that_has_gone_is_published_again(tmp_path, monkeypatch):
    from ui import mounts
    monkeypatch.setattr(mounts, "STATIC_DIR", tmp_path)
    from ui.payloads import web_model_url
    from ui.view import view_of
    view, _ = view_of("mnist_ae_z2.pt")
    url = web_model_url(view)
    file = tmp_path / url.removeprefix(mounts.STATIC_URL + "/")
    assert file.exists()
    file.unlink()  # pruned by another server sharing static/
    assert web_model_url(view) == url and file.exists()


def test_the_server_is_quiet_and_teaching_ready():
    import tomllib
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    # The file watcher never walks the virtual environment or generated files (inotify floods).
    assert config["server"]["fileWatcherType"] == "none"
    assert {".venv", "static", "checkpoints"} <= set(config["server"]["folderWatchBlacklist"])
    assert config["client"]["toolbarMode"] == "minimal"  # no "Deploy" button in front of a class
    assert config["browser"]["gatherUsageStats"] is False


def test_one_accepted_box_for_clicks_links_and_relative_links():
    # A comparison link's fractions are accepted exactly as far out as a click on the plot.
    from ae.latent import from_relative
    codes = np.random.default_rng(0).normal(size=(400, 2)) * [4, 1.5] + [1, -2]
    b = boxes.Boxes.of(codes)
    (fx0, fx1), (fy0, fy1) = b.relative_accepted
    assert from_relative((fx0, fy0), b.codes) == pytest.approx((b.accepted[0][0], b.accepted[1][0]))
    assert from_relative((fx1, fy1), b.codes) == pytest.approx((b.accepted[0][1], b.accepted[1][1]))
    (px0, px1), (py0, py1) = b.plot
    assert b.accepted[0][0] < px0 < b.codes[0][0] and b.codes[0][1] < px1 < b.accepted[0][1]  # nested boxes
    assert b.accepted[1][0] < py0 < b.codes[1][0] and b.codes[1][1] < py1 < b.accepted[1][1]
    assert click.parse_point(fx1 + 0.01, 0.5, b.relative_accepted)[0] is None
    assert click.parse_point(fx1 - 0.01, fy0 + 0.01, b.relative_accepted)[0] is not None


def test_every_point_a_plot_shows_at_first_is_accepted_whichever_axis_its_shape_widens():
    # plotly keeps equal scales on both axes: a tall plot widens the y range of the plot box, a wide
    # one the x range. A click anywhere in that first view must never be refused as absurd.
    for shape in ([6, 9], [5, 5], [9, 4]):
        b = boxes.Boxes.of(np.random.default_rng(1).normal(size=(1000, 2)) * shape)
        (x0, x1), (y0, y1) = b.plot
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        for aspect in (0.67, 0.75, 1.0, 1.25, 1.5):  # plot height / width in pixels
            half_x = max(x1 - x0, (y1 - y0) / aspect) / 2
            half_y = max(y1 - y0, (x1 - x0) * aspect) / 2
            for corner in ((cx - half_x, cy - half_y), (cx + half_x, cy + half_y)):
                assert boxes.inside(corner, b.accepted), (shape, aspect, corner, b.accepted)


def test_a_preparation_step_is_shown_reduced_not_encoded_whole():
    from ui.images import preparation_step
    big = preparation_step(np.random.default_rng(0).random((1536, 2048), dtype=np.float32), 140)
    assert big.dtype == np.uint8 and max(big.shape) <= 2 * 140 + 2 * 8  # twice the width, and its frame
    small = preparation_step(np.ones((20, 14), np.float32), 140)
    assert max(small.shape) <= 140 and small.shape[0] >= 100  # enlarged with hard edges
    assert small[0, 0] == 128 and small[small.shape[0] // 2, small.shape[1] // 2] == 255  # grey frame, the ink


def test_the_server_keeps_malloc_to_two_arenas_on_glibc():
    import platform

    from ui.server import limit_malloc_arenas
    assert limit_malloc_arenas() == (platform.system() == "Linux" and platform.libc_ver()[0] == "glibc")


def test_a_chart_in_words_says_its_axes_and_its_data():
    import plotly.graph_objects as go

    from ui.figures import chart_summary

    bars = go.Figure([go.Bar(x=["0", "1", "2"], y=[0.25, 0.5, 0.125], name="latent area")])
    bars.update_layout(yaxis_title="share", xaxis_title="class", title="Areas")
    assert chart_summary(bars) == ("Chart: Areas with class across and share up. It shows bars of latent area (share): "
                                   "0: 0.25, 1: 0.5, 2: 0.125.")
    line = go.Figure(go.Scatter(x=[0, 0.5, 1], y=[1.0, 9.5, 2.0], name="gap measure", mode="lines+markers"))
    line.update_layout(xaxis_title="position along the line", yaxis_title="gap")
    assert "the line gap measure: gap goes from 1 to 2 (lowest 1, highest 9.5) as position along the line goes from 0 to 1" \
        in chart_summary(line)
    clouds = go.Figure([go.Scattergl(x=np.arange(n), y=np.arange(n), mode="markers", name=str(c))
                        for c, n in enumerate((5, 6, 7, 8))] + [go.Histogram(x=[0.5, 1.5, 3.0], name="drift")])
    said = chart_summary(clouds)
    assert "26 points in 4 groups (0: 5, 1: 6, 2: 7, 3: 8)" in said
    assert "a histogram of drift: 3 values from 0.5 to 3, median 1.5" in said
    hidden = go.Figure([go.Bar(x=["a"], y=[1], name="shown"), go.Bar(x=["b"], y=[2], name="hidden", visible=False)])
    assert "hidden" not in chart_summary(hidden)


def test_the_pages_that_mount_the_apps_scatter_are_the_ones_listed_as_such():
    from ui.site import PAGES
    for page in PAGES:  # the scatter and the pad load plotly.js from static/ (ui.mounts)
        source = (ROOT / page.script).read_text()
        mounts = any(f"{call}(" in source for call in ("latent_scatter", "mount_scatter", "drawing_pad"))
        assert mounts == page.scatter, page


def test_plotly_js_is_fetched_early_only_on_a_page_that_draws_with_it(monkeypatch, mnist_path):
    from ui import mounts
    early = mounts.fetch_early_html()
    for script, expected in (("app_pages/0_Explorer.py", True), ("app_pages/1_Reconstructions.py", False)):
        at = run_script(ROOT / "navigation.py", monkeypatch, data_dir=mnist_path)
        if not expected:
            at.switch_page(script).run()
        assert not at.exception
        first = at.get("html")[0].proto.body  # the page's first element: navigation.py's
        assert ".lx-sr-only" in first and (early in first) == expected, script
