"""WCAG 2.1 AA in a real Chromium: axe-core (Deque's engine, the npm package) on every page, and the
explorer used by keyboard alone, as a screen-reader user would (focus, move, fix, hear the place)."""
import pytest

from app_harness import caption_point, decoded_caption, wait_for_new_caption
from conftest import PROJECTOR, serious_violations, settled
from ui.site import PAGES

@pytest.fixture(scope="module")
def projector_page(app_browser, chromium):
    """A second tab on the tests' app server, the size of a 1280x720 projector."""
    _, url = app_browser
    page = chromium.new_page(viewport=PROJECTOR)
    yield page, url
    page.close()


@pytest.mark.parametrize("page_path", [page.url_path for page in PAGES])
def test_every_page_has_no_serious_or_critical_wcag_violation(projector_page, axe_source, page_path):
    page, url = projector_page
    page.goto(f"{url}/{page_path}")
    settled(page)
    assert serious_violations(page, axe_source) == []


def test_the_explorer_after_a_click_has_no_serious_or_critical_wcag_violation(projector_page, axe_source):
    page, url = projector_page
    page.goto(f"{url}/?z1=0.5&z2=-1.0")
    settled(page)
    wait_for_new_caption(page, None)
    page.wait_for_selector("figure.lx-neighbour img", timeout=30_000)  # the whole panel, nearest images too
    assert serious_violations(page, axe_source) == []


def test_the_explorer_by_keyboard_alone(projector_page):
    """Tab to the plot, move the point with the arrows, fix it with Enter, hear its place; no mouse."""
    page, url = projector_page
    page.add_init_script("window.__lxPointer = 0; for (const type of ['pointerdown', 'mousedown', 'click']) "
                         "addEventListener(type, (e) => { if (e.isTrusted) window.__lxPointer += 1; }, true);")
    page.goto(url)
    page.wait_for_selector(".lx-plot[data-ready='1']", timeout=90_000)
    settled(page)
    for _ in range(120):  # every control before the plot is a Tab stop; the plot is one too
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('lx-plot')"):
            break
    else:
        pytest.fail("Tab never reached the plot")
    plot = page.locator(".lx-plot")
    name = plot.get_attribute("aria-label")  # what it shows, then how to use it
    assert name.startswith("Latent space plot of 10,000 codes") and "(0: 980, 1: 1,135," in name
    assert "Arrow keys move a point" in name
    ring = page.evaluate("() => { const s = getComputedStyle(document.activeElement, '::after');"
                         " return [s.borderTopStyle, s.borderTopWidth, s.position]; }")
    assert ring == ["solid", "3px", "absolute"]  # a visible focus ring, over the plot

    page.keyboard.press("ArrowRight")
    first = page.wait_for_function("() => { const p = document.querySelector('.lx-live');"
                                   " return p.dataset.source === 'Under the cursor' && [+p.dataset.z1, +p.dataset.z2]; }",
                                   timeout=15_000).json_value()
    view = page.evaluate("() => JSON.parse(document.querySelector('.lx-plot').dataset.range)")
    span = view[1] - view[0]
    for key in ("ArrowRight", "ArrowRight", "Shift+ArrowUp"):
        page.keyboard.press(key)
    moved = [first[0] + 2 * span / 50, first[1] + (view[3] - view[2]) / 10]
    page.wait_for_function("(z) => { const p = document.querySelector('.lx-live');"
                           " return Math.abs(p.dataset.z1 - z[0]) < 1e-6 && Math.abs(p.dataset.z2 - z[1]) < 1e-6; }",
                           arg=moved, timeout=15_000)
    # The keyboard's cursor is drawn, and the place is said once the keys rest.
    assert page.evaluate("() => getComputedStyle(document.querySelector('.lx-hover')).display") == "block"
    said = page.wait_for_function("() => { const t = document.querySelector('.lx-announce').textContent;"
                                  " return t.includes('gap measure') && t; }", timeout=10_000).json_value()
    assert said.startswith(f"Under the cursor: decoding of ({moved[0]:.3f}, {moved[1]:.3f})")
    assert page.get_attribute(".lx-live-image", "aria-label") == said  # the image's text alternative

    before = decoded_caption(page)
    page.keyboard.press("Enter")
    fixed = caption_point(wait_for_new_caption(page, before))  # the server's panel, as after a click
    assert abs(fixed[0] - moved[0]) < 1e-3 and abs(fixed[1] - moved[1]) < 1e-3
    page.wait_for_function("() => document.querySelector('.lx-announce').textContent.startsWith('Clicked point: decoding of')",
                           timeout=10_000)
    page.wait_for_function("() => document.querySelector('figure.lx-decoded img').alt.includes('gap measure')")

    page.keyboard.press("Escape")
    assert page.evaluate("() => !document.activeElement.classList.contains('lx-plot')")
    assert page.evaluate("() => window.__lxPointer") == 0
