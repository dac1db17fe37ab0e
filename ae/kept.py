"""Measurements kept on disk per version of a checkpoint's file: the file format, defined once. One
JSON object per version, `<stem>-<sha256 of the file, 16 digits>.json`, holding a `recipe` number
and one entry per kind of measurement; a new version of the file has a new hash, so nothing stale
is read, and a file of another recipe, or one that cannot be read, counts as nothing kept.

The app keeps its own in static/measured/ and ships the shipped checkpoints' in a `measured/` folder
beside them (ui/measured.py, which writes them); `ae.site` reads the shading maps kept beside a
checkpoint (`map_beside`), so publishing a shipped model does not measure them again.
"""
from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

RECIPE = 1  # raised when a measurement's recipe changes: files of an older recipe are not read
BESIDE = "measured"  # the folder beside a checkpoint that holds its shipped measurements


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def version_hash(path: Path) -> str:
    """`content_hash`, computed once per version of the file (its modification time and size)."""
    stat = Path(path).stat()
    return _hash_of_version(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _hash_of_version(path: str, mtime_ns: int, size: int) -> str:
    return content_hash(Path(path))


def file_name(path: Path, digest: str) -> str:
    """The name of the file that keeps the measurements of this version of the checkpoint `path`."""
    return f"{Path(path).stem}-{digest}.json"


def read_from(folders, path: Path, digest: str) -> dict:
    """What `folders` (in order, later ones overriding) keep for this version of the checkpoint file;
    an empty dict when nothing is."""
    kept = {}
    for folder in folders:
        try:
            found = json.loads((Path(folder) / file_name(path, digest)).read_text())
        except (OSError, ValueError):
            continue
        if isinstance(found, dict) and found.get("recipe") == RECIPE:
            kept.update(found)
    return kept


def checked_map(data) -> dict:
    """A shading map as `ae.maps` makes it (its grid and values, JSON-ready), checked; ValueError if not."""
    if not isinstance(data, dict) or not all(isinstance(data.get(k), list) for k in ("x", "y", "z")):
        raise ValueError("not a shading map")
    if len(data["z"]) != len(data["y"]) or any(not isinstance(row, list) or len(row) != len(data["x"]) for row in data["z"]):
        raise ValueError("a shading map whose values do not fit its grid")
    return data


def map_beside(path: Path, kind: str) -> dict | None:
    """The shading map `kind` ("drift", "sensitivity") kept beside the checkpoint `path`
    (`measured/` in its folder) for this version of the file, or None."""
    path = Path(path)
    folder = path.parent / BESIDE
    if not (folder.is_dir() and path.is_file()):
        return None
    found = read_from([folder], path, version_hash(path)).get(f"map-{kind}")
    try:
        return checked_map(found) if found is not None else None
    except ValueError:
        return None  # damaged: measured again
