"""The explorer's first paint (ui.first_paint): a freshly started server's first visitor gets the chart
from files shipped with the opening checkpoint before torch loads; they are what the app itself sends,
the page the first paint writes is the page a later run writes, and the plot is drawn once."""
import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, run_script
from ui import first_paint, mounts
from ui.scatter import ScatterStyle


@pytest.fixture
def static(tmp_path, monkeypatch):
    """An empty static/ of its own, as a fresh clone has."""
    monkeypatch.setattr(mounts, "STATIC_DIR", tmp_path / "static")
    return tmp_path / "static"


@pytest.mark.parametrize("name", first_paint.SHIPPED)
def test_what_is_shipped_is_what_the_app_sends_for_the_opening_view(name, static):
    from ui.scatter import scatter_data
    from ui.view import view_of
    shipped = first_paint.scatter_data(name)
    assert shipped is not None, f"nothing shipped for this version of {name}: run python -m ui.first_paint"
    view, _ = view_of(name)
    assert shipped == scatter_data(view, ScatterStyle(), None, snap_to_dots=True)
    manifest = json.loads(first_paint.manifest_path(name).read_text())
    for key, _, _ in first_paint.FILES:  # published under static/, byte for byte the shipped files
        published = static / shipped[key].removeprefix(mounts.STATIC_URL + "/")
        assert published.read_bytes() == (first_paint.FOLDER / manifest["files"][key]).read_bytes()


def test_another_version_or_a_damaged_shipped_file_gets_no_first_paint(tmp_path, monkeypatch, static):
    folder = tmp_path / "first_paint"
    shutil.copytree(first_paint.FOLDER, folder)
    monkeypatch.setattr(first_paint, "FOLDER", folder)
    name = first_paint.SHIPPED[0]
    manifest_path = folder / first_paint.manifest_path(name).name
    manifest = json.loads(manifest_path.read_text())
    model = folder / manifest["files"]["model_url"]
    good = model.read_bytes()
    assert first_paint.scatter_data(name) is not None
    shutil.rmtree(static)

    model.write_bytes(good[:1000])  # cut short
    assert first_paint.scatter_data(name) is None
    assert not static.exists() or not any(static.rglob("*.bin"))  # a damaged copy is not published
    model.write_bytes(good)
    manifest_path.write_text(json.dumps({**manifest, "version": "0" * 16}))  # another version of the file
    assert first_paint.scatter_data(name) is None
    for damaged in ("{not json", json.dumps({"version": manifest["version"]}), json.dumps([1, 2])):
        manifest_path.write_text(damaged)
        assert first_paint.scatter_data(name) is None
    manifest_path.unlink()
    assert first_paint.scatter_data(name) is None
    assert first_paint.scatter_data("mnist_vae_z2.pt") is None  # nothing shipped for it


def test_the_first_paint_opens_only_the_plain_view():
    assert first_paint.opens_plainly(ScatterStyle(), large=False)
    assert not first_paint.opens_plainly(ScatterStyle(), large=True)  # the projector's larger images
    for changed in ({"which": "train"}, {"backdrop": "gaps"}, {"point_size": 5}, {"zoom": [0, 1, 0, 1]},
                    {"live_hover": False}):
        assert not first_paint.opens_plainly(ScatterStyle(**changed), large=False), changed


