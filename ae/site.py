"""The static site: `publish_site(checkpoints, out)` writes a self-contained folder (no server, no
request outside it) that explores the given models in any browser, from any web host or from disk.

The folder:
- `index.html`: the page, with the catalogue of published models in it;
- `latent-explorer.js`, `latent-explorer.css`: the components' JavaScript and styles, assembled from
  components/ (the same source files the Streamlit app runs), and `plotly.min.js` from the plotly
  package;
- `models/<name>.js`, one per model: its web model, plotted codes, shading maps, replay snapshots and
  boxes, carried by a classic script (Chromium refuses `fetch()` and ES modules on file://);
- `models/<dataset>-atlas.png`: the test images behind the plotted codes, for the nearest-image panel
  (left out, and the page says why, when the dataset is not on this machine).

Used by `latent-explorer publish` (ae.cli) and by the app's "Download this as a site".
"""
from __future__ import annotations

import base64
import html
import io
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
COMPONENTS = ROOT / "components"
MODEL_BUDGET = 6_000_000  # bytes per published model, its share of the atlas included
ATLAS_BUDGET = 3_000_000  # bytes for one dataset's atlas of real images
ATLAS_COLUMNS = 100
MODEL_EVENT = "latent-explorer-model"  # the event a model's script dispatches with its data
STEPS_PER_MODEL = 8  # progress calls per model (loading, six measurements and exports, the atlas)


class PublishError(ValueError):
    """What was asked cannot be published (no checkpoints, two with one name, an unusable folder)."""


@dataclass
class PublishedModel:
    name: str
    title: str
    dataset: str
    kind: str  # "ae" or "vae"
    files: dict[str, int] = field(default_factory=dict)  # file (relative to the site) -> bytes
    notes: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(self.files.values())


@dataclass
class Site:
    folder: Path
    models: list[PublishedModel]
    shared: dict[str, int]  # page files -> bytes

    @property
    def size(self) -> int:
        return sum(self.shared.values()) + sum(m.size for m in self.models)

    def summary(self) -> str:
        """What was written and its size, as lines for a terminal."""
        lines = [f"Wrote {self.folder} ({_mb(self.size)} in all):"]
        for name, size in self.shared.items():
            lines.append(f"  {name:<34} {_mb(size):>9}")
        for m in self.models:
            lines.append(f"  {m.title}: {_mb(m.size)}" + (" (over the 6 MB budget)" if m.size > MODEL_BUDGET else ""))
            for name, size in m.files.items():
                lines.append(f"    {name:<32} {_mb(size):>9}")
            lines += [f"    note: {n}" for n in m.notes]
        lines.append(f"Open {self.folder / 'index.html'} in a browser, or copy the folder to any web host.")
        return "\n".join(lines)


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def site_name(path: Path) -> str:
    """A model's name in the site (its file names and links): the checkpoint's stem, letters, digits,
    '-' and '_' only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-") or "model"


def plotly_source() -> Path:
    """The plotly.js the site loads, the app's own (`components.PLOTLY_JS`)."""
    import components
    return components.PLOTLY_JS


