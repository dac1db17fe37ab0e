"""The explorer in a real headless Chromium: clicks on empty space and on clusters decode where they land."""
import urllib.parse

import numpy as np
import pytest

import ae
from app_harness import (caption_point, decoded_caption, decoded_captions, hover_then_click, plot_area, to_data,
                        to_pixels, wait_for_new_caption, wait_for_new_captions, zoom_out_beyond)
from conftest import SHIPPED, settled

@pytest.fixture(scope="module")
def browser_page(app_browser):
    return app_browser


def targets():
    """A spot deep in an empty gap and a spot in the middle of the 1s, as fractions of the plot box."""
    ckpt = ae.load_checkpoint(SHIPPED)
    index = ae.LatentIndex(ckpt.train_codes, ckpt.train_labels)
    ones = ckpt.test_codes[ckpt.test_labels == 1]
    cluster = ones[np.argmin(np.linalg.norm(ones - np.median(ones, axis=0), axis=1))]
    return index, tuple(cluster)


def click_and_read(page, px, py, seen=()):
    """Click (px, py); the point the plot says it is at, the point the caption then shows, the plot's span.
    `seen`: the captions of this test's earlier clicks, which the server's answer must differ from (the
    caption read just before the click can be a rerun's passing state rather than the last answer)."""
    area = plot_area(page)
    expected = to_data(area, px, py)
    previous = decoded_caption(page)
    page.mouse.click(float(px), float(py))
    caption = wait_for_new_caption(page, [previous, *seen])
    span = (area["x"][1] - area["x"][0], area["y"][1] - area["y"][0])
    return expected, caption_point(caption), span, caption


def test_clicks_in_a_gap_and_on_a_cluster_decode_where_they_land(browser_page):
    page, url = browser_page
    page.goto(url)
    page.wait_for_selector(".lx-plot[data-ready='1']", timeout=60_000)
    settled(page)  # the whole page drawn: nothing moves the plot between reading its place and clicking
    index, cluster = targets()
    area = plot_area(page)
    # The emptiest spot of a grid over the inner part of the plot: a gap by the measure itself.
    fx, fy = np.meshgrid(np.linspace(0.1, 0.9, 25), np.linspace(0.1, 0.9, 25))
    pixels = np.c_[area["left"] + fx.ravel() * area["width"], area["top"] + fy.ravel() * area["height"]]
    data = np.array([to_data(area, *p) for p in pixels])
    gaps = index.gap(data)
    gap_pixel = pixels[np.argmax(gaps)]
    assert gaps.max() > index.edge, "the plot has an empty region to click"

    seen = []
    for target, where in ((gap_pixel, "gap"), (cluster, "cluster")):
        # The cluster's pixel from the plot as it is now (after the first click's rerun), not as it was.
        px, py = target if where == "gap" else to_pixels(plot_area(page), *target)
        expected, shown, span, caption = click_and_read(page, px, py, seen)
        seen.append(caption)
        assert abs(shown[0] - expected[0]) <= 0.01 * span[0], where
        assert abs(shown[1] - expected[1]) <= 0.01 * span[1], where
        words = "In a gap" if where == "gap" else "the 1s"
        page.wait_for_function("(w) => document.body.innerText.includes(w)", arg=words, timeout=10_000)
        query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
        assert abs(float(query["z1"][0]) - shown[0]) < 1e-3 and abs(float(query["z2"][0]) - shown[1]) < 1e-3
        settled(page)  # the click's rerun is over before the next click is aimed
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


def test_after_a_switch_of_checkpoint_the_kept_point_is_decoded_by_the_new_model(browser_page):
    """The in-page panel must not go on showing the previous model's image and numbers for the point."""
    page, url = browser_page
    page.goto(f"{url}/?checkpoint=mnist_ae_z2.pt&z1=2&z2=-3")
    page.wait_for_selector(".lx-wrap[data-live='on'] .lx-plot[data-ready='1']", timeout=60_000)
    gaps = {}
    for name in ("mnist_ae_z2.pt", "mnist_vae_z2.pt"):
        ckpt = ae.load_checkpoint(SHIPPED.with_name(name))
        gaps[name] = f"gap measure {ae.LatentIndex(ckpt.train_codes, ckpt.train_labels).gap([[2.0, -3.0]])[0]:.1f}"
    assert gaps["mnist_ae_z2.pt"] != gaps["mnist_vae_z2.pt"]
    live_gap = "() => document.querySelector('.lx-live-gap').textContent"
    page.wait_for_function(f"(want) => ({live_gap})() === want", arg=gaps["mnist_ae_z2.pt"], timeout=30_000)
    page.locator("[data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="mnist_vae_z2.pt").click()
    # The VAE's codes reach (2, -3) too, so the point stays; the panel must follow the new model.
    page.wait_for_function(f"(want) => ({live_gap})() === want", arg=gaps["mnist_vae_z2.pt"], timeout=60_000)
    assert page.evaluate("() => document.querySelector('.lx-live-z').textContent") == "z = (2.000, -3.000)"


def drag_zoom(page, half: float):
    """Zoom as a user does: drag plotly's zoom box from (-half, half) to (half, -half)."""
    area = plot_area(page)
    (x0, y0), (x1, y1) = to_pixels(area, -half, half), to_pixels(area, half, -half)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=10)
    page.mouse.up()
    # The plot's own handlers write the range it shows (they were once lost when a second plotly.js,
    # Streamlit's, redrew the plot).
    page.wait_for_function("(h) => { const r = JSON.parse(document.querySelector('.lx-plot').dataset.range || '[0,0,0,0]');"
                           " return Math.abs(Math.min(r[1] - r[0], r[3] - r[2]) - 2 * h) < 0.1; }", arg=half, timeout=10_000)
    # A user's pause: plotly counts a press within doubleClickDelay of the drag's release as a double
    # click, which resets the zoom.
    page.wait_for_timeout(page.evaluate("() => document.querySelector('.lx-plot')._context.doubleClickDelay") + 100)


