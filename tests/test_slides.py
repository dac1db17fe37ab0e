"""Exports for slides (ae.slides, and the pages' download buttons): the GIF's frames are the decodings,
the zip holds every frame, the CSV every plotted code with its class."""
import csv
import io
import zipfile

import numpy as np
from PIL import Image

from ae import slides
from conftest import ROOT, run_script


def gif_frames(data: bytes) -> list[np.ndarray]:
    gif = Image.open(io.BytesIO(data))
    frames = []
    for k in range(gif.n_frames):
        gif.seek(k)
        frames.append(np.asarray(gif.convert("L")))
    return frames


def test_a_strip_becomes_a_looping_gif_whose_frames_are_the_images_enlarged():
    rng = np.random.default_rng(0)
    images = rng.random((5, 28, 28)).astype(np.float32)
    data = slides.strip_gif(images, size=112)
    assert Image.open(io.BytesIO(data)).info.get("loop") == 0
    frames = gif_frames(data)
    assert len(frames) == 5 and frames[0].shape == (112, 112)
    for frame, image in zip(frames, images):
        expected = np.clip(np.rint(image * 255), 0, 255)
        assert np.abs(frame[::4, ::4].astype(int) - expected).max() <= 1  # each pixel a 4x4 block of its value
        assert (frame[1::4, 1::4] == frame[::4, ::4]).all()


def test_frames_zip_holds_every_frame_in_order():
    frames = slides.strip_frames(np.linspace(0, 1, 3)[:, None, None] * np.ones((3, 28, 28)), size=56)
    with zipfile.ZipFile(io.BytesIO(slides.frames_zip(frames, "line"))) as archive:
        names = archive.namelist()
        assert names == ["line-000.png", "line-001.png", "line-002.png"]
        last = np.asarray(Image.open(io.BytesIO(archive.read(names[2]))))
    assert last.shape == (56, 56) and (last == 255).all()


def test_codes_csv_has_a_row_per_code_with_its_class():
    codes = np.array([[0.5, -1.25], [3.0, 4.0]], np.float32)
    rows = list(csv.reader(io.StringIO(slides.codes_csv(codes, np.array([7, 2]), [str(c) for c in range(10)], index=[11, 40]))))
    assert rows == [["index", "z1", "z2", "label", "class"], ["11", "0.5", "-1.25", "7", "7"], ["40", "3", "4", "2", "2"]]


def test_scatter_frames_draw_each_class_in_its_colour():
    snapshots = np.array([[[0, 0], [1, 1]], [[0, 0], [10, 10]]], np.float32)
    frames = slides.scatter_frames(snapshots, np.array([0, 3]), ["before training", "epoch 1"], size=200)
    assert len(frames) == 2
    colours = {c for _, c in frames[1].getcolors(100_000)}
    assert (0x1F, 0x77, 0xB4) in colours and (0xD6, 0x27, 0x28) in colours  # the palette's 0 and 3


def test_the_pages_offer_the_exports(monkeypatch, mnist_path):
    at = run_script(ROOT / "app_pages" / "4_Interpolation.py", monkeypatch, data_dir=mnist_path)
    at.slider(key="ip_steps").set_value(5).run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert "Download as GIF (for slides)" in labels and "Download the frames (PNG, zip)" in labels
    at = run_script(ROOT / "navigation.py", monkeypatch, data_dir=mnist_path)
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert "Download the plotted test codes (CSV)" in labels and "Download as GIF (for slides)" not in labels
    at.session_state["ex_open_replay"] = True  # the replay (and its GIF) is made once its section is opened
    at.run()
    labels = [b.label for b in at.get("download_button")]
    assert "Download as GIF (for slides)" in labels
