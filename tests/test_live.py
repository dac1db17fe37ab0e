"""The models running in the page (components/web_model.js) against the library, and the live preview in Chromium."""
import base64
import io

import numpy as np
import pytest
from PIL import Image

import ae
import ae.limits
from ae.export import export_checkpoint, export_web_model
from ae.quality import RoundTrip, describe_drift, round_trip, where_sent
from app_harness import load_library, decoded_caption, plot_area, to_data, to_pixels, wait_for_new_caption
from conftest import ROOT

SHIPPED_MODELS = sorted((ROOT / "checkpoints").glob("*_z2.pt"))

# Runs the components' WebModel (LatentExplorer.lib, the same source the pages run) on a
# web model file handed over as base64: decodings, encodings, gap measures and place sentences.
RUN_IN_PAGE = """([b64, points, images]) => {
    const bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const model = new LatentExplorer.lib.WebModel(bytes.buffer);
    return {
        decoded: points.map((z) => Array.from(model.decode(z))),
        encoded: images.map((pixels) => model.encode(pixels)),
        places: points.map((z) => { const p = model.place(z); return [p.gap, p.sentence]; }),
        trips: points.map((z) => { const r = LatentExplorer.lib.runRequest(model, {z}).roundTrip;
                                   return [r.back, r.drift, r.near, r.sentence]; }),
    };
}"""


@pytest.fixture(scope="module")
def page_and_url(app_browser):
    page, url = app_browser
    page.goto(url)
    page.wait_for_selector(".lx-wrap[data-live='on'] .lx-plot[data-ready='1']", timeout=90_000)
    return page, url


RUN_NETS_IN_PAGE = """([b64, points, images]) => {
    const bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const model = new LatentExplorer.lib.WebModel(bytes.buffer);
    return {decoded: points.map((z) => Array.from(model.decode(z))), encoded: images.map((x) => model.encode(x))};
}"""


@pytest.mark.parametrize("variational", [False, True], ids=["ae", "vae"])
def test_the_page_runs_a_dense_model_like_the_library(page_and_url, mnist_path, variational):
    """The Train page's fast recipe: dense layers, batch-norm folded, the last layer writing the image."""
    import torch
    torch.manual_seed(0)
    model = ae.build_model(ae.AEConfig(dense_units=(512, 128), use_batch_norm=True, variational=variational))
    images = ae.load_images("mnist", "test", data_dir=mnist_path).images[:50]
    model.train()
    with torch.no_grad():
        model(images)  # batch-norm statistics from real digits, as after training
    model.eval()
    points = np.random.default_rng(0).normal(0, 2, size=(50, 2))
    data = base64.b64encode(export_web_model(model)).decode()
    page, _ = page_and_url
    load_library(page)
    got = page.evaluate(RUN_NETS_IN_PAGE, [data, points.tolist(), images.reshape(50, -1).numpy().tolist()])
    assert np.abs(np.array(got["decoded"]).reshape(50, 28, 28) - ae.decode(model, points)).max() <= 1e-4
    assert np.abs(np.array(got["encoded"]) - ae.encode(model, images)).max() <= 1e-4


