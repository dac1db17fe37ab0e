"""Text that comes from outside (links, file names, typed input): shown exactly as typed, and typed
numbers read with a message saying what is wrong. Pure functions, unit-tested without a browser."""
from __future__ import annotations

import re

_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Where GitHub's autolink literals begin, in escaped text: the colon after http/https, the dot after
# www, and an at sign (remark-gfm's patterns: tests/test_safety.py runs Streamlit's own against them).
_AUTOLINK_START = re.compile(r"(?i)(?<=http)(?=\\:)|(?<=https)(?=\\:)|(?<=www)(?=\\\.)|(?=\\@)")
WORD_JOINER = "\u2060"  # invisible, and no line break at it
_INDEX = re.compile(r"[0-9]{1,9}")  # ASCII digits only: str.isdigit() also accepts "²", which int() refuses


def plain_text(text) -> str:
    """`text` (from a link, a file name, a checkpoint) escaped so Streamlit's Markdown shows it as typed.

    Every ASCII punctuation character gets a backslash (CommonMark renders an escaped one literally),
    so no link, image, HTML tag, emoji or icon shortcode or LaTeX can come out of it; line breaks
    become spaces. Escapes do not stop GitHub's autolinks (Streamlit finds `http://`, `www.` and
    e-mail addresses in the text after the escapes are read), so an invisible word joiner goes where
    each of those would start a link: before the colon of `http:`/`https:`, the dot of `www.` and
    an `@`. The text looks the same; a bare URL stays text.
    """
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))
    return _AUTOLINK_START.sub(WORD_JOINER, escaped)


def format_point(point) -> str:
    return f"({point[0]:.3f}, {point[1]:.3f})"


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
