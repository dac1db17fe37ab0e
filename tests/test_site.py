"""The static site (`latent-explorer publish`) in Chromium, opened from disk (file://) and from a local
static server: the page's decodings, gap measures, sentences and nearest images against the library,
no request outside its folder, hostile links, damaged folders, and the instances' lifecycle."""
import base64
import functools
import json
import re
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

import ae
from ae.quality import RoundTrip, describe_drift, where_sent
from ae.site import MODEL_BUDGET, read_model_script
from app_harness import hover_then_click, on_pad, plot_area, to_pixels, zoom_out_beyond
from conftest import ROOT

SHIPPED = sorted((ROOT / "checkpoints").glob("*_z2.pt"))
NAMES = [p.stem for p in SHIPPED]


@functools.cache
def library(name: str):
    """What the library makes of a shipped model, the oracle for its page: (checkpoint, index of the
    training codes, class names, round trip), built once per model for the module's tests (read only)."""
    ckpt = ae.load_checkpoint(ROOT / "checkpoints" / f"{name}.pt")
    return (ckpt, ae.LatentIndex(ckpt.train_codes, ckpt.train_labels), ae.class_names(ckpt.dataset),
            RoundTrip(ckpt.model, ckpt.test_codes))


@pytest.fixture(scope="module")
def site(tmp_path_factory, mnist_path, fashion_path):
    """The four shipped 2-D models published by the command a user runs; (folder, its printed summary)."""
    folder = tmp_path_factory.mktemp("site") / "class"
    result = subprocess.run([sys.executable, "-m", "ae", "publish", *map(str, SHIPPED), "--out", str(folder),
                             "--data-dir", str(Path(mnist_path).resolve())], capture_output=True, text=True, timeout=600, cwd="/")
    assert result.returncode == 0, result.stderr[-3000:]
    return folder, result.stdout


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(site):
    """The published folder behind a plain static web server on 127.0.0.1."""
    folder, _ = site
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["file", "http"])
def base(request, site):
    return site[0].as_uri() + "/" if request.param == "file" else request.getfixturevalue("served")


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    yield page
    context.close()


def open_site(page, base, hash_=""):
    page.goto(f"{base}index.html{hash_}")
    page.wait_for_function("() => ['ready', 'error'].includes(document.getElementById('lx-site').dataset.state)",
                           timeout=60_000)


def wait_ready(page, n=1):
    page.wait_for_function(f"() => document.querySelectorAll(\".lx-wrap[data-live='on'] .lx-plot[data-ready='1']\").length === {n}",
                           timeout=60_000)


def model_bytes(folder: Path, name: str) -> tuple[bytes, dict]:
    payload = read_model_script((folder / "models" / f"{name}.js").read_text())
    return base64.b64decode(payload["model"]), payload


def test_publish_prints_what_it_wrote_and_every_model_fits_its_budget(site):
    folder, summary = site
    assert summary.startswith(f"Wrote {folder}")
    for name in NAMES:
        js = folder / "models" / f"{name}.js"
        atlas = folder / "models" / f"{library(name)[0].dataset}-atlas.png"
        assert js.exists() and atlas.exists(), name
        assert js.stat().st_size + atlas.stat().st_size <= MODEL_BUDGET, name
        assert f"models/{name}.js" in summary
    for shared in ("index.html", "latent-explorer.js", "latent-explorer.css", "plotly.min.js"):
        assert (folder / shared).exists()
    catalogue = json.loads(re.search(r'id="lx-catalogue">(.*?)</script>', (folder / "index.html").read_text())[1])
    assert [m["name"] for m in catalogue["models"]] == NAMES
    # The slow maps of the shipped models are read from the measurements shipped beside them.
    from ae.kept import map_beside
    for name in NAMES:
        shading = model_bytes(folder, name)[1]["maps"]
        for kind in ("drift", "sensitivity"):
            assert shading[kind] == map_beside(ROOT / "checkpoints" / f"{name}.pt", kind), (name, kind)


