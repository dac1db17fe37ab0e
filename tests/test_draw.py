"""The drawing pad: the page prepares a drawing exactly as ae.preprocess does, and a drawn digit lands live."""
import io
import math
import re

import numpy as np
import pytest
from PIL import Image

from ae import preprocess
from ae.preprocess import InvalidImage, prepare_image
from app_harness import load_library, on_pad
from conftest import ROOT

# Strokes in the pad's 280x280 pixels: (name, dataset, pen width, strokes).
DRAWINGS = [
    ("one", "mnist", 22, [[(140, 40), (140, 240)]]),
    ("seven", "mnist", 22, [[(80, 50), (200, 50), (120, 240)]]),
    ("thin-seven", "mnist", 4, [[(80, 50), (200, 50), (120, 240)]]),
    ("thick-zero", "mnist", 44, [[(140, 40), (210, 140), (140, 240), (70, 140), (140, 40)]]),
    ("off-centre-one", "mnist", 18, [[(30, 20), (40, 120)]]),
    ("tiny", "mnist", 6, [[(200, 200), (206, 214)]]),
    ("a-dot", "mnist", 30, [[(100, 100)]]),
    ("touches-the-border", "mnist", 26, [[(0, 0), (279, 279)], [(279, 0), (0, 279)]]),
    ("two", "mnist", 20, [[(70, 80), (140, 40), (210, 80), (80, 240), (220, 240)]]),
    ("four", "mnist", 20, [[(180, 30), (60, 170), (230, 170)], [(180, 30), (180, 260)]]),
    ("wide-minus", "mnist", 16, [[(20, 140), (260, 140)]]),
    ("tall-thin", "mnist", 3, [[(140, 5), (141, 275)]]),
    ("scribble", "mnist", 12, [[(60 + 16 * i, 60 + (i % 2) * 150) for i in range(11)]]),
    ("eight", "mnist", 18, [[(140, 40), (190, 90), (90, 190), (140, 240), (190, 190), (90, 90), (140, 40)]]),
    ("corner-dot", "mnist", 10, [[(275, 275)]]),
    ("trousers", "fashion", 30, [[(100, 30), (180, 30)], [(100, 30), (90, 250)], [(180, 30), (190, 250)]]),
    ("shirt", "fashion", 40, [[(60, 60), (220, 60)], [(100, 60), (100, 240), (180, 240), (180, 60)]]),
    ("bag", "fashion", 24, [[(60, 100), (220, 100), (220, 240), (60, 240), (60, 100)], [(110, 100), (140, 50), (170, 100)]]),
    ("sneaker", "fashion", 36, [[(30, 200), (250, 200), (250, 160), (120, 130), (30, 160)]]),
    ("thin-dress", "fashion", 5, [[(140, 20), (60, 260), (220, 260), (140, 20)]]),
]

PREPARE_IN_PAGE = """([strokes, width, dataset]) => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = LatentExplorer.PAD_SIZE;
    LatentExplorer.drawStrokes(canvas, strokes.map((points) => ({ width, points })));  // as the pad draws
    const grey = LatentExplorer.padGrey(canvas);
    const grid = LatentExplorer.prepareImage(grey, 280, 280, dataset);
    return { grey: Array.from(grey), grid: grid ? Array.from(grid) : null };
}"""


@pytest.fixture(scope="module")
def pad_page(app_browser):
    page, url = app_browser
    page.goto(f"{url}/your-own-digit")
    page.wait_for_selector(".lx-pad[data-live='on']", timeout=90_000)
    return page, url


def test_the_page_prepares_drawings_exactly_as_the_library_does(pad_page):
    page, _ = pad_page
    worst = 0.0
    for name, dataset, width, strokes in DRAWINGS:
        load_library(page)
        got = page.evaluate(PREPARE_IN_PAGE, [strokes, width, dataset])
        grey = np.array(got["grey"], np.uint8).reshape(280, 280)
        buffer = io.BytesIO()
        Image.fromarray(grey, mode="L").save(buffer, format="PNG")  # what the same drawing uploaded would be
        expected = prepare_image(buffer.getvalue(), dataset).image
        assert got["grid"] is not None, name
        difference = float(np.abs(np.array(got["grid"]).reshape(28, 28) - expected).max())
        worst = max(worst, difference)
        assert difference <= 1e-6, (name, difference)
    print(f"largest per-pixel difference over {len(DRAWINGS)} drawings: {worst:.2e}")


def test_the_page_reads_the_ink_as_the_library_does_on_any_paper(pad_page):
    """Dim paper, dark grounds, noise: the page decides what is ink exactly as ae.preprocess does."""
    page, _ = pad_page
    rng = np.random.default_rng(3)
    for paper, ink, noise in [(117, 8, 0), (117, 80, 2), (60, 10, 3), (20, 200, 0), (230, 30, 4), (128, 128, 6)]:
        grey = np.clip(rng.normal(paper, noise, (90, 70)), 0, 255)
        grey[15:75, 30:42] = ink
        grey = grey.astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(grey, mode="L").save(buffer, format="PNG")
        for dataset in ("mnist", "fashion"):
            load_library(page)
            got = page.evaluate("([g, w, h, d]) => { const r = LatentExplorer.prepareImage(g, w, h, d);"
                                " return r ? Array.from(r) : null; }", [grey.ravel().tolist(), 70, 90, dataset])
            try:
                expected = prepare_image(buffer.getvalue(), dataset).image
            except InvalidImage:
                expected = None
            assert (got is None) == (expected is None), (paper, ink, noise, dataset)
            if expected is not None:
                assert float(np.abs(np.array(got).reshape(28, 28) - expected).max()) <= 1e-6, (paper, ink, dataset)