@pytest.mark.parametrize("path", SHIPPED_MODELS, ids=lambda p: p.name)
def test_the_page_runs_every_shipped_model_like_the_library(page_and_url, path, request):
    page, _ = page_and_url
    ckpt = ae.load_checkpoint(path)
    index = ae.LatentIndex(ckpt.train_codes, ckpt.train_labels)
    lo, hi = ckpt.test_codes.min(0), ckpt.test_codes.max(0)
    # Clusters and gaps alike: uniform over the codes' box widened by half its size each way.
    points = np.random.default_rng(0).uniform(lo - (hi - lo) / 2, hi + (hi - lo) / 2, size=(200, 2))
    folder = request.getfixturevalue("fashion_path" if ckpt.dataset == "fashion" else "mnist_path")
    images = ae.load_images(ckpt.dataset, "test", data_dir=folder).images[:100]
    rt = RoundTrip(ckpt.model, ckpt.test_codes)  # the web model's drift scale and the oracle's
    data = base64.b64encode(export_checkpoint(ckpt, index, rt)).decode()
    load_library(page)
    got = page.evaluate(RUN_IN_PAGE, [data, points.tolist(), images.reshape(100, -1).numpy().tolist()])

    decoded = np.array(got["decoded"]).reshape(200, 28, 28)
    assert np.abs(decoded - ae.decode(ckpt.model, points)).max() <= 1e-4
    assert np.abs(np.array(got["encoded"]) - ae.encode(ckpt.model, images)).max() <= 1e-4
    gaps = np.array([g for g, _ in got["places"]])
    np.testing.assert_allclose(gaps, index.gap(points), rtol=1e-9)
    names = ae.class_names(ckpt.dataset)
    for point, (_, sentence) in zip(points, got["places"]):
        assert sentence == ae.describe_place(index.place(point), names)

    # Round-trip drift: where the page's encoder sends each decoding, and the same words as the library.
    backs = np.array([t[0] for t in got["trips"]])
    assert np.abs(backs - round_trip(ckpt.model, points)).max() <= 1e-3
    assert np.allclose([t[1] for t in got["trips"]], np.linalg.norm(backs - points, axis=1), atol=1e-5)
    for back, d, near, sentence in got["trips"]:
        assert near == where_sent(index.place(back), names)
        assert sentence == describe_drift(d, back, rt, near)
    levels = np.array([t[1] for t in got["trips"]]) > rt.high
    assert 0 < levels.sum() < len(levels)  # both kinds of sentence were compared


def live_panel(page, nth=0):
    return page.evaluate("""(nth) => { const p = document.querySelectorAll('.lx-live')[nth];
        return {source: p.dataset.source, z: [Number(p.dataset.z1), Number(p.dataset.z2)],
                gap: Number(p.dataset.gap), drift: Number(p.dataset.drift), text: p.innerText}; }""", nth)


def arrow_of(page, which, nth=0):
    """Where the round-trip arrow `which` ('fixed' or 'hover') of the nth scatter points, if shown."""
    return page.evaluate("""([which, nth]) => { const l = document.querySelectorAll('.lx-arrow-' + which)[nth];
        return l && l.style.display !== 'none' && l.dataset.back1 !== undefined
            ? [Number(l.dataset.back1), Number(l.dataset.back2)] : null; }""", [which, nth])


def sent_frames(page):
    """Count the frames the page sends to the server from now on (a rerun needs one)."""
    counter = {"n": 0}
    page.on("websocket", lambda ws: ws.on("framesent", lambda _: counter.__setitem__("n", counter["n"] + 1)))
    return counter


def fresh_page(page, url, path="", **context):
    new = page.context.browser.new_context(viewport={"width": 1400, "height": 1000}, **context).new_page()
    frames = sent_frames(new)
    new.goto(url + path)
    return new, frames


def test_hovering_decodes_under_the_mouse_without_asking_the_server(page_and_url):
    page, url = page_and_url
    page, frames = fresh_page(page, url)
    try:
        page.wait_for_selector(".lx-wrap[data-live='on'] .lx-plot[data-ready='1']", timeout=90_000)
        page.wait_for_timeout(500)
        area = plot_area(page)
        before = frames["n"]
        seen = set()
        for f in np.linspace(0.2, 0.8, 15):
            # Whole pixels: the browser reports pointer positions in whole CSS pixels.
            px, py = round(area["left"] + f * area["width"]), round(area["top"] + (1 - f) * area["height"])
            page.mouse.move(px, py)
            # The image comes first (in the frame of the move, when the main thread has room), its round
            # trip from the worker just after.
            page.wait_for_function("([x, y]) => { const p = document.querySelector('.lx-live');"
                                   " return Math.abs(p.dataset.z1 - x) < 1e-6 && Math.abs(p.dataset.z2 - y) < 1e-6"
                                   " && p.dataset.drift !== ''; }",
                                   arg=list(to_data(area, px, py)), timeout=5_000)
            panel = live_panel(page)
            assert panel["source"] == "Under the cursor" and "gap measure" in panel["text"]
            assert "round-trip drift" in panel["text"] and arrow_of(page, "hover") is not None
            seen.add(tuple(panel["z"]))
        assert len(seen) == 15
        assert frames["n"] == before, "hovering sent messages to the server"
        assert decoded_caption(page) is None  # nothing was clicked: the server decoded nothing
    finally:
        page.context.close()


