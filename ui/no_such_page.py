"""The app's answer to an address it has no page for, when Streamlit's own routing cannot give one.

Streamlit answers every unknown address with its index page, whose scripts are linked relative to
the address. One unknown part (`/nosuch`) still loads them, and Streamlit's page then says "Page not
found" and opens the explorer. Two or more (`/compare/extra/segments`, or `/../../etc/passwd`, which
a browser turns into `/etc/passwd`) make the browser look for the scripts under the unknown folder:
every one comes back as the index page again, so the page stays blank forever. This ASGI middleware
answers such addresses (GET and HEAD only) with a small page of its own, status 404: what was asked
for, as plain text, and links to the app's pages. Streamlit's own routes pass untouched.
"""
from __future__ import annotations

import html
from urllib.parse import unquote

from ui.site import PAGES

# The first parts of the addresses Streamlit serves itself (its API, media, components, its own
# scripts, the app's static/ folder at app/static, sign-in).
STREAMLIT_ROUTES = ("_stcore", "media", "component", "static", "app/static", "auth", "oauth2callback")


def base_url_path() -> str:
    """server.baseUrlPath without slashes ("" when the app is served at the root)."""
    import streamlit as st
    return (st.config.get_option("server.baseUrlPath") or "").strip("/")


def is_unknown(path: str, base: str = "") -> bool:
    """Whether `path` (as the server sees it, after any base path) is an address of two or more parts
    that no Streamlit route serves."""
    relative = path.strip("/")
    if base:
        if relative != base and not relative.startswith(base + "/"):
            return False  # outside the app: not ours to answer
        relative = relative[len(base):].strip("/")
    if relative.count("/") < 1:
        return False
    return not any(relative == route or relative.startswith(route + "/") for route in STREAMLIT_ROUTES)


def page_html(path: str, base: str = "") -> str:
    """The "no such page" page: the address asked for (as text) and a link to every page."""
    root = f"/{base}/" if base else "/"
    links = "".join(f'<li><a href="{html.escape(root + page.url_path)}">{html.escape(page.title)}</a></li>'
                    for page in PAGES)
    asked = html.escape(unquote(path)[:200])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>No such page · Latent Explorer</title>
<style>body {{ font: 18px/1.5 system-ui, sans-serif; color: #1f2328; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; }}
code {{ background: #f3f4f6; padding: 0 .3em; border-radius: 4px; word-break: break-all; }}
a {{ color: #0b57d0; }}</style></head>
<body><main>
<h1>No such page</h1>
<p>Latent Explorer has no page at <code>{asked}</code>.</p>
<p><a href="{html.escape(root)}">Open the Latent Explorer</a>, or one of its pages:</p>
<ul>{links}</ul>
</main></body></html>
"""


class NoSuchPage:
    """ASGI middleware: a 404 page of the app's own for unknown addresses of two or more parts."""

    def __init__(self, app):
        self.app = app
        self.base = None

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD"):
            if self.base is None:
                self.base = base_url_path()
            path = scope.get("path", "")
            if is_unknown(path, self.base):
                body = page_html(path, self.base).encode()
                await send({"type": "http.response.start", "status": 404, "headers": [
                    (b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-cache")]})
                await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
                return
        await self.app(scope, receive, send)
