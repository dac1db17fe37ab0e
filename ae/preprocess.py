"""Turning an uploaded photo or scan into a 28x28 image in the style of MNIST or Fashion-MNIST.

MNIST's recipe: grayscale, white digit on a black background, the digit's bounding box scaled to fit
20x20 (keeping its aspect ratio), then placed in a 28x28 frame so that its centre of mass is at the
centre. Fashion-MNIST's recipe (Xiao et al., 2017): trim the background, scale the longest edge to 28,
centre the shorter edge in the 28x28 frame, negate, grayscale. `prepare_image` does each step of the
dataset's recipe and keeps every intermediate image so the app can show them.
"""
from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 20 * 1024 * 1024
# What one decode may hold: 12 megapixels at up to 4 bytes a pixel. PNG, GIF, BMP and WebP decode at
# full size (Pillow cannot decode them reduced), so that is also their size limit.
MAX_PIXELS = 12_000_000
# A JPEG decodes straight at 1/2, 1/4 or 1/8 of its size (`_jpeg_draft_size`): a phone's 12, 24, 48 or
# 64-megapixel photo holds at most MAX_PIXELS while decoding. The limit stays under Pillow's own
# decompression-bomb guard (89 megapixels).
MAX_JPEG_PIXELS = 64_000_000
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")  # what the upload promises; nothing else is parsed
WORKING_SIDE = 2048  # images are reduced to this longest side right after decoding
# Which way the ink goes (dark on paper, or light on a dark ground) is read from the pixels that
# depart furthest from the background: the departure reached by this share of the pixels, darker
# and lighter, so a few specks of noise cannot decide it.
INK_SHARE = 1e-4
# ... and there is a drawing at all when that departure is at least this (of the full range): a
# faint pencil line on dim paper (80 on 117 of 255) is one; the grain of a blank sheet is not.
MIN_CONTRAST = 0.1
# At most two uploads are decoded and prepared at once (the machine's two cores), so ten people
# uploading together hold at most two decoded frames and two sets of working arrays, not ten.
_PREPARE_SLOTS = threading.BoundedSemaphore(2)


def limits_text() -> str:
    """The upload limits in words, for the page."""
    return (f"PNG, JPG, GIF, BMP or WebP; at most {MAX_BYTES // 2**20} MB; JPEG photos up to "
            f"{MAX_JPEG_PIXELS // 1_000_000} megapixels (a phone's full-size photo), other formats up to "
            f"{MAX_PIXELS // 1_000_000} megapixels")


class InvalidImage(ValueError):
    """The upload cannot be turned into a digit; the message says why."""


@dataclass
class PreparedDigit:
    image: np.ndarray  # (28, 28) float32 in [0, 1], white digit on black
    steps: list[tuple[str, np.ndarray]] = field(default_factory=list)  # (title, image in [0, 1])
    inverted: bool = False


def _lanczos(x: np.ndarray) -> np.ndarray:
    """Lanczos-3 kernel: sinc(x) sinc(x/3) on [-3, 3)."""
    return np.where((x >= -3) & (x < 3), np.sinc(x) * np.sinc(x / 3), 0.0)


def lanczos_weights(in_size: int, out_size: int) -> np.ndarray:
    """(out_size, in_size) resampling weights: Lanczos-3, widened by the scale when shrinking (so
    every input pixel counts), each row summing to 1; Pillow's LANCZOS, in float64 throughout."""
    scale = in_size / out_size
    widen = max(scale, 1.0)
    support = 3.0 * widen
    weights = np.zeros((out_size, in_size))
    for o in range(out_size):
        centre = (o + 0.5) * scale
        lo, hi = max(int(centre - support + 0.5), 0), min(int(centre + support + 0.5), in_size)
        w = _lanczos((np.arange(lo, hi) - centre + 0.5) / widen)
        weights[o, lo:hi] = w / w.sum() if w.sum() else w
    return weights


def resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """A float image resized with Lanczos-3 (rows, then columns), clipped to [0, 1], as float32.

    Written out here rather than left to Pillow, whose 8-bit passes round between steps and change
    between versions: the page's JavaScript (components/prepare.js) computes the same sums.
    """
    image = np.asarray(image, dtype=np.float64)
    h, w = image.shape
    out = lanczos_weights(h, height) @ image if height != h else image
    out = out @ lanczos_weights(w, width).T if width != w else out
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _scale_to_fit(crop: np.ndarray, box: int = 20) -> np.ndarray:
    h, w = crop.shape
    scale = box / max(h, w)
    return resize(np.clip(crop, 0, 1), max(1, round(h * scale)), max(1, round(w * scale)))


