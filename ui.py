"""App-side helpers shared by the pages: cached loading, the clickable latent scatter, URL points, images.

The library (`ae/`) does the computing; this module owns what only the Streamlit app needs. The pure
functions (`parse_point`, `parse_click`, `upscale`, `png_bytes`) are unit-tested without a browser.
"""
from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import math
import os
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import streamlit as st
import torch
from PIL import Image

import ae
import components

ROOT = Path(__file__).resolve().parent
# AE_CHECKPOINT_DIR points the app at another folder of checkpoints (the tests use it).
CHECKPOINT_DIR = Path(os.environ.get("AE_CHECKPOINT_DIR", ROOT / "checkpoints"))
# Models trained on the Train page (not in git; never overwriting a shipped file). AE_TRAINED_DIR moves it.
TRAINED_DIR = Path(os.environ.get("AE_TRAINED_DIR", ROOT / "trained"))
# One intra-op thread: the server decodes single points for many sessions at once, and with more
# threads a busy machine turns a 1 ms decode into 100 ms of thread contention.
torch.set_num_threads(1)
# How far outside the codes' bounding box a point may lie, in box sizes, before it counts as absurd:
# a quarter of the box beyond the farthest code is already many times the usual spacing out, deep in
# the empty space the chapter's third limit is about; much farther, every decoding looks the same.
POINT_LIMIT = 0.25


# ---------------------------------------------------------------- pure helpers (unit-tested)

def point_limits(codes: np.ndarray, reach: float = POINT_LIMIT) -> tuple[tuple[float, float], tuple[float, float]]:
    """The rectangle where points are accepted: the codes' box widened by `reach` box sizes each side."""
    return ae.latent.bounding_box(codes, margin=reach)


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain_text(text) -> str:
    """`text` (from a link, a file name, a checkpoint) escaped so Streamlit's Markdown shows it as typed.

    Every ASCII punctuation character gets a backslash (CommonMark renders an escaped one literally),
    so no link, image, HTML tag, emoji or icon shortcode, LaTeX or autolink can come out of it; line
    breaks become spaces.
    """
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))


def accepted_box(ckpt: ae.Checkpoint):
    """The one rectangle where a point of this model is accepted (from a link, a click, typed, or
    carried over from another model): the training codes' box widened by POINT_LIMIT box sizes."""
    return point_limits(ckpt.train_codes)


def carry_point(point, ckpt: ae.Checkpoint, what: str = "The point"):
    """One rule for every page when the model changes: a point is kept when it lies inside the new
    model's accepted box, else cleared. Returns (point or None, the one line saying why, or None)."""
    if point is None:
        return None, None
    (x0, x1), (y0, y1) = accepted_box(ckpt)
    if x0 <= point[0] <= x1 and y0 <= point[1] <= y1:
        return point, None
    return None, (f"{what} ({point[0]:.4g}, {point[1]:.4g}) lies outside the latent space of {ckpt.path.name} "
                  f"(z1 from {x0:.1f} to {x1:.1f}, z2 from {y0:.1f} to {y1:.1f}), so it was cleared.")


def parse_point(raw_z1, raw_z2, limits, source: str = "The link's point") -> tuple[tuple[float, float] | None, str | None]:
    """A point from URL query values (or a click). Returns (point, None), (None, warning) or (None, None).

    `source` names the point in the warnings ("The link's point", "That click").
    """
    if raw_z1 is None and raw_z2 is None:
        return None, None
    if raw_z1 is None or raw_z2 is None:
        return None, f"{source} gives only one of z1 and z2; both are needed, so it was ignored."
    try:
        z1, z2 = float(str(raw_z1).strip()), float(str(raw_z2).strip())
    except ValueError:
        return None, f"{source} (z1={str(raw_z1)[:20]!r}, z2={str(raw_z2)[:20]!r}) is not numeric, so it was ignored."
    if not (math.isfinite(z1) and math.isfinite(z2)):
        return None, f"{source} is not a finite number, so it was ignored."
    (x0, x1), (y0, y1) = limits
    if not (x0 <= z1 <= x1 and y0 <= z2 <= y1):
        return None, (f"{source} ({z1:.4g}, {z2:.4g}) lies far outside this latent space "
                      f"(z1 from {x0:.1f} to {x1:.1f}, z2 from {y0:.1f} to {y1:.1f}), so it was ignored.")
    return (z1, z2), None


_INDEX = re.compile(r"[0-9]{1,9}")  # ASCII digits only: str.isdigit() also accepts "²", which int() refuses


def parse_index(raw, n: int) -> tuple[int | None, str | None]:
    """An index into n items from typed or linked text: (index, None) or (None, what is wrong)."""
    text = str(raw).strip()
    if not _INDEX.fullmatch(text):
        return None, f"{text[:20]!r} is not a whole number from 0 to {n - 1}."
    value = int(text)
    return (value, None) if value < n else (None, f"{text} is beyond the last one, {n - 1}.")


