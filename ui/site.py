"""The app's pages: script, address and title, listed once for the page list (navigation.py) and for
the page that answers an address the app has no page for (`ui.no_such_page`). No Streamlit import:
the server's middleware reads it too."""
from __future__ import annotations

from typing import NamedTuple


class PageEntry(NamedTuple):
    script: str  # relative to the project root
    url_path: str  # "" for the explorer, the default page
    title: str
    scatter: bool = False  # it mounts the app's own scatter or drawing pad (plotly.js from static/)


PAGES = (
    PageEntry("app_pages/0_Explorer.py", "", "Latent Explorer", scatter=True),
    PageEntry("app_pages/1_Reconstructions.py", "reconstructions", "Reconstructions"),
    PageEntry("app_pages/2_Latent_grid.py", "latent-grid", "Latent grid"),
    PageEntry("app_pages/3_Random_sampling.py", "random-sampling", "Random sampling and the three limits"),
    PageEntry("app_pages/4_Interpolation.py", "interpolation", "Interpolation", scatter=True),
    PageEntry("app_pages/5_Your_own_digit.py", "your-own-digit", "Your own image", scatter=True),
    PageEntry("app_pages/6_Compare.py", "compare", "Compare two models", scatter=True),
    PageEntry("app_pages/7_Train.py", "train", "Train"),
)
