"""Writing a file so that no reader ever sees half of it, and cleaning up after a writer that was
killed. The one atomic write of the project: checkpoints, classifiers and the app's published
payloads all go through it. Imports nothing heavy (no torch), so the app's components can use it
before the model loads.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable


def write_atomically(path: str | Path, content: bytes | Callable[[BinaryIO], None]) -> Path:
    """Write `content` (bytes, or a function writing to a binary file) to a temporary file in the
    same folder, flush it to disk, then rename it over `path`: readers see the old file or the new
    one, never a part. A failure leaves `path` as it was and removes the temporary file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes files private; these are normal files
        with os.fdopen(fd, "wb") as f:
            if callable(content):
                content(f)
            else:
                f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def remove_leftovers(path: str | Path) -> list[Path]:
    """Delete the temporary files an interrupted write of `path` left beside it (`<name>.XXXX.tmp`).

    A writer killed between writing and renaming leaves one; the next run writing the same file
    removes them. Returns what was removed.
    """
    path = Path(path)
    leftovers = sorted(path.parent.glob(f"{glob_escape(path.name)}.*.tmp")) if path.parent.is_dir() else []
    for tmp in leftovers:
        tmp.unlink(missing_ok=True)
    return leftovers


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
