"""Shared fixtures: where MNIST lives for the tests, small synthetic idx folders, the app under AppTest,
one Chromium and one app server for the browser tests, and axe-core for the accessibility checks."""
from __future__ import annotations

import gzip
import os
import shutil
import subprocess
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


@pytest.fixture(scope="session")
def training_data(tmp_path_factory):
    """An MNIST-shaped folder for the training runs' tests: 20,000 training and 2,000 test images of
    noise. A run goes through the same steps as on digits, and encodes 2,000 test images per snapshot
    instead of 10,000. (What training learns from real digits is tested on MNIST itself, test_train.py.)"""
    folder = tmp_path_factory.mktemp("training-data")
    make_idx_folder(folder, n_train=20_000, n_test=2_000)
    return folder


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


def figures(at) -> list[list[tuple[str, str]]]:
    """The pictures on a page, as the app writes them (`ui.images`: inline <img> with a text
    alternative, in a <figure> with an optional caption): per Markdown element, each picture's
    (caption, alt), both unescaped."""
    import html
    import re
    found = []
    for element in at.markdown:
        row = [(html.unescape(caption or ""), html.unescape(alt)) for alt, caption in re.findall(
            r'<img [^>]*alt="([^"]*)"[^>]*>(?:<figcaption[^>]*>([^<]*)</figcaption>)?', element.value)]
        if row:
            found.append(row)
    return found


