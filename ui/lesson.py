"""The lesson a session plays or builds (the file format is `ae.lesson`'s): what each page's view
holds, saving the view on screen as a step, restoring a step exactly, the lesson bar (Previous, Next,
the caption, PageDown/PageUp and the arrow keys of a presenter remote), the sidebar's lesson tools,
and the lessons the app ships (lessons/*.json, opened by `?lesson=NAME`).

navigation.py calls `open_from_link`, `apply_pending`, `bar`, `tools` and `run_page` around every
page; the pages themselves know nothing of lessons. A step is restored at the start of a run, before
any widget exists: the page's own keys are cleared and the saved ones set, then the page opens as on a
fresh visit with those values (points checked against the model's space as a link's are).
"""
from __future__ import annotations

import fnmatch
import functools
import math
from dataclasses import replace
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

import ae
from ae.lesson import (Lesson, LessonError, Step, fill_caption, lesson_from_link, lesson_json, lesson_link, measures_asked,
                       plain_value, read_lesson)
from ui import catalog
from ui.site import PAGES
from ui.text import plain_text

ROOT = Path(__file__).resolve().parent.parent
LESSONS_DIR = ROOT / "lessons"
PARAM, STEP_PARAM = "lesson", "step"  # ?lesson=chapter3&step=4 (or a lesson made here, encoded)

# What a view is, page by page: the session-state keys a step saves and restores. Every page shares
# the dataset, the model and the projector switch; the rest are the page's widgets (by key) and the
# points it keeps. A key left out here is not part of a view (buttons, uploads, the pad's drawing).
SHARED = ("lx_dataset", "lx_checkpoint", "lx_large")
VIEWS: dict[str, tuple[str, ...]] = {
    "": ("ex_which", "ex_backdrop", "ex_size", "ex_opacity", "ex_live", "ex_point", "ex_point_model", "ex_dot",
         "ex_open_*", "ex_zoom"),
    "reconstructions": ("rec_other", "rec_count", "rec_indices", "rec_seed"),
    "latent-grid": ("grid_n", "grid_region_*"),
    "random-sampling": ("rs_k", "rs_seed", "rs_source"),
    "interpolation": ("ip_a_*", "ip_b_*", "ip_steps", "ip_live", "ip_clicks", "ip_clicks_model", "ip_zoom"),
    "your-own-digit": ("own_mode", "own_pen"),
    "compare": ("cmp_left", "cmp_right", "cmp_backdrop", "cmp_live", "cmp_relative", "cmp_zoom_*"),
    "train": ("tr_recipe", "tr_model", "tr_beta", "tr_z", "tr_images", "tr_epochs"),
}
ALLOWED = {page: SHARED + own for page, own in VIEWS.items()}
# The pages' other settable widgets, and why a view leaves them out (tests/test_lesson.py holds every
# page's widgets to VIEWS or to this list, so a new widget cannot be forgotten by lessons).
NOT_SAVED = {
    "*_dataset": "the dataset switch of each page: lx_dataset is saved",
    "*_checkpoint": "the model picker of each page: lx_checkpoint is saved",
    "*_large": "the projector switch of each page: lx_large is saved",
    "ex_type_z*": "the typed point's fields: the point itself (ex_point) is saved",
}
SCRIPTS = {page.url_path: page.script for page in PAGES}
TITLES = {page.url_path: page.title for page in PAGES}
# A plot's zoom, as its component last reported it (the scatter's "view" state), saved as [x0, x1, y0, y1].
ZOOMS = {"ex_zoom": "ex_scatter", "ip_zoom": "ip_scatter", "cmp_zoom_left": "cmp_scatter_left",
         "cmp_zoom_right": "cmp_scatter_right"}
# Points a view keeps, checked against the step's model when restored: one point, a list of them.
POINT_KEYS, POINT_LIST_KEYS = ("ex_point",), ("ip_clicks",)


def prefix_of(page: str) -> str:
    """The prefix of a page's own session-state keys ("ex_" for the explorer)."""
    return VIEWS[page][0].split("_")[0] + "_"


def shipped_lessons() -> dict[str, Path]:
    """The lessons in lessons/, by name (`chapter3` for lessons/chapter3.json)."""
    return {path.stem: path for path in sorted(LESSONS_DIR.glob("*.json"))}


@functools.lru_cache(maxsize=16)
def _shipped(path: str, version: int) -> Lesson:
    """A shipped lesson, read and checked once per file version (the sidebar names them on every rerun)."""
    return read_lesson(Path(path).read_bytes(), ALLOWED)


