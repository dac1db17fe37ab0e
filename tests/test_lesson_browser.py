"""A lesson in Chromium as a teacher presents it: a presenter remote's keys (PageDown, PageUp, the
arrows) step through it, not while the plot or a field has them; a lesson step meets WCAG 2.1 AA."""
import pytest

from conftest import PROJECTOR, serious_violations, settled


@pytest.fixture(scope="module")
def lesson_page(app_browser, chromium):
    """A fresh tab (its own session) at a projector's size on the tests' app server."""
    _, url = app_browser
    page = chromium.new_page(viewport=PROJECTOR)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page, url, errors
    page.close()


def bar(page) -> str:
    return page.locator(".st-key-lx_lesson_bar").inner_text()


def wait_for_step(page, number: int, heading: str) -> None:
    page.wait_for_function("([n, h]) => { const bar = document.querySelector('.st-key-lx_lesson_bar');"
                           " const title = document.querySelector('h1');"
                           " return bar && bar.innerText.includes(`step ${n} of 10`) && title && title.innerText.includes(h); }",
                           arg=[number, heading], timeout=90_000, polling=100)
    settled(page)
    page.wait_for_selector("[data-lesson-keys='on']", state="attached", timeout=30_000)


def test_a_presenter_remote_steps_through_the_shipped_lesson(lesson_page):
    page, url, errors = lesson_page
    page.goto(f"{url}/?lesson=chapter3")
    wait_for_step(page, 1, "Latent Explorer")
    assert "Chapter 3 in ten steps" in bar(page)
    page.keyboard.press("PageDown")
    wait_for_step(page, 2, "Reconstructions")
    assert "/reconstructions" in page.url and "step=2" in page.url
    page.wait_for_function("() => /error per pixel on the test set: 0\\.0\\d{3}/.test("
                           "document.querySelector('.st-key-lx_lesson_bar').innerText)", timeout=90_000)
    page.keyboard.press("PageUp")
    wait_for_step(page, 1, "Latent Explorer")
    page.keyboard.press("ArrowRight")
    wait_for_step(page, 2, "Reconstructions")
    page.keyboard.press("ArrowRight")
    wait_for_step(page, 3, "Latent Explorer")
    # The step's point is fixed: its decoding and the real 7 behind the dot are on screen.
    page.wait_for_selector("figure.lx-original img", timeout=60_000)
    assert "2.020, 2.984" in page.locator("figure.lx-decoded figcaption").inner_text()

    # The arrows belong to the plot while it has focus; PageDown still steps.
    page.locator(".lx-plot").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.lx-live').dataset.source === 'Under the cursor'",
                           timeout=15_000)
    assert "step 3 of 10" in bar(page)
    # ... and typing in a field does not step either.
    page.locator("[data-testid=stSidebar] summary").filter(has_text="Lesson").click()  # the lesson tools
    caption = page.get_by_placeholder("What should the class look at here?")
    caption.click()
    caption.type("ab")
    page.keyboard.press("ArrowLeft")
    assert "step 3 of 10" in bar(page)
    page.locator("h1").first.click()  # out of the field, as a teacher clicks elsewhere
    page.keyboard.press("PageDown")
    wait_for_step(page, 4, "Latent Explorer")
    assert errors == []


def test_a_lesson_step_has_no_serious_or_critical_wcag_violation(lesson_page, axe_source):
    page, url, _ = lesson_page
    page.goto(f"{url}/?lesson=chapter3&step=4")
    wait_for_step(page, 4, "Latent Explorer")
    page.wait_for_selector("figure.lx-neighbour img", timeout=60_000)
    assert serious_violations(page, axe_source) == []


def plot_range(page) -> list[float]:
    return page.evaluate("() => JSON.parse(document.querySelector('.lx-plot').dataset.range)")


def test_a_step_keeps_the_plots_zoom_and_its_open_panels(app_browser, chromium):
    """Made in the page: zoom into the plot, open a panel, add the view; zoom out, close it, add
    again; stepping back restores the zoom and the open panel."""
    _, url = app_browser
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(url)
        page.wait_for_selector(".lx-plot[data-ready='1']", timeout=90_000)
        settled(page)
        whole = plot_range(page)
        box = page.locator(".lx-plot .nsewdrag").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.55, steps=8)
        page.mouse.up()
        page.wait_for_function("(w) => { const r = JSON.parse(document.querySelector('.lx-plot').dataset.range);"
                               " return r[1] - r[0] < 0.6 * (w[1] - w[0]); }", arg=whole, timeout=15_000)
        zoomed = plot_range(page)
        page.get_by_text("What am I looking at?").click()
        page.wait_for_selector("text=squeezes each 28x28 image", timeout=15_000)
        page.wait_for_timeout(500)  # the panel's rerun (it is part of the view) has been sent
        settled(page)
        page.locator("[data-testid=stSidebar] summary").filter(has_text="Lesson").click()
        page.get_by_role("button", name="Add this view to the lesson").click()
        page.wait_for_selector("text=step 1 of 1", timeout=30_000)
        settled(page)

        page.locator(".lx-plot .nsewdrag").first.dblclick(position={"x": 40, "y": 40})  # back to the whole plane
        page.wait_for_function("(z) => { const r = JSON.parse(document.querySelector('.lx-plot').dataset.range);"
                               " return r[1] - r[0] > 1.5 * (z[1] - z[0]); }", arg=zoomed, timeout=15_000)
        page.get_by_text("What am I looking at?").click()
        page.wait_for_selector("text=squeezes each 28x28 image", state="hidden", timeout=15_000)
        page.wait_for_timeout(500)
        settled(page)
        page.get_by_role("button", name="Add this view to the lesson").click()
        page.wait_for_selector("text=step 2 of 2", timeout=30_000)
        settled(page)

        page.locator("h1").first.click()
        page.keyboard.press("PageUp")
        page.wait_for_selector("text=step 1 of 2", timeout=60_000)
        page.wait_for_function("(z) => { const r = JSON.parse(document.querySelector('.lx-plot').dataset.range);"
                               " return r.every((v, i) => Math.abs(v - z[i]) < 1e-3 * (z[1] - z[0])); }",
                               arg=zoomed, timeout=30_000)
        page.wait_for_selector("text=squeezes each 28x28 image", timeout=15_000)  # the panel is open again
    finally:
        page.close()
