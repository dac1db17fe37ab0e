"""Every chapter page under AppTest: renders, its controls work, no exception, with and without the dataset."""
import io
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

from conftest import ROOT, figures, run_script, shown_text

PAGES = sorted(p for p in (ROOT / "app_pages").glob("*.py") if not p.name.startswith("0_"))  # 0_: the explorer, tested in test_app.py


def upload_mode(at):
    """'Your own image' opens on the drawing pad; uploads are the other choice."""
    at.radio(key="own_mode").set_value("upload").run()
    return at


def run_page(page, monkeypatch, data_dir):
    return run_script(page, monkeypatch, data_dir=data_dir, timeout=120)


def ok(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_pages_render_with_the_dataset(page, monkeypatch, mnist_path):
    at = run_page(page, monkeypatch, mnist_path)
    ok(at)
    assert at.title


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_pages_render_on_fashion_mnist_from_the_link(page, monkeypatch, mnist_path, fashion_path):
    # As in CI: MNIST from AE_DATA_DIR, Fashion-MNIST from Debian's folder.
    at = run_script(page, monkeypatch, query={"dataset": "fashion"}, data_dir=mnist_path, timeout=120)
    ok(at)
    assert at.session_state["lx_dataset"] == "fashion"
    if page.stem == "7_Train":  # no checkpoint to pick: it trains on the chosen dataset
        assert at.radio(key="tr_dataset").value == "fashion"
        return
    pickers = [s for s in at.selectbox if s.label in ("Checkpoint", "Left model")]
    assert pickers and pickers[0].value.startswith("fashion_")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_pages_render_without_the_dataset(page, monkeypatch, tmp_path):
    at = run_page(page, monkeypatch, tmp_path / "no-data")
    ok(at)


def test_reconstructions_controls(monkeypatch, mnist_path):
    at = run_page(ROOT / "app_pages" / "1_Reconstructions.py", monkeypatch, mnist_path)
    at.slider(key="rec_count").set_value(5).run()
    ok(at)
    at.text_input(key="rec_indices").input("0, 7, x, 99999").run()
    ok(at)
    assert "Ignored x, 99999" in shown_text(at.warning[0].value)
    originals, rebuilt = figures(at)[:2]
    assert originals == [("#0 · 7", "test image 0, a 7"), ("#7 · 9", "test image 7, a 9")]  # MNIST's test images 0 and 7
    assert len(rebuilt) == 2 and rebuilt[0][0].endswith(tuple("0123456789"))
    assert rebuilt[1][1].startswith("mnist_ae_z2.pt's rebuild of test image 7 (a 9) from 2 numbers, mean squared error 0.")


def test_latent_grid_size(monkeypatch, mnist_path):
    at = run_page(ROOT / "app_pages" / "2_Latent_grid.py", monkeypatch, mnist_path)
    at.slider(key="grid_n").set_value(40).run()
    ok(at)
    ((caption, alt),) = figures(at)[0]
    assert "40 x 40 decodings" in caption and alt.startswith("A wall of 40 by 40 decoded images")
    assert re.search(r"; [1-9][0-9]?% of the grid points lie in gaps", alt)
    at.button(key="grid_reset").click().run()
    ok(at)


def test_random_sampling_numbers(monkeypatch, mnist_path):
    at = run_page(ROOT / "app_pages" / "3_Random_sampling.py", monkeypatch, mnist_path)
    at.slider(key="rs_k").set_value(500).run()
    at.number_input(key="rs_seed").set_value(3).run()
    ok(at)
    table = at.table[0].value
    share = float(table.loc["1. samples in gaps (uniform in the codes' box)", "value"].rstrip("%"))
    assert 0 < share < 100
    ((_, alt),) = figures(at)[0]  # the sample's decodings, said in words
    framed = int(re.search(r"; ([0-9]+) of them lie in a gap and have a white frame", alt)[1])
    assert alt.startswith("The decodings of the first 48 random points") and 0 < framed < 48
    # Limit 3 by round-trip drift: the page's share is the library's for the same 500 samples.
    import ae.limits
    from ae.quality import RoundTrip
    ckpt = ae.load_checkpoint(ROOT / "checkpoints" / "mnist_ae_z2.pt")
    rt = RoundTrip(ckpt.model, ckpt.test_codes)
    points = ae.limits.sample_box(ae.limits.codes_box(ckpt.test_codes), 500, seed=3)
    drifting = table.loc["3. samples whose decoding drifts more than 99% of real images' (uniform in the codes' box)", "value"]
    assert drifting == f"{np.mean(rt.drift(points).drift > rt.high):.0%}" and drifting != "0%"
    assert any("Round-trip drift" in m.value and "come back farther" in m.value for m in at.markdown)
    # The same page with N(0, I) samples: the plain autoencoder's codes spread far wider than the
    # prior, so its samples crowd into a few classes near the origin.
    at.radio(key="rs_source").set_value("prior").run()
    ok(at)
    ratio = at.table[0].value.loc["2. class shares, largest / smallest (drawn from N(0, I))", "value"]
    assert ratio.startswith("∞") or float(ratio.rstrip("x")) > 10


def test_random_sampling_defaults_to_the_prior_for_a_vae(monkeypatch, mnist_path):
    at = run_script(ROOT / "app_pages" / "3_Random_sampling.py", monkeypatch, state={"lx_checkpoint": "mnist_vae_z2.pt"},
                    data_dir=mnist_path, timeout=120)
    ok(at)
    assert at.radio(key="rs_source").value == "prior"
    share = float(at.table[0].value.loc["1. samples in gaps (drawn from N(0, I))", "value"].rstrip("%"))
    assert share < 20


def test_interpolation_controls(monkeypatch, mnist_path):
    at = run_page(ROOT / "app_pages" / "4_Interpolation.py", monkeypatch, mnist_path)
    at.number_input(key="ip_a_mnist").set_value(0).run()
    at.slider(key="ip_steps").set_value(5).run()
    ok(at)
    strip = figures(at)[0]
    assert [caption for caption, _ in strip] == ["0.00", "0.25", "0.50", "0.75", "1.00"]
    assert strip[2][1].startswith("decoding at t = 0.50 of the line from test #0 (7) to ")
    assert re.search(r"gap measure [0-9.]+ times the usual spacing", strip[2][1])


def digit_png():
    img = Image.new("L", (120, 120), 255)
    ImageDraw.Draw(img).line([(60, 15), (60, 105)], fill=0, width=12)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    return buffer.getvalue()


def test_your_own_digit_upload(monkeypatch, mnist_path):
    at = run_page(ROOT / "app_pages" / "5_Your_own_digit.py", monkeypatch, mnist_path)
    assert any("Draw a digit" in i.value for i in at.info)  # the page opens on the drawing pad
    assert at.slider(key="own_pen").value == 22
    assert any("Upload an image" in i.value for i in upload_mode(at).info)
    at.file_uploader(key="own_upload").set_value(("one.png", digit_png(), "image/png")).run()
    ok(at)
    steps = [caption for row in figures(at) for caption, _ in row]
    assert "centred by mass in 28x28" in steps and "its reconstruction" in steps
    assert all(alt for row in figures(at) for _, alt in row)
    assert at.metric[0].value == "1"  # the classifier reads a plain vertical stroke as a 1


@pytest.mark.parametrize("name, data, words", [
    ("notes.png", b"this is text, not a picture", "not an image"),
    ("blank.png", None, "blank"),
])
def test_your_own_digit_bad_uploads(monkeypatch, mnist_path, name, data, words):
    if data is None:
        buffer = io.BytesIO()
        Image.new("L", (64, 64), 255).save(buffer, format="PNG")
        data = buffer.getvalue()
    at = run_page(ROOT / "app_pages" / "5_Your_own_digit.py", monkeypatch, mnist_path)
    upload_mode(at).file_uploader(key="own_upload").set_value((name, data, "image/png")).run()
    assert not at.exception
    shown = shown_text(at.error[0].value)
    assert words in shown and name in shown


def test_the_navigation_lists_every_page():
    from ui.site import PAGES
    listed = {page.script for page in PAGES}
    for page in (ROOT / "app_pages").glob("*.py"):
        assert f"app_pages/{page.name}" in listed, page.name
    assert "ui.site import PAGES" in (ROOT / "navigation.py").read_text()


def test_your_own_item_of_clothing(monkeypatch, fashion_path):
    at = run_script(ROOT / "app_pages" / "5_Your_own_digit.py", monkeypatch, query={"dataset": "fashion"}, timeout=120)
    assert at.title[0].value == "Your own item of clothing"
    # A trouser-like shape: two dark legs joined at the waist, on a white background.
    img = Image.new("L", (200, 240), 255)
    draw = ImageDraw.Draw(img)
    draw.rectangle((60, 20, 140, 60), fill=40)
    draw.rectangle((60, 20, 95, 220), fill=40)
    draw.rectangle((105, 20, 140, 220), fill=40)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    upload_mode(at).file_uploader(key="own_upload").set_value(("trousers.png", buffer.getvalue(), "image/png")).run()
    ok(at)
    steps = [caption for row in figures(at) for caption, _ in row]
    assert "longest edge scaled to 28" in steps and "centred in 28x28" in steps
    assert at.metric[0].value == "Trouser"


def test_a_chosen_grid_region_belongs_to_its_checkpoint(monkeypatch, mnist_path):
    at = run_page(ROOT / "app_pages" / "2_Latent_grid.py", monkeypatch, mnist_path)
    at.session_state["grid_region_mnist_ae_z2.pt"] = ((0.0, 1.0), (-1.0, 0.5))  # as a box selection stores it
    at.run()
    assert "z1 0.00..1.00, z2 -1.00..0.50" in figures(at)[0][0][0]
    at.selectbox(key="grid_checkpoint").select("mnist_vae_z2.pt").run()
    ok(at)
    assert "z1 0.00..1.00" not in figures(at)[0][0][0]  # the VAE's own plane, whole


def scatter_traces(at) -> list[dict]:
    """The traces of the page's first Plotly scatter, in drawing order."""
    import json
    return json.loads(at.get("plotly_chart")[0].proto.spec)["data"]


@pytest.mark.parametrize("page, name, setup", [
    ("3_Random_sampling.py", "random sample", None),
    ("2_Latent_grid.py", "grid", None),
    ("5_Your_own_digit.py", "yours",
     lambda at: upload_mode(at).file_uploader(key="own_upload").set_value(("one.png", digit_png(), "image/png"))),
], ids=["random-samples", "grid-points", "your-star"])
def test_marks_on_a_scatter_are_drawn_above_the_data(page, name, setup, monkeypatch, mnist_path):
    # WebGL traces are painted on a canvas above every SVG trace, so a mark must be WebGL too, and
    # come after the data, to stay visible where it lands inside a cluster.
    at = run_page(ROOT / "app_pages" / page, monkeypatch, mnist_path)
    if setup:
        setup(at)
        at.run()
    ok(at)
    traces = scatter_traces(at)
    kinds = [(t.get("name"), t["type"]) for t in traces]
    mark = next(i for i, (n, _) in enumerate(kinds) if n == name)
    assert traces[mark]["type"] == "scattergl", kinds
    data = [i for i, (n, _) in enumerate(kinds) if n in [str(d) for d in range(10)]]
    assert len(data) == 10 and max(data) < mark, kinds


def plotly_array(value) -> np.ndarray:
    """A figure's array as sent to the browser: a list, or plotly's base64 typed array."""
    import base64
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value, dtype=float)


