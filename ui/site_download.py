"""The explorer's "Download this as a site": the current dataset's models published as a static site
(`ae.site`, what `latent-explorer publish` writes), zipped, for a teacher to put on any web host or
hand out as a folder. Built on request (it measures each model's maps), kept for the session's next
download while the checkpoints are unchanged.
"""
from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import streamlit as st

from ui import catalog
from ui.text import plain_text

FOLDER = "latent-explorer-site"


def _zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{FOLDER}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


def kept_map(path: Path, kind: str) -> dict | None:
    """The shading map the explorer keeps for this checkpoint file (measured once per version, and
    shipped for the shipped checkpoints), measured now if need be, so a site and the explorer share it."""
    from ui import backdrops
    from ui.view import view_at
    view = view_at(path)[0]
    return backdrops.shading_map(view, kind) if view is not None and kind in backdrops.KEPT else None


def build_site_zip(paths: list[Path], progress=None) -> tuple[bytes, str]:
    """The static site of `paths`, zipped; (zip bytes, the publisher's summary)."""
    from ae.site import publish_site
    with tempfile.TemporaryDirectory() as tmp:
        site = publish_site(paths, Path(tmp) / FOLDER, progress=progress, known_map=kept_map)
        return _zipped(site.folder), site.summary()


def download_site(dataset: str, prefix: str) -> None:
    """The sidebar's "Download this as a site" for the dataset's checkpoints."""
    from ae.site import STEPS_PER_MODEL, PublishError
    from ui.payloads import web_model_problem
    from ui.view import view_of

    names, left_out = [], []
    for name in (n for n in catalog.list_checkpoints(dataset) if catalog.kind_of(n)[0] == dataset):
        view = view_of(name)[0]
        # The static page runs every model in the browser: one whose layers it cannot read stays in the app.
        (left_out if view is None or web_model_problem(view) else names).append(name)
    paths = [catalog.checkpoint_path(n) for n in names]
    key = tuple((str(p), catalog.file_version(p)) for p in paths)
    with st.sidebar.expander("Download this as a site"):
        st.caption("A folder of static files exploring these models with no server: hover and click decoding, "
                   "shading, the replay, nearest real images, the drawing pad. Unzip it and open index.html, "
                   "or copy it to any web host for a class.")
        st.caption(plain_text("Models: " + ", ".join(names)))
        if left_out:
            st.caption(plain_text("Left out, since the page cannot run them in the browser: " + ", ".join(left_out)))
        built = st.session_state.get(f"{prefix}_site")
        if st.button("Prepare the site", key=f"{prefix}_site_build", disabled=not paths):
            bar = st.progress(0.0, text="Publishing...")
            steps = {"n": 0, "total": STEPS_PER_MODEL * len(paths) + 1}

            def progress(what: str) -> None:
                steps["n"] += 1
                bar.progress(min(1.0, steps["n"] / steps["total"]), text=plain_text(what))
            try:
                data, summary = build_site_zip(paths, progress)
            except (PublishError, OSError) as e:
                bar.empty()
                st.error(plain_text(f"The site could not be published: {e}"))
                return
            bar.empty()
            built = st.session_state[f"{prefix}_site"] = {"key": key, "zip": data, "summary": summary}
        if built and built["key"] == key:
            st.download_button(f"Download {FOLDER}.zip ({len(built['zip']) / 1e6:.1f} MB)", built["zip"],
                               file_name=f"{FOLDER}-{dataset}.zip", mime="application/zip", key=f"{prefix}_site_zip")
