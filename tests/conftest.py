"""Shared fixtures: where MNIST lives for the tests, and small synthetic idx folders."""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "checkpoints" / "mnist_ae_z2.pt"


def mnist_dir() -> Path | None:
    for candidate in (os.environ.get("AE_DATA_DIR"), ROOT.parent / "shared" / "data" / "mnist"):
        if candidate and (Path(candidate) / "t10k-images-idx3-ubyte.gz").exists():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    path = mnist_dir()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("MNIST idx files not found; CI must set AE_DATA_DIR")
        pytest.skip("MNIST idx files not found (set AE_DATA_DIR)")
    return path


FASHION_DIRS = ("/usr/share/datasets/fashion-mnist",)  # Debian's dataset-fashion-mnist


@pytest.fixture(scope="session")
def fashion_path() -> Path:
    for candidate in FASHION_DIRS:
        if (Path(candidate) / "t10k-images-idx3-ubyte.gz").exists():
            return Path(candidate)
    if os.environ.get("CI"):
        pytest.fail("Fashion-MNIST not found; CI installs Debian's dataset-fashion-mnist")
    pytest.skip("Fashion-MNIST not found (apt-get install dataset-fashion-mnist)")


def write_idx(path: Path, array: np.ndarray, compress: bool) -> Path:
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    data = header + array.tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def make_idx_folder(folder: Path, n_train: int = 12, n_test: int = 6, compress: bool = True, seed: int = 0):
    """A folder holding the four standard idx files of random little digits; returns the arrays."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, n, (img_stem, lab_stem) in (("train", n_train, ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")),
                                           ("test", n_test, ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"))):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        write_idx(folder / img_stem, images, compress)
        write_idx(folder / lab_stem, labels, compress)
        arrays[split] = (images, labels)
    return arrays


@pytest.fixture
def small_data(tmp_path):
    """A small synthetic MNIST (300 training, 100 test images): enough to import a model into."""
    make_idx_folder(tmp_path / "data", n_train=300, n_test=100)
    return tmp_path / "data"


@pytest.fixture
def trained_dir(tmp_path, monkeypatch):
    """Where imported models go in a test: a fresh folder named by AE_TRAINED_DIR."""
    monkeypatch.setenv("AE_TRAINED_DIR", str(tmp_path / "trained"))
    return tmp_path / "trained"


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the whole test session (a second sync Playwright cannot start in the same thread)."""
    from playwright.sync_api import sync_playwright

    from app_harness import CHROMIUM, CHROMIUM_FLAGS, chromium_available

    if not chromium_available():
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def app_browser(mnist_path, chromium):
    """One app server and one Chromium page for the browser tests: (page, url), opened on the explorer."""
    from app_harness import running_app

    with running_app(env={"AE_DATA_DIR": str(mnist_path)}) as (url, _):
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector(".lx-plot[data-ready='1']", timeout=90_000)
        yield page, url
        page.close()


def shown_text(markdown: str, keep_invisible: bool = False) -> str:
    """What a Markdown body shows on screen: rendered (CommonMark), tags dropped, entities decoded,
    and (unless `keep_invisible`) without the invisible word joiners that keep URLs from linking."""
    import html
    import re

    from markdown_it import MarkdownIt
    shown = html.unescape(re.sub(r"<[^>]+>", "", MarkdownIt("commonmark").render(markdown))).strip()
    return shown if keep_invisible else shown.replace("\u2060", "")


def run_script(script, monkeypatch=None, *, query=None, state=None, checkpoint_dir=None, data_dir=None, timeout=180,
               fresh_cache=True):
    """The AppTest harness every page test uses: run `script` once with the given link parameters,
    session state, checkpoint folder and dataset folder, from a clean cache (`fresh_cache=False`
    keeps the server's cached objects, such as the Train page's one training slot)."""
    import streamlit as st
    import torch
    from streamlit.testing.v1 import AppTest

    if checkpoint_dir is not None:
        from ui import catalog
        monkeypatch.setenv("AE_CHECKPOINT_DIR", str(checkpoint_dir))
        monkeypatch.setattr(catalog, "CHECKPOINT_DIR", Path(checkpoint_dir))
    if data_dir is not None:
        monkeypatch.setenv("AE_DATA_DIR", str(data_dir))
    torch.set_num_threads(1)  # as the app's server runs it (ui/server.py)
    if fresh_cache:
        st.cache_resource.clear()  # the dataset lookup and the models are cached per process
    at = AppTest.from_file(str(script), default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    for k, v in (state or {}).items():
        at.session_state[k] = v
    return at.run()


def pytest_collection_modifyitems(items):
    """Every test that drives Chromium is marked `browser` (it asks for the `chromium` fixture, directly
    or through another), so `-m "not browser"` leaves them out while developing."""
    for item in items:
        if "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