def centre_by_mass(digit: np.ndarray, size: int = 28) -> np.ndarray:
    """Place `digit` (at most size x size) in a size x size frame with its centre of mass in the middle."""
    h, w = digit.shape
    total = float(digit.sum(dtype=np.float64))
    if total <= 0:
        raise InvalidImage("The image has no ink left to centre.")
    rows, cols = np.indices(digit.shape)
    com_r, com_c = (rows * digit).sum(dtype=np.float64) / total, (cols * digit).sum(dtype=np.float64) / total
    # Where the digit's top-left goes so that its centre of mass lands on the frame's centre; clamped
    # so that the digit stays inside the frame. A symmetric digit's offset is a half pixel give or
    # take the sums' last bit: rounding to 9 decimals first makes it an exact tie, settled to even.
    top = int(np.clip(round(round((size - 1) / 2 - com_r, 9)), 0, size - h))
    left = int(np.clip(round(round((size - 1) / 2 - com_c, 9)), 0, size - w))
    frame = np.zeros((size, size), np.float32)
    frame[top:top + h, left:left + w] = digit
    return frame


def centre_box(item: np.ndarray, size: int = 28) -> np.ndarray:
    """Place `item` (at most size x size) in the middle of a size x size frame (Fashion-MNIST's way)."""
    h, w = item.shape
    frame = np.zeros((size, size), np.float32)
    top, left = (size - h) // 2, (size - w) // 2
    frame[top:top + h, left:left + w] = item
    return frame


def _read_image(data: bytes) -> Image.Image:
    """Decode uploaded bytes safely, or raise InvalidImage: only the promised formats, size limits,
    no decompression bombs; upright (EXIF orientation) and reduced to
    WORKING_SIDE; 16-bit greyscale scaled to 8 bits."""
    if len(data) == 0:
        raise InvalidImage("The file is empty.")
    if len(data) > MAX_BYTES:
        raise InvalidImage(f"The file is {len(data) / 2**20:.0f} MB; please upload at most {MAX_BYTES // 2**20} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=FORMATS)
            jpeg = img.format == "JPEG"
            limit = MAX_JPEG_PIXELS if jpeg else MAX_PIXELS
            if img.width * img.height > limit:
                kind = "a JPEG" if jpeg else f"a {img.format} image" if img.format else "an image"
                raise InvalidImage(f"The image is {img.width}x{img.height} pixels; please upload {kind} of at "
                                   f"most {limit // 1_000_000} megapixels"
                                   + ("." if jpeg else f" (JPEG photos up to {MAX_JPEG_PIXELS // 1_000_000})."))
            if jpeg:
                img.draft("L", _jpeg_draft_size(img.size))  # reduced, and straight to greyscale when colour
                if img.width * img.height > MAX_PIXELS:  # not reduced (a JPEG of several tiles)
                    raise InvalidImage(f"The image is {img.width}x{img.height} pixels and cannot be decoded "
                                       f"reduced; please upload one of at most {MAX_PIXELS // 1_000_000} megapixels.")
            img.load()
            img = ImageOps.exif_transpose(img)  # a phone photo's orientation tag: show it upright
            img = _eight_bit(img)
            if max(img.size) > WORKING_SIDE:
                img.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.LANCZOS)
    except InvalidImage:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InvalidImage(f"That file is not an image this page reads ({limits_text()})."
                           if isinstance(e, UnidentifiedImageError) else
                           "The image is too large to decode safely.") from None
    except (OSError, ValueError, SyntaxError) as e:
        raise InvalidImage(f"The image could not be decoded ({e}).") from None
    return img


