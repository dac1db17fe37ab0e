"""What the browser fetches for a view, published once under static/ and kept on the view: the codes
to plot, the web model (both nets, training codes, gap thresholds, drift scale), and the backdrop
maps (`ui.backdrops`). Each file is named by its content's hash, so the browser may cache it for good
and a new version of the checkpoint gets a new URL.
"""
from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from ae import maps
from ui import mounts

if TYPE_CHECKING:  # ui.view imports torch: this module does not (the explorer's first paint, ui.first_paint)
    from ui.view import ModelView


def published(view: ModelView, key, make) -> str:
    """The static/ URL `make()` publishes, made once per view; made again if its file has gone (pruned
    by another server sharing static/, or deleted by hand) instead of a URL that answers 404."""
    url = view.once(("url", key), make)
    if not (mounts.STATIC_DIR / url.removeprefix(mounts.STATIC_URL + "/")).exists():
        view.forget(("url", key))
        url = view.once(("url", key), make)
    return url


def publish(view: ModelView, kind: str, suffix: str, content: str | bytes) -> str:
    """Publish one payload of the view's checkpoint, replacing its earlier versions of the same kind."""
    return publish_payload(view.ckpt.path.stem, kind, suffix, content)


def publish_payload(stem: str, kind: str, suffix: str, content: str | bytes) -> str:
    """Publish one payload of the checkpoint with file stem `stem`; its URL. Earlier versions of the
    same kind are deleted."""
    data = content.encode() if isinstance(content, str) else content
    name, older = payload_name(stem, kind, suffix, data)
    return mounts.publish(name, data, replaces=older)


def payload_name(stem: str, kind: str, suffix: str, data: bytes) -> tuple[str, str]:
    """Where under static/ a payload goes (the checkpoint's stem, the kind, the content's hash), and
    the glob of its other versions."""
    folder = "models" if suffix == "bin" else "cache"
    digest = hashlib.sha1(data).hexdigest()[:16]
    return f"{folder}/{stem}-{kind}-{digest}.{suffix}", f"{folder}/{stem}-{kind}-*.{suffix}"


def points_url(view: ModelView, which: str) -> str:
    """The codes to plot ('test', or 'train' for a fixed sample of 10,000)."""
    def make():
        ckpt = view.ckpt
        codes, labels = (ckpt.test_codes, ckpt.test_labels) if which == "test" else (ckpt.train_codes, ckpt.train_labels)
        payload = maps.points_payload(codes, labels, view.class_names, maps.class_word(view.dataset),
                                      sample=which == "train")
        return publish(view, f"points-{which}", "json", json.dumps(payload, separators=(",", ":")))
    return published(view, ("points", which), make)


def web_model_url(view: ModelView) -> str | None:
    """The model the page runs (live preview, drawing pad), with what it needs to measure gaps and
    drift; None for a model the page cannot run (web_model_problem says why)."""
    if web_model_problem(view):
        return None

    from ui.view import spinning

    def make():
        from ae.export import export_checkpoint
        return publish(view, "model", "bin", export_checkpoint(view.ckpt, view.index, view.round_trip))
    return published(view, "web_model", spinning("Preparing the model for the page...", make))


def web_model_problem(view: ModelView) -> str | None:
    """Why the page cannot run this model (a user's own PyTorch program), or None."""
    from ae.export import WebModelError, model_layers

    def check():
        try:
            model_layers(view.ckpt.model)
        except WebModelError as e:
            return str(e)
        return None
    return view.once("web_model_problem", check)
