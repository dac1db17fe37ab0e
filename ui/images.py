"""Images on screen: [0, 1] arrays enlarged with hard pixel edges, as PNG bytes or inline HTML, and the
size they are drawn at (larger with the sidebar's projector switch)."""
from __future__ import annotations

import base64
import html
import io

import numpy as np
import streamlit as st
from PIL import Image

from ae.slides import upscale  # one enlargement for the pages and the slides


def preparation_step(image: np.ndarray, width: int = 140) -> np.ndarray:
    """One step of preparing an upload, as uint8 to show `width` pixels wide: a large step (a phone
    photo's 2048-pixel greyscale) reduced to twice that first, so that it is not encoded whole for
    a thumbnail; a small one enlarged with hard pixel edges. A grey frame shows the step's true
    extent: a light crop would vanish into the white page."""
    pixels = np.clip(np.rint(np.asarray(image, dtype=np.float32) * 255), 0, 255).astype(np.uint8)
    if max(pixels.shape) > 2 * width:
        reduced = Image.fromarray(pixels, mode="L")
        reduced.thumbnail((2 * width, 2 * width), Image.Resampling.LANCZOS)
        pixels = np.asarray(reduced)
    framed = np.pad(pixels, max(1, max(pixels.shape) // 40), constant_values=128)
    return upscale(framed / 255.0, width) if max(framed.shape) <= width else framed


def png_bytes(image: np.ndarray, size: int = 280) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(upscale(image, size), mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def pixel_figures_html(images, captions, size: int, *, kind: str = "lx-figure", alts=None) -> str:
    """HTML for images as inline PNG data URIs, enlarged by the browser with hard pixel edges.

    Inline images arrive in the same message as their captions: no extra HTTP request per image,
    so a decoded point shows up in one piece right after a click. `alts` are the images' text
    alternatives for a screen reader (what each image is, in a sentence); the captions by default.
    """
    parts = []
    for image, caption, alt in zip(images, captions, alts or captions):
        small = base64.b64encode(png_bytes(image, size=max(np.shape(image)))).decode()
        parts.append(f'<figure class="{kind}" style="display:inline-block;margin:0 4px 4px 0;text-align:center;max-width:{size}px">'
                     f'<img src="data:image/png;base64,{small}" alt="{html.escape(alt)}" '
                     f'style="width:{size}px;max-width:100%;height:auto;object-fit:fill;image-rendering:pixelated;display:block">'
                     f'<figcaption style="font-size:0.8rem;color:#666">{html.escape(caption)}</figcaption></figure>')
    return "".join(parts)


def px(size: int) -> int:
    """An image size in pixels, enlarged when the sidebar's 'Large images' is on."""
    return round(size * 1.6) if st.session_state.get("lx_large") else size


def image_strip(images: np.ndarray, captions: list[str], alts: list[str], width: int = 84) -> None:
    """A row of small upscaled images, each with its caption and its text alternative."""
    st.markdown(pixel_figures_html(images, captions, px(width), alts=alts), unsafe_allow_html=True)


def pixel_picture(pixels: np.ndarray, alt: str, caption: str = "", width: int | None = None) -> None:
    """One uint8 picture (a wall of decodings, a step of preparing an upload) `width` pixels wide, else as
    wide as its column, with its caption and its text alternative."""
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="PNG")
    data = base64.b64encode(buffer.getvalue()).decode()
    below = f'<figcaption style="font-size:0.875rem;color:#555">{html.escape(caption)}</figcaption>' if caption else ""
    st.markdown(f'<figure class="lx-picture" style="margin:0"><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" '
                f'style="width:{f"{width}px" if width else "100%"};max-width:100%;height:auto;image-rendering:pixelated;display:block">'
                f'{below}</figure>',
                unsafe_allow_html=True)