def parse_indices(text: str, n: int, limit: int = 16) -> tuple[list[int], str | None]:
    """Indices typed as '0, 7; 42': (the valid ones, at most `limit`, and a warning naming the rest, or None)."""
    indices, bad = [], []
    for part in str(text).replace(";", ",").split(","):
        if part.strip():
            value, _ = parse_index(part, n)
            (indices if value is not None else bad).append(value if value is not None else part.strip()[:20])
    warning = (f"Ignored {', '.join(bad[:5])}{' ...' if len(bad) > 5 else ''}: indices are whole numbers "
               f"from 0 to {n - 1}." if bad else None)
    return indices[:limit], warning


def parse_dot(payload) -> int | None:
    """The index of the data dot a click landed on (into the plotted split's codes), or None."""
    index = payload.get("index") if isinstance(payload, dict) else None
    return index if isinstance(index, int) and not isinstance(index, bool) and index >= 0 else None


def parse_click(payload) -> tuple[float, float] | None:
    """The (z1, z2) of a click event from the scatter component, or None if malformed."""
    if not isinstance(payload, dict):
        return None
    try:
        z1, z2 = float(payload["z1"]), float(payload["z2"])
    except (KeyError, TypeError, ValueError):
        return None
    return (z1, z2) if math.isfinite(z1) and math.isfinite(z2) else None


