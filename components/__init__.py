"""The app's custom Streamlit component: the clickable latent scatter (plotly.js with `clickanywhere`)
with its live preview (the autoencoder running in the page, `web_model.js`).

Kept apart from `ui` so that it imports no torch (only the library's torch-free `ae.files`): `preload()`
can then run at the very top of a page and have the browser fetch and compile plotly.js while Python
is still importing torch and loading the model.
"""
from __future__ import annotations

import time
from pathlib import Path

import plotly
import streamlit as st

from ae.files import write_atomically

ROOT = Path(__file__).resolve().parent.parent
# Streamlit serves ROOT/static at app/static (server.enableStaticServing); the scatter fetches
# plotly.js and its point payloads from there, once per page, instead of with every rerun.
STATIC_DIR = ROOT / "static"
STATIC_URL = "app/static"
# The browser tab's icon, a local file: a material-icon page icon is fetched from a font CDN.
PAGE_ICON = str(ROOT / "assets" / "icon.png")

def component_js(*names: str) -> str:
    """A component's code after what every component shares: web_model.js (the model, also run in a
    Web Worker) and live_model.js (the page's store and its models)."""
    return "\n".join((Path(__file__).parent / part).read_text() for part in ("web_model.js", "live_model.js", *names))


scatter = st.components.v2.component(
    "latent_explorer.scatter",
    html="",
    css=""".lx-wrap { display: flex; gap: 8px; align-items: flex-start; width: 100%; }
.lx-plot { flex: 1 1 auto; min-width: 0; position: relative; }
.lx-marker { position: absolute; transform: translate(-50%, -50%); pointer-events: none; z-index: 3;
  font: bold 26px sans-serif; color: #111; text-shadow: 0 0 3px #fff, 0 0 3px #fff; }
.lx-hover { position: absolute; transform: translate(-50%, -50%); pointer-events: none; z-index: 3;
  width: 12px; height: 12px; border: 2px solid #111; border-radius: 50%; box-shadow: 0 0 0 2px #fff; }
.lx-live { flex: 0 0 auto; font: 13px/1.35 sans-serif; color: #333; padding-top: 10px; }
.lx-live canvas { display: block; image-rendering: pixelated; background: #000; margin-bottom: 6px; }
.lx-live-title { font-weight: 600; }
.lx-live-note { color: #777; font-size: 12px; }
.lx-yours { position: absolute; transform: translate(-50%, -52%); pointer-events: none; z-index: 4;
  font: 30px sans-serif; color: #111; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
.lx-trail, .lx-arrows { position: absolute; left: 0; top: 0; pointer-events: none; z-index: 3; overflow: visible; }
.lx-live-drift { color: #6a1b9a; }""",
    js=component_js("latent_scatter.js"),
    isolate_styles=False,  # plotly.js puts its stylesheet in the document head
)


pad = st.components.v2.component(
    "latent_explorer.pad",
    html="",
    css=""".lx-pad { display: flex; gap: 14px; align-items: flex-start; font: 13px/1.35 sans-serif; color: #333; }
.lx-pad-right { flex: 0 0 110px; }
.lx-pad-canvas { touch-action: none; cursor: crosshair; background: #000; border-radius: 4px; display: block;
  max-width: 100%; height: auto; aspect-ratio: 1; }
.lx-pad-left { flex: 0 1 auto; min-width: 0; }
.lx-pad-buttons { margin-top: 6px; display: flex; gap: 6px; }
.lx-pad-buttons button { font: inherit; padding: 4px 12px; border: 1px solid #bbb; border-radius: 6px; background: #fff; cursor: pointer; }
.lx-pad-right canvas { display: block; image-rendering: pixelated; background: #000; margin-bottom: 6px; }
.lx-pad-label { font-weight: 600; }
.lx-pad-note { color: #777; font-size: 12px; }""",
    js=component_js("prepare.js", "draw_pad.js"),
    isolate_styles=False,  # in the page's own document, like the scatter, so the two can talk and tests can look
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
    """plotly.js from the installed `plotly` package, served by the app itself (no CDN)."""
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    target = STATIC_DIR / f"plotly-{plotly.__version__}.min.js"
    for old in STATIC_DIR.glob("plotly-*.min.js"):  # an earlier plotly's copy
        if old != target:
            old.unlink(missing_ok=True)
    if not target.exists():
        write_atomically(target, source.read_bytes())
    return f"{STATIC_URL}/{target.name}"


def preload() -> None:
    """Start loading plotly.js in the browser now (an invisible mount of the same component)."""
    scatter(data={"preload_only": True, "plotly_url": plotly_js_url()}, key="lx_preload", height=0)
