"""Latent Explorer: `streamlit run app.py`. Lists the pages; the explorer opens first."""
import streamlit as st

import components
from ui.server import use_one_torch_thread

use_one_torch_thread()  # before any page imports torch

# No icons on the pages: Streamlit fetches a material icon from a font CDN to use as the tab's icon,
# and the app makes no request beyond its own server. The tab shows the app's own icon instead.
st.set_page_config(page_icon=components.PAGE_ICON)
# Less empty space above each page's title, so that a plot and its panel fit a 1280x720 projector.
st.html("<style>[data-testid='stMainBlockContainer'] { padding-top: 2.5rem; }</style>")

PAGES = [
    st.Page("app_pages/0_Explorer.py", title="Latent Explorer", default=True),
    st.Page("app_pages/1_Reconstructions.py", url_path="reconstructions", title="Reconstructions"),
    st.Page("app_pages/2_Latent_grid.py", url_path="latent-grid", title="Latent grid"),
    st.Page("app_pages/3_Random_sampling.py", url_path="random-sampling", title="Random sampling and the three limits"),
    st.Page("app_pages/4_Interpolation.py", url_path="interpolation", title="Interpolation"),
    st.Page("app_pages/5_Your_own_digit.py", url_path="your-own-digit", title="Your own image"),
    st.Page("app_pages/6_Compare.py", url_path="compare", title="Autoencoder vs VAE"),
    st.Page("app_pages/7_Train.py", url_path="train", title="Train"),
]
st.navigation(PAGES).run()