def open_lesson(source: str) -> Lesson:
    """A shipped lesson by name, or one a link carries; LessonError says why not."""
    shipped = shipped_lessons()
    if source in shipped:
        return _shipped(str(shipped[source]), shipped[source].stat().st_mtime_ns)
    try:
        return lesson_from_link(source, ALLOWED)
    except LessonError:
        if len(str(source)) > 40:
            raise
        # A short word is a mistyped name rather than a lesson made here (those are hundreds of characters).
        raise LessonError(f"This app ships no lesson called {str(source)[:40]!r}; it ships "
                          f"{', '.join(shipped) or 'none'}.") from None


# ------------------------------------------------------------------ saving and restoring a view

def _jsonable(value):
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return value.item()
    return value


def capture(page: str, caption: str = "") -> Step:
    """The view on screen now, as a step of `page` (its widgets' values as of the last run)."""
    state = st.session_state
    view = {}
    for key in sorted(state):
        if any(fnmatch.fnmatchcase(key, pattern) for pattern in ALLOWED[page]):
            value = _jsonable(state[key])
            if plain_value(value):  # what a lesson file may hold (ae.lesson)
                view[key] = value
    for key, component in ZOOMS.items():
        zoom = _reported_zoom(state.get(component))
        if zoom and any(fnmatch.fnmatchcase(key, pattern) for pattern in ALLOWED[page]):
            view[key] = zoom
    return Step(page, view, caption.strip())


def _reported_zoom(component_state) -> list[float] | None:
    reported = (component_state.get("view") if hasattr(component_state, "get")
                else getattr(component_state, "view", None))
    try:
        zoom = [float(v) for v in (*reported["x"], *reported["y"])]
    except (TypeError, KeyError, ValueError):
        return None
    return [round(v, 5) for v in zoom] if _zoom(zoom) else None


def _point(value) -> tuple[float, float] | None:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                           for v in value):
        return float(value[0]), float(value[1])
    return None


def restore(step: Step, number: int) -> list[str]:
    """Make `step`'s view the session's (before the page runs); the sentences saying what of it could not be used."""
    from ui.view import view_of

    state, notes, where = st.session_state, [], f"Step {number}"
    prefix = prefix_of(step.page)
    for key in [k for k in state if str(k).startswith(prefix)]:
        del state[key]  # the page opens as on a first visit, with the step's values below
    values = dict(step.view)
    datasets = list(ae.data.DATASETS)
    dataset = values.pop("lx_dataset", state.get("lx_dataset", datasets[0]))
    if dataset not in datasets:
        notes.append(f"{where} asks for the dataset {str(dataset)[:30]!r}, which this app does not know.")
        dataset = datasets[0]
    state.lx_dataset = dataset
    state.lx_checkpoint_linked = True  # the step says which model; the page's link does not
    name = values.pop("lx_checkpoint", None)
    view = None
    if name is not None:
        if name in catalog.list_checkpoints(dataset) and view_of(name)[0] is not None:
            state.lx_checkpoint, view = name, view_of(name)[0]
        else:
            notes.append(f"{where}'s model {str(name)[:60]} is not on this server; the page shows another.")
            values = {k: v for k, v in values.items() if k not in POINT_KEYS + POINT_LIST_KEYS}
    for key in POINT_KEYS + POINT_LIST_KEYS:
        if values.get(key) in (None, []):
            continue
        points, problem = _checked(values[key] if key in POINT_LIST_KEYS else [values[key]], view, where)
        if problem:
            notes.append(problem)
            values[key] = [] if key in POINT_LIST_KEYS else None
            if key == "ex_point":
                values.pop("ex_dot", None)  # the dot was the point's
        else:
            values[key] = [list(p) for p in points] if key in POINT_LIST_KEYS else points[0]
    if values.get("cmp_relative") is not None:  # fractions across and up both models' boxes, as a link's
        values["cmp_relative"] = _relative(values["cmp_relative"], values, dataset, notes, where)
    for key, value in values.items():
        if key.startswith("grid_region_"):
            if not _region(value):
                notes.append(f"{where}'s grid region is not two ranges of z1 and z2; the page shows the whole plane.")
                continue
            value = tuple(tuple(float(v) for v in pair) for pair in value)
        elif key in ZOOMS:
            if not _zoom(value):
                notes.append(f"{where}'s zoom is not two ranges of z1 and z2; the plot shows the whole plane.")
                continue
        elif key == "ex_dot":
            if not _dot(value):
                continue  # a point without its dot: the decoding alone
            value = tuple(value)
        state[key] = value
    return notes