def chart(at, key_part: str) -> dict:
    """The spec of the Plotly chart whose element id mentions `key_part`."""
    import json
    for element in at.get("plotly_chart"):
        if key_part in element.proto.id:
            return json.loads(element.proto.spec)
    raise AssertionError(f"no chart {key_part!r}")


def test_charts_read_cleanly(monkeypatch, mnist_path):
    digits = [str(d) for d in range(10)]
    at = run_page(ROOT / "app_pages" / "4_Interpolation.py", monkeypatch, mnist_path)
    profile = chart(at, "ip_profile")["layout"]
    assert profile["yaxis2"]["tickvals"] == [0, 0.25, 0.5, 0.75, 1]
    assert profile["legend"]["orientation"] == "h" and profile["legend"]["y"] > 1  # above the plot, over no tick
    # Round-trip drift has its own axis and line, and its values are the library's.
    spec = chart(at, "ip_profile")
    drift = next(t for t in spec["data"] if t["name"] == "round-trip drift")
    assert drift["yaxis"] == "y3" and profile["yaxis3"]["overlaying"] == "y"
    import ae.limits
    from ae.quality import RoundTrip
    ckpt = ae.load_checkpoint(ROOT / "checkpoints" / "mnist_ae_z2.pt")
    ends = [at.query_params[k] for k in ("start", "end")]  # a list of values, or one string
    a, b = (ckpt.test_codes[int(v[0] if isinstance(v, list) else v)] for v in ends)
    values = plotly_array(drift["y"])
    path = ae.limits.interpolate(a, b, len(values))
    assert np.allclose(values, RoundTrip(ckpt.model, ckpt.test_codes).drift(path).drift, atol=1e-4)

    at = run_page(ROOT / "app_pages" / "1_Reconstructions.py", monkeypatch, mnist_path)
    assert chart(at, "rec_bars")["layout"]["xaxis"]["tickvals"] == digits  # every digit labelled

    at = run_page(ROOT / "app_pages" / "3_Random_sampling.py", monkeypatch, mnist_path)
    for sampler in ("box", "prior"):
        at.radio(key="rs_source").set_value(sampler).run()
        shares = chart(at, "rs_shares")
        assert shares["layout"]["legend"]["y"] > 1 and shares["layout"]["xaxis"]["tickvals"] == digits
        colours = [t["marker"]["color"] for t in shares["data"]]
        assert len(set(colours)) == len(colours) == 3
        samples = next(t for t in scatter_traces(at) if t.get("name") == "random sample")
        palette = {t["marker"]["color"] for t in scatter_traces(at) if t.get("name") in digits}
        assert samples["marker"]["color"] not in palette | {"red"}  # no class shares the samples' colour