def test_the_page_and_the_library_share_the_ink_thresholds():
    source = (ROOT / "components" / "prepare.js").read_text()
    for name in ("INK_SHARE", "MIN_CONTRAST"):
        assert float(re.search(rf"const {name} = ([0-9.e-]+);", source)[1]) == getattr(preprocess, name), name


def test_an_empty_pad_prepares_to_nothing(pad_page):
    page, _ = pad_page
    load_library(page)
    assert page.evaluate(PREPARE_IN_PAGE, [[], 10, "mnist"])["grid"] is None


def star(page):
    return page.evaluate("() => { const s = document.querySelector('.lx-yours');"
                         " return s && getComputedStyle(s).display === 'block' ? [s.style.left, s.style.top] : null; }")


def test_drawing_with_the_mouse_moves_the_point_live_and_pen_up_brings_the_servers_reading(pad_page):
    page, url = pad_page
    page.goto(f"{url}/your-own-digit")
    page.wait_for_selector(".lx-pad[data-live='on']", timeout=90_000)
    page.wait_for_selector(".lx-plot[data-ready='1']", timeout=90_000)
    page.click(".lx-pad-clear")
    to_page = on_pad(page)
    page.mouse.move(*to_page(80, 50))
    page.mouse.down()
    positions = []
    for x, y in [(120, 50), (160, 50), (200, 50), (180, 100), (160, 150), (140, 200), (125, 240)]:
        page.mouse.move(*to_page(x, y), steps=3)
        page.wait_for_timeout(120)
        positions.append(star(page))
    during = [p for p in positions if p]
    assert len(set(map(tuple, during))) >= 3, positions  # the star moved while the pen was still down
    assert page.evaluate("() => { const c = document.querySelector('.lx-pad-output');"
                         " return Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data).some((v, i) => i % 4 === 0 && v > 100); }")
    page.mouse.up()
    page.wait_for_function("() => document.body.innerText.includes('The classifier reads yours as')", timeout=30_000)
    page.wait_for_function("() => document.body.innerText.includes('Nearest training images')", timeout=30_000)
    shown = page.evaluate("() => [Number(document.querySelector('.lx-pad').dataset.z1), Number(document.querySelector('.lx-pad').dataset.z2)]")
    server = re.search(r"Code: \(([-\d.]+), ([-\d.]+)\)", page.inner_text("body"))
    assert server and math.isclose(float(server[1]), shown[0], abs_tol=2e-3) and math.isclose(float(server[2]), shown[1], abs_tol=2e-3)


SEVEN = [(90, 60), (150, 60), (200, 60), (170, 130), (145, 190), (130, 240)]
DATASET_TITLES = {"mnist": "MNIST", "fashion": "Fashion-MNIST"}
PREPARED_JS = """() => Array.from(document.querySelector('.lx-pad-input').getContext('2d')
    .getImageData(0, 0, 28, 28).data.filter((v, i) => i % 4 === 0))"""


def open_pad(page, url, dataset):
    page.goto(f"{url}/your-own-digit?dataset={dataset}")
    page.wait_for_selector(f".lx-pad[data-dataset='{dataset}'][data-live='on']", timeout=90_000)


def prepared_by_hand(page, stroke=SEVEN):
    """Clear the pad, draw `stroke` with the mouse, and read the page's prepared 28x28 input."""
    page.click(".lx-pad-clear")
    page.wait_for_function(f"() => ({PREPARED_JS})().every((v) => v === 0)")
    to_page = on_pad(page)
    page.mouse.move(*to_page(*stroke[0]))
    page.mouse.down()
    for point in stroke[1:]:
        page.mouse.move(*to_page(*point), steps=4)
    page.mouse.up()
    page.wait_for_function(f"() => ({PREPARED_JS})().some((v) => v > 0)")
    return np.array(page.evaluate(PREPARED_JS))


@pytest.mark.parametrize("first, then", [("mnist", "fashion"), ("fashion", "mnist")])
def test_after_a_switch_of_dataset_a_drawing_is_prepared_for_the_new_dataset(pad_page, first, then):
    page, url = pad_page
    open_pad(page, url, then)
    fresh = prepared_by_hand(page)  # the stroke on a page opened on `then`
    open_pad(page, url, first)
    before = prepared_by_hand(page)
    assert np.abs(before - fresh).max() > 50  # the two recipes prepare this stroke differently
    page.locator("[data-testid='stSidebar']").get_by_text(DATASET_TITLES[then], exact=True).click()
    page.wait_for_selector(f".lx-pad[data-dataset='{then}'][data-live='on']", timeout=90_000)
    after = prepared_by_hand(page)
    assert np.array_equal(after, fresh), np.abs(after - fresh).max()
