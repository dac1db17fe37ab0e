"""Text from a link, a file name or a checkpoint is shown as typed: no link, image or HTML comes out of it."""
import json
import re
import subprocess
from pathlib import Path

import pytest
import streamlit
from markdown_it import MarkdownIt

from ui.text import WORD_JOINER, plain_text
from conftest import ROOT, run_script, shown_text

PAGES = sorted((ROOT / "app_pages").glob("*.py"))
HOSTILE = [
    "[Log in](//127.0.0.1:9/x)",
    "![](//127.0.0.1:9/p.png)",
    "<img src=//127.0.0.1:9/p.png>",
    "http://127.0.0.1:9/x",
    ":material/warning: $x^2$ **bold**",
]
# What GitHub's autolinks turn into links even in escaped text: bare URLs, www. forms, e-mail addresses.
AUTOLINKED = [
    "http://127.0.0.1:9/x",
    "HTTPS://evil.example/login?next=1",
    "see www.evil.example now",
    "WWW.EVIL.EXAMPLE",
    "admin@evil.example",
    "[click](http://127.0.0.1:9/",
    "![](http://127.0.0.1:9/p.png",
    "x<www.evil.example>y mailto:me@evil.example",
]


def rendered(markdown: str) -> str:
    return MarkdownIt("commonmark").render(markdown)


@pytest.mark.parametrize("text", HOSTILE + ["a\\b `code` _x_ #1 |t| ~s~", "line\nbreak"])
def test_plain_text_renders_exactly_what_was_typed(text):
    html = rendered(plain_text(text))
    assert "<a " not in html and "<img" not in html and "<em>" not in html and "<strong>" not in html
    # What shows is the text itself (HTML-escaped by the renderer), line breaks as spaces.
    import html as html_module
    shown = html_module.unescape(html.removeprefix("<p>").removesuffix("</p>\n"))
    assert shown.replace(WORD_JOINER, "") == " ".join(text.split())  # the word joiners are invisible


def streamlit_autolink_patterns() -> str:
    """The autolink literal patterns of the installed Streamlit's Markdown renderer (remark-gfm's
    find-and-replace over text, run after escapes are read), as a JavaScript array expression."""
    bundle = Path(streamlit.__file__).parent / "static" / "static" / "js"
    for path in bundle.glob("StreamlitMarkdown*.js"):
        found = re.search(r"\[\[/\(https\?:.*?\]\](?=,\{ignore:)", path.read_text())
        if found:  # the handlers' minified names stand in as nothing: only the patterns are run
            return re.sub(r",[A-Za-z_$][\w$]*\]", ",0]", found[0])
    raise AssertionError("Streamlit's Markdown renderer no longer holds GFM's autolink patterns where expected")


def autolinked(texts: list[str]) -> list[bool]:
    """For each Markdown body: would Streamlit's renderer find a link in its text? (node runs the patterns.)"""
    script = (f"const patterns = {streamlit_autolink_patterns()};\n"
              "const texts = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
              "console.log(JSON.stringify(texts.map((t) => patterns.some(([p]) => "
              "{ p.lastIndex = 0; return p.test(t); }))));")
    shown = [shown_text(body, keep_invisible=True) for body in texts]
    result = subprocess.run(["node", "-e", script], input=json.dumps(shown), capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_no_bare_url_www_form_or_email_address_becomes_a_link():
    # The oracle is live: the raw texts (and the old escaping alone) are linked by Streamlit's patterns...
    escaped_only = [re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", t) for t in AUTOLINKED]
    assert all(autolinked(AUTOLINKED)) and all(autolinked(escaped_only))
    # ...and nothing plain_text gives them is.
    assert not any(autolinked([plain_text(t) for t in AUTOLINKED + HOSTILE]))
    for text in AUTOLINKED:
        assert shown_text(plain_text(text)) == text


# A picture the app itself draws (ui.images): an inline PNG, never an address, its alt text escaped.
APP_PICTURE = re.compile(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="[^"<>]*" style="[^"<>]*">')


def shown_texts(at) -> list[str]:
    return [e.value for kind in ("warning", "error", "info", "markdown", "caption") for e in getattr(at, kind)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_a_hostile_dataset_in_a_link_is_shown_as_plain_text_on_every_page(page, monkeypatch, mnist_path):
    for text in ["[Log in](//127.0.0.1:9/x)", "<img src=//127.0.0.1:9/p.png> www.evil.example",
                 "![](http://127.0.0.1:9/p.png) me@evil.example"]:
        at = run_script(page, monkeypatch, query={"dataset": text}, data_dir=mnist_path, timeout=120)
        assert not at.exception, at.exception
        warnings = [w.value for w in at.warning if "dataset" in w.value]
        assert warnings, "the unknown dataset is reported"
        bodies = shown_texts(at)
        for body in bodies:
            html = APP_PICTURE.sub("", rendered(body))  # the app's own pictures: inline PNG, escaped alt text
            assert "<a " not in html and "<img" not in html, body
        assert not any(autolinked(bodies)), [b for b, linked in zip(bodies, autolinked(bodies)) if linked]


def test_a_hostile_point_in_the_explorers_link_is_shown_as_plain_text(monkeypatch, mnist_path):
    at = run_script(ROOT / "app_pages" / "0_Explorer.py", monkeypatch, query={"z1": "[x](//127.0.0.1:9/)", "z2": "0"},
                    data_dir=mnist_path, timeout=120)
    assert not at.exception
    warning = next(w.value for w in at.warning if "not numeric" in w.value)
    html = rendered(warning)
    assert "<a " not in html and "[x](//127.0.0.1:9/)" in html


@pytest.mark.parametrize("where, param", [("", "dataset"), ("/latent-grid", "checkpoint"), ("/your-own-digit", "dataset")])
def test_in_the_browser_no_text_from_a_link_becomes_a_link(app_browser, where, param):
    from urllib.parse import quote

    page, url = app_browser
    for text in ["http://127.0.0.1:9/x", "www.evil.example", "me@evil.example", "[click](http://127.0.0.1:9/"]:
        page.goto(f"{url}{where}?{param}={quote(text, safe='')}")
        alert = page.locator("[data-testid='stAlert']").filter(has_text="The link asks for").first
        alert.wait_for(timeout=90_000)
        assert alert.locator("a").count() == 0, (where, text, alert.inner_html())
        assert repr(text) in alert.inner_text().replace(WORD_JOINER, ""), (where, text)
