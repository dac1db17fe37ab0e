"""The third limit on screen: round-trip drift in the point panels, the shaded maps, the tables."""
import json

import numpy as np
import pytest

import ae
from ae.quality import RoundTrip
from conftest import ROOT, SHIPPED, shown_text
from test_app import run_app


@pytest.fixture(scope="module")
def shipped():
    ckpt = ae.load_checkpoint(SHIPPED)
    return ckpt, RoundTrip(ckpt.model, ckpt.test_codes)


def page_text(at) -> str:
    return " ".join(shown_text(m.value) for m in at.markdown)


def drift_metric(at):
    return next(m for m in at.metric if m.label == "Round-trip drift")


def test_the_explorer_shows_a_points_round_trip_drift_and_where_it_is_sent(monkeypatch, mnist_path, shipped):
    ckpt, rt = shipped
    lo, hi = ckpt.test_codes.min(0), ckpt.test_codes.max(0)
    corner = (round(float(lo[0]), 3), round(float(hi[1]), 3))  # the empty top-left corner of the plane
    at = run_app(monkeypatch, query={"z1": str(corner[0]), "z2": str(corner[1])}, data_dir=mnist_path)
    assert not at.exception and not at.error
    oracle = rt.drift([corner])
    assert float(drift_metric(at).value) == pytest.approx(oracle.drift[0], abs=0.006)
    assert oracle.drift[0] > rt.high  # a real gap: the sentence must say so
    back = f"({oracle.returned[0][0]:.2f}, {oracle.returned[0][1]:.2f})"
    text = page_text(at)
    assert "not what this place means" in text and back in text

    inside = tuple(round(float(v), 4) for v in ckpt.test_codes[0])  # a real image's own code
    at = run_app(monkeypatch, query={"z1": str(inside[0]), "z2": str(inside[1])}, data_dir=mnist_path)
    assert float(drift_metric(at).value) <= rt.typical
    assert "the image means this place" in page_text(at)


def test_the_comparison_cards_show_drift_for_both_models(monkeypatch, mnist_path):
    from test_compare import COMPARE, run
    at = run(COMPARE, monkeypatch, query={"across": "0.02", "up": "0.98"}, data_dir=mnist_path)
    assert not at.exception and not at.error
    lines = [m.value for m in at.markdown if m.value.startswith("Round-trip drift")]
    assert len(lines) == 2 and all("not what this place means" in line for line in lines)


@pytest.mark.parametrize("kind", ["gaps", "drift", "sensitivity"])
def test_each_backdrop_publishes_its_map_with_an_honest_caption(monkeypatch, mnist_path, kind):
    at = run_app(monkeypatch, data_dir=mnist_path)
    at.radio(key="ex_backdrop").set_value(kind).run()
    assert not at.exception and not at.error
    from ui import backdrops
    caption = backdrops.BACKDROPS[kind][1]
    assert caption in [c.value for c in at.caption]
    maps = sorted((ROOT / "static" / "cache").glob(f"mnist_ae_z2-{kind}-*.json"), key=lambda p: p.stat().st_mtime)
    payload = json.loads(maps[-1].read_text())
    z = np.array(payload["z"])
    assert z.shape == (len(payload["y"]), len(payload["x"])) and payload["colorscale"][0][0] == 0
    if kind == "drift":
        # Spot-check the map against the library at one grid node, far out and in the middle.
        ckpt = ae.load_checkpoint(SHIPPED)
        rt = RoundTrip(ckpt.model, ckpt.test_codes)
        for i, j in [(0, 0), (len(payload["y"]) // 2, len(payload["x"]) // 2)]:
            point = (payload["x"][j], payload["y"][i])
            assert z[i, j] == pytest.approx(rt.drift([point]).drift[0], abs=2e-3)
    if kind == "sensitivity":
        assert "not a quality score" in caption
