"""Lessons: an ordered list of steps, each a saved view of one page with a caption, kept as a small
JSON file or carried in a link. This module owns the file format, its checks and the link's
encoding; what a page's view holds is the app's to say (`ui.lesson`), passed in as `views`.

A lesson file::

    {"format": "latent-explorer-lesson", "version": 1, "title": "Chapter 3 in ten steps",
     "steps": [{"page": "interpolation", "caption": "A line from a 1 to a 7 ...",
                "view": {"lx_dataset": "mnist", "lx_checkpoint": "mnist_ae_z2.pt", "ip_steps": 12}}]}

A caption may ask for a measured number, `{mnist_ae_z2:box.gaps}` (a checkpoint's stem, a sampler of
`ae.limits.SAMPLERS`, a field of `ae.limits.MEASURES`), filled in from the model when shown.
Everything read from outside is checked here and refused with one sentence (`LessonError`); nothing
in a file is ever run or shown as markup.
"""
from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import math
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

FORMAT = "latent-explorer-lesson"
VERSION = 1
MAX_BYTES = 256_000  # a lesson file (ten steps are about 3 KB)
MAX_LINK_CHARS = 12_000  # a lesson in a link, encoded; browsers and servers take URLs of this length
MAX_STEPS = 60
MAX_TITLE = 120
MAX_CAPTION = 800
MAX_TEXT = 200  # a text value in a view (a checkpoint's name, typed indices)
MAX_NUMBER = 1e6  # larger numbers are no setting of any page
# {checkpoint-stem:sampler.measure}: a number measured on a model, filled in when the step is shown.
MEASURE = re.compile(r"\{([A-Za-z0-9_.\-]{1,80}):([a-z]+)\.([a-z_]+)\}")


class LessonError(ValueError):
    """A lesson file or link that cannot be opened; the message says why, in one sentence."""


@dataclass(frozen=True)
class Step:
    """One view of one page (`page`: its address, "" for the explorer), and what to say about it."""
    page: str
    view: Mapping[str, object] = field(default_factory=dict)
    caption: str = ""


@dataclass(frozen=True)
class Lesson:
    title: str
    steps: tuple[Step, ...] = ()

    def with_step(self, step: Step) -> Lesson:
        return Lesson(self.title, self.steps + (step,))

    def without_step(self, number: int) -> Lesson:
        return Lesson(self.title, self.steps[:number] + self.steps[number + 1:])


def lesson_json(lesson: Lesson) -> str:
    """The lesson as its file's text."""
    return json.dumps({"format": FORMAT, "version": VERSION, "title": lesson.title,
                       "steps": [{"page": s.page, "caption": s.caption, "view": dict(s.view)} for s in lesson.steps]},
                      indent=1, ensure_ascii=False) + "\n"


def read_lesson(data: bytes | str, views: Mapping[str, Sequence[str]]) -> Lesson:
    """The lesson in a file's bytes (or text), checked. `views`: for each page's address, the patterns
    (fnmatch) of the keys its view may hold. Raises LessonError saying what is wrong."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_BYTES:
        raise LessonError(f"This file is {len(data):,} bytes; a lesson file is at most {MAX_BYTES:,}.")
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise LessonError("This is not a lesson file: it is not JSON text.") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise LessonError(f"This is not a lesson file: it does not say \"format\": \"{FORMAT}\".")
    if raw.get("version") != VERSION:
        raise LessonError(f"This lesson file is of version {str(raw.get('version'))[:20]}; this app reads version {VERSION}.")
    title = raw.get("title", "")
    if not isinstance(title, str) or len(title) > MAX_TITLE:
        raise LessonError(f"The lesson's title must be text of at most {MAX_TITLE} characters.")
    steps = raw.get("steps")
    if not isinstance(steps, list) or not steps:
        raise LessonError("The lesson has no steps.")
    if len(steps) > MAX_STEPS:
        raise LessonError(f"The lesson has {len(steps)} steps; at most {MAX_STEPS} are allowed.")
    return Lesson(title.strip() or "Untitled lesson", tuple(_step(s, n, views) for n, s in enumerate(steps, 1)))


def _step(raw, number: int, views: Mapping[str, Sequence[str]]) -> Step:
    where = f"Step {number}"
    if not isinstance(raw, dict):
        raise LessonError(f"{where} is not an object with a page, a caption and a view.")
    page, caption, view = raw.get("page"), raw.get("caption", ""), raw.get("view", {})
    if not isinstance(page, str) or page not in views:
        raise LessonError(f"{where} names the page {str(page)[:40]!r}, which this app does not have.")
    if not isinstance(caption, str) or len(caption) > MAX_CAPTION:
        raise LessonError(f"{where}'s caption must be text of at most {MAX_CAPTION} characters.")
    if not isinstance(view, dict):
        raise LessonError(f"{where}'s view is not an object of settings.")
    for key, value in view.items():
        if not any(fnmatch.fnmatchcase(key, pattern) for pattern in views[page]):
            raise LessonError(f"{where} sets {str(key)[:40]!r}, which is no setting of that page.")
        if not plain_value(value):
            raise LessonError(f"{where} sets {key} to a value no page takes (text, a number, a point, a list of points).")
    return Step(page, dict(view), caption)


def plain_value(value, depth: int = 0) -> bool:
    """A value a page's setting can hold: None, a flag, a finite number of modest size, short text,
    or a short list of those (a point, a list of points)."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, (int, float)):
        return math.isfinite(value) and abs(value) <= MAX_NUMBER
    if isinstance(value, str):
        return len(value) <= MAX_TEXT
    if isinstance(value, list):
        return depth < 2 and len(value) <= 8 and all(plain_value(v, depth + 1) for v in value)
    return False


def lesson_link(lesson: Lesson) -> str:
    """The lesson as one URL-safe word (compressed JSON in base64url), for `?lesson=`."""
    packed = zlib.compress(lesson_json(lesson).encode("utf-8"), 9)
    return base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def lesson_from_link(text: str, views: Mapping[str, Sequence[str]]) -> Lesson:
    """The lesson a `?lesson=` word carries (see `lesson_link`), checked as a file is."""
    text = str(text).strip()
    if len(text) > MAX_LINK_CHARS:
        raise LessonError("The link's lesson is too long to be one this app made.")
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", text or "!"):
        raise LessonError("The link's lesson is neither a lesson this app ships nor one it made.")
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        unpacker = zlib.decompressobj()
        data = unpacker.decompress(packed, MAX_BYTES + 1)  # a bounded read: a link cannot unpack into gigabytes
    except (binascii.Error, ValueError, zlib.error):
        raise LessonError("The link's lesson is damaged (cut short when copied?).") from None
    if len(data) > MAX_BYTES or unpacker.unconsumed_tail:
        raise LessonError("The link's lesson is too long to be one this app made.")
    if not unpacker.eof:
        raise LessonError("The link's lesson is damaged (cut short when copied?).")
    return read_lesson(data, views)


def measures_asked(caption: str) -> list[tuple[str, str, str]]:
    """The (checkpoint stem, sampler, measure) of each measured number a caption asks for."""
    return [m.groups() for m in MEASURE.finditer(caption)]


def fill_caption(caption: str, measure: Callable[[str, str, str], str]) -> str:
    """The caption with each `{stem:sampler.measure}` replaced by `measure(stem, sampler, name)` (text)."""
    return MEASURE.sub(lambda m: measure(*m.groups()), caption)
