"""The lesson file and link (ae.lesson): what is read back is what was written, and every bad file or
link is refused with one sentence."""
import base64
import json
import zlib

import pytest

from ae.lesson import (MAX_BYTES, Lesson, LessonError, Step, fill_caption, lesson_from_link, lesson_json, lesson_link,
                       measures_asked, read_lesson)

VIEWS = {"": ("lx_dataset", "ex_point", "ex_open_*"), "interpolation": ("ip_clicks", "ip_a_*")}
LESSON = Lesson("Gaps", (Step("", {"lx_dataset": "mnist", "ex_point": [1.5, -2.0], "ex_open_about": True}, "A gap?"),
                         Step("interpolation", {"ip_clicks": [[0.0, 1.0], [2.0, 3.0]], "ip_a_mnist": 7}, "")))


def test_a_lesson_reads_back_from_its_file_and_from_its_link():
    assert read_lesson(lesson_json(LESSON), VIEWS) == LESSON
    assert read_lesson(lesson_json(LESSON).encode("utf-8"), VIEWS) == LESSON
    word = lesson_link(LESSON)
    assert all(c.isalnum() or c in "-_" for c in word)
    assert lesson_from_link(word, VIEWS) == LESSON


def test_steps_are_added_and_removed_in_order():
    grown = LESSON.with_step(Step("", {}, "third"))
    assert [s.caption for s in grown.steps] == ["A gap?", "", "third"]
    assert [s.caption for s in grown.without_step(1).steps] == ["A gap?", "third"]


def raw(**change):
    data = json.loads(lesson_json(LESSON))
    data.update(change)
    return json.dumps(data)


@pytest.mark.parametrize("data, words", [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not JSON"),
    ("[1, 2]", "not a lesson file"),
    (json.dumps({"title": "x", "steps": []}), "not a lesson file"),
    (raw(version=2), "version 2"),
    (raw(steps=[]), "no steps"),
    (raw(steps=[{"page": "", "view": {}}] * 61), "at most 60"),
    (raw(title=["a"]), "title"),
    (raw(steps=["explorer"]), "Step 1 is not an object"),
    (raw(steps=[{"page": "../../etc/passwd"}]), "Step 1 names the page '../../etc/passwd'"),
    (raw(steps=[{"page": "", "caption": 5}]), "Step 1's caption"),
    (raw(steps=[{"page": "", "caption": "x" * 801}]), "at most 800"),
    (raw(steps=[{"page": "", "view": []}]), "view is not an object"),
    (raw(steps=[{"page": ""}, {"page": "", "view": {"ex_size": 4}}]), "Step 2 sets 'ex_size'"),
    (raw(steps=[{"page": "", "view": {"ex_point": [1e308, 0]}}]), "a value no page takes"),
    (raw(steps=[{"page": "", "view": {"ex_point": {"z1": 1}}}]), "a value no page takes"),
    (raw(steps=[{"page": "", "view": {"lx_dataset": "x" * 201}}]), "a value no page takes"),
    (raw(steps=[{"page": "", "view": {"ex_point": [[[1]]]}}]), "a value no page takes"),
    (b" " * (MAX_BYTES + 1), "at most"),
])
def test_a_bad_file_gets_one_sentence(data, words):
    with pytest.raises(LessonError, match=None) as e:
        read_lesson(data, VIEWS)
    assert words in str(e.value)
    assert "\n" not in str(e.value) and len(str(e.value)) < 200


def test_json_constants_that_python_would_read_are_refused():
    text = lesson_json(LESSON).replace("1.5", "NaN")
    with pytest.raises(LessonError, match="a value no page takes"):
        read_lesson(text, VIEWS)


@pytest.mark.parametrize("word, words", [
    ("not a word!", "neither"),
    ("", "neither"),
    ("A" * 13_000, "too long"),
    ("abcd", "damaged"),
    (lesson_link(LESSON)[:-10], "damaged"),
    (base64.urlsafe_b64encode(zlib.compress(b"hello")).decode().rstrip("="), "not JSON"),
])
def test_a_bad_link_gets_one_sentence(word, words):
    with pytest.raises(LessonError) as e:
        lesson_from_link(word, VIEWS)
    assert words in str(e.value)


def test_a_link_cannot_unpack_into_a_huge_file():
    bomb = base64.urlsafe_b64encode(zlib.compress(b"{" + b" " * 8_000_000, 9)).decode().rstrip("=")
    assert len(bomb) < 12_000  # short enough to be a link
    with pytest.raises(LessonError, match="too long"):
        lesson_from_link(bomb, VIEWS)


def test_captions_ask_for_measured_numbers_by_model_and_measure():
    caption = "In a gap: {mnist_ae_z2:box.gaps} against {mnist_vae_z2:prior.gaps}; error {mnist_ae_z2:model.test_mse}; {not one}"
    assert measures_asked(caption) == [("mnist_ae_z2", "box", "gaps"), ("mnist_vae_z2", "prior", "gaps"),
                                       ("mnist_ae_z2", "model", "test_mse")]
    filled = fill_caption(caption, lambda stem, sampler, name: f"<{stem}|{sampler}|{name}>")
    assert filled == ("In a gap: <mnist_ae_z2|box|gaps> against <mnist_vae_z2|prior|gaps>; "
                      "error <mnist_ae_z2|model|test_mse>; {not one}")