def test_the_first_paint_comes_before_torch():
    code = ("import sys; import ui.first_paint, ui.pickers, ui.scatter, ui.backdrops, ui.mounts; "
            "print('torch' in sys.modules); sys.exit(1 if 'torch' in sys.modules else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def layout(node, path=()) -> list:
    """Every element's place, kind and key below an AppTest block."""
    rows = []
    for index, child in sorted(getattr(node, "children", {}).items()):
        rows.append((path + (index,), child.type, getattr(child, "key", None)))
        rows += layout(child, path + (index,))
    return rows


def test_a_first_paint_run_writes_the_page_a_later_run_writes_with_the_same_scatter(monkeypatch, mnist_path, static):
    sent, painted = [], []
    scatter, shipped = mounts.scatter, first_paint.scatter_data
    monkeypatch.setattr(mounts, "scatter", lambda **kw: (sent.append(kw), scatter(**kw))[1])
    monkeypatch.setattr(first_paint, "scatter_data", lambda name: (painted.append(shipped(name)), painted[-1])[1])
    monkeypatch.setattr(first_paint, "torch_loaded", lambda: False)  # as on a server that has not imported it
    at = run_script(ROOT / "navigation.py", monkeypatch, data_dir=mnist_path)
    assert not at.exception and not at.error
    assert len(painted) == 1 and painted[0] is not None  # the first paint was drawn
    first = (layout(at.main), layout(at.sidebar), [kw["data"] for kw in sent if kw.get("key") == "ex_scatter"])

    sent.clear()
    monkeypatch.setattr(first_paint, "torch_loaded", lambda: True)
    at = run_script(ROOT / "navigation.py", monkeypatch, data_dir=mnist_path)
    assert not at.exception and len(painted) == 1  # loaded: no first paint
    later = (layout(at.main), layout(at.sidebar), [kw["data"] for kw in sent if kw.get("key") == "ex_scatter"])
    assert first == later  # the same page; the scatter sent the same data, so the browser draws once
    assert any("Click anywhere on the plot" in a.value for a in at.info)  # the panel beside it

    # A link's point, or another style, opens another view than the one shipped: no first paint.
    monkeypatch.setattr(first_paint, "torch_loaded", lambda: False)
    for query, state in (({"z1": "1.0", "z2": "-2.0"}, {}), ({}, {"ex_size": 6}), ({}, {"lx_large": True})):
        at = run_script(ROOT / "navigation.py", monkeypatch, data_dir=mnist_path, query=query, state=state)
        assert not at.exception and len(painted) == 1, (query, state)


IDLE_JS = "() => document.querySelector('[data-testid=stApp]').dataset.testScriptState === 'notRunning'"
WATCH_JS = """() => {
    window.__lxSeen = {};
    new MutationObserver(() => {
        const plot = document.querySelector(".lx-plot[data-ready='1']");
        if (plot && !window.__lxSeen.plot) window.__lxSeen = { ...window.__lxSeen, plot, drawnAt: performance.now() };
        const panel = [...document.querySelectorAll("[data-testid=stAlert]")].some((a) => a.textContent.includes("Click anywhere"));
        if (panel && !window.__lxSeen.panelAt) window.__lxSeen.panelAt = performance.now();
    }).observe(document, { subtree: true, childList: true, attributes: true });
}"""


def test_a_fresh_servers_first_visit_draws_the_chart_before_the_model_loads_and_only_once(chromium, mnist_path):
    from app_harness import CAPTION_JS, fresh_tree, plot_area, running_app
    with fresh_tree() as tree, running_app(env={"AE_DATA_DIR": str(mnist_path)}, cwd=tree) as (url, _):
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.add_init_script(f"({WATCH_JS})()")
            page.goto(url, wait_until="commit")
            page.wait_for_function("() => window.__lxSeen && window.__lxSeen.panelAt", timeout=120_000)
            seen = page.evaluate("() => ({ drawnAt: window.__lxSeen.drawnAt, panelAt: window.__lxSeen.panelAt })")
            # The chart was drawn from the shipped files while the server was still loading torch and
            # the model (the panel beside it needs them): a second or so earlier on two cores.
            assert seen["drawnAt"] < seen["panelAt"], seen
            page.wait_for_function(IDLE_JS)
            area = plot_area(page)
            page.mouse.click(area["left"] + 0.4 * area["width"], area["top"] + 0.4 * area["height"])
            page.wait_for_function(f"() => ({CAPTION_JS})() !== null", timeout=30_000)  # the server's answer
            page.wait_for_function(IDLE_JS)
            # One plot, the same element from the first paint through the model's load and a click's
            # rerun: plotly drew it once, not again when the page's later runs sent the same data.
            assert page.evaluate("() => document.querySelectorAll('.lx-plot').length === 1"
                                 " && document.querySelector('.lx-plot') === window.__lxSeen.plot")
            assert errors == []
        finally:
            page.close()