def test_large_images_for_a_projector(monkeypatch, mnist_path):
    from test_compare import run as run_app
    at = run_app(str(ROOT / "navigation.py"), monkeypatch, query={"z1": "0.5", "z2": "8"}, data_dir=mnist_path)
    normal = next(m.value for m in at.markdown if "lx-decoded" in m.value)
    assert "width:280px" in normal
    at.toggle(key="ex_large").set_value(True).run()
    large = next(m.value for m in at.markdown if "lx-decoded" in m.value)
    assert "width:448px" in large and at.session_state["lx_large"]
    neighbours = next((m.value for m in at.markdown if "lx-neighbour" in m.value), "")
    assert "width:90px" in neighbours


@pytest.mark.parametrize("page", [p for p in PAGES if p.name.startswith(("1_", "2_", "3_", "4_"))], ids=lambda p: p.stem)
def test_every_chart_has_a_text_summary(page, monkeypatch, mnist_path):
    """A screen reader reads each chart's summary (ui.figures.chart): one per chart, saying its data."""
    at = run_page(page, monkeypatch, mnist_path)
    charts = at.get("plotly_chart")
    summaries = [m.value for m in at.markdown if 'class="lx-sr-only"' in m.value]
    assert charts and len(summaries) == len(charts)
    assert all(" It shows " in s for s in summaries)
    if page.name.startswith("3_"):  # the shares, class by class, as the bars draw them
        shares = next(s for s in summaries if "bars of latent area" in s)
        assert re.search(r"0: 0\.\d+, 1: 0\.\d+", shares)
