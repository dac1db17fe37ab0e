"""Lessons in the app (ui.lesson) under AppTest: a lesson made on four pages, saved, and reopened in
fresh sessions from its file and from its link shows every step's view again, the same decoded images;
the shipped lesson opens from `?lesson=chapter3` with its numbers measured; bad files and hand-edited
views get one line each and break nothing."""
import json
import re

import pytest

from ae.lesson import lesson_json, lesson_link
from conftest import ROOT, run_script, shown_text

APP = ROOT / "navigation.py"


def pictures(at) -> list[str]:
    """Every picture the page shows (the app writes them inline), as its PNG's base64 text."""
    return [src for element in at.markdown for src in re.findall(r'src="data:image/png;base64,([^"]+)"', element.value)]


def ok(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def add(at, caption):
    at.text_area(key="lx_lesson_caption").set_value(caption)
    at.button(key="lx_lesson_add").click().run()
    ok(at)


def bar_text(at) -> str:
    return " ".join(m.value for m in at.main.markdown if "step" in m.value and "of" in m.value)


# The lesson's steps after the explorer's: (page, each widget set away from its default, caption).
PAGE_STEPS = [
    ("app_pages/4_Interpolation.py", [("number_input", "ip_a_mnist", 3), ("slider", "ip_steps", 7)], "A line from a 0 to a 7."),
    ("app_pages/2_Latent_grid.py", [("slider", "grid_n", 9)], "The grid."),
    ("app_pages/3_Random_sampling.py", [("slider", "rs_k", 60), ("number_input", "rs_seed", 5)], "Random points."),
]


@pytest.fixture(scope="module")
def made(mnist_path):
    """A lesson of four steps on four pages, each view changed from its page's defaults; (lesson, what
    each step showed: its pictures and its page's header)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("AE_DATA_DIR", str(mnist_path))
    try:
        at = run_script(APP, mp, timeout=180)
        ok(at)
        shown = []
        at.number_input(key="ex_type_z1").set_value(-1.25)
        at.number_input(key="ex_type_z2").set_value(2.5)
        at.button(key="FormSubmitter:ex_goto-Decode this point").click().run()
        ok(at)
        at.radio(key="ex_backdrop").set_value("gaps").run()
        add(at, "What does the decoder make of this point?")
        shown.append(pictures(at))
        for script, settings, caption in PAGE_STEPS:
            at.switch_page(script).run()
            for kind, key, value in settings:
                getattr(at, kind)(key=key).set_value(value)
            at.run()
            add(at, caption)
            shown.append(pictures(at))
        lesson = at.session_state["lx_lesson"]
        yield lesson, shown
    finally:
        mp.undo()


def test_each_added_view_is_a_step_of_its_page(made):
    lesson, shown = made
    assert [s.page for s in lesson.steps] == ["", "interpolation", "latent-grid", "random-sampling"]
    assert lesson.steps[0].view["ex_point"] == [-1.25, 2.5] and lesson.steps[0].view["ex_backdrop"] == "gaps"
    assert lesson.steps[1].view["ip_steps"] == 7 and lesson.steps[1].view["ip_a_mnist"] == 3
    assert lesson.steps[2].view["grid_n"] == 9 and lesson.steps[3].view["rs_k"] == 60
    assert all(shown), "every step's page showed pictures"
    assert len(shown[1]) == 7  # the strip's seven decodings


def walk(at, shown):
    """Step through an opened lesson with Next, checking that each step shows what it showed when made."""
    for number, pictures_then in enumerate(shown):
        if number:
            at.button(key="lx_lesson_next").click().run()
        ok(at)
        assert f"step {number + 1} of {len(shown)}" in bar_text(at)
        assert pictures(at) == pictures_then, f"step {number + 1} shows other images"
    assert at.button(key="lx_lesson_next").disabled
    at.button(key="lx_lesson_prev").click().run()
    ok(at)
    assert pictures(at) == shown[-2]


def test_a_lesson_reopened_from_its_file_shows_the_same_views(made, monkeypatch, mnist_path):
    lesson, shown = made
    at = run_script(APP, monkeypatch, data_dir=mnist_path)
    at.file_uploader(key="lx_lesson_file").set_value(("lesson.json", lesson_json(lesson).encode(), "application/json")).run()
    assert at.session_state["lx_lesson"] == lesson
    walk(at, shown)


def test_a_lesson_reopened_from_its_link_shows_the_same_views(made, monkeypatch, mnist_path):
    lesson, shown = made
    at = run_script(APP, monkeypatch, data_dir=mnist_path, query={"lesson": lesson_link(lesson)})
    assert at.session_state["lx_lesson"] == lesson
    walk(at, shown)
    # The link of one step opens that step.
    at = run_script(APP, monkeypatch, data_dir=mnist_path, query={"lesson": lesson_link(lesson), "step": "3"})
    ok(at)
    assert "step 3 of 4" in bar_text(at) and pictures(at) == shown[2]


def test_the_download_offers_the_lesson_file(made, monkeypatch, mnist_path):
    lesson, _ = made
    at = run_script(APP, monkeypatch, data_dir=mnist_path, query={"lesson": lesson_link(lesson)})
    button = at.get("download_button")
    assert any(getattr(b.proto, "label", "") == "Download the lesson (JSON)" for b in button)


def test_a_hand_edited_step_gets_one_line_and_the_rest_of_its_view(made, monkeypatch, mnist_path):
    lesson, shown = made
    data = json.loads(lesson_json(lesson))
    data["steps"][0]["view"]["ex_point"] = [900.0, 2.5]  # far outside the model's space
    data["steps"][1]["view"]["ip_steps"] = 99  # beyond the slider's range
    data["steps"][2]["view"]["lx_checkpoint"] = "gone.pt"
    at = run_script(APP, monkeypatch, data_dir=mnist_path)
    at.file_uploader(key="lx_lesson_file").set_value(("edited.json", json.dumps(data).encode(), "application/json")).run()
    assert not at.exception
    assert [w.value for w in at.warning if "Step 1" in w.value], [w.value for w in at.warning]
    assert at.session_state["ex_point"] is None and at.session_state["ex_backdrop"] == "gaps"
    at.button(key="lx_lesson_next").click().run()
    assert not at.exception
    assert any("Step 2" in w.value and "does not fit" in w.value for w in at.warning), [w.value for w in at.warning]
    assert at.slider(key="ip_steps").value == 12  # the page's default
    at.button(key="lx_lesson_next").click().run()
    assert not at.exception
    assert any("Step 3" in w.value and "gone" in w.value for w in at.warning)


@pytest.mark.parametrize("content, words", [(b"not json", "not JSON"), (b'{"format": "x"}', "not a lesson file")])
def test_a_bad_lesson_file_gets_one_line_and_nothing_opens(content, words, monkeypatch, mnist_path):
    at = run_script(APP, monkeypatch, data_dir=mnist_path)
    at.file_uploader(key="lx_lesson_file").set_value(("bad.json", content, "application/json")).run()
    assert not at.exception
    assert [w.value for w in at.warning if words in w.value]
    assert "lx_lesson" not in at.session_state


@pytest.mark.parametrize("word, words", [
    ("<img src=x onerror=alert(1)>", "This app ships no lesson called '<img src=x onerror=alert(1)>'; it ships chapter3."),
    ("chapter9", "This app ships no lesson called 'chapter9'; it ships chapter3."),
    ("eNrLSM3JyVcozy_KSQEAGgQEXQ" * 20, "damaged"),
    ("<b>" * 30, "neither a lesson this app ships nor one it made"),
])
def test_a_bad_lesson_link_gets_one_line_in_plain_text(word, words, monkeypatch, mnist_path):
    at = run_script(APP, monkeypatch, data_dir=mnist_path, query={"lesson": word})
    ok(at)
    said = [w.value for w in at.warning if "opens without the lesson" in w.value]
    assert len(said) == 1 and words in shown_text(said[0]), said
    assert not re.search(r"(?<!\\)<", said[0])  # every < escaped: shown as typed, never as markup
    assert "lx_lesson" not in at.session_state


def test_the_shipped_lesson_opens_from_its_link_with_measured_numbers(monkeypatch, mnist_path):
    from ae.lesson import measures_asked
    from ui.lesson import open_lesson

    lesson = open_lesson("chapter3")
    assert len(lesson.steps) == 10
    assert sum(len(measures_asked(s.caption)) for s in lesson.steps) >= 4
    at = run_script(APP, monkeypatch, data_dir=mnist_path, query={"lesson": "chapter3"})
    for number in range(10):
        if number:
            at.button(key="lx_lesson_next").click().run()
        ok(at)
        assert not at.warning, [w.value for w in at.warning]
        assert f"step {number + 1} of 10" in bar_text(at)
        captions = [m.value for m in at.main.markdown]
        assert not any("{" in c and ":" in c and "}" in c for c in captions[:3]), captions[:3]


SETTABLE = ("radio", "slider", "select_slider", "selectbox", "multiselect", "number_input", "text_input", "text_area",
            "toggle", "checkbox")


@pytest.mark.parametrize("address", list(__import__("ui.lesson", fromlist=["VIEWS"]).VIEWS), ids=lambda a: a or "explorer")
def test_every_setting_of_every_page_is_part_of_its_view_or_said_not_to_be(address, monkeypatch, mnist_path):
    """A widget added to a page later cannot be forgotten by lessons: each is in ui.lesson's VIEWS or NOT_SAVED."""
    import fnmatch

    from ui.lesson import ALLOWED, NOT_SAVED, SCRIPTS

    at = run_script(ROOT / SCRIPTS[address], monkeypatch, data_dir=mnist_path)
    keys = {w.key for kind in SETTABLE for w in at.get(kind) if w.key}
    assert keys, "the page has settings"
    stray = [k for k in keys if not any(fnmatch.fnmatchcase(k, p) for p in (*ALLOWED[address], *NOT_SAVED))]
    assert stray == []


def test_a_lesson_is_named_renamed_and_closed_and_another_opened(monkeypatch, mnist_path):
    at = run_script(APP, monkeypatch, data_dir=mnist_path)
    add(at, "First.")
    assert at.text_input(key="lx_lesson_title").value == "My lesson"
    at.text_input(key="lx_lesson_title").set_value("Gaps, for Tuesday").run()
    ok(at)
    assert at.session_state["lx_lesson"].title == "Gaps, for Tuesday"
    assert "Gaps, for Tuesday" in shown_text(bar_text(at))
    link = at.session_state["lx_lesson_source"]
    assert at.session_state["lx_lesson"] == __import__("ui.lesson", fromlist=["open_lesson"]).open_lesson(link)
    at.button(key="lx_lesson_open_chapter3").click().run()  # another lesson: its own title in the field
    ok(at)
    assert at.text_input(key="lx_lesson_title").value == "Chapter 3 in ten steps"
    at.button(key="lx_lesson_close").click().run()
    ok(at)
    assert "lx_lesson" not in at.session_state and not bar_text(at)


@pytest.mark.parametrize("page, view", [
    ("", {"ex_size": "big"}), ("", {"ex_live": "yes"}), ("", {"ex_open_about": "x"}), ("random-sampling", {"rs_seed": "x"}),
    ("random-sampling", {"rs_source": None}), ("interpolation", {"ip_a_mnist": 1.5}), ("compare", {"cmp_left": 7}),
    ("reconstructions", {"rec_indices": 5}),
], ids=lambda v: str(v))
def test_a_setting_of_the_wrong_kind_opens_the_page_at_its_defaults(page, view, monkeypatch, mnist_path):
    """Text where a slider's number goes, a number for a model's name: one line, the page as it opens."""
    lesson = {"format": "latent-explorer-lesson", "version": 1, "title": "Edited", "steps": [
        {"page": page, "caption": "", "view": {"lx_dataset": "mnist", "lx_checkpoint": "mnist_ae_z2.pt", **view}}]}
    at = run_script(APP, monkeypatch, data_dir=mnist_path)
    at.file_uploader(key="lx_lesson_file").set_value(("edited.json", json.dumps(lesson).encode(), "application/json")).run()
    assert not at.exception, at.exception
    notes = [w.value for w in at.warning if "Step 1" in w.value]
    assert len(notes) == 1 and "does not fit this page" in notes[0]
    assert [t.value for t in at.title]  # the page itself is on screen, below the lesson bar
    assert "step 1 of 1" in bar_text(at)


def scatter_data(at, key: str) -> dict:
    """What the page sent to its latent scatter `key` (the component's data)."""
    found = []

    def walk(node):
        for child in node.children.values() if hasattr(node, "children") else ():
            proto = getattr(child, "proto", None)
            if getattr(proto, "component_name", "") == "latent_explorer.scatter" and proto.id.endswith(key):
                found.append(json.loads(proto.json))
            walk(child)
    walk(at._tree)
    assert found, f"no scatter {key}"
    return found[0]


def test_each_plots_zoom_is_part_of_its_step(monkeypatch, mnist_path):
    zoom = [-3.0, 2.5, -1.0, 4.0]
    steps = [("", {"ex_zoom": zoom}, "ex_scatter"), ("interpolation", {"ip_zoom": zoom}, "ip_scatter"),
             ("compare", {"cmp_zoom_right": zoom, "cmp_left": "mnist_ae_z2.pt", "cmp_right": "mnist_vae_z2.pt"},
              "cmp_scatter_right")]
    lesson = {"format": "latent-explorer-lesson", "version": 1, "title": "Zooms", "steps": [
        {"page": page, "caption": "", "view": {"lx_dataset": "mnist", "lx_checkpoint": "mnist_ae_z2.pt", **view}}
        for page, view, _ in steps]}
    at = run_script(APP, monkeypatch, data_dir=mnist_path)
    at.file_uploader(key="lx_lesson_file").set_value(("zooms.json", json.dumps(lesson).encode(), "application/json")).run()
    for number, (_, _, key) in enumerate(steps):
        if number:
            at.button(key="lx_lesson_next").click().run()
        ok(at)
        assert scatter_data(at, key)["zoom"] == zoom
    assert scatter_data(at, "cmp_scatter_left")["zoom"] is None  # the other plot keeps the whole plane