RUN_PUBLISHED = """([b64, points]) => {
    const model = new LatentExplorer.lib.WebModel(LatentExplorer.fromBase64(b64));
    return points.map((z) => {
        const r = LatentExplorer.lib.runRequest(model, {z});
        return {image: Array.from(r.image), gap: r.place.gap, sentence: r.place.sentence,
                back: r.roundTrip.back, drift: r.roundTrip.drift, near: r.roundTrip.near, driftSentence: r.roundTrip.sentence};
    });
}"""


@pytest.mark.parametrize("name", NAMES)
def test_the_published_model_decodes_and_describes_200_points_as_the_library_does(site, base, page, name):
    folder, _ = site
    open_site(page, base, f"#model={name}")
    data, payload = model_bytes(folder, name)
    ckpt, index, names, rt = library(name)
    lo, hi = ckpt.test_codes.min(0), ckpt.test_codes.max(0)
    points = np.random.default_rng(1).uniform(lo - (hi - lo) / 2, hi + (hi - lo) / 2, size=(200, 2))
    got = page.evaluate(RUN_PUBLISHED, [base64.b64encode(data).decode(), points.tolist()])
    decoded = np.array([g["image"] for g in got]).reshape(200, 28, 28)
    assert np.abs(decoded - ae.decode(ckpt.model, points)).max() <= 1e-4
    assert np.abs(np.array([g["gap"] for g in got]) - index.gap(points)).max() <= 0.1
    for point, g in zip(points, got):
        assert g["sentence"] == ae.describe_place(index.place(point), names)
        assert g["near"] == where_sent(index.place(g["back"]), names)
        assert g["driftSentence"] == describe_drift(g["drift"], g["back"], rt, g["near"])


def shown_panel(page, nth=0):
    return page.evaluate("""(nth) => { const p = document.querySelectorAll('.lx-live')[nth];
        const c = p.querySelector('canvas'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return {source: p.dataset.source, z: [Number(p.dataset.z1), Number(p.dataset.z2)], gap: p.querySelector('.lx-live-gap').textContent,
                place: p.querySelector('.lx-live-place').textContent, drift: p.querySelector('.lx-live-drift').textContent,
                pixels: Array.from(d).filter((v, i) => i % 4 === 0)}; }""", nth)


@pytest.mark.parametrize("name", NAMES)
def test_clicks_in_the_page_show_the_librarys_image_place_and_nearest_real_images(site, base, page, name):
    folder, _ = site
    open_site(page, base, f"#model={name}")
    wait_ready(page)
    ckpt, index, names, _ = library(name)
    _, payload = model_bytes(folder, name)
    count = payload["atlas"]["count"]
    published = np.stack([payload["points"]["x"], payload["points"]["y"]], 1)[:count]
    atlas_index = ae.LatentIndex(published, ckpt.test_labels[:count])
    area = plot_area(page)
    rng = np.random.default_rng(2)
    for fx, fy in rng.uniform(0.1, 0.9, size=(3, 2)):
        x, y = area["left"] + fx * area["width"], area["top"] + fy * area["height"]
        earlier = page.query_selector(".lx-site-nearest figure")  # the last click's nearest images
        page.mouse.click(x, y)
        page.wait_for_function("() => location.hash.includes('z=')")
        if earlier:  # gone first: the panel is drawn again for this click, after its frame
            page.wait_for_function("(figure) => !figure.isConnected", arg=earlier)
        page.wait_for_selector(".lx-site-nearest figure")
        shown = shown_panel(page)
        z = shown["z"]
        assert shown["source"] == "Clicked point"
        image = (np.clip(ae.decode(ckpt.model, np.array([z])), 0, 1) * 255).round()
        assert np.abs(np.array(shown["pixels"]) - image.ravel()).max() <= 1
        place = index.place(z)
        assert shown["gap"] == f"gap measure {place.gap:.1f}"
        assert shown["place"] == ae.describe_place(place, names)
        nearest = page.evaluate("() => [...document.querySelectorAll('.lx-site-nearest figure')].map((f) => Number(f.dataset.index))")
        assert nearest == atlas_index.place(z).neighbours[:8].tolist()
        hash_z = re.search(r"z=([-\d.]+),([-\d.]+)", page.evaluate("() => location.hash"))
        assert [float(hash_z[1]), float(hash_z[2])] == pytest.approx(z, abs=1e-5)
    assert page.errors == []