def upscale(image: np.ndarray, size: int = 280) -> np.ndarray:
    """A [0, 1] float image -> uint8, enlarged by an integer factor with hard pixel edges (no blur)."""
    factor = max(1, size // max(image.shape))
    pixels = np.clip(np.rint(np.asarray(image, dtype=np.float32) * 255), 0, 255).astype(np.uint8)
    return np.kron(pixels, np.ones((factor, factor), dtype=np.uint8))


def png_bytes(image: np.ndarray, size: int = 280) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(upscale(image, size), mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def pixel_figures_html(images, captions, size: int, *, kind: str = "lx-figure") -> str:
    """HTML for images as inline PNG data URIs, enlarged by the browser with hard pixel edges.

    Inline images arrive in the same message as their captions: no extra HTTP request per image,
    so a decoded point shows up in one piece right after a click.
    """
    parts = []
    for image, caption in zip(images, captions):
        small = base64.b64encode(png_bytes(image, size=max(np.shape(image)))).decode()
        parts.append(f'<figure class="{kind}" style="display:inline-block;margin:0 4px 4px 0;text-align:center;max-width:{size}px">'
                     f'<img src="data:image/png;base64,{small}" alt="{html.escape(caption)}" '
                     f'style="width:{size}px;max-width:100%;height:auto;object-fit:fill;image-rendering:pixelated;display:block">'
                     f'<figcaption style="font-size:0.8rem;color:#666">{html.escape(caption)}</figcaption></figure>')
    return "".join(parts)


def format_point(point: tuple[float, float]) -> str:
    return f"({point[0]:.3f}, {point[1]:.3f})"


# ---------------------------------------------------------------- checkpoints and data (cached)

DATASET_PARAM = "dataset"  # the URL query parameter that carries the dataset from page to page
CHECKPOINT_PARAM = "checkpoint"  # ... and the one that carries the model


def choose_dataset(prefix: str) -> str:
    """The sidebar's dataset switch, shared by every page and remembered in the URL (?dataset=fashion).

    The first page a session opens takes the dataset from its link; after that the choice carries
    from page to page in the session and is written back into each page's URL.
    """
    names = list(ae.data.DATASETS)
    if "lx_dataset" not in st.session_state:
        asked = st.query_params.get(DATASET_PARAM)
        if asked is not None and asked not in names:
            st.warning(plain_text(f"The link asks for the dataset {str(asked)[:30]!r}, which this app does "
                                  f"not know; showing {ae.data.dataset_title(names[0])}."))
        st.session_state.lx_dataset = asked if asked in names else names[0]
    current = st.session_state.lx_dataset if st.session_state.lx_dataset in names else names[0]
    choice = st.sidebar.radio("Dataset", names, index=names.index(current), key=f"{prefix}_dataset",
                              horizontal=True, format_func=ae.data.dataset_title)
    st.session_state.lx_dataset = choice
    if st.query_params.get(DATASET_PARAM) != choice:
        st.query_params[DATASET_PARAM] = choice
    # For the back of a lecture room: every decoded image, neighbour and reconstruction larger.
    st.session_state.lx_large = st.sidebar.toggle(
        "Large images (projector)", value=st.session_state.get("lx_large", False), key=f"{prefix}_large",
        help="Draws decoded images, neighbours and reconstructions about 1.6 times larger.")
    return choice


def px(size: int) -> int:
    """An image size in pixels, enlarged when the sidebar's 'Large images' is on."""
    return round(size * 1.6) if st.session_state.get("lx_large") else size


@st.cache_data(max_entries=64, show_spinner=False)
def _checkpoint_kind(path: str, stamp: float) -> tuple[str | None, str | None, int | None]:
    """(dataset, model type, latent size) of a checkpoint file, or Nones if it cannot be read."""
    try:
        ckpt = _load(path, stamp)
    except ae.CheckpointError:
        return None, None, None
    return ckpt.dataset, ckpt.model_type, (ckpt.full or ckpt).config.z_dim


def _dataset_of(path: Path) -> str | None:
    """A checkpoint's dataset: from its name's prefix (mnist_..., fashion_...), else from the file."""
    for name in ae.data.DATASETS:
        if path.name.startswith(name + "_"):
            return name
    return _checkpoint_kind(str(path), _stamp(path))[0]


def checkpoint_path(name: str) -> Path:
    """Where the checkpoint called `name` lives: the shipped folder, else the Train page's folder."""
    shipped = CHECKPOINT_DIR / name
    return shipped if shipped.exists() or not (TRAINED_DIR / name).exists() else TRAINED_DIR / name


def list_checkpoints(dataset: str | None = None) -> list[str]:
    """Autoencoder checkpoints (of one dataset, if given): the shipped ones, then those trained in the
    app; classifiers (`*_classifier.pt`) are not listed.

    A file that cannot be read is listed under every dataset, so that picking it explains what is wrong.
    """
    shipped = sorted(p for p in CHECKPOINT_DIR.glob("*.pt") if not p.name.endswith("_classifier.pt"))
    trained = sorted(p for p in TRAINED_DIR.glob("*.pt") if p.name not in {q.name for q in shipped}) \
        if TRAINED_DIR.is_dir() else []
    paths = shipped + trained
    _prune_static(tuple(p.stem for p in paths))
    if dataset is None:
        return [p.name for p in paths]
    return [p.name for p in paths if _dataset_of(p) in (dataset, None)]


def model_type_of(name: str) -> str | None:
    """'ae' or 'vae' for a checkpoint, None if it cannot be read."""
    path = checkpoint_path(name)
    return _checkpoint_kind(str(path), _stamp(path))[1]


def latent_size_of(name: str) -> int | None:
    path = checkpoint_path(name)
    return _checkpoint_kind(str(path), _stamp(path))[2]


@st.cache_resource(max_entries=4, show_spinner=False)
def _prune_static(stems: tuple[str, ...]) -> int:
    """Once per set of checkpoints: drop published payloads of checkpoints that are gone."""
    return len(components.prune(set(stems), older_than_s=3600))


def _same_kind_for(name: str | None, dataset: str, names: list[str]) -> str | None:
    """The checkpoint of `dataset` that matches `name` of another dataset (mnist_vae_z2 -> fashion_vae_z2)."""
    for other in ae.data.DATASETS:
        if name and name.startswith(other + "_") and f"{dataset}_{name[len(other) + 1:]}" in names:
            return f"{dataset}_{name[len(other) + 1:]}"
    return None


def no_checkpoints_message(dataset: str) -> str:
    return (f"No {ae.data.dataset_title(dataset)} checkpoints in checkpoints/. Train one: "
            f"`python -m ae.train --dataset {dataset} --out checkpoints/{dataset}_ae_z2.pt`, "
            f"or switch the dataset in the sidebar.")


def choose_checkpoint(prefix: str) -> ae.Checkpoint | None:
    """The sidebar's dataset switch and checkpoint picker, shared by every page: choices carry over.

    Shows what is wrong (and returns None) when there is no checkpoint or the chosen one is unusable.
    """
    dataset = choose_dataset(prefix)
    names = list_checkpoints(dataset)
    if not names:
        st.error(no_checkpoints_message(dataset))
        return None
    default = f"{dataset}_ae_z2.pt"
    default = default if default in names else next((n for n in names if model_type_of(n)), names[0])
    if "lx_checkpoint_linked" not in st.session_state:  # the session's first page: the link's checkpoint
        st.session_state.lx_checkpoint_linked = True
        asked = st.query_params.get(CHECKPOINT_PARAM)
        if asked is not None and asked not in names:
            st.warning(plain_text(f"The link asks for the checkpoint {str(asked)[:60]!r}, which is not among this "
                                  f"app's {ae.data.dataset_title(dataset)} checkpoints; showing {default}."))
        elif asked is not None and load_checkpoint(asked)[0] is None:
            st.warning(plain_text(f"The link's checkpoint {asked} cannot be read "
                                  f"({load_checkpoint(asked)[1]}); showing {default}."))
        elif asked is not None:
            st.session_state.lx_checkpoint = asked
    current = st.session_state.get("lx_checkpoint")
    if current not in names:
        current = _same_kind_for(current, dataset, names) or default
    choice = st.sidebar.selectbox("Checkpoint", names, index=names.index(current), key=f"{prefix}_checkpoint")
    st.session_state.lx_checkpoint = choice
    if st.query_params.get(CHECKPOINT_PARAM) != choice:
        st.query_params[CHECKPOINT_PARAM] = choice
    ckpt, problem = load_checkpoint(choice)
    if ckpt is None:
        st.error(f"{plain_text(problem)}\n\nPick another checkpoint in the sidebar.")
    return ckpt


def _stamp(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


@st.cache_resource(show_spinner="Loading the model...", max_entries=8)
def _load(path: str, stamp: float) -> ae.Checkpoint:
    """The checkpoint, as the app shows it: a model with more than two latent dimensions is seen in
    its codes' principal plane (`ckpt.plane`; `ckpt.full` is the whole model)."""
    ckpt = ae.load_checkpoint(path)
    if ckpt.config.z_dim < 2:
        raise ae.CheckpointMismatch(f"{Path(path).name} has a 1-D latent space; the app plots two dimensions. "
                                    f"Train with --z-dim 2 or more.")
    return ae.plane_checkpoint(ckpt)


def load_checkpoint(name: str) -> tuple[ae.Checkpoint | None, str | None]:
    """The checkpoint (cached per file version), or None and a message saying what is wrong."""
    path = checkpoint_path(name)
    try:
        return _load(str(path), _stamp(path)), None
    except ae.CheckpointError as e:
        return None, str(e)


@st.cache_resource(show_spinner="Indexing the training codes...", max_entries=8)
def latent_index(path: str, stamp: float) -> ae.LatentIndex:
    ckpt = _load(path, stamp)
    return ae.LatentIndex(ckpt.train_codes, ckpt.train_labels)


def index_for(ckpt: ae.Checkpoint) -> ae.LatentIndex:
    return latent_index(str(ckpt.path), _stamp(ckpt.path))


@st.cache_resource(show_spinner="Looking for the dataset...", max_entries=4)
def _images(name: str, split: str) -> tuple[ae.ImageSet | None, str | None]:
    try:
        # Downloading can hang for minutes on a machine without network; the app only looks locally
        # unless AE_DOWNLOAD=1. The training CLI is where data gets downloaded.
        return ae.load_images(name, split, download=os.environ.get("AE_DOWNLOAD") == "1"), None
    except ae.DataUnavailable:
        return None, ae.data.how_to_get(name, app=True)


def images_of(dataset: str, split: str) -> tuple[ae.ImageSet | None, str | None]:
    """A dataset's split as the app finds it (cached; never downloading unless AE_DOWNLOAD=1), or None and why."""
    return _images(dataset, split)


def dataset_images(ckpt: ae.Checkpoint, split: str = "train") -> tuple[ae.ImageSet | None, str | None]:
    """The real images behind a checkpoint's stored codes, or None and why they are missing."""
    images, problem = _images(ckpt.dataset, split)
    if images is None:
        return None, problem
    codes = ckpt.train_codes if split == "train" else ckpt.test_codes
    if len(images) < len(codes):
        return None, f"The local {split} set has {len(images)} images but the checkpoint has {len(codes)} codes."
    return images, None


# ---------------------------------------------------------------- the clickable scatter

@st.cache_data(max_entries=16, show_spinner=False)
def points_url(path: str, stamp: float, which: str, class_names: tuple[str, ...], class_word: str) -> str:
    """Publish the codes to plot ('test', or 'train' for a fixed sample of 10,000) and return the URL."""
    ckpt = _load(path, stamp)
    codes, labels = (ckpt.test_codes, ckpt.test_labels) if which == "test" else (ckpt.train_codes, ckpt.train_labels)
    index = np.arange(len(codes))
    if which == "train" and len(codes) > 10_000:
        index = np.sort(np.random.default_rng(0).choice(len(codes), 10_000, replace=False))
    payload = {"x": np.round(codes[index, 0], 4).tolist(), "y": np.round(codes[index, 1], 4).tolist(),
               "label": labels[index].astype(int).tolist(), "index": index.tolist(),
               "classes": list(class_names), "class_word": class_word}
    text = json.dumps(payload, separators=(",", ":"))
    digest = hashlib.sha1(text.encode()).hexdigest()[:16]
    stem = Path(path).stem
    return components.publish(f"cache/{stem}-points-{which}-{digest}.json", text,
                              replaces=f"cache/{stem}-points-{which}-*.json")


@st.cache_data(max_entries=16, show_spinner="Preparing the model for the page...")
def web_model_url(path: str, stamp: float) -> str:
    """Publish the checkpoint's web model (both nets, training codes, gap thresholds); return its URL.

    The file is named by its content hash: the browser may cache it for good, and a new version of
    the checkpoint gets a new URL.
    """
    from ae.export import export_checkpoint
    import drift_view
    data = export_checkpoint(_load(path, stamp), latent_index(path, stamp), drift_view._round_trip(path, stamp))
    digest = hashlib.sha1(data).hexdigest()[:16]
    return components.publish(f"models/{Path(path).stem}-{digest}.bin", data, replaces=f"models/{Path(path).stem}-*.bin")


def hover_preview_toggle(prefix: str) -> bool:
    """The sidebar switch for decoding under the mouse (clicks always decode); on by default."""
    return st.sidebar.toggle("Live preview on hover", value=True, key=f"{prefix}_live",
                             help="The model runs in your browser: moving the mouse over the plot decodes the "
                                  "point under it at once. Off: only clicks decode. Touch screens never hover.")


def published(url_of, *args) -> str:
    """`url_of(*args)` (a cached function returning a static/ URL), published again if its file has gone
    (pruned by another server sharing static/, or deleted by hand) instead of a URL that answers 404."""
    url = url_of(*args)
    if not (components.STATIC_DIR / url.removeprefix(components.STATIC_URL + "/")).exists():
        url_of.clear()
        url = url_of(*args)
    return url


@dataclass
class ScatterStyle:
    which: str = "test"
    point_size: int = 4
    opacity: float = 0.7
    backdrop: str = "none"  # the map shading the plane under the data: a backdrops.BACKDROPS key
    height: int = 620
    live_hover: bool = True  # decode the point under the mouse in the page as it moves
    preview_px: int = 168  # size of the live preview image beside the plot


def latent_scatter(ckpt: ae.Checkpoint, style: ScatterStyle, marker, *, key: str, on_click, line=None,
                   group: str | None = None, snap_to_dots: bool = False) -> None:
    """Mount the clickable scatter; a click calls `on_click()` before the rerun (read `clicked(key)`).

    `marker` is the (z1, z2) to mark with a cross; `line`, optional points to join with a line (the
    live preview then follows the line). Scatters with the same `group` hover together: the pointer
    over one decodes the same relative position of `sampling_box` in the others.
    A click right on a data dot
    reports that dot's index when `snap_to_dots` (read it with `clicked_dot`).
    """
    import backdrops
    import drift_view
    path, stamp = str(ckpt.path), _stamp(ckpt.path)
    names = tuple(ae.class_names(ckpt.dataset))
    word = "digit" if ckpt.dataset == "mnist" else "class"
    x_range, y_range = codes_range = ae.latent.bounding_box(ckpt.test_codes)
    if marker is not None:  # a point beyond the codes (a link, a carried point) is still in view, with room
        (x0, x1), (y0, y1) = x_range, y_range
        pad_x, pad_y = 0.05 * (x1 - x0), 0.05 * (y1 - y0)
        x_range = (min(x0, marker[0] - pad_x), max(x1, marker[0] + pad_x))
        y_range = (min(y0, marker[1] - pad_y), max(y1, marker[1] + pad_y))
    data = {
        "plotly_url": components.plotly_js_url(),
        "points_url": published(points_url, path, stamp, style.which, names, word),
        "map_url": backdrops.backdrop_url(style.backdrop, ckpt, codes_range),
        "marker": list(marker) if marker else None,
        # Where the marker's decoding is sent back by the encoder (the round-trip arrow), for pages
        # where the model cannot run; the page's own model draws the same arrow at once.
        "sent_back": list(drift_view.point_drift(ckpt, marker)[1]) if marker is not None else None,
        "point_size": style.point_size, "opacity": style.opacity, "height": style.height, "palette": PALETTE,
        "x_range": list(x_range), "y_range": list(y_range),
        "revision": f"{ckpt.path.name}:{stamp}",
        "path": np.round(np.asarray(line, dtype=float), 5).tolist() if line is not None else None,
        "model_url": published(web_model_url, path, stamp),
        "snap_to_dots": snap_to_dots,
        "live": {"hover": style.live_hover, "image_px": px(style.preview_px), "group": group,
                 "box": [list(r) for r in sampling_box(ckpt)] if group else None},
    }
    components.scatter(data=data, key=key, on_click_change=on_click, height=style.height)


def _click_payload(key: str):
    state = st.session_state.get(key)
    return state.get("click") if hasattr(state, "get") else getattr(state, "click", None)


def drawing_pad(ckpt: ae.Checkpoint, *, key: str, on_drawn, group: str, pen: int = 22, size: int = 280) -> None:
    """Mount the drawing pad; on pen up, `on_drawn()` runs before the rerun (read `drawn(key)`).

    While drawing, the page prepares, encodes and decodes the drawing every frame and moves its
    code on the scatters of `group`.
    """
    path, stamp = str(ckpt.path), _stamp(ckpt.path)
    data = {"model_url": published(web_model_url, path, stamp), "dataset": ckpt.dataset, "group": group,
            "pen": pen, "size": px(size), "preview_px": px(84)}
    components.pad(data=data, key=key, on_drawn_change=on_drawn)


def drawn(key: str) -> np.ndarray | None:
    """Inside the pad's callback: the drawing prepared as the dataset was, (28, 28) in [0, 1], or None."""
    state = st.session_state.get(key)
    payload = state.get("drawn") if hasattr(state, "get") else getattr(state, "drawn", None)
    grid = payload.get("grid") if isinstance(payload, dict) else None
    try:
        image = np.asarray(grid, dtype=np.float32).reshape(28, 28)
    except (TypeError, ValueError):
        return None
    return np.clip(image, 0, 1) if np.isfinite(image).all() and image.max() > 0 else None


def clicked(key: str) -> tuple[float, float] | None:
    """Inside the scatter's click callback: the clicked point (a dot's own code when it hit one)."""
    return parse_click(_click_payload(key))


def clicked_dot(key: str) -> int | None:
    """Inside the scatter's click callback: the index of the data dot clicked on, if any."""
    return parse_dot(_click_payload(key))


# ---------------------------------------------------------------- the decoded point panel

def decoded_figure(ckpt: ae.Checkpoint, point: tuple[float, float], size: int) -> np.ndarray:
    """Show the decoder's image for `point`, enlarged to `size` pixels, captioned with the point; returns it."""
    image = ae.decode_point(ckpt.model, *point)
    st.markdown(pixel_figures_html([image], [f"decoded at z = {format_point(point)}"], size, kind="lx-decoded"),
                unsafe_allow_html=True)
    return image


def dot_image(ckpt: ae.Checkpoint, dot) -> tuple[np.ndarray, str] | None:
    """(image, caption) of the real image behind a data dot ((split, index)), None without the dataset."""
    split, index = dot
    images, _ = dataset_images(ckpt, split)
    labels = ckpt.test_labels if split == "test" else ckpt.train_labels
    if images is None or not 0 <= index < len(labels):
        return None
    name = ae.class_names(ckpt.dataset)[int(labels[index])]
    return images.images[index, 0].numpy(), f"{split} image #{index} ({name})"


def point_card(ckpt: ae.Checkpoint, point: tuple[float, float], judge) -> None:
    """A compact point panel for side-by-side views: decoded image, gap measure, the judge's reading."""
    names = ae.class_names(ckpt.dataset)
    image = decoded_figure(ckpt, point, px(196))
    place = index_for(ckpt).place(point)
    st.markdown(f"Gap measure **{place.gap:.1f}** × usual spacing. {ae.describe_place(place, names)}")
    import drift_view
    drift_view.drift_rows(ckpt, point, compact=True)
    if judge is not None:
        (label,), (confidence,) = judge(image[None])
        st.markdown(f"The classifier reads **{names[int(label)]}**, {confidence:.0%} sure.")


def point_panel(ckpt: ae.Checkpoint, point: tuple[float, float] | None, *, key: str, dot=None) -> None:
    """Decoded image, coordinates, download, gap meter and nearest training images for one point.

    `dot` = (split, index) of the data dot clicked on: its real image is shown beside the decoding
    of its code (the original against what the decoder makes of its code).
    """
    if point is None:
        st.info("Click anywhere on the plot, on a cluster or in the empty space between clusters, "
                "to see what the decoder makes of that point.")
        return
    names = ae.class_names(ckpt.dataset)
    image = decoded_figure(ckpt, point, px(280))
    original = dot_image(ckpt, dot) if dot else None
    if original is not None:
        st.markdown(pixel_figures_html([original[0]], [f"the dot you clicked: {original[1]}"], px(112), kind="lx-original"),
                    unsafe_allow_html=True)
    st.download_button("Download PNG", png_bytes(image), key=f"{key}_download", mime="image/png",
                       file_name=f"decoded_z1_{point[0]:.3f}_z2_{point[1]:.3f}.png")
    place = index_for(ckpt).place(point)
    st.metric("Gap measure (× usual spacing)", f"{place.gap:.1f}",
              help="Distance to the nearest training code, divided by the typical distance between "
                   "neighbouring training codes. Around 1: as dense as the data. Above "
                   f"{place.edge:.1f}: farther out than 99% of training codes, empty space.")
    st.write(ae.describe_place(place, names))
    import drift_view  # it builds on this module's cached checkpoints
    drift_view.drift_rows(ckpt, point)
    nearest_images(ckpt, point, place)


def nearest_images(ckpt: ae.Checkpoint, point, place) -> None:
    """The real training images nearest to a point's code, with label and distance."""
    names = ae.class_names(ckpt.dataset)
    images, problem = dataset_images(ckpt, "train")
    if images is None:
        st.caption("Nearest training images need the dataset on this machine (set AE_DATA_DIR); "
                   "the codes above come from the checkpoint.")
        return
    st.caption("Nearest training images (label, distance):")
    shown = place.neighbours[:8]
    distances = np.linalg.norm(ckpt.train_codes[shown] - np.asarray(point), axis=1)
    st.markdown(pixel_figures_html([images.images[i, 0].numpy() for i in shown],
                                   [f"{names[int(ckpt.train_labels[i])]} · {d:.2f}" for i, d in zip(shown, distances)],
                                   px(56), kind="lx-neighbour"), unsafe_allow_html=True)


# ---------------------------------------------------------------- helpers for the chapter pages

# One colour per class, for every chart (the clickable scatter gets it with its data).
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

@st.cache_resource(show_spinner="Loading the classifier...", max_entries=4)
def _judge(path: str, stamp: float):
    from ae.classifier import load_classifier
    return load_classifier(path)


def judge_for(ckpt: ae.Checkpoint):
    """`judge(images) -> (classes, confidences)` for the checkpoint's dataset, or None and why not."""
    from ae.classifier import predict
    path = CHECKPOINT_DIR / f"{ckpt.dataset}_classifier.pt"
    try:
        model = _judge(str(path), _stamp(path)).model
    except ae.CheckpointError as e:
        return None, f"The quality score needs the classifier: {e}"
    return (lambda images: predict(model, images)), None


@st.cache_data(max_entries=8, show_spinner="Measuring the reconstruction errors...")
def _test_errors(path: str, stamp: float) -> np.ndarray:
    from ae.train import reconstruction_errors
    ckpt = _load(path, stamp)
    test, _ = dataset_images(ckpt, "test")
    return reconstruction_errors((ckpt.full or ckpt).model, test.images, torch.device("cpu"))


def test_errors(ckpt: ae.Checkpoint) -> np.ndarray:
    """Per-test-image reconstruction MSE: stored in the checkpoint, else measured once (needs the dataset)."""
    if ckpt.test_errors is not None:
        return ckpt.test_errors
    return _test_errors(str(ckpt.path), _stamp(ckpt.path))


def scatter_figure(ckpt: ae.Checkpoint, *, height: int = 560, size: int = 3, opacity: float = 0.5):
    """A static Plotly scatter of the test codes, one WebGL trace per class, for pages to draw on."""
    import plotly.graph_objects as go

    names = ae.class_names(ckpt.dataset)
    fig = go.Figure()
    for c, name in enumerate(names):
        mask = ckpt.test_labels == c
        fig.add_trace(go.Scattergl(x=ckpt.test_codes[mask, 0], y=ckpt.test_codes[mask, 1], mode="markers",
                                   name=name, hoverinfo="skip",
                                   marker=dict(size=size, opacity=opacity, color=PALETTE[c % len(PALETTE)])))
    fig.update_layout(height=height, margin=dict(l=40, r=10, t=10, b=40), plot_bgcolor="#fafafa",
                      legend=dict(itemsizing="constant"), xaxis_title="z1", yaxis_title="z2")
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def add_on_top(fig, x, y, *, name: str, marker: dict, showlegend: bool = True) -> None:
    """Mark points on a `scatter_figure` so that they are drawn above the data dots, at any density.

    plotly.js paints every WebGL trace on a canvas that lies above the SVG traces, so a plain
    `go.Scatter` marker sits under the 10,000 data dots wherever it lands in a cluster. A
    `go.Scattergl` added after the data is painted on the same canvas, after them: on top.
    """
    import plotly.graph_objects as go

    fig.add_trace(go.Scattergl(x=np.asarray(x), y=np.asarray(y), mode="markers", name=name, marker=marker,
                               showlegend=showlegend, hoverinfo="skip"))


def image_strip(images: np.ndarray, captions: list[str] | None = None, width: int = 84) -> None:
    """A row of small upscaled images with optional captions."""
    width = px(width)
    st.image([upscale(img, width) for img in images], caption=captions, width=width, output_format="PNG")


@st.cache_data(max_entries=16, show_spinner="Measuring the area of each class...")
def _class_shares(path: str, stamp: float, sampler: str) -> np.ndarray:
    from ae import limits
    ckpt = _load(path, stamp)
    n_classes = len(ae.class_names(ckpt.dataset))
    if sampler == "prior":
        return limits.prior_shares(ckpt.train_codes, ckpt.train_labels, n_classes)
    return limits.area_shares(ckpt.train_codes, ckpt.train_labels, sampling_box(ckpt), n_classes)


def class_shares_for(ckpt: ae.Checkpoint, sampler: str = "box") -> np.ndarray:
    """Share of the sampled region each class owns: of the codes' box ('box') or of N(0, I)'s mass ('prior')."""
    return _class_shares(str(ckpt.path), _stamp(ckpt.path), sampler)


CONFIDENCE_SAMPLE = 300  # test codes (and test images) judged for the quality comparison


@st.cache_data(max_entries=8, show_spinner="Judging the decoded test codes...")
def _test_confidences(path: str, stamp: float) -> np.ndarray:
    ckpt = _load(path, stamp)
    judge, _ = judge_for(ckpt)
    return judge(ae.decode(ckpt.model, ckpt.test_codes[:CONFIDENCE_SAMPLE]))[1]


def test_confidences(ckpt: ae.Checkpoint) -> np.ndarray:
    """The classifier's confidence on the decodings of the first CONFIDENCE_SAMPLE test codes."""
    return _test_confidences(str(ckpt.path), _stamp(ckpt.path))


@st.cache_data(max_entries=8, show_spinner=False)
def _real_confidences(path: str, stamp: float) -> np.ndarray:
    ckpt = _load(path, stamp)
    judge, _ = judge_for(ckpt)
    test, _ = dataset_images(ckpt, "test")
    return judge(test.images[:CONFIDENCE_SAMPLE])[1]


def real_confidences(ckpt: ae.Checkpoint, test: ae.ImageSet) -> np.ndarray:
    """The classifier's confidence on the first CONFIDENCE_SAMPLE real test images."""
    return _real_confidences(str(ckpt.path), _stamp(ckpt.path))


@st.cache_data(max_entries=32, show_spinner=False)
def _decoded(path: str, stamp: float, points: np.ndarray) -> np.ndarray:
    return ae.decode(_load(path, stamp).model, points)


def decoded(ckpt: ae.Checkpoint, points: np.ndarray) -> np.ndarray:
    """Decodings of `points`, cached per checkpoint and point set (reruns do not decode again)."""
    return _decoded(str(ckpt.path), _stamp(ckpt.path), np.asarray(points, dtype=np.float32))


# ---------------------------------------------------------------- helpers for the comparison page

def choose_pair(prefix: str, dataset: str) -> tuple[ae.Checkpoint, ae.Checkpoint] | None:
    """Sidebar pickers for a plain and a variational autoencoder of `dataset`; None (with a message) if missing."""
    names = list_checkpoints(dataset)
    kinds = {name: model_type_of(name) for name in names}
    picked = []
    for kind, label in (("ae", "Plain autoencoder"), ("vae", "Variational autoencoder")):
        options = [n for n in names if kinds[n] == kind and latent_size_of(n) == 2]
        if not options:
            st.error(f"No {label.lower()} checkpoint for {ae.data.dataset_title(dataset)} in checkpoints/. "
                     f"Train one: `python -m ae.train --dataset {dataset} --model {kind} "
                     f"--out checkpoints/{dataset}_{kind}_z2.pt`.")
            return None
        default = f"{dataset}_{kind}_z2.pt"
        default = default if default in options else options[0]
        param, state = f"{kind}_checkpoint", f"{prefix}_{kind}"
        if state not in st.session_state:  # the session's first visit: the link's checkpoint
            asked = st.query_params.get(param)
            if asked is not None and (asked not in options or load_checkpoint(asked)[0] is None):
                st.warning(plain_text(f"The link asks for the {label.lower()} {str(asked)[:60]!r}, which this app "
                                      f"cannot open for {ae.data.dataset_title(dataset)}; showing {default}."))
            st.session_state[state] = asked if asked in options and load_checkpoint(asked)[0] else default
        if st.session_state[state] not in options:  # another dataset's model
            st.session_state[state] = _same_kind_for(st.session_state[state], dataset, options) or default
        choice = st.sidebar.selectbox(label, options, key=state)
        if st.query_params.get(param) != choice:
            st.query_params[param] = choice
        picked.append(load_checkpoint(choice)[0])
    return picked[0], picked[1]


def require_2d(ckpt: ae.Checkpoint, what: str) -> None:
    """Stop the page, saying why, for a checkpoint with more than two latent dimensions."""
    if ckpt.plane is None:
        return
    st.info(plain_text(
        f"{ckpt.path.name} has {ckpt.full.config.z_dim} latent dimensions; {what} needs a 2-D latent space, where "
        f"the plot is the whole space. Pick a *_z2 checkpoint in the sidebar, open the explorer to see this "
        f"model's codes in their principal plane, or Reconstructions to compare it with a 2-D model."))
    st.stop()


def plane_note(ckpt: ae.Checkpoint) -> None:
    """For a model seen in its principal plane: say so, and what that means for the numbers."""
    if ckpt.plane is None:
        return
    z, share = ckpt.full.config.z_dim, float(ckpt.plane.explained.sum())
    st.info(plain_text(
        f"{ckpt.path.name} has {z} latent dimensions. The plot shows its codes projected on their first two "
        f"principal components (together {share:.0%} of the codes' variance); a click decodes that point of "
        f"the plane, with the other {z - 2} directions at the codes' mean. Gap measure and drift are measured "
        f"in this plane: codes far apart in {z} dimensions can land close together here."))


def sampling_box(ckpt: ae.Checkpoint):
    """The test codes' box without margin: where uniform random samples are drawn and relative positions live."""
    from ae.limits import codes_box
    return codes_box(ckpt.test_codes)


@st.cache_data(max_entries=8, show_spinner="Measuring the three limits...")
def _limits(files: tuple[tuple[str, float], ...], k: int, seed: int) -> list:
    from concurrent.futures import ThreadPoolExecutor

    import drift_view
    from ae.limits import measure_limits
    jobs = []
    for path, stamp in files:  # the cached pieces come from this (the script's) thread
        ckpt = _load(path, stamp)
        judge, _ = judge_for(ckpt)
        jobs.append(partial(measure_limits, ckpt, judge, k=k, seed=seed, index=latent_index(path, stamp),
                            area=_class_shares(path, stamp, "box"), round_trip=drift_view._round_trip(path, stamp)))
    # The server runs torch on one thread per call (see set_num_threads above); measuring the models
    # side by side uses both cores for this one-off job. Models in eval mode only read their weights.
    with ThreadPoolExecutor(max_workers=len(jobs) or 1) as pool:
        return [future.result() for future in [pool.submit(job) for job in jobs]]


def limits_for(*ckpts: ae.Checkpoint, k: int = 1000, seed: int = 0) -> list:
    """`ae.limits.measure_limits` of each checkpoint, cached (the same numbers as bench/compare_models.py)."""
    return _limits(tuple((str(c.path), _stamp(c.path)) for c in ckpts), k, seed)
