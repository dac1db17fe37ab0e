"""The app's custom Streamlit component: the clickable latent scatter (plotly.js with `clickanywhere`).

Kept apart from `ui` so that it imports neither torch nor the `ae` library: `preload()` can then run
at the very top of a page and have the browser fetch and compile plotly.js while Python is still
importing torch and loading the model.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import plotly
import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
# Streamlit serves ROOT/static at app/static (server.enableStaticServing); the scatter fetches
# plotly.js and its point payloads from there, once per page, instead of with every rerun.
STATIC_DIR = ROOT / "static"
STATIC_URL = "app/static"

scatter = st.components.v2.component(
    "latent_explorer.scatter",
    html="",
    css=""".lx-plot { width: 100%; position: relative; }
.lx-marker { position: absolute; transform: translate(-50%, -50%); pointer-events: none; z-index: 3;
  font: bold 26px sans-serif; color: #111; text-shadow: 0 0 3px #fff, 0 0 3px #fff; }""",
    js=(Path(__file__).parent / "latent_scatter.js").read_text(),
    isolate_styles=False,  # plotly.js puts its stylesheet in the document head
)


def publish(name: str, text: str) -> str:
    """Write `text` under static/ (once) and return its URL."""
    path = STATIC_DIR / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
    return f"{STATIC_URL}/{name}"


@st.cache_resource
def plotly_js_url() -> str:
    """plotly.js from the installed `plotly` package, served by the app itself (no CDN)."""
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    target = STATIC_DIR / f"plotly-{plotly.__version__}.min.js"
    if not target.exists():
        STATIC_DIR.mkdir(exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    return f"{STATIC_URL}/{target.name}"


def preload() -> None:
    """Start loading plotly.js in the browser now (an invisible mount of the same component)."""
    scatter(data={"preload_only": True, "plotly_url": plotly_js_url()}, key="lx_preload", height=0)