def zoomed(browser_page, half: float, page=None):
    """The explorer, freshly opened and zoomed by a drag of the zoom box to [-half, half] on both axes."""
    own_page, url = browser_page
    page = page or own_page
    page.goto(url)
    page.wait_for_selector(".lx-plot[data-ready='1']", timeout=60_000)
    # Zoom once the script has finished its run: a redraw still under way would draw its own range.
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidgetRunningIcon]')", timeout=60_000)
    drag_zoom(page, half)
    area = plot_area(page)
    # Equal axis scales widen one of the two ranges to the plot's shape; the zoom is what was dragged.
    assert min(area["x"][1] - area["x"][0], area["y"][1] - area["y"][0]) == pytest.approx(2 * half, abs=0.1)
    return page, area


def test_the_scatter_keeps_its_own_plotly_whatever_the_page_calls_plotly(browser_page):
    # Streamlit's chart bundle sets window.Plotly to its own copy; a plot redrawn by a second copy lost
    # its handlers (zoom memory, overlays). Here a decoy stands in window.Plotly before the page loads:
    # the scatter must draw, zoom and click with the copy it loaded, and leave no global of its own.
    own_page, _ = browser_page
    page = own_page.context.browser.new_page(viewport=own_page.viewport_size)
    page.add_init_script("window.Plotly = { decoy: true, react() { throw new Error('the decoy was used'); } };")
    try:
        page, area = zoomed(browser_page, 2.5, page=page)
        assert page.evaluate("() => !('moduleName' in window)")
        click_and_read(page, area["left"] + area["width"] / 2, area["top"] + area["height"] / 2)
        assert "could not be drawn" not in page.inner_text(".lx-wrap")
    finally:
        page.close()


def test_zoom_survives_a_click(browser_page):
    page, area = zoomed(browser_page, 2)
    click_and_read(page, area["left"] + area["width"] / 2, area["top"] + area["height"] / 2)
    page.wait_for_timeout(300)
    after = plot_area(page)
    assert after["x"] == pytest.approx(area["x"], abs=0.05) and after["y"] == pytest.approx(area["y"], abs=0.05)


def test_the_one_reading_of_plotly_internals_matches_the_drawn_axes(browser_page):
    # plotGeometry is the component's only use of plotly.js internals; every click, hover, marker and
    # arrow goes through it (and the ranges it writes on the plot, which plot_area reads). Oracle: where
    # plotly drew its tick labels, after a zoom by the zoom box. If a plotly release moves those internals, this fails before a click lands wrong.
    page, area = zoomed(browser_page, 3)
    ticks = page.evaluate("""() => ['xtick', 'ytick'].map(kind => [...document.querySelectorAll(`.lx-plot .${kind} text`)]
        .map(t => { const r = t.getBoundingClientRect();
                    return [Number(t.textContent.replace('\u2212', '-')), (r.left + r.right) / 2, (r.top + r.bottom) / 2]; }))""")
    xticks, yticks = ticks
    assert len(xticks) >= 3 and len(yticks) >= 3, ticks
    for value, cx, _ in xticks:  # a tick label is centred under its value
        assert to_pixels(area, value, area["y"][0])[0] == pytest.approx(cx, abs=1.5)
    for value, _, cy in yticks:  # ... and beside it
        assert to_pixels(area, area["x"][0], value)[1] == pytest.approx(cy, abs=1.5)


BOTH_READY = "() => document.querySelectorAll(\".lx-plot[data-ready='1']\").length === 2"


