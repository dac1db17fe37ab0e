"""The app's script: the page list (st.navigation, pages from ui/site.py), explorer first. Streamlit
runs it for every session (app.py starts the server)."""
import streamlit as st

from ui import lesson, mounts
from ui.server import use_one_torch_thread
from ui.site import PAGES

use_one_torch_thread()  # before any page imports torch

# No icons on the pages: Streamlit fetches a material icon from a font CDN to use as the tab's icon,
# and the app makes no request beyond its own server. The tab shows the app's own icon instead.
st.set_page_config(page_icon=mounts.PAGE_ICON)
page = st.navigation([st.Page(page.script, url_path=page.url_path or None, title=page.title, default=not page.url_path)
                      for page in PAGES])
# Less empty space above each page's title, so that a plot and its panel fit a 1280x720 projector.
# .lx-sr-only: text for screen readers only (a chart's summary, ui.figures.chart), not drawn.
# On a page with the app's scatter, plotly.js on its way into the browser's cache from this, the
# page's first element, on (ui.mounts).
scatter = any(p.scatter for p in PAGES if p.url_path == page.url_path)
st.html("<style>[data-testid='stMainBlockContainer'] { padding-top: 2.5rem; }"
        ".lx-sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);"
        " clip-path: inset(50%); white-space: nowrap; }</style>" + (mounts.fetch_early_html() if scatter else ""),
        unsafe_allow_javascript=True)
# A lesson (ui.lesson) around every page: opened from the link, a step restored before the page's
# widgets exist, its bar above the page and its tools at the top of the sidebar.
address = page.url_path if page.url_path in lesson.VIEWS else ""
lesson.open_from_link()
lesson.apply_pending()
numbers = lesson.bar(address)
lesson.tools(address)
lesson.run_page(page, after=numbers)
