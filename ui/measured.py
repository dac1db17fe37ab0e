"""What the app measures on a checkpoint that depends only on the checkpoint's file (its round-trip
scale, its three limits, each class's share of the plane, the judge's confidences, the drift and
sensitivity maps), kept on disk
beside the published files: static/measured/<stem>-<sha256 of the file, 16 digits>.json. A server
process, a replica or the next start reads it there instead of measuring again; a new version of the
file has a new hash, so nothing stale is read. Anything unreadable in the store is measured again.

The shipped checkpoints' measurements are shipped too (checkpoints/measured/, made by
`python -m ui.measured`; tests/test_measured.py checks they belong to the checkpoints as they are),
so a fresh clone's first visits read them. `ModelView.kept` is the one way pages use the store; the
codecs turn each measurement into JSON and back. The files' format is `ae.kept`'s (the library's
site publisher reads the shipped maps too).
"""
from __future__ import annotations

import dataclasses
import json
import re
import threading
import typing
from pathlib import Path
from typing import Any, Callable, NamedTuple

import numpy as np

from ae import kept
from ae.files import write_atomically
from ae.kept import RECIPE, content_hash  # noqa: F401 (the store's format, defined in ae.kept)
from ui import mounts

STORE = mounts.STATIC_DIR / "measured"
SHIPPED_STORE = mounts.ROOT / "checkpoints" / kept.BESIDE  # read only, for the shipped checkpoints
_writing = threading.Lock()


class Codec(NamedTuple):
    save: Callable[[Any], Any]  # the measurement -> JSON-ready data
    load: Callable[[Any], Any]  # that data -> the measurement (raises on anything unexpected)


ARRAY = Codec(lambda a: np.asarray(a, dtype=np.float64).tolist(), lambda d: np.asarray(d, dtype=np.float64))


MAP = Codec(lambda m: m, kept.checked_map)  # a shading map of ae.maps (JSON-ready already), checked when read


def version_of(path: Path) -> str:
    """A file's content hash, or "none" when there is no such file (a dataset without its judge).
    Hashed once per file version (its modification time and size): pages ask on every rerun."""
    return kept.version_hash(path) if Path(path).is_file() else "none"


def store_path(path: Path, digest: str) -> Path:
    return STORE / kept.file_name(path, digest)


def read(path: Path, digest: str) -> dict:
    """Everything kept for this version of the checkpoint file (an empty dict when nothing is): what
    this app measured, over what was shipped with it."""
    return kept.read_from([SHIPPED_STORE, STORE], path, digest)


def write(path: Path, digest: str, kind: str, data) -> None:
    """Keep one more measurement of this version (others kept before stay); older versions' files go."""
    with _writing:
        record = read(path, digest) or {"recipe": RECIPE, "checkpoint": Path(path).name}
        record[kind] = data
        target = store_path(path, digest)
        try:
            write_atomically(target, json.dumps(record).encode())
        except OSError:
            return  # a read-only folder: measured again next time, nothing else changes
        earlier = re.compile(re.escape(Path(path).stem) + r"-[0-9a-f]{16}\.json")
        for old in STORE.glob(f"{Path(path).stem}-*.json"):
            if old != target and earlier.fullmatch(old.name):
                old.unlink(missing_ok=True)


def dataclass_codec(cls) -> Codec:
    """A codec for a (nested) dataclass of numbers, such as `ae.limits.ModelLimits`."""
    def load(data, kind=cls):
        types = typing.get_type_hints(kind)
        return kind(**{f.name: load(data[f.name], types[f.name]) if dataclasses.is_dataclass(types[f.name])
                       else float(data[f.name]) for f in dataclasses.fields(kind)})
    return Codec(dataclasses.asdict, load)


def measure_shipped() -> list[Path]:
    """Measure every shipped checkpoint as the pages do and ship what was kept: checkpoints/measured/
    (older versions' files removed). Run after a shipped checkpoint or a measurement's recipe changes."""
    from ui import backdrops, catalog
    from ui.comparison import limits_for
    from ui.view import view_of

    shipped = []
    for old in SHIPPED_STORE.glob("*.json"):
        old.unlink()
    for name in catalog.list_checkpoints():
        view, problem = view_of(name)
        if view is None or catalog.checkpoint_path(name).parent != catalog.CHECKPOINT_DIR:
            continue
        view.round_trip, view.class_shares("box"), view.class_shares("prior")
        if view.judge()[0] is not None:
            view.test_confidences()
        limits_for(view)
        for kind in backdrops.KEPT:
            backdrops.shading_map(view, kind)
        SHIPPED_STORE.mkdir(parents=True, exist_ok=True)
        target = SHIPPED_STORE / store_path(view.ckpt.path, view.digest).name
        target.write_text(json.dumps(read(view.ckpt.path, view.digest), indent=0, sort_keys=True) + "\n")
        shipped.append(target)
    return shipped


if __name__ == "__main__":
    for done in measure_shipped():
        print(done.relative_to(mounts.ROOT))