@pytest.mark.parametrize("pair", [("mnist_ae_z2.pt", "mnist_vae_z2.pt"), ("mnist_ae_z10.pt", "mnist_ae_z2.pt")],
                         ids=["ae-beside-vae", "z10-plane-beside-z2"])
def test_compare_page_a_click_on_either_scatter_decodes_the_same_spot_in_both(browser_page, pair):
    page, url = browser_page
    page.goto(f"{url}/compare?left={pair[0]}&right={pair[1]}")
    page.wait_for_function(BOTH_READY, timeout=90_000)
    # Clicks during the first run (which measures the limits table) wait for it; start once it is drawn.
    page.wait_for_selector("[data-testid='stTable']", timeout=90_000)
    header = page.evaluate("() => [...document.querySelectorAll('[data-testid=stTable] th')].map(t => t.textContent)")
    assert pair[0] in header and pair[1] in header
    boxes = [ae.latent.bounding_box(ae.plane_checkpoint(ae.load_checkpoint(SHIPPED.with_name(n))).test_codes, margin=0.0)
             for n in pair]
    previous = decoded_captions(page)
    assert previous == []
    for nth, (fx, fy) in ((0, (0.3, 0.25)), (1, (0.7, 0.6))):  # the left scatter, then the right
        area = plot_area(page, nth)
        px, py = area["left"] + fx * area["width"], area["top"] + fy * area["height"]
        clicked = ae.latent.to_relative(to_data(area, px, py), boxes[nth])
        page.mouse.click(px, py)
        previous = wait_for_new_captions(page, previous or ["", ""], 2)
        for caption, box in zip(previous, boxes):
            shown = ae.latent.to_relative(caption_point(caption), box)
            assert shown == pytest.approx(clicked, abs=0.01), (nth, caption)
        # Both plots mark the spot they decode.
        assert page.evaluate("() => [...document.querySelectorAll('.lx-marker')]"
                             ".filter(m => getComputedStyle(m).display === 'block').length") == 2


def test_compare_page_opens_on_fashion_from_the_link(browser_page):
    page, url = browser_page
    page.goto(f"{url}/compare?dataset=fashion")
    page.wait_for_function(BOTH_READY, timeout=90_000)
    page.wait_for_function("() => document.body.innerText.includes('fashion_vae_z2.pt')", timeout=20_000)
    assert "dataset=fashion" in page.url
    legend = page.evaluate("() => [...document.querySelectorAll('.lx-plot .legendtext')].map(t => t.textContent)")
    assert "Sneaker" in legend and "Ankle boot" in legend


def test_no_request_leaves_the_machine(browser_page):
    # The tab's icon, plotly.js, the web model: all from the app's own server (no CDN, no font host).
    page, url = browser_page
    context = page.context.browser.new_context()
    try:
        fresh = context.new_page()
        outside = []
        fresh.on("request", lambda r: outside.append(r.url)
                 if not r.url.startswith((url, "data:", "blob:")) else None)
        for path in ("/", "/compare", "/your-own-digit"):
            fresh.goto(url + path)
            fresh.wait_for_selector("h1", timeout=60_000)
            fresh.wait_for_timeout(1500)
        assert outside == []
    finally:
        context.close()


@pytest.mark.parametrize("path, plots", [("/compare", 2), ("/interpolation", 1)])
def test_a_link_to_a_page_works_for_a_fresh_servers_first_visitor(path, plots, mnist_path, browser_page):
    # A teacher starts the app and sends /compare to the class: the first visitor of that server
    # gets the page without a "Page not found" notice, and the first click decodes.
    from app_harness import running_app

    with running_app(env={"AE_DATA_DIR": str(mnist_path)}) as (url, _):
        context = browser_page[0].context.browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            page.goto(url + path)
            page.wait_for_function(f"() => document.querySelectorAll(\".lx-plot[data-ready='1']\").length === {plots}",
                                   timeout=90_000)
            page.wait_for_timeout(1000)
            assert "Page not found" not in page.inner_text("body")
            area = plot_area(page)
            before = page.evaluate("() => document.body.innerText")
            page.mouse.click(area["left"] + 0.4 * area["width"], area["top"] + 0.4 * area["height"])
            if path == "/compare":
                assert len(wait_for_new_captions(page, ["", ""], 2)) == 2
            else:
                page.wait_for_function("() => document.body.innerText.includes('First point')", timeout=20_000)
            assert page.evaluate("() => document.body.innerText") != before
        finally:
            context.close()


