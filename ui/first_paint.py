"""The explorer's first paint: its chart drawn from files shipped beside the checkpoint, before the
server has imported torch and loaded the model.

On a freshly started server the first visitor's page would wait for torch (about 1.3 s on two cores)
and the model before the scatter is even sent. What the scatter is sent for the explorer's opening
view (its default style, no point fixed) depends only on the checkpoint's file: for the shipped
opening checkpoint it is kept here, per file version (`<stem>.json`, keyed by the file's content hash, `ae.kept.version_hash`),
with the two files the scatter fetches, the plotted codes and the web model, byte for byte as the
app publishes them (`python -m ui.first_paint` writes them; tests/test_first_paint.py checks they
still are). The page mounts the scatter with it, then imports torch and loads the model; what it
then computes is the same data, so the browser draws once.

Imports no torch.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ae import kept
from ui import catalog, mounts
from ui.payloads import payload_name, publish_payload
from ui.scatter import ScatterStyle, revision

FOLDER = Path(__file__).resolve().parent.parent / "checkpoints" / "first_paint"
SHIPPED = ("mnist_ae_z2.pt",)  # the explorer's opening checkpoint (ui.pickers' default)
# The scatter's data that is not the checkpoint's: plotly.js's address, and the revision (the file's
# modification time, which a clone sets anew).
AT_RUN_TIME = ("plotly_url", "revision")
# The files the scatter fetches: (data key, payload kind, suffix), as ui.payloads publishes them.
FILES = (("points_url", "points-test", "json"), ("model_url", "model", "bin"))


def torch_loaded() -> bool:
    """Whether this server has imported torch: if so, the page needs no first paint."""
    return "torch" in sys.modules


def opens_plainly(style: ScatterStyle, large: bool) -> bool:
    """Whether the plot's style is the one a first paint draws: the default one (no zoom), with
    images at their usual size. (The page also asks that no point be fixed or linked.)"""
    return style == ScatterStyle() and not large


def manifest_path(name: str) -> Path:
    return FOLDER / f"{Path(name).stem}.json"


def scatter_data(name: str) -> dict | None:
    """The scatter's data for the opening view of checkpoint `name` (a file name), from what is
    shipped for the file's current version, its two files published under static/ as the app's own;
    None when nothing is shipped for this version, or it is damaged (the page then loads the model first)."""
    path = catalog.checkpoint_path(name)
    try:
        manifest = json.loads(manifest_path(name).read_text())
        if not path.is_file() or manifest["version"] != kept.version_hash(path):
            return None
        data = dict(manifest["data"])
        contents = {key: (FOLDER / manifest["files"][key]).read_bytes() for key, _, _ in FILES}
        # Each URL names its content's hash: a damaged copy would have another, and is not published.
        if any(f"{mounts.STATIC_URL}/{payload_name(path.stem, kind, suffix, contents[key])[0]}" != data[key]
               for key, kind, suffix in FILES):
            return None
        for key, kind, suffix in FILES:
            publish_payload(path.stem, kind, suffix, contents[key])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    data["revision"] = revision(name, catalog.file_version(path))
    return data


def write(name: str, folder: Path = FOLDER) -> Path:
    """Write what the first paint of checkpoint `name` needs into `folder` (loads the model; torch).
    Returns the manifest's path."""
    from ui.scatter import scatter_data as computed
    from ui.view import view_of
    view, problem = view_of(name)
    if view is None:
        raise SystemExit(f"{name}: {problem}")
    data = computed(view, ScatterStyle(), None, snap_to_dots=True)
    folder.mkdir(parents=True, exist_ok=True)
    stem = Path(name).stem
    for old in folder.glob(f"{stem}-*"):
        old.unlink()
    files = {}
    for key, _, _ in FILES:
        published = mounts.STATIC_DIR / data[key].removeprefix(mounts.STATIC_URL + "/")
        (folder / published.name).write_bytes(published.read_bytes())
        files[key] = published.name
    manifest = {"checkpoint": name, "version": kept.version_hash(catalog.checkpoint_path(name)),
                "data": {k: v for k, v in data.items() if k not in AT_RUN_TIME}, "files": files}
    path = folder / f"{stem}.json"
    path.write_text(json.dumps(manifest, indent=1) + "\n")
    return path


if __name__ == "__main__":  # python -m ui.first_paint: after retraining a shipped checkpoint
    for shipped in SHIPPED:
        print(write(shipped))
