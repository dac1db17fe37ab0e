"""An address the app has no page for gets the app's own "no such page", not a page that stays blank."""
import urllib.error
import urllib.request

import pytest

from ui.no_such_page import is_unknown, page_html
from ui.site import PAGES


@pytest.mark.parametrize("path", ["/compare/extra/segments", "/etc/passwd", "/your-own-digit/x", "/a/b/c/d",
                                  "/compare/static/js/index.js", "/app/other"])
def test_addresses_of_two_or_more_parts_that_no_route_serves_are_unknown(path):
    assert is_unknown(path)


@pytest.mark.parametrize("path", ["/", "/compare", "/nosuch", "/_stcore/health", "/_stcore/stream",
                                  "/static/js/index.js", "/app/static/plotly.min.js", "/media/abc.png",
                                  "/component/x/index.html", "/compare/"])
def test_pages_and_streamlits_own_routes_pass(path):
    assert not is_unknown(path)


def test_under_a_base_path_only_the_apps_own_addresses_count():
    assert is_unknown("/course/compare/extra", base="course")
    assert not is_unknown("/course/compare", base="course")
    assert not is_unknown("/course/_stcore/health", base="course")
    assert not is_unknown("/elsewhere/a/b", base="course")


def test_the_page_shows_the_address_as_text_and_links_every_page():
    body = page_html('/x/<script>alert(1)</script>/"><a href=//evil>')
    assert "<script>alert" not in body and "<a href=//evil" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    for page in PAGES:
        assert f'<a href="/{page.url_path}">{page.title}</a>' in body
    assert 'href="/course/compare"' in page_html("/course/x/y", base="course")


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_in_the_browser_a_deep_unknown_address_gets_the_apps_page_and_its_link_opens_the_explorer(app_browser):
    page, url = app_browser
    assert status(f"{url}/compare/extra/segments") == 404
    assert status(f"{url}/compare") == 200 and status(f"{url}/_stcore/health") == 200
    for asked, shown in [("/compare/extra/segments", "/compare/extra/segments"), ("/../../etc/passwd", "/etc/passwd"),
                         ("/your-own-digit/../../etc/passwd", "/etc/passwd")]:
        page.goto(url + asked)
        page.wait_for_selector("h1:text('No such page')", timeout=10_000)
        assert f"no page at {shown}." in page.inner_text("main")
    page.get_by_role("link", name="Open the Latent Explorer").click()
    page.wait_for_selector(".lx-plot[data-ready='1']", timeout=90_000)