def _checked(points: list, view, where: str) -> tuple[list[tuple[float, float]], str | None]:
    """The points, each inside `view`'s space as a link's point must be; else the sentence saying why not."""
    from ui.click import parse_point

    checked = []
    for raw in points:
        point = _point(raw)
        if point is None or view is None:
            return [], f"{where}'s point {str(raw)[:40]} is not a point of this model's space, so it was left out."
        point, problem = parse_point(*point, view.boxes.accepted, source=f"{where}'s point")
        if problem:
            return [], problem
        checked.append(point)
    return checked, None


def _relative(raw, values: dict, dataset: str, notes: list, where: str):
    from ui.boxes import intersection
    from ui.click import parse_point
    from ui.view import view_of

    views = [view_of(values.get(side, ""))[0] if values.get(side) in catalog.list_checkpoints(dataset) else None
             for side in ("cmp_left", "cmp_right")]
    point = _point(raw)
    if point is None or None in views:
        notes.append(f"{where}'s point is not a point of these two models' spaces, so it was left out.")
        return None
    point, problem = parse_point(*point, intersection(*(v.boxes.relative_accepted for v in views)),
                                 source=f"{where}'s point")
    if problem:
        notes.append(problem.replace("z1", "across").replace("z2", "up"))
    return point


def _dot(value) -> bool:
    return (isinstance(value, list) and len(value) == 2 and value[0] in ("test", "train")
            and isinstance(value[1], int) and not isinstance(value[1], bool) and value[1] >= 0)


def _zoom(value) -> bool:
    return (isinstance(value, list) and len(value) == 4 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                                and math.isfinite(v) for v in value)
            and value[0] < value[1] and value[2] < value[3])


def _region(value) -> bool:
    return (isinstance(value, list) and len(value) == 2 and all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, (int, float)) and math.isfinite(v) for v in pair)
        and pair[0] < pair[1] for pair in value))


# ------------------------------------------------------------------ playing a lesson

def go(number: int) -> None:
    """Ask for step `number` (from 0) of the open lesson; it is restored as the next run starts."""
    lesson = st.session_state.get("lx_lesson")
    if lesson is None or not lesson.steps:
        return
    number = max(0, min(number, len(lesson.steps) - 1))
    st.session_state.lx_lesson_at = number
    st.session_state.lx_lesson_pending = number


def step_by(delta: int) -> None:
    at = st.session_state.get("lx_lesson_at")
    go(0 if at is None else at + delta)


def open_from_link() -> None:
    """The session's first run: open the lesson its link names (`?lesson=`), at `?step=` (from 1)."""
    if "lx_lesson_link_read" in st.session_state:
        return
    st.session_state.lx_lesson_link_read = True
    source = st.query_params.get(PARAM)
    if source is None:
        return
    try:
        lesson = open_lesson(source)
    except LessonError as e:
        st.session_state.lx_lesson_notes = [f"{e} The page opens without the lesson."]
        return
    start = st.query_params.get(STEP_PARAM, "1")
    number = int(start) - 1 if str(start).isascii() and str(start).isdigit() else 0
    _start(lesson, source if source in shipped_lessons() else lesson_link(lesson), number)


def _start(lesson: Lesson, source: str, number: int = 0) -> None:
    st.session_state.lx_lesson, st.session_state.lx_lesson_source = lesson, source
    st.session_state.lx_lesson_title = lesson.title
    go(number)


def apply_pending() -> None:
    """When a step was asked for: restore it and open its page (ends this run)."""
    number = st.session_state.pop("lx_lesson_pending", None)
    lesson = st.session_state.get("lx_lesson")
    if number is None or lesson is None:
        return
    step = lesson.steps[number]
    st.session_state.lx_lesson_notes = restore(step, number + 1)
    st.session_state.lx_lesson_restored = number
    st.switch_page(SCRIPTS[step.page], query_params={PARAM: st.session_state.lx_lesson_source, STEP_PARAM: str(number + 1)})


