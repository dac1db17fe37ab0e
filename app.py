"""Latent Explorer: `streamlit run app.py`.

Streamlit's own server running the app's script (navigation.py: the page list), plus one thing
Streamlit's routing lacks: an address with more than one part that is no page of the app (a
mistyped link, `/compare/extra`, `/../../etc/passwd` as a browser normalises it) gets the app's own
"no such page" instead of a page that stays blank (`ui.no_such_page`).
"""
import streamlit as st
from starlette.middleware import Middleware

from ui.no_such_page import NoSuchPage
from ui.server import limit_malloc_arenas, switch_threads_often, use_one_torch_thread

use_one_torch_thread()  # once, as the server starts, before any session imports torch
limit_malloc_arenas()  # before the sessions' threads exist
switch_threads_often()
app = st.App("navigation.py", middleware=[Middleware(NoSuchPage)])