def _jpeg_draft_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size to ask JPEG's draft for: reduced by the largest of 1, 2, 4, 8 that keeps the long side
    at least WORKING_SIDE, and further while the result would exceed MAX_PIXELS."""
    w, h = size
    s = 1
    while s < 8 and (max(w, h) // (2 * s) >= WORKING_SIDE or -(-w // s) * -(-h // s) > MAX_PIXELS):
        s *= 2
    return max(1, w // s), max(1, h // s)  # draft divides by at least s: w // (w // s) >= s


def _eight_bit(img: Image.Image) -> Image.Image:
    """16- and 32-bit greyscale (a scanner's PNG) as 8-bit "L", using the full 16-bit range; palette
    images as RGBA, so that reducing them blends instead of picking pixels."""
    if img.mode.startswith("I") or img.mode == "F":
        values = np.asarray(img, dtype=np.float32)
        top = 65535.0 if img.mode.startswith("I;16") or values.max() > 255 else 255.0
        return Image.fromarray(np.uint8(np.clip(values / top, 0, 1) * 255 + 0.5), mode="L")
    if img.mode == "P":
        return img.convert("RGBA")
    return img


def ink_polarity(levels: np.ndarray, gray: np.ndarray) -> tuple[np.float32, bool, np.float32]:
    """(the background's tone, whether the ink is darker than it, how far the ink departs from it)
    for an 8-bit greyscale image (`levels`, uint8) and its float32 tones (`gray`, levels / 255).

    The background is the median of the image's border (paper reaches the edge of a photo or a
    scan, whatever its brightness). The ink is whatever departs furthest from it: darker (pen on
    paper, even paper as dim as 117 of 255 under indoor light) or lighter (chalk, a white-on-black
    drawing), compared by the departure that INK_SHARE of the pixels reach on each side. When both
    sides reach the same, light paper (a background above 0.5) means dark ink, as before. Counted
    over the 256 tones, not the pixels: a 12-megapixel photo needs no copy of itself for this.
    components/prepare.js decides the same way, in the same float32 steps.
    """
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = np.median(border).astype(np.float32)
    counts = np.bincount(levels.ravel(), minlength=256)
    tones = np.arange(256, dtype=np.float32) / np.float32(255)
    k = max(1, int(levels.size * INK_SHARE))
    darker = departure(background - tones, counts, k)
    lighter = departure(tones - background, counts, k)
    inverted = bool(darker > lighter or (darker == lighter and background > 0.5))
    return background, inverted, (darker if inverted else lighter)


def departure(by_tone: np.ndarray, counts: np.ndarray, k: int) -> np.float32:
    """The departure (one per tone, positive on this side) that the k pixels departing most reach;
    0 when fewer than k pixels depart at all."""
    order = np.argsort(-by_tone, kind="stable")
    reached = np.cumsum(np.where(by_tone[order] > 0, counts[order], 0))
    at = int(np.searchsorted(reached, k))  # the first tone at which k pixels are counted
    return by_tone[order[at]] if at < len(order) and by_tone[order[at]] > 0 else np.float32(0)


def prepare_image(data: bytes, dataset: str = "mnist") -> PreparedDigit:
    """Bytes of a PNG/JPG (or any image PIL reads) -> a 28x28 image in the dataset's style, every step
    kept; at most two at a time in the process."""
    with _PREPARE_SLOTS:
        return _prepare(data, dataset)


def _prepare(data: bytes, dataset: str) -> PreparedDigit:
    img = _read_image(data)
    what = "digit" if dataset == "mnist" else "item"
    steps: list[tuple[str, np.ndarray]] = []
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        # Transparent pixels count as paper: flatten onto white.
        canvas = Image.new("RGBA", img.size, (255, 255, 255, 255))
        canvas.alpha_composite(img.convert("RGBA"))
        img = canvas
    levels = np.asarray(img.convert("L"))
    gray = levels.astype(np.float32) / np.float32(255)
    steps.append(("grayscale", gray))

    background, inverted, contrast = ink_polarity(levels, gray)
    del levels
    if contrast < MIN_CONTRAST:
        raise InvalidImage(f"No {what} found: the image is (nearly) blank.")
    # In place, one array: a photo's working image is 3 megapixels of float32.
    ink = np.subtract(background, gray) if inverted else np.subtract(gray, background)
    np.maximum(ink, 0, out=ink)
    peak = float(ink.max())
    ink /= np.float32(peak)
    ink[ink < 0.1] = 0.0  # paper grain and JPEG noise
    steps.append(("dark background" + (" (inverted)" if inverted else ""), ink))

    rows, cols = np.nonzero(ink > 0.2)
    if len(rows) == 0:
        raise InvalidImage(f"No {what} found: the image is (nearly) blank.")
    crop = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    steps.append(("cropped", crop))
    if dataset != "mnist":
        scaled = _scale_to_fit(crop, box=28)
        steps.append(("longest edge scaled to 28", scaled))
        final = centre_box(scaled)
        steps.append(("centred in 28x28", final))
        return PreparedDigit(final, steps, inverted)
    scaled = _scale_to_fit(crop)
    steps.append(("scaled into 20x20", scaled))
    final = centre_by_mass(scaled)
    steps.append(("centred by mass in 28x28", final))
    return PreparedDigit(final, steps, inverted)


def prepare_digit(data: bytes) -> PreparedDigit:
    """An MNIST-style digit from image bytes (see `prepare_image`)."""
    return prepare_image(data, "mnist")
