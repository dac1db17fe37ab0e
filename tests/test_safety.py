"""Text from a link, a file name or a checkpoint is shown as typed: no link, image or HTML comes out of it."""
import pytest
from markdown_it import MarkdownIt

from ui.text import plain_text
from conftest import ROOT, run_script

PAGES = sorted((ROOT / "app_pages").glob("*.py"))
HOSTILE = [
    "[Log in](//127.0.0.1:9/x)",
    "![](//127.0.0.1:9/p.png)",
    "<img src=//127.0.0.1:9/p.png>",
    "http://127.0.0.1:9/x",
    ":material/warning: $x^2$ **bold**",
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
    assert shown == " ".join(text.split())
    # GFM (which Streamlit uses) also links bare addresses: nothing like one survives escaping.
    assert "http://" not in plain_text(text) and "www." not in plain_text(text)


def shown_texts(at) -> list[str]:
    return [e.value for kind in ("warning", "error", "info", "markdown", "caption") for e in getattr(at, kind)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_a_hostile_dataset_in_a_link_is_shown_as_plain_text_on_every_page(page, monkeypatch, mnist_path):
    for text in HOSTILE[:3]:
        at = run_script(page, monkeypatch, query={"dataset": text}, data_dir=mnist_path, timeout=120)
        assert not at.exception, at.exception
        warnings = [w.value for w in at.warning if "dataset" in w.value]
        assert warnings, "the unknown dataset is reported"
        for body in shown_texts(at):
            html = rendered(body)
            assert "<a " not in html and "<img" not in html, body


def test_a_hostile_point_in_the_explorers_link_is_shown_as_plain_text(monkeypatch, mnist_path):
    at = run_script(ROOT / "app_pages" / "0_Explorer.py", monkeypatch, query={"z1": "[x](//127.0.0.1:9/)", "z2": "0"},
                    data_dir=mnist_path, timeout=120)
    assert not at.exception
    warning = next(w.value for w in at.warning if "not numeric" in w.value)
    html = rendered(warning)
    assert "<a " not in html and "[x](//127.0.0.1:9/)" in html