def test_a_click_right_on_a_dot_shows_that_test_image_beside_the_decoding_of_its_code(browser_page):
    page, url = browser_page
    page.goto(url)
    page.wait_for_selector(".lx-plot[data-ready='1']", timeout=60_000)
    ckpt = ae.load_checkpoint(SHIPPED)
    codes = ckpt.test_codes
    # A dot well apart from every other, so the click lands on it and on nothing else.
    lonely = int(np.argmax([np.sort(np.linalg.norm(codes - c, axis=1))[1] for c in codes[:2000]]))
    area = plot_area(page)
    px, py = to_pixels(area, *codes[lonely])
    previous = decoded_caption(page)
    page.mouse.click(round(float(px)), round(float(py)))
    shown = caption_point(wait_for_new_caption(page, previous))
    assert shown == pytest.approx(tuple(codes[lonely]), abs=1e-3)  # its exact code, not the cursor's
    label = ae.class_names("mnist")[int(ckpt.test_labels[lonely])]
    page.wait_for_function("(t) => document.body.innerText.includes(t)",
                           arg=f"the dot you clicked: test image #{lonely} ({label})", timeout=10_000)


def test_on_a_1280x720_projector_the_plot_the_image_and_the_gap_measure_fit_one_screen(browser_page):
    page, url = browser_page
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        small = context.new_page()
        small.goto(f"{url}/?z1=0.5&z2=8")
        small.wait_for_selector(".lx-plot[data-ready='1']", timeout=60_000)
        small.wait_for_selector("figure.lx-decoded img", timeout=30_000)
        small.wait_for_selector("[data-testid='stMetricValue']", timeout=30_000)
        bottoms = small.evaluate("""() => [
            document.querySelector('.lx-plot .nsewdrag').getBoundingClientRect().bottom,
            document.querySelector('figure.lx-decoded img').getBoundingClientRect().bottom,
            document.querySelector("[data-testid='stMetricValue']").getBoundingClientRect().bottom]""")
        assert max(bottoms) <= 720, bottoms
        assert not small.get_by_text("Deploy", exact=True).count()
    finally:
        context.close()


def contrast(rgb_a, rgb_b) -> float:
    """WCAG 2.1's contrast ratio of two sRGB colours."""
    def luminance(rgb):
        c = [v / 255 for v in rgb]
        c = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    light, dark = sorted((luminance(rgb_a), luminance(rgb_b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_captions_meet_wcag_aa_contrast(browser_page):
    # Streamlit fades captions from the theme's text colour (.streamlit/config.toml): AA asks 4.5:1.
    # The Train page has plain st.caption text under its title and in its form.
    page, url = browser_page
    page.goto(url + "/train")
    page.wait_for_selector("text=Open your own model", timeout=60_000)
    colours = page.evaluate("""() => {
        const rgba = (s) => { const v = s.match(/[0-9.]+/g).map(Number); return v.length > 3 ? v : [...v, 1]; };
        const behind = (el) => {  // the first opaque background under an element
            for (let e = el; e; e = e.parentElement) {
                const c = rgba(getComputedStyle(e).backgroundColor);
                if (c[3] > 0.99) return c.slice(0, 3);
            }
            return [255, 255, 255];
        };
        return [...document.querySelectorAll('[data-testid=stCaptionContainer] p')]
            .map(p => { const [r, g, b, alpha] = rgba(getComputedStyle(p).color), back = behind(p);
                        // translucent text (Streamlit fades captions by the container's opacity) is seen
                        // mixed with what lies behind it
                        let a = alpha;
                        for (let e = p; e; e = e.parentElement) a *= Number(getComputedStyle(e).opacity);
                        return [p.textContent.slice(0, 40), [r, g, b].map((v, i) => a * v + (1 - a) * back[i]), back]; }); }""")
    assert colours, "the explorer shows captions"
    for text, colour, back in colours:
        assert contrast(colour, back) >= 4.5, (text, colour, back)


def test_a_click_far_outside_the_model_is_refused_in_the_page_as_on_the_server(browser_page):
    # The plot zoomed far out by the wheel: a click at its corner lies outside the accepted box. The
    # page must not fix and show that point's decoding while the server says the click was ignored.
    page, url = browser_page
    page.goto(url)
    page.wait_for_selector(".lx-plot[data-ready='1']", timeout=60_000)
    settled(page)
    accepted = ae.boxes.Boxes.of(ae.load_checkpoint(SHIPPED).test_codes).accepted
    corner = zoom_out_beyond(page, accepted)
    settled(page)
    assert not ae.boxes.inside(to_data(plot_area(page), *corner), accepted)
    hover_then_click(page, *corner)
    page.wait_for_selector("text=lies far outside this latent space", timeout=20_000)
    settled(page)
    assert "so it was ignored" in page.inner_text("[data-testid=stAlert]")
    # No point is fixed, in the page as on the server: no decoding, no "Clicked point" beside the plot.
    assert decoded_caption(page) is None
    assert page.inner_text(".lx-live-title") != "Clicked point"