def run_script(script, monkeypatch=None, *, query=None, state=None, checkpoint_dir=None, data_dir=None, timeout=180,
               fresh_cache=True):
    """The AppTest harness every page test uses: run `script` once with the given link parameters,
    session state, checkpoint folder and dataset folder, as a fresh server's first session would
    (`fresh_cache=False` keeps the server's state, such as the Train page's one training slot). The
    models and datasets stay loaded from test to test, as they stay in a server: their caches are keyed
    by the file's path and version and by the dataset folder, so a test's own files are its own."""
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
        from ui import catalog, server, training_room
        for accumulated in (training_room.room, server.presence, catalog._prune_static):  # a server's own state
            accumulated.clear()
    at = AppTest.from_file(str(script), default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    for k, v in (state or {}).items():
        at.session_state[k] = v
    return at.run()


# The tests that took 2 s or more (call or setup) in a run of `pytest -m "not browser" --durations=80`
# (2026-12-02): they train, import, publish or go over a whole test set. Marked `slow` below; when a
# test joins or leaves that list, run the same command again and update it.
SLOW = {
    "test_app.py::test_sidebar_controls_rerun_cleanly",
    "test_classifier.py::test_the_shipped_classifiers_read_the_real_test_sets",
    "test_compare.py::test_a_foreign_named_checkpoint_is_listed_under_its_own_dataset",
    "test_compare.py::test_a_point_outside_the_new_models_space_is_cleared_with_one_line",
    "test_compare.py::test_an_unknown_dataset_in_the_link_warns_and_shows_mnist",
    "test_compare.py::test_any_two_checkpoints_of_a_dataset_can_be_compared",
    "test_compare.py::test_compare_decodes_the_same_relative_position_in_both_models",
    "test_compare.py::test_compare_table_measures_both_models",
    "test_compare.py::test_switching_the_dataset_keeps_the_kind_of_model_and_writes_the_url",
    "test_compare.py::test_the_link_picks_fashion_and_the_pickers_follow",
    "test_keras_import.py::test_each_rule_of_the_port_changes_the_result",
    "test_lesson.py::test_a_lesson_reopened_from_its_file_shows_the_same_views",
    "test_lesson.py::test_a_lesson_reopened_from_its_link_shows_the_same_views",
    "test_lesson.py::test_each_added_view_is_a_step_of_its_page",
    "test_lesson.py::test_every_setting_of_every_page_is_part_of_its_view_or_said_not_to_be",
    "test_lesson.py::test_the_shipped_lesson_opens_from_its_link_with_measured_numbers",
    "test_keras_import.py::test_the_command_writes_a_checkpoint_that_records_its_source",
    "test_keras_import.py::test_the_imported_model_computes_what_keras_computes",
    "test_keras_import.py::test_the_train_page_converts_an_upload_and_opens_it_in_the_explorer",
    "test_latent_size.py::test_the_comparison_page_offers_larger_models_in_their_plane",
    "test_links.py::test_a_comparison_link_carries_both_models_and_the_point",
    "test_links.py::test_a_link_made_on_the_vae_opens_the_vae_at_its_point",
    "test_links.py::test_an_interpolation_link_carries_its_ends",
    "test_links.py::test_an_unknown_or_unreadable_checkpoint_in_a_link_gets_a_warning_and_the_default",
    "test_links.py::test_interpolation_ends_follow_the_same_rule_as_every_point",
    "test_links.py::test_the_explorer_decodes_a_typed_point_and_shows_a_clicked_dots_image",
    "test_live_training.py::test_a_short_run_reports_progress_and_saves_a_checkpoint_with_snapshots",
    "test_live_training.py::test_stopping_keeps_what_was_learned",
    "test_live_training.py::test_the_thread_policy_is_asked_as_the_run_goes_and_torch_is_put_back",
    "test_measured.py::test_the_shipped_checkpoints_ship_their_current_measurements",
    "test_pages.py::test_charts_read_cleanly",
    "test_pages.py::test_large_images_for_a_projector",
    "test_pages.py::test_latent_grid_size",
    "test_pages.py::test_marks_on_a_scatter_are_drawn_above_the_data",
    "test_pages.py::test_pages_render_on_fashion_mnist_from_the_link",
    "test_pages.py::test_pages_render_with_the_dataset",
    "test_pages.py::test_pages_render_without_the_dataset",
    "test_pages.py::test_random_sampling_numbers",
    "test_pages.py::test_your_own_digit_upload",
    "test_pages.py::test_your_own_item_of_clothing",
    "test_quality.py::test_sensitivity_matches_exact_derivatives",
    "test_safety.py::test_a_hostile_dataset_in_a_link_is_shown_as_plain_text_on_every_page",
    "test_shipped.py::test_shipped_checkpoint_reconstructs_the_test_set_within_the_target",
    "test_shipped.py::test_shipped_fashion_models_reconstruct_the_real_test_set",
    "test_shipped.py::test_shipped_vae_reconstructs_and_its_codes_follow_the_prior",
    "test_shipped.py::test_the_shipped_10d_autoencoder_rebuilds_far_better_than_the_2d_one",
    "test_site.py::test_publish_prints_what_it_wrote_and_every_model_fits_its_budget",
    "test_site.py::test_the_apps_download_is_the_published_site_zipped",
    "test_site.py::test_the_explorer_offers_the_site_of_the_current_datasets_models",
    "test_third_limit.py::test_each_backdrop_publishes_its_map_with_an_honest_caption",
    "test_third_limit.py::test_the_comparison_cards_show_drift_for_both_models",
    "test_third_limit.py::test_the_explorer_shows_a_points_round_trip_drift_and_where_it_is_sent",
    "test_torch_import.py::test_every_page_works_on_an_imported_model",
    "test_torch_import.py::test_publishing_a_model_the_page_cannot_run_says_so_and_the_apps_download_leaves_it_out",
    "test_torch_import.py::test_the_train_page_opens_an_uploaded_encoder_and_decoder",
    "test_train.py::test_same_seed_same_weights_and_resume_matches_an_unbroken_run",
    "test_train.py::test_short_run_on_real_digits_lowers_the_loss",
    "test_train.py::test_snapshots_record_how_the_codes_formed_and_survive_a_resume",
    "test_train.py::test_the_progress_bar_says_what_the_seconds_after_training_are_spent_on",
    "test_train_page.py::test_a_second_session_is_told_the_server_is_busy_and_stopping_keeps_a_checkpoint",
    "test_train_page.py::test_a_short_run_shows_progress_and_its_checkpoint_joins_the_pickers",
    "test_train_page.py::test_the_fast_recipe_trains_a_dense_model_and_says_so",
    "test_vae.py::test_cli_trains_a_vae",
}


# The modules that take longest (2026-12-04, pytest -n 2), run first: with one module per worker at a
# time (--dist loadscope), a long one started last would leave the other worker idle at the end.
LONGEST_FIRST = ["test_site.py", "test_serve.py", "test_browser.py", "test_live.py", "test_shipped.py",
                 "test_keras_import.py", "test_torch_import.py", "test_train.py", "test_safety.py"]


def pytest_configure(config):
    """A test worker of `pytest -n` (pytest-xdist) computes with one torch thread: the workers share
    the cores, and torch's threads of two processes on the same cores wait on each other."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch
        torch.set_num_threads(1)


def pytest_collection_modifyitems(items):
    """Every test that drives Chromium is marked `browser` (it asks for the `chromium` fixture, directly
    or through another), and the tests in SLOW `slow`, so that `-m "not browser and not slow"` leaves
    them out while developing. The longest modules go first (LONGEST_FIRST), each kept together."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0].removeprefix("tests/"), len(rank)))
    for item in items:
        if "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if item.nodeid.split("[")[0].removeprefix("tests/") in SLOW:
            item.add_marker(pytest.mark.slow)


# ------------------------------------------------------------------ accessibility (axe-core in Chromium)

AXE_DIR = ROOT / ".axe"  # where the test setup installs axe-core (not in git)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PROJECTOR = {"width": 1280, "height": 720}


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser build, installed from npm the first time (`npm install axe-core@4`)."""
    import fcntl

    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    AXE_DIR.mkdir(exist_ok=True)
    with open(AXE_DIR / ".lock", "w") as lock:  # test workers (pytest -n) install it once, one at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _installed_axe(script)


def _installed_axe(script: Path) -> str:
    if not script.exists():
        npm = shutil.which("npm")
        problem = None
        if npm is None:
            problem = "npm is not installed"
        else:
            done = subprocess.run([npm, "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund", "--silent",
                                   "axe-core@4"], capture_output=True, text=True, timeout=300)
            if done.returncode or not script.exists():
                problem = f"npm install axe-core failed: {done.stderr[-500:]}"
        if problem:
            if os.environ.get("CI"):
                pytest.fail(problem)
            pytest.skip(problem)
    return script.read_text()


def settled(page) -> None:
    """The page has run its script and drawn its plots (no running indicator, every scatter ready)."""
    page.wait_for_selector("h1", timeout=90_000)
    # Streamlit's app root says whether the script runs ("initial" before its first run, then "running", "notRunning").
    page.wait_for_function("() => document.querySelector('[data-testid=stApp]').dataset.testScriptState === 'notRunning'"
                           " && !document.querySelector('[data-testid=stStatusWidgetRunningIcon]') && "
                           "[...document.querySelectorAll('.lx-plot')].every(p => p.dataset.ready === '1')",
                           timeout=120_000, polling=200)


def serious_violations(page, axe: str) -> list:
    page.add_script_tag(content=axe)
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: tags})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.html.slice(0, 160))}))",
        AXE_TAGS)
