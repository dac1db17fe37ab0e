"""A shared link reopens what the sender saw; points follow one rule across models; typed input is parsed once."""
import shutil

import pytest

import ae
from ui import text
from conftest import ROOT, SHIPPED, shown_text
from test_compare import APP, COMPARE, decoded_points, ok, run

INTERPOLATION = str(ROOT / "app_pages" / "4_Interpolation.py")


def test_a_link_made_on_the_vae_opens_the_vae_at_its_point(monkeypatch):
    at = run(APP, monkeypatch, query={"checkpoint": "mnist_vae_z2.pt", "z1": "1.5", "z2": "-0.5"})
    ok(at)
    assert at.selectbox(key="ex_checkpoint").value == "mnist_vae_z2.pt"
    assert decoded_points(at) == [(1.5, -0.5)]
    assert at.query_params["checkpoint"] == "mnist_vae_z2.pt"  # and the page's own link says so
    at.selectbox(key="ex_checkpoint").set_value("mnist_ae_z2.pt").run()
    assert at.query_params["checkpoint"] == "mnist_ae_z2.pt"


def test_an_unknown_or_unreadable_checkpoint_in_a_link_gets_a_warning_and_the_default(monkeypatch, tmp_path):
    at = run(APP, monkeypatch, query={"checkpoint": "[evil](//127.0.0.1:9/).pt"})
    ok(at)
    assert at.selectbox(key="ex_checkpoint").value == "mnist_ae_z2.pt"
    warning = shown_text(at.warning[0].value)
    assert "[evil](//127.0.0.1:9/).pt" in warning and "showing mnist_ae_z2.pt" in warning

    folder = tmp_path / "checkpoints"
    folder.mkdir()
    shutil.copy(SHIPPED, folder / "mnist_ae_z2.pt")
    (folder / "mnist_broken.pt").write_bytes(b"not a checkpoint")
    at = run(APP, monkeypatch, query={"checkpoint": "mnist_broken.pt"}, checkpoint_dir=folder)
    ok(at)
    assert at.selectbox(key="ex_checkpoint").value == "mnist_ae_z2.pt"
    assert "cannot be read" in shown_text(at.warning[0].value)


def test_a_comparison_link_carries_both_models_and_the_point(monkeypatch):
    at = run(COMPARE, monkeypatch, query={"ae_checkpoint": "mnist_ae_z2.pt", "vae_checkpoint": "mnist_vae_z2.pt",
                                          "across": "0.25", "up": "0.75"})
    ok(at)
    shown = decoded_points(at)
    assert len(shown) == 2
    for name, point in zip(("mnist_ae_z2.pt", "mnist_vae_z2.pt"), shown):
        box = ae.limits.codes_box(ae.load_checkpoint(ROOT / "checkpoints" / name).test_codes)
        assert ae.latent.to_relative(point, box) == pytest.approx((0.25, 0.75), abs=2e-3)
    at = run(COMPARE, monkeypatch, query={"right": "fashion_ae_z2.pt"})  # another dataset's model
    assert at.selectbox(key="cmp_right").value == "mnist_vae_z2.pt"
    assert any("showing mnist_vae_z2.pt" in shown_text(w.value) for w in at.warning)


def test_an_interpolation_link_carries_its_ends(monkeypatch, mnist_path):
    at = run(INTERPOLATION, monkeypatch, query={"start": "5", "end": "9"}, data_dir=mnist_path)
    ok(at)
    assert at.subheader[0].value.startswith("From test #5") and "to test #9" in at.subheader[0].value
    at = run(INTERPOLATION, monkeypatch, query={"from": "-2.0,3.0", "to": "4.0,-1.5"}, data_dir=mnist_path)
    ok(at)
    assert at.subheader[0].value == "From clicked (-2.000, 3.000) to clicked (4.000, -1.500)"
    assert at.query_params["from"] == "-2.00000,3.00000"
    at = run(INTERPOLATION, monkeypatch, query={"start": "²", "from": "1,x"}, data_dir=mnist_path)
    ok(at)
    assert len(at.warning) == 2 and at.subheader[0].value.startswith("From test #9356")


def test_interpolation_ends_follow_the_same_rule_as_every_point(monkeypatch, mnist_path):
    at = run(INTERPOLATION, monkeypatch, query={"from": "-2.0,3.0", "to": "12.0,-1.5"}, data_dir=mnist_path)
    assert at.subheader[0].value.startswith("From clicked")
    at.selectbox(key="ip_checkpoint").set_value("mnist_vae_z2.pt").run()  # the VAE's codes reach about 4.5
    ok(at)
    assert at.subheader[0].value.startswith("From test #")
    assert any("cleared" in i.value for i in at.info)


def test_the_explorer_decodes_a_typed_point_and_shows_a_clicked_dots_image(monkeypatch, mnist_path):
    at = run(APP, monkeypatch, data_dir=mnist_path)
    at.number_input(key="ex_type_z1").set_value(2.5)
    at.number_input(key="ex_type_z2").set_value(-1.25)
    next(b for b in at.button if b.label == "Decode this point").click().run()  # the form's submit button
    ok(at)
    assert decoded_points(at) == [(2.5, -1.25)]
    ckpt = ae.load_checkpoint(SHIPPED)
    at.session_state["ex_point"] = tuple(float(v) for v in ckpt.test_codes[7])  # what a click on dot 7 stores
    at.session_state["ex_dot"] = ("test", 7)
    at.run()
    ok(at)
    assert any("the dot you clicked: test image #7 (9)" in m.value for m in at.markdown)


@pytest.mark.parametrize("raw, expected", [("12", 12), (" 0 ", 0), ("9999", 9999)])
def test_parse_index_accepts_plain_whole_numbers(raw, expected):
    assert text.parse_index(raw, 10_000) == (expected, None)


@pytest.mark.parametrize("raw", ["²", "٣", "-1", "1.5", "1e3", "", "10000", "9" * 5000, "0x10"])
def test_parse_index_refuses_everything_else_with_a_reason(raw):
    value, problem = text.parse_index(raw, 10_000)
    assert value is None and ("0 to 9999" in problem or "beyond the last one" in problem)
    assert len(problem) < 120


def test_parse_indices_keeps_the_good_ones_and_names_the_rest():
    assert text.parse_indices("0, 7; ², 99999, x", 10_000) == (
        [0, 7], "Ignored ², 99999, x: indices are whole numbers from 0 to 9999.")
    assert text.parse_indices(", ".join(str(i) for i in range(40)), 100)[0] == list(range(16))