def run_page(page, after=None) -> None:
    """Run the page, then `after()` (the lesson bar's numbers) when it has ended or stopped. A restored
    step whose saved values a widget refuses (a slider's number beyond its range, text where a number
    goes, from a hand-edited file) opens the page as it does by default, with one line saying so."""
    restored = st.session_state.pop("lx_lesson_restored", None)
    try:
        page.run()
    except StopException:
        if after:
            after()
        raise
    except Exception as e:  # st.stop and st.rerun are BaseExceptions: they pass
        # A hand-edited file can hold a value of the wrong kind for a widget (text for a slider): the
        # page's first run with the step's values fails, and the page opens at its defaults instead.
        if restored is None:
            raise
        address = page.url_path if page.url_path in VIEWS else ""
        for key in [k for k in st.session_state if str(k).startswith(prefix_of(address))]:
            del st.session_state[key]
        st.session_state.lx_lesson_notes = [f"Step {restored + 1}'s saved view does not fit this page "
                                            f"({str(e)[:160]}); the page opens as it does by default."]
        st.rerun()
    else:
        if after:
            after()


def caption_text(caption: str) -> str:
    """The caption with its measured numbers filled in from the models (measured once per model version)."""
    from ae.limits import MEASURES, SAMPLERS, _format
    from ui.comparison import limits_for
    from ui.view import view_of

    patterns = {f: p for f, _, p in MEASURES}

    def measure(stem: str, sampler: str, name: str) -> str:
        view, _ = view_of(f"{stem}.pt")
        if view is None:
            return f"(no model {stem} here)"
        measured = limits_for(view)[0]
        if sampler == "model" and name == "test_mse":
            return _format(measured.test_mse, "{:.4f}")
        if sampler in SAMPLERS and name in patterns:
            return _format(getattr(getattr(measured, sampler), name), patterns[name])
        return f"(no measure {sampler}.{name})"
    return fill_caption(caption, measure)


# The bar is one row above the page's title, so that a step's plot still fits a 1280x720 projector.
BAR_STYLE = "<style>.st-key-lx_lesson_bar { padding: 0.5rem 0.8rem; gap: 0.25rem; }</style>"


def bar(page_address: str):
    """The lesson bar at the top of the page: where the lesson is, its caption, Previous and Next.
    Returns what fills in the caption's measured numbers, for `run_page` to call once the page is on
    screen (a model's first measurement takes seconds; the page is not held up by it), or None."""
    from ui import mounts

    for note in st.session_state.pop("lx_lesson_notes", None) or ():
        st.warning(plain_text(note))
    lesson, at = st.session_state.get("lx_lesson"), st.session_state.get("lx_lesson_at")
    if lesson is None or at is None or not lesson.steps:
        return None
    at = min(at, len(lesson.steps) - 1)
    step = lesson.steps[at]
    # First, so that a remote's key works while the rest of the page is still being made.
    mounts.lesson_keys(data={"kind": "lesson_keys", "at": at, "steps": len(lesson.steps)},
                       key="lx_lesson_keys", on_step_change=_keyed, height=0)
    st.html(BAR_STYLE)
    with st.container(border=True, key="lx_lesson_bar"):
        back, middle, forward = st.columns([1.3, 7, 1.1], vertical_alignment="center")
        back.button("◀ Previous", key="lx_lesson_prev", on_click=step_by, args=(-1,), disabled=at == 0,
                    help="The previous step (PageUp or the left arrow key)")
        forward.button("Next ▶", key="lx_lesson_next", on_click=step_by, args=(1,), disabled=at == len(lesson.steps) - 1,
                       help="The next step (PageDown or the right arrow key)")
        away = "" if step.page == page_address else f" (on {TITLES[step.page]}; you have moved away from it)"
        head = f"**{plain_text(lesson.title)} · step {at + 1} of {len(lesson.steps)}**{plain_text(away)}"
        slot = middle.empty()
        if not measures_asked(step.caption):
            slot.markdown(f"{head} {plain_text(step.caption)}")
            return None
        waiting = f"{head} {plain_text(fill_caption(step.caption, lambda *_: '…'))}"
        slot.markdown(waiting)

    def numbers():
        with slot.container():  # the caption stays readable while its numbers are measured (spinner below it)
            st.markdown(waiting)
            text = caption_text(step.caption)
        slot.markdown(f"{head} {plain_text(text)}")
    return numbers


def _keyed() -> None:
    """PageDown/PageUp or an arrow key outside the plot and the form fields (components/lesson_keys.js)."""
    by = st.session_state.get("lx_lesson_keys", {})
    by = by.get("step") if hasattr(by, "get") else getattr(by, "step", None)
    if by in (1, -1):
        step_by(by)


