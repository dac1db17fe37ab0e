"""Pictures and tables for a teacher's slides, as file bytes: a row of decodings (an interpolation) as an
animated GIF and as numbered PNG frames in a zip, the replay of how a latent space formed drawn as
GIF frames, and plotted codes with their labels as CSV. Pillow and the standard library only: no
plotting library, usable from a notebook."""
from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
from PIL import Image, ImageDraw

from ae.maps import PALETTE


def upscale(image: np.ndarray, size: int = 280) -> np.ndarray:
    """A [0, 1] float image -> uint8, enlarged by an integer factor with hard pixel edges (no blur)."""
    factor = max(1, size // max(image.shape))
    pixels = np.clip(np.rint(np.asarray(image, dtype=np.float32) * 255), 0, 255).astype(np.uint8)
    return np.kron(pixels, np.ones((factor, factor), dtype=np.uint8))


def _pixels(image: np.ndarray, size: int) -> Image.Image:
    return Image.fromarray(upscale(image, size), mode="L")


def gif_bytes(frames: list[Image.Image], ms_per_frame: int = 150) -> bytes:
    """Frames as an animated GIF that loops forever (the last frame held three times as long)."""
    if not frames:
        raise ValueError("an animation needs at least one frame")
    durations = [ms_per_frame] * (len(frames) - 1) + [3 * ms_per_frame]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0,
                   optimize=False, disposal=1)
    return buffer.getvalue()


def strip_gif(images, size: int = 280, ms_per_frame: int = 150) -> bytes:
    """Decodings (n, H, W) in [0, 1] as an animated GIF, one image per frame, `size` pixels a side."""
    return gif_bytes([_pixels(image, size) for image in images], ms_per_frame)


def frames_zip(frames: list[Image.Image], stem: str) -> bytes:
    """Frames as PNG files `stem-000.png`, `stem-001.png`, ... in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for k, frame in enumerate(frames):
            png = io.BytesIO()
            frame.save(png, format="PNG")
            archive.writestr(f"{stem}-{k:03d}.png", png.getvalue())
    return buffer.getvalue()


def strip_frames(images, size: int = 280) -> list[Image.Image]:
    return [_pixels(image, size) for image in images]


def codes_csv(codes, labels, class_names: list[str], index=None) -> str:
    """Codes with their labels as CSV: index, z1, z2 (, z3 ...), label, class."""
    codes = np.asarray(codes)
    index = np.arange(len(codes)) if index is None else np.asarray(index)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["index", *(f"z{d + 1}" for d in range(codes.shape[1])), "label", "class"])
    for i, code, label in zip(index, codes, labels):
        writer.writerow([int(i), *(f"{v:.6g}" for v in code), int(label), class_names[int(label)]])
    return out.getvalue()


def scatter_frames(snapshots, labels, titles: list[str], size: int = 480, keep=None) -> list[Image.Image]:
    """Each snapshot of codes (n, 2) drawn as a scatter on white, coloured by class with the app's
    palette, zoomed to its own codes (as the app's replay is), its title at the top."""
    labels = np.asarray(labels)
    keep = np.arange(len(labels)) if keep is None else keep
    margin, top = 12, 28
    frames = []
    for codes, title in zip(snapshots, titles):
        codes = np.asarray(codes)[keep]
        lo, hi = codes.min(axis=0), codes.max(axis=0)
        span = float(max(hi - lo)) or 1.0
        centre = (lo + hi) / 2
        scale = (size - 2 * margin - top) / span
        frame = Image.new("RGB", (size, size), "white")
        draw = ImageDraw.Draw(frame)
        draw.text((margin, 8), title, fill="#141414")
        for (x, y), label in zip(codes, labels[keep]):
            cx = size / 2 + (x - centre[0]) * scale
            cy = top + (size - top) / 2 - (y - centre[1]) * scale
            draw.ellipse((cx - 2, cy - 2, cx + 2, cy + 2), fill=PALETTE[int(label) % len(PALETTE)])
        frames.append(frame)
    return frames