def test_no_request_leaves_the_folder(site, base, page):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    open_site(page, base, f"#model={NAMES[0]}&shade=gaps")
    wait_ready(page)
    area = plot_area(page)
    page.mouse.move(area["left"] + area["width"] / 2, area["top"] + area["height"] / 2)
    page.mouse.click(area["left"] + area["width"] / 3, area["top"] + area["height"] / 3)
    page.wait_for_selector(".lx-site-nearest figure")
    for name in NAMES[1:]:
        page.select_option("#lx-model", name)
        page.wait_for_function(f"() => document.querySelector('.lx-site-plot').dataset.model === '{name}'")
        wait_ready(page)
    page.click("text=How this space formed: replay the training")
    page.wait_for_selector("#lx-replay .main-svg")
    outside = [u for u in requests if not (u.startswith(base) or u.startswith(("blob:", "data:")))]
    assert outside == [] and len(requests) > 6


HOSTILE = ("#model=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&z=%3Cb%3E1%3C%2Fb%3E,2&shade=[click](https://evil.example)"
           "&compare=%3Cscript%3E")


def test_a_hostile_link_is_shown_as_plain_text_and_opens_the_default_view(site, page):
    folder, _ = site
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_site(page, folder.as_uri() + "/", HOSTILE)
    wait_ready(page)
    message = page.inner_text("#lx-message")
    assert '"<img src=x onerror=alert(1)>"' in message and '"<b>1</b>,2"' in message
    assert '"[click](https://evil.example)"' in message
    assert page.evaluate("() => document.querySelectorAll('#lx-message *:not(p)').length") == 0
    assert page.evaluate("() => document.querySelectorAll('img[src=x], a[href*=evil]').length") == 0
    assert dialogs == [] and page.errors == []
    huge = f"#model={NAMES[0]}&z=1e300,-1e300"
    open_site(page, folder.as_uri() + "/", huge)
    wait_ready(page)
    assert "lies far outside this model's codes" in page.inner_text("#lx-message")
    assert "z=" not in page.evaluate("() => location.hash")


def test_a_click_far_outside_the_model_is_refused_with_why_and_fixes_nothing(site, page):
    folder, _ = site
    accepted = model_bytes(folder, NAMES[0])[1]["boxes"]["accepted"]
    open_site(page, folder.as_uri() + "/", f"#model={NAMES[0]}")
    wait_ready(page)
    hover_then_click(page, *zoom_out_beyond(page, accepted))
    page.wait_for_function("() => document.querySelector('#lx-message').innerText.includes('That click')")
    assert "lies far outside this model's codes" in page.inner_text("#lx-message")
    assert "z=" not in page.evaluate("() => location.hash")
    assert page.inner_text(".lx-live-title") != "Clicked point" and page.errors == []


@pytest.mark.parametrize("damage", ["missing", "truncated", "not a model"])
def test_a_missing_or_damaged_model_file_gets_one_clear_line(site, page, tmp_path, damage):
    folder = tmp_path / "copy"
    shutil.copytree(site[0], folder)
    target = folder / "models" / f"{NAMES[0]}.js"
    if damage == "missing":
        target.unlink()
    elif damage == "truncated":
        target.write_text(target.read_text()[:200_000])
    else:
        text = target.read_text()
        target.write_text(re.sub(r'"model":"[A-Za-z0-9+/=]{12}', '"model":"AAAAAAAAAAAA', text, count=1))
    open_site(page, folder.as_uri() + "/", f"#model={NAMES[0]}")
    lines = page.evaluate("() => [...document.querySelectorAll('#lx-message p')].map((p) => p.textContent)")
    assert len(lines) == 1, lines
    assert lines[0].startswith("This model cannot be shown: models/") and (
        "is missing" in lines[0] if damage == "missing" else "is damaged" in lines[0]), lines[0]
    # The other models of the folder still open.
    page.select_option("#lx-model", NAMES[1])
    wait_ready(page)


