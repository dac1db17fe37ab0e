"""The explorer in a real headless Chromium: clicks on empty space and on clusters decode where they land."""
import os
import urllib.parse

import numpy as np
import pytest

import ae
from app_server import (caption_point, chromium_available, chromium_page, decoded_caption, plot_area,
                        running_app, to_data, to_pixels, wait_for_new_caption)
from conftest import SHIPPED

@pytest.fixture(scope="module")
def browser_page(mnist_path):
    if not chromium_available():
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed")
    with running_app(env={"AE_DATA_DIR": str(mnist_path)}) as (url, _), chromium_page() as page:
        page.goto(url)
        page.wait_for_selector(".lx-plot[data-ready='1']", timeout=90_000)
        yield page, url


def targets():
    """A spot deep in an empty gap and a spot in the middle of the 1s, as fractions of the plot box."""
    ckpt = ae.load_checkpoint(SHIPPED)
    index = ae.LatentIndex(ckpt.train_codes, ckpt.train_labels)
    ones = ckpt.test_codes[ckpt.test_labels == 1]
    cluster = ones[np.argmin(np.linalg.norm(ones - np.median(ones, axis=0), axis=1))]
    return index, tuple(cluster)


def click_and_read(page, px, py):
    area = plot_area(page)
    expected = to_data(area, px, py)
    previous = decoded_caption(page)
    page.mouse.click(float(px), float(py))
    shown = caption_point(wait_for_new_caption(page, previous))
    span = (area["x"][1] - area["x"][0], area["y"][1] - area["y"][0])
    return expected, shown, span


def test_clicks_in_a_gap_and_on_a_cluster_decode_where_they_land(browser_page):
    page, _ = browser_page
    index, cluster = targets()
    area = plot_area(page)
    # The emptiest spot of a grid over the inner part of the plot: a gap by the measure itself.
    fx, fy = np.meshgrid(np.linspace(0.1, 0.9, 25), np.linspace(0.1, 0.9, 25))
    pixels = np.c_[area["left"] + fx.ravel() * area["width"], area["top"] + fy.ravel() * area["height"]]
    data = np.array([to_data(area, *p) for p in pixels])
    gaps = index.gap(data)
    gap_pixel = pixels[np.argmax(gaps)]
    assert gaps.max() > index.edge, "the plot has an empty region to click"

    for (px, py), where in ((gap_pixel, "gap"), (to_pixels(area, *cluster), "cluster")):
        expected, shown, span = click_and_read(page, px, py)
        assert abs(shown[0] - expected[0]) <= 0.01 * span[0], where
        assert abs(shown[1] - expected[1]) <= 0.01 * span[1], where
        words = "In a gap" if where == "gap" else "the 1s"
        page.wait_for_function("(w) => document.body.innerText.includes(w)", arg=words, timeout=10_000)
        query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
        assert abs(float(query["z1"][0]) - shown[0]) < 1e-3 and abs(float(query["z2"][0]) - shown[1]) < 1e-3
    # The decoded image is really an image in the page: the 28x28 decoding, drawn enlarged.
    page.wait_for_function("() => [...document.querySelectorAll('figure.lx-decoded img')].some("
                           "i => i.complete && i.naturalWidth === 28 && i.getBoundingClientRect().width >= 200 && "
                           "getComputedStyle(i).objectFit === 'fill')", timeout=10_000)  # drawn to fill its box


def test_a_shared_link_opens_on_its_point_and_marks_it(browser_page):
    page, url = browser_page
    page.goto(f"{url}/?z1=1.5&z2=-2.25")
    page.wait_for_selector(".lx-plot[data-ready='1']", timeout=60_000)
    assert caption_point(wait_for_new_caption(page, None)) == (1.5, -2.25)
    box = page.evaluate("() => { const m = document.querySelector('.lx-marker');"
                        " const r = m.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2,"
                        " getComputedStyle(m).display]; }")
    expected = to_pixels(plot_area(page), 1.5, -2.25)
    assert box[2] == "block"
    assert abs(box[0] - expected[0]) < 3 and abs(box[1] - expected[1]) < 3


def test_zoom_survives_a_click(browser_page):
    page, url = browser_page
    page.goto(url)
    page.wait_for_selector(".lx-plot[data-ready='1']", timeout=60_000)
    page.evaluate("() => window.Plotly.relayout(document.querySelector('.lx-plot'),"
                  " {'xaxis.range': [-2, 2], 'yaxis.range': [-2, 2]})")
    area = plot_area(page)
    click_and_read(page, area["left"] + area["width"] / 2, area["top"] + area["height"] / 2)
    page.wait_for_timeout(300)
    after = plot_area(page)
    assert after["x"] == pytest.approx([-2, 2], abs=0.5) and after["y"] == pytest.approx([-2, 2], abs=0.5)
