"""The app's script: the page list (st.navigation, pages from ui/site.py), explorer first. Streamlit
runs it for every session (app.py starts the server)."""
import streamlit as st

from ui import mounts
from ui.server import use_one_torch_thread
from ui.site import PAGES

use_one_torch_thread()  # before any page imports torch

# No icons on the pages: Streamlit fetches a material icon from a font CDN to use as the tab's icon,
# and the app makes no request beyond its own server. The tab shows the app's own icon instead.
st.set_page_config(page_icon=mounts.PAGE_ICON)
# Less empty space above each page's title, so that a plot and its panel fit a 1280x720 projector.
st.html("<style>[data-testid='stMainBlockContainer'] { padding-top: 2.5rem; }</style>")

st.navigation([st.Page(page.script, url_path=page.url_path or None, title=page.title, default=not page.url_path)
               for page in PAGES]).run()
