"""The app's Streamlit components, mounted from components/ (the JavaScript shared with the static
site): the clickable latent scatter with its live preview, the drawing pad and a lesson's keys. All are
one bundle (`components.bundle("streamlit")`), so the parts of one page share its models and its group bus.

Imports no torch (only the library's torch-free `ae.files`): `preload()` can then run at the very top
of a page and have the browser fetch and compile plotly.js while Python is still importing torch and
loading the model.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import streamlit as st

import components
from ae.files import write_atomically

ROOT = Path(__file__).resolve().parent.parent
# Streamlit serves ROOT/static at app/static (server.enableStaticServing); the scatter fetches
# plotly.js and its point payloads from there, once per page, instead of with every rerun.
STATIC_DIR = ROOT / "static"
STATIC_URL = "app/static"
# The browser tab's icon, a local file: a material-icon page icon is fetched from a font CDN.
PAGE_ICON = str(ROOT / "assets" / "icon.png")
# What the app's pages say when the model cannot run in the browser.
SERVER_DECODES = "; clicks are decoded by the server"
SERVER_READS = "; the server reads your drawing when you lift the pen"

# One source for both: Streamlit gives identical sources one module, so the two share its scope.
_JS = components.bundle("streamlit", "module")
scatter = st.components.v2.component(
    "latent_explorer.scatter", html="", css=components.css("latent_scatter"), js=_JS,
    isolate_styles=False,  # plotly.js puts its stylesheet in the document head
)
pad = st.components.v2.component(
    "latent_explorer.pad", html="", css=components.css("draw_pad"), js=_JS,
    isolate_styles=False,  # in the page's own document, like the scatter, so the two can talk and tests can look
)
lesson_keys = st.components.v2.component(  # a lesson's keys (PageDown, PageUp, arrows): no element of its own
    "latent_explorer.lesson_keys", html="", js=_JS, isolate_styles=False,
)


def publish(name: str, content: str | bytes, *, replaces: str | None = None) -> str:
    """Write `content` under static/ (once) and return its URL. Names carry a content hash.

    `replaces` is a glob (relative to static/) of the earlier versions this file supersedes, such as
    the payloads of a checkpoint's previous version: they are deleted, so static/ does not grow.
    """
    path = STATIC_DIR / name
    if not path.exists():
        write_atomically(path, content.encode() if isinstance(content, str) else content)
    for old in STATIC_DIR.glob(replaces) if replaces else ():
        if old != path:
            old.unlink(missing_ok=True)
    return f"{STATIC_URL}/{name}"


def prune(keep_prefixes: set[str], older_than_s: float = 0.0) -> list[Path]:
    """Delete published payloads (static/cache, static/models) of checkpoints that no longer exist:
    every payload's name starts with its checkpoint's file stem and a dash. Only files older than
    `older_than_s` seconds go (another server sharing static/ may have just written one). Returns
    what was deleted."""
    removed, now = [], time.time()
    for folder in (STATIC_DIR / "cache", STATIC_DIR / "models"):
        for path in folder.glob("*") if folder.is_dir() else ():
            if now - path.stat().st_mtime < older_than_s:
                continue
            if not any(path.name.startswith(prefix + "-") for prefix in keep_prefixes):
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


@st.cache_resource
def plotly_js_url() -> str:
    """plotly.js (`components.PLOTLY_JS`, the site's too), served by the app itself (no CDN)."""
    source = components.PLOTLY_JS
    target = STATIC_DIR / source.name
    for old in STATIC_DIR.glob("plotly-*.min.js"):  # an earlier version's copy
        if old != target:
            old.unlink(missing_ok=True)
    if not target.exists():
        write_atomically(target, source.read_bytes())
    return f"{STATIC_URL}/{target.name}"


def fetch_early_html() -> str:
    """A script for the page's first element: it starts fetching plotly.js into the browser's cache
    before Streamlit has loaded its component loader, which then finds it there (its address names
    its version, so the cached copy is always the right one)."""
    return f"<script>fetch({json.dumps(plotly_js_url())}, {{ cache: 'force-cache' }}).catch(() => {{}});</script>"


def preload() -> None:
    """Start loading plotly.js in the browser now (an invisible mount of the same component)."""
    scatter(data={"preload_only": True, "plotly_url": plotly_js_url()}, key="lx_preload", height=0)