# ------------------------------------------------------------------ building and sharing a lesson

def tools(page_address: str) -> None:
    """The sidebar's lesson tools on every page: add the view on screen, name, download, link, open."""
    lesson = st.session_state.get("lx_lesson")
    with st.sidebar.expander("Lesson"):
        st.text_area("Caption or question for this view", key="lx_lesson_caption", max_chars=800, height=80,
                     placeholder="What should the class look at here?")
        st.button("Add this view to the lesson", key="lx_lesson_add", on_click=add_view, args=(page_address,),
                  width="stretch")
        if lesson is not None:
            at = st.session_state.get("lx_lesson_at") or 0
            st.caption(plain_text(f"{lesson.title}: {len(lesson.steps)} step{'s' * (len(lesson.steps) != 1)}, "
                                  f"showing step {at + 1}."))
            st.button(f"Remove step {at + 1}", key="lx_lesson_remove", on_click=remove_step, args=(at,),
                      width="stretch")
            st.session_state.setdefault("lx_lesson_title", lesson.title)  # the field follows the open lesson (_start)
            st.text_input("Lesson title", key="lx_lesson_title", max_chars=120, on_change=rename)
            st.download_button("Download the lesson (JSON)", lesson_json(lesson), file_name=_file_name(lesson),
                               mime="application/json", key="lx_lesson_download", width="stretch")
            st.caption("A link that opens this lesson:")
            address = str(st.context.url or "").split("?")[0]
            st.code(f"{address}?{PARAM}={st.session_state.get('lx_lesson_source') or lesson_link(lesson)}",
                    language=None, wrap_lines=True)
            st.button("Close the lesson", key="lx_lesson_close", on_click=close, width="stretch")
        for name, path in shipped_lessons().items():
            st.button(f"Open the lesson: {_title_of(path)}", key=f"lx_lesson_open_{name}", on_click=open_shipped,
                      args=(name,), width="stretch")
        st.file_uploader("Open a lesson file", type=["json"], key="lx_lesson_file", on_change=open_file,
                         max_upload_size=1)


def _title_of(path: Path) -> str:
    try:
        return open_lesson(path.stem).title
    except LessonError:
        return path.stem


def _file_name(lesson: Lesson) -> str:
    stem = "".join(c if c.isalnum() else "-" for c in lesson.title.lower()).strip("-")[:60] or "lesson"
    return f"{stem}.json"


def add_view(page_address: str) -> None:
    lesson = st.session_state.get("lx_lesson")
    if lesson is None:
        lesson = Lesson("My lesson")
        st.session_state.lx_lesson_title = lesson.title
    step = capture(page_address, st.session_state.get("lx_lesson_caption", ""))
    lesson = lesson.with_step(step)
    st.session_state.lx_lesson, st.session_state.lx_lesson_source = lesson, lesson_link(lesson)
    st.session_state.lx_lesson_at = len(lesson.steps) - 1
    st.session_state.lx_lesson_caption = ""
    st.toast(f"Added step {len(lesson.steps)}.")


def remove_step(number: int) -> None:
    lesson = st.session_state.lx_lesson.without_step(number)
    if not lesson.steps:
        close()
        return
    st.session_state.lx_lesson, st.session_state.lx_lesson_source = lesson, lesson_link(lesson)
    st.session_state.lx_lesson_at = min(number, len(lesson.steps) - 1)


def rename() -> None:
    lesson = st.session_state.get("lx_lesson")
    title = " ".join(str(st.session_state.get("lx_lesson_title", "")).split())[:120]
    if lesson is not None and title:
        lesson = replace(lesson, title=title)
        st.session_state.lx_lesson, st.session_state.lx_lesson_source = lesson, lesson_link(lesson)


def close() -> None:
    for key in ("lx_lesson", "lx_lesson_at", "lx_lesson_source", "lx_lesson_title"):
        st.session_state.pop(key, None)


def open_shipped(name: str) -> None:
    try:
        _start(open_lesson(name), name)
    except LessonError as e:
        st.session_state.lx_lesson_notes = [f"The lesson {name} cannot be opened: {e}"]


def open_file() -> None:
    upload = st.session_state.get("lx_lesson_file")
    if upload is None:
        return
    try:
        lesson = read_lesson(upload.getvalue(), ALLOWED)
    except LessonError as e:
        st.session_state.lx_lesson_notes = [f"{upload.name[:60]} cannot be opened: {e}"]
        return
    _start(lesson, lesson_link(lesson))