def atlas_png(images: np.ndarray, budget: int = ATLAS_BUDGET) -> tuple[bytes, int]:
    """The first n images (uint8, (N, 28, 28)) tiled ATLAS_COLUMNS to a row as a greyscale PNG, with
    n the largest of N, N/2, N/4, ... whose PNG fits `budget`; returns (png, n)."""
    from PIL import Image
    n = len(images)
    while True:
        rows = -(-n // ATLAS_COLUMNS)
        sheet = np.zeros((rows * 28, ATLAS_COLUMNS * 28), np.uint8)
        for i in range(n):
            r, c = divmod(i, ATLAS_COLUMNS)
            sheet[r * 28:(r + 1) * 28, c * 28:(c + 1) * 28] = images[i]
        buffer = io.BytesIO()
        Image.fromarray(sheet, mode="L").save(buffer, format="PNG", optimize=True)
        if buffer.tell() <= budget or n <= 500:
            return buffer.getvalue(), n
        n //= 2


def model_payload(ckpt, name: str, progress=None, known_map=None) -> dict:
    """Everything the page needs for one checkpoint (2-D, or seen in its principal plane), as JSON-ready data.
    `known_map(kind)`: that shading map ("drift", "sensitivity") if it was measured before, else None."""
    from . import maps, replay
    from .boxes import Boxes
    from .data import class_names
    from .export import WebModelError, export_checkpoint
    from .latent import LatentIndex
    from .quality import RoundTrip

    step = progress or (lambda what: None)
    names = class_names(ckpt.dataset)
    boxes = Boxes.of(ckpt.test_codes)
    step("indexing the training codes")
    index = LatentIndex(ckpt.train_codes, ckpt.train_labels)
    step("measuring the round trip")
    rt = RoundTrip(ckpt.model, ckpt.test_codes)
    step("exporting the web model")
    try:
        web_model = export_checkpoint(ckpt, index, rt)
    except WebModelError as e:
        raise PublishError(f"{name}: the static page cannot run this model, since {e}; explore it in the app") from None
    step("measuring the gap map")
    shading = {"gaps": maps.gap_map(index, *boxes.plot)}
    known = known_map or (lambda kind: None)
    step("measuring the drift map")
    shading["drift"] = known("drift") or maps.drift_map(rt, *boxes.plot)
    step("measuring the sensitivity map")
    shading["sensitivity"] = known("sensitivity") or maps.sensitivity_map(ckpt.model, *boxes.plot)
    frames = None
    if replay.has_replay(ckpt):
        keep = replay.shown_index(len(ckpt.test_labels))
        frames = {"labels": ckpt.test_labels[keep].astype(int).tolist(), "titles": replay.frame_names(ckpt),
                  # Two decimals: drawn only, at a few hundred pixels across.
                  "codes": [np.round(np.asarray(s[keep], np.float64), 2).T.tolist() for s in ckpt.snapshots]}
    variational = bool(getattr(ckpt.config, "variational", False))
    return {
        "name": name, "dataset": ckpt.dataset, "kind": "vae" if variational else "ae", "classes": names,
        "z_dim": (ckpt.full or ckpt).config.z_dim,
        "plane": ckpt.plane is not None,
        "model": base64.b64encode(web_model).decode(),
        "points": maps.points_payload(ckpt.test_codes, ckpt.test_labels, names, maps.class_word(ckpt.dataset)),
        "maps": shading, "replay": frames, "palette": maps.PALETTE,
        "no_replay": None if frames else replay.no_replay_reason(ckpt.full or ckpt),
        "boxes": {"codes": boxes.codes, "plot": boxes.plot, "accepted": boxes.accepted},
    }


def model_script(title: str, payload: dict) -> str:
    """A model's file: a classic script dispatching its data (JSON.parse of a string: V8 builds a big
    payload from JSON text faster than from the same object literal)."""
    text = json.dumps(payload, separators=(",", ":"))  # ASCII only: no line terminators inside
    literal = text.replace("\\", "\\\\").replace("'", "\\'")
    return (f"// {title}: published by `latent-explorer publish` (ae/site.py). Data only.\n"
            f"document.dispatchEvent(new CustomEvent({json.dumps(MODEL_EVENT)}, {{ detail: JSON.parse('{literal}') }}));\n")


def read_model_script(text: str) -> dict:
    """The data a model's file carries (the inverse of `model_script`)."""
    start, end = text.index("JSON.parse('") + len("JSON.parse('"), text.rindex("') }));")
    return json.loads(re.sub(r"\\(.)", lambda m: m[1], text[start:end]))


def model_title(ckpt, name: str) -> str:
    from .data import DATASETS
    kind = "VAE" if getattr(ckpt.config, "variational", False) else "autoencoder"
    z = (ckpt.full or ckpt).config.z_dim
    return f"{DATASETS[ckpt.dataset]['title']} {kind}, {z}-D latent space ({name})"


def publish_site(checkpoints, out, *, data_dir=None, progress=None, known_map=None) -> Site:
    """Write the static site for `checkpoints` (paths) into the folder `out`; returns what was written.

    `data_dir`: a folder holding the datasets as AE_DATA_DIR does (MNIST's files in it, Fashion-MNIST
    in `fashion/`; the usual places are looked in too); without the test images a model's
    nearest-image panel is left out. `progress(step: str)`: called as work goes (a progress bar).
    `known_map(path, kind)`: a checkpoint's "drift" or "sensitivity" map as `ae.maps` makes it, when
    measured before (the app keeps them per file version), else None; then the map kept beside the
    checkpoint (`ae.kept.map_beside`: the shipped ones), else it is measured here.
    An existing site in `out` is replaced; any other non-empty folder is refused.
    """
    from . import checkpoint as ckpt_io
    from .data import DataUnavailable, load_images
    from .kept import map_beside
    from .plane import plane_checkpoint

    paths = [Path(p) for p in checkpoints]
    if not paths:
        raise PublishError("give at least one checkpoint to publish")
    names = [site_name(p) for p in paths]
    if len(set(names)) != len(names):
        raise PublishError(f"two checkpoints would have the same name in the site: {', '.join(names)}")
    out = Path(out)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "latent-explorer.js").exists())):
        raise PublishError(f"{out} exists and is not a published site; give an empty or new folder")
    tick = progress or (lambda what: None)

    loaded = []
    for path, name in zip(paths, names):
        tick(f"{name}: loading")
        ckpt = ckpt_io.load_checkpoint(path)
        if ckpt.config.z_dim < 2:
            raise PublishError(f"{path.name} has a 1-D latent space; the site plots two dimensions")
        loaded.append((plane_checkpoint(ckpt), name, path))

    staging = out.with_name(out.name + ".publishing")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "models").mkdir(parents=True)
    published, atlases, catalogue = [], {}, []
    try:
        for ckpt, name, path in loaded:
            entry = PublishedModel(name, model_title(ckpt, name), ckpt.dataset,
                                   "vae" if getattr(ckpt.config, "variational", False) else "ae")
            payload = model_payload(ckpt, name, lambda what, n=name: tick(f"{n}: {what}"),
                                    lambda kind, p=path: (known_map and known_map(p, kind)) or map_beside(p, kind))
            if ckpt.dataset not in atlases:
                tick(f"{name}: the atlas of real images")
                try:
                    test = load_images(ckpt.dataset, "test", data_root=data_dir, download=False)
                    png, n = atlas_png((test.images[:, 0].numpy() * 255).round().astype(np.uint8))
                    file = f"models/{ckpt.dataset}-atlas.png"
                    (staging / file).write_bytes(png)
                    atlases[ckpt.dataset] = {"file": file, "count": n, "columns": ATLAS_COLUMNS, "bytes": len(png)}
                except DataUnavailable as e:
                    atlases[ckpt.dataset] = {"missing": f"The {ckpt.dataset} test images were not on the machine that "
                                                        f"published this site, so the nearest real images are left out. ({e})"}
            atlas = atlases[ckpt.dataset]
            if "file" in atlas and len(ckpt.test_labels) < atlas["count"]:
                atlas = {"missing": "This model has fewer test codes than the atlas has images."}
            payload["atlas"] = {k: v for k, v in atlas.items() if k != "bytes"}
            if "missing" in atlas:
                entry.notes.append(atlas["missing"])
            else:
                entry.files[atlas["file"]] = atlas["bytes"]
            if payload["replay"] is None:
                entry.notes.append(payload["no_replay"])
            script = model_script(entry.title, payload)
            file = f"models/{name}.js"
            (staging / file).write_text(script)
            entry.files = {file: len(script.encode()), **entry.files}
            published.append(entry)
            catalogue.append({"name": name, "title": entry.title, "dataset": entry.dataset, "kind": entry.kind,
                              "file": file})
        tick("the page")
        shared = write_page(staging, catalogue)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Site(out, published, shared)


def write_page(folder: Path, catalogue: list[dict]) -> dict[str, int]:
    """index.html (with the catalogue), the assembled JavaScript and styles, and plotly.js."""
    import components
    files = {
        "latent-explorer.js": components.bundle("site", "classic"),
        "latent-explorer.css": components.css("latent_scatter", "draw_pad", "site"),
    }
    template = (COMPONENTS / "site.html").read_text()
    # In a JSON script element: `<` escaped so no text in it can close the element.
    from .maps import SHADINGS
    shadings = {name: {"label": label, "note": note} for name, (label, note) in SHADINGS.items()}
    data = json.dumps({"models": catalogue, "modelEvent": MODEL_EVENT, "shadings": shadings}).replace("<", "\\u003c")
    files["index.html"] = template.replace("{{catalogue}}", data).replace("{{title}}", html.escape("Latent Explorer"))
    sizes = {}
    for name, text in files.items():
        (folder / name).write_text(text)
        sizes[name] = len(text.encode())
    shutil.copyfile(plotly_source(), folder / "plotly.min.js")
    sizes["plotly.min.js"] = (folder / "plotly.min.js").stat().st_size
    return sizes
