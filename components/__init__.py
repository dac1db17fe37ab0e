"""The JavaScript of Latent Explorer (this folder's `.js` files: plain ES modules, no build step) and
the one function that turns them into what a page loads: `bundle(entry, form)`.

Both the Streamlit app (`ui.mounts`, entry `streamlit.js`) and the static site (`ae.site`, entry
`site.js`) run the same source files, assembled here at the time they are served or published:
- "module": one ES module whose default export is the entry's (Streamlit's v2 components take one).
- "classic": a classic script defining `LatentExplorer` (every module's exports) and running the
  entry's top level. Chromium refuses ES modules, and `fetch()`, on a page opened from file://; a
  classic script loads there.
Node's test runner imports the files themselves (tests/js). No Streamlit, no torch: the publisher's
command line uses this too.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The plotly.js both the app and the site load: plotly.js's gl2d bundle (vendor/README.md says why not
# the full bundle the `plotly` package ships).
PLOTLY_JS = HERE / "vendor" / "plotly-gl2d-3.7.0.min.js"

_IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"\./([\w]+)\.js";\s*$', re.M)
_EXPORT = re.compile(r"^export\s+(?:async\s+)?(function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)", re.M)
_DEFAULT = re.compile(r"^export\s+default\s+", re.M)


class BundleError(ValueError):
    """The component sources do not fit together (an unknown import, a name exported twice)."""


def _module_order(entry: str) -> list[str]:
    order: list[str] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in trail:
            raise BundleError(f"import cycle: {' -> '.join(trail + (name,))}")
        path = HERE / f"{name}.js"
        if not path.exists():
            raise BundleError(f"{trail[-1] if trail else 'bundle'} imports ./{name}.js, which does not exist")
        for _, dependency in _IMPORT.findall(path.read_text()):
            visit(dependency, trail + (name,))
        order.append(name)

    visit(entry, ())
    return order


def _wrapped(name: str) -> tuple[str, list[str], bool]:
    """A module's source as a function body returning its exports; (code, export names, has default)."""
    source = (HERE / f"{name}.js").read_text()
    head = []
    for names, dependency in _IMPORT.findall(source):
        parts = [p.strip() for p in names.split(",") if p.strip()]
        fields = [p.replace(" as ", ": ") for p in parts]
        head.append(f"const {{ {', '.join(fields)} }} = __lx_{dependency};")
    body = _IMPORT.sub("", source)
    exports = [m[2] for m in _EXPORT.finditer(body)]
    body = _EXPORT.sub(lambda m: m[0].removeprefix("export").lstrip(), body)
    has_default = bool(_DEFAULT.search(body))
    body = _DEFAULT.sub("const __default = ", body)
    returned = exports + (["default: __default"] if has_default else [])
    code = (f"// ---- components/{name}.js\nconst __lx_{name} = (() => {{\n" + "\n".join(head) + "\n" + body.rstrip()
            + f"\nreturn {{ {', '.join(returned)} }};\n}})();\n")
    return code, exports, has_default


@lru_cache(maxsize=8)
def _bundle(entry: str, form: str, stamp: tuple) -> str:
    order = _module_order(entry)
    parts, seen = [], {}
    for name in order:
        code, exports, _ = _wrapped(name)
        for e in exports:
            if e in seen:
                raise BundleError(f"{e} is exported by both {seen[e]}.js and {name}.js")
            seen[e] = name
        parts.append(code)
    body = "\n".join(parts)
    if form == "module":
        return f'"use strict";\n{body}\nexport default __lx_{entry}.default;\n'
    if form == "classic":
        namespace = ", ".join(f"...__lx_{n}" for n in order)
        return (f"// Latent Explorer, assembled from components/*.js (components/__init__.py); do not edit.\n"
                f"var LatentExplorer = (() => {{\n\"use strict\";\n{body}\nconst {{ default: _, ...all }} = {{ {namespace} }};\n"
                f"return Object.freeze(all);\n}})();\n")
    raise ValueError(f"unknown bundle form {form!r}")


def bundle(entry: str, form: str = "module") -> str:
    """The modules `entry`.js needs, with it, as one script of `form` ("module" or "classic")."""
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(HERE.glob("*.js")))
    return _bundle(entry, form, stamp)


def source_files() -> list[Path]:
    """Every component source file (the tests check nothing else carries their code)."""
    return sorted(HERE.glob("*.js"))


def css(*names: str) -> str:
    """The stylesheets of the named parts (`latent_scatter`, `draw_pad`), shared by the app and the site."""
    return "\n".join((HERE / f"{name}.css").read_text() for name in names)