def test_zoom_is_kept_per_model_across_switches(site, page):
    """The instance keeps each model's zoom under that model's key (the old component stored the zoom
    of every model under the first one's after a switch)."""
    open_site(page, site[0].as_uri() + "/", f"#model={NAMES[0]}")
    wait_ready(page)

    def zoom(x, y):
        page.evaluate("([x, y]) => Plotly.relayout(document.querySelector('.lx-plot'), {'xaxis.range': x, 'yaxis.range': y})", [x, y])
        page.wait_for_timeout(200)
        return plot_area(page)  # as drawn: plotly widens one axis to keep equal scales

    def switch(name):
        page.select_option("#lx-model", name)
        page.wait_for_function(f"() => document.querySelector('.lx-site-plot').dataset.model === '{name}'")
        wait_ready(page)
        page.wait_for_timeout(300)
        return plot_area(page)

    first = zoom([-2, 2], [-2, 2])
    opened = switch(NAMES[2])
    assert opened["y"] != pytest.approx(first["y"], abs=0.05)  # the other model opens on its own view
    second = zoom([0, 1], [0, 1])
    back = switch(NAMES[0])
    assert back["x"] == pytest.approx(first["x"], abs=0.05) and back["y"] == pytest.approx(first["y"], abs=0.05)
    again = switch(NAMES[2])
    assert again["x"] == pytest.approx(second["x"], abs=0.05) and again["y"] == pytest.approx(second["y"], abs=0.05)


def test_after_a_switch_of_dataset_the_pad_prepares_for_the_new_one(site, page):
    import io

    from PIL import Image

    from ae.preprocess import prepare_image
    fashion = next(n for n in NAMES if n.startswith("fashion"))
    mnist = next(n for n in NAMES if n.startswith("mnist"))
    open_site(page, site[0].as_uri() + "/", f"#model={mnist}")
    wait_ready(page)
    page.click("text=Draw your own")
    page.select_option("#lx-model", fashion)
    page.wait_for_selector(".lx-pad[data-dataset='fashion'][data-live='on']")
    page.locator(".lx-pad-canvas").scroll_into_view_if_needed()
    to_page = on_pad(page)
    page.mouse.move(*to_page(90, 60))
    page.mouse.down()
    for point in [(200, 60), (170, 130), (130, 240)]:
        page.mouse.move(*to_page(*point), steps=4)
    page.mouse.up()
    page.wait_for_function("() => document.querySelector('.lx-pad').dataset.z1 !== undefined")
    grey, prepared = page.evaluate("""() => {
        const pad = document.querySelector('.lx-pad-canvas'), input = document.querySelector('.lx-pad-input');
        const red = (c) => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).filter((v, i) => i % 4 === 0);
        return [red(pad), red(input)]; }""")
    buffer = io.BytesIO()
    Image.fromarray(np.array(grey, np.uint8).reshape(280, 280), mode="L").save(buffer, format="PNG")
    expected = prepare_image(buffer.getvalue(), "fashion").image
    assert np.abs(np.array(prepared) - (expected * 255).round().ravel()).max() <= 1
    star = page.evaluate("() => getComputedStyle(document.querySelector('.lx-yours')).display")
    assert star == "block"  # the drawing's code is on the plot


def test_beside_its_vae_the_two_plots_hover_together(site, page):
    open_site(page, site[0].as_uri() + "/", "#model=mnist_ae_z2&compare=1")
    wait_ready(page, 2)
    area = plot_area(page, 0)
    page.mouse.move(*to_pixels(area, *[(a + b) / 2 for a, b in [area["x"], area["y"]]]))
    page.wait_for_function("() => document.querySelectorAll('.lx-live')[1].dataset.source === 'Same place, other plot'")
    assert page.evaluate("() => document.querySelectorAll('.lx-site-plot')[1].dataset.model") == "mnist_vae_z2"