def server_image(page) -> np.ndarray:
    src = page.evaluate("() => document.querySelector('figure.lx-decoded img').src")
    return np.array(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("L"), dtype=int)


def test_a_click_shows_its_image_before_the_server_answers_and_the_server_agrees(page_and_url):
    page, url = page_and_url
    page, frames = fresh_page(page, url)
    try:
        page.wait_for_selector(".lx-wrap[data-live='on'] .lx-plot[data-ready='1']", timeout=90_000)
        page.evaluate("""() => {
            window.__clickTimes = {};
            document.addEventListener('lx-live-paint', (e) => {
                if (e.detail.source === 'Clicked point' && !window.__clickTimes.paint) window.__clickTimes.paint = performance.now(); });
            new MutationObserver(() => {
                if (!window.__clickTimes.server && document.querySelector('figure.lx-decoded'))
                    window.__clickTimes.server = performance.now(); }).observe(document.body, {childList: true, subtree: true});
        }""")
        area = plot_area(page)
        px, py = area["left"] + 0.85 * area["width"], area["top"] + 0.15 * area["height"]  # an empty corner
        before = frames["n"]
        page.mouse.click(px, py)
        wait_for_new_caption(page, None)
        assert frames["n"] > before  # a click does go to the server (and the counter sees it)
        times = page.evaluate("() => window.__clickTimes")
        assert times["paint"] < times["server"]
        panel = live_panel(page)
        assert panel["source"] == "Clicked point"
        canvas = np.array(page.evaluate("() => { const c = document.querySelector('.lx-live canvas');"
                                        " return Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data)"
                                        ".filter((_, i) => i % 4 === 0); }")).reshape(28, 28)
        assert np.abs(canvas - server_image(page)).max() <= 1  # within 1/255 per pixel
        page.wait_for_selector("[data-testid='stMetricValue']", timeout=10_000)
        shown = float(page.inner_text("[data-testid='stMetricValue']"))
        assert abs(shown - panel["gap"]) <= 0.1
        # The round trip: an arrow from the point to where its decoding is sent back, as the library says.
        ckpt = ae.load_checkpoint(ROOT / "checkpoints" / "mnist_ae_z2.pt")
        back = round_trip(ckpt.model, [panel["z"]])[0]
        arrow = arrow_of(page, "fixed")
        assert arrow is not None and np.abs(np.array(arrow) - back).max() <= 1e-3
        drift = float(page.locator("[data-testid='stMetricValue']").nth(1).inner_text())
        assert abs(drift - panel["drift"]) <= 0.006 and "round-trip drift" in panel["text"]
    finally:
        page.context.close()


def test_without_the_weight_file_the_server_still_decodes_and_says_so_once(page_and_url):
    page, url = page_and_url
    page = page.context.browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    try:
        page.route("**/app/static/models/**", lambda route: route.abort())
        page.goto(url)
        page.wait_for_selector(".lx-wrap[data-live='off'] .lx-plot[data-ready='1']", timeout=90_000)
        assert "Live preview is off" in page.inner_text(".lx-live")
        area = plot_area(page)
        page.mouse.click(area["left"] + area["width"] / 2, area["top"] + area["height"] / 2)
        assert wait_for_new_caption(page, None).startswith("decoded at z = ")
        # No model in the page, but the server's measurement still draws the round-trip arrow.
        page.wait_for_function("() => { const l = document.querySelector('.lx-arrow-fixed');"
                               " return l && l.style.display !== 'none' && l.dataset.back1 !== undefined; }",
                               timeout=10_000)
    finally:
        page.context.close()


