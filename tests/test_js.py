"""The JavaScript's own unit tests (tests/js, Node's test runner, no browser) and the one code base:
the app and the static site run the same source files, assembled by `components.bundle`."""
import json
import re
import shutil
import subprocess

import pytest

import components
from conftest import ROOT

NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None and not __import__("os").environ.get("CI"), reason="Node.js is not installed")
def test_the_components_pure_parts_pass_their_unit_tests():
    result = subprocess.run([NODE or "node", "--test", str(ROOT / "tests" / "js")], capture_output=True, text=True,
                            timeout=120)
    summary = "\n".join(line for line in result.stdout.splitlines() if line.startswith(("# tests", "# pass", "# fail", "not ok")))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"# pass [1-9]", summary), summary


def test_no_javascript_lives_outside_components():
    """A copy of a component (for the site, a test, a page) would drift from the source: there is none."""
    skip = {".venv", "node_modules", "static", ".git", ".pytest_cache"}
    stray = [p.relative_to(ROOT) for p in ROOT.rglob("*") if p.suffix in {".js", ".mjs"} and p.is_file()
             and not (set(p.relative_to(ROOT).parts) & skip)
             and p.parent not in (ROOT / "components", ROOT / "components" / "vendor", ROOT / "tests" / "js")]
    assert stray == []
    vendored = sorted(p.name for p in (ROOT / "components" / "vendor").glob("*.js"))
    assert vendored == ["plotly-gl2d-3.7.0.min.js"]  # plotly.js's own bundle, unchanged (below)
    tests_js = [p for p in (ROOT / "tests" / "js").glob("*") if p.is_file()]
    assert all(p.name.endswith(".test.mjs") for p in tests_js), tests_js  # tests only, importing components/


def test_the_app_and_the_site_run_one_bundle_of_the_same_files():
    from ui import mounts
    app, site = components.bundle("streamlit", "module"), components.bundle("site", "classic")
    assert mounts._JS == app
    for name in ("geometry", "preview", "shading", "live_model", "web_model", "latent_scatter", "draw_pad", "prepare"):
        source = (components.HERE / f"{name}.js").read_text()
        body = source.split("\n", 12)[-1][:400]  # a stretch of each module's code, past its imports
        assert f"// ---- components/{name}.js" in app, name
        assert f"// ---- components/{name}.js" in site, name
        for bundle in (app, site):
            assert bundle.count(f"// ---- components/{name}.js") == 1, name
        assert body.strip()[:80] in site.replace("export ", ""), name


def test_the_published_page_carries_the_bundle_as_assembled(tmp_path):
    from ae.site import write_page
    sizes = write_page(tmp_path, [])
    assert (tmp_path / "latent-explorer.js").read_text() == components.bundle("site", "classic")
    assert (tmp_path / "latent-explorer.css").read_text() == components.css("latent_scatter", "draw_pad", "site")
    assert set(sizes) == {"latent-explorer.js", "latent-explorer.css", "index.html", "plotly.min.js"}


def test_two_modules_exporting_one_name_are_refused(tmp_path, monkeypatch):
    (tmp_path / "a.js").write_text('import { f } from "./b.js";\nexport function f() {}\n')
    (tmp_path / "b.js").write_text("export function f() {}\n")
    monkeypatch.setattr(components, "HERE", tmp_path)
    with pytest.raises(components.BundleError, match="f is exported by both b.js and a.js"):
        components.bundle("a", "module")
    (tmp_path / "c.js").write_text('import { g } from "./missing.js";\n')
    with pytest.raises(components.BundleError, match="missing.js, which does not exist"):
        components.bundle("c", "module")


def test_the_vendored_plotly_bundle_is_plotly_js_unchanged():
    import hashlib
    from ae.site import plotly_source
    data = plotly_source().read_bytes()
    # sha256 of plotly.js-gl2d-dist-min@3.7.0's plotly-gl2d.min.js, as npm serves it.
    assert hashlib.sha256(data).hexdigest() == "d396c0d59e2844a167dc4aca8469fe1653060cb105f4d7cbd47b3c7788b1e750"
    assert data.startswith(b"/**\n* plotly.js (gl2d - minified) v3.7.0")


def test_the_links_shadings_are_the_librarys():
    from ae.maps import SHADINGS
    source = (components.HERE / "site_state.js").read_text()
    assert json.loads(re.search(r"export const SHADES = (\[[^\]]*\]);", source)[1]) == list(SHADINGS)