def test_the_replay_animates_the_stored_snapshots(site, page):
    open_site(page, site[0].as_uri() + "/", "#model=mnist_ae_z2")
    wait_ready(page)
    page.click("text=How this space formed: replay the training")
    page.wait_for_selector("#lx-replay .main-svg")
    ckpt = library("mnist_ae_z2")[0]
    frames = page.evaluate("() => document.getElementById('lx-replay')._transitionData._frames.length")
    assert frames == len(ckpt.snapshots)


def test_the_apps_download_is_the_published_site_zipped(mnist_path, monkeypatch, site):
    import io
    import zipfile

    import components
    from ae import maps
    from ui.site_download import FOLDER, build_site_zip

    def measuring(*args, **kwargs):
        raise AssertionError("measured again")
    # The shipped checkpoint's slow maps are kept with it (checkpoints/measured): the app reads them.
    monkeypatch.setattr(maps, "drift_map", measuring)
    monkeypatch.setattr(maps, "sensitivity_map", measuring)
    monkeypatch.setenv("AE_DATA_DIR", str(mnist_path))
    steps = []
    data, summary = build_site_zip([ROOT / "checkpoints" / "mnist_ae_z2.pt"], steps.append)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert {f"{FOLDER}/index.html", f"{FOLDER}/plotly.min.js", f"{FOLDER}/models/mnist_ae_z2.js",
            f"{FOLDER}/models/mnist-atlas.png"} <= names
    assert archive.read(f"{FOLDER}/latent-explorer.js").decode() == components.bundle("site", "classic")
    assert "mnist_ae_z2" in summary and len(steps) >= 8
    # ... the same the command publishes (tests/test_measured.py: the same as measuring them now).
    zipped = read_model_script(archive.read(f"{FOLDER}/models/mnist_ae_z2.js").decode())["maps"]
    assert zipped == model_bytes(site[0], "mnist_ae_z2")[1]["maps"]


def test_the_explorer_offers_the_site_of_the_current_datasets_models(mnist_path, monkeypatch):
    from conftest import run_script, shown_text
    at = run_script(ROOT / "app_pages" / "0_Explorer.py", monkeypatch, data_dir=mnist_path)
    assert not at.exception
    expander = next(e for e in at.sidebar.expander if e.label == "Download this as a site")
    captions = [shown_text(c.value) for c in expander.caption]
    assert "Models: mnist_ae_z10.pt, mnist_ae_z2.pt, mnist_vae_z2.pt" in captions
    assert not any("fashion" in c for c in captions)
    at.sidebar.button(key="ex_site_build").click().run(timeout=300)
    assert not at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("Download latent-explorer-site.zip (") for label in labels), labels


def test_without_the_dataset_the_nearest_images_are_left_out_and_the_page_says_why(tmp_path, page, monkeypatch):
    from ae import data
    from ae.site import publish_site
    monkeypatch.delenv("AE_DATA_DIR", raising=False)
    monkeypatch.setattr(data, "DEFAULT_CACHE", tmp_path / "no-cache")
    empty = tmp_path / "empty"
    empty.mkdir()
    site = publish_site([ROOT / "checkpoints" / "mnist_ae_z2.pt"], tmp_path / "site", data_dir=empty)
    assert not list((tmp_path / "site" / "models").glob("*.png"))
    assert any("test images were not on the machine" in n for n in site.models[0].notes)
    assert "test images were not on the machine" in site.summary()
    open_site(page, (tmp_path / "site").as_uri() + "/", "#model=mnist_ae_z2&z=1,2")
    wait_ready(page)
    page.wait_for_selector(".lx-site-point .lx-site-note")
    note = page.inner_text(".lx-site-point .lx-site-note")
    assert note.startswith("The mnist test images were not on the machine that published this site")
    assert page.query_selector(".lx-site-nearest") is None