def test_hovering_one_model_of_the_comparison_decodes_the_same_relative_spot_in_the_other(page_and_url):
    page, url = page_and_url
    page.goto(f"{url}/compare")
    page.wait_for_function("() => document.querySelectorAll(\".lx-wrap[data-live='on'] .lx-plot[data-ready='1']\").length === 2",
                           timeout=90_000)
    boxes = [ae.limits.codes_box(ae.load_checkpoint(ROOT / "checkpoints" / n).test_codes)
             for n in ("mnist_ae_z2.pt", "mnist_vae_z2.pt")]
    area = plot_area(page, 0)
    px, py = round(area["left"] + 0.3 * area["width"]), round(area["top"] + 0.6 * area["height"])
    page.mouse.move(px - 5, py)
    page.mouse.move(px, py)
    expected = to_data(area, px, py)
    page.wait_for_function("([x]) => { const p = document.querySelectorAll('.lx-live');"
                           " return Math.abs(p[0].dataset.z1 - x) < 1e-6 && p[1].dataset.source === 'Same place, other plot'; }",
                           arg=[expected[0]], timeout=10_000)
    page.wait_for_timeout(200)
    here, there = live_panel(page, 0), live_panel(page, 1)
    assert here["z"] == pytest.approx(expected, abs=1e-6)
    assert ae.latent.to_relative(there["z"], boxes[1]) == pytest.approx(ae.latent.to_relative(here["z"], boxes[0]), abs=1e-6)


def test_moving_along_the_interpolation_line_decodes_that_position(page_and_url):
    page, url = page_and_url
    page.goto(f"{url}/interpolation")
    page.wait_for_selector(".lx-wrap[data-live='on'] .lx-plot[data-ready='1']", timeout=90_000)
    # The path is drawn on the data's WebGL canvas, after the data: above the dots.
    kinds = page.evaluate("() => document.querySelector('.lx-plot').data.map(t => [t.name, t.type])")
    assert kinds[-1] == ["path", "scattergl"]
    ckpt = ae.load_checkpoint(ROOT / "checkpoints" / "mnist_ae_z2.pt")
    a, b = ckpt.test_codes[9356], ckpt.test_codes[1369]  # the page's default ends
    area = plot_area(page)
    target = a + 0.4 * (b - a)
    px, py = (round(float(v)) for v in to_pixels(area, *target))
    page.mouse.move(px - 3, py + 3)
    page.mouse.move(px, py)
    page.wait_for_function("() => document.querySelector('.lx-live').dataset.source.startsWith('On the line')",
                           timeout=10_000)
    panel = live_panel(page)
    t = float(panel["source"].rsplit("= ", 1)[1])
    assert t == pytest.approx(0.4, abs=0.02)
    assert np.asarray(panel["z"]) == pytest.approx(a + t * (b - a), abs=0.01 * float(np.abs(b - a).max()))


def test_touch_screens_get_no_hover_preview(page_and_url):
    page, url = page_and_url
    page, _ = fresh_page(page, url, has_touch=True, is_mobile=True)
    try:
        page.wait_for_selector(".lx-wrap[data-live='on'] .lx-plot[data-ready='1']", timeout=90_000)
        assert page.evaluate("() => matchMedia('(hover: none)').matches")
        assert "Click or tap" in page.inner_text(".lx-live")
        area = plot_area(page)
        page.mouse.move(area["left"] + area["width"] / 2, area["top"] + area["height"] / 2)
        page.wait_for_timeout(300)
        assert live_panel(page)["source"] != "Under the cursor"
    finally:
        page.context.close()
