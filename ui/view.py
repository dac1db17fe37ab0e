"""One `ModelView` per checkpoint file version: the model as the app shows it, and everything measured
on it (the latent index, round-trip drift, the judge, per-image errors, class shares, published
payloads), each computed the first time a page asks and kept on the view.

Pages get a view from `ui.pickers` (or `view_of(name)`) and ask it; nothing else loads a checkpoint.
What a view cannot give (no classifier, no dataset on this machine) comes back as None and one
message saying why, from the method that needs it.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
import streamlit as st
import torch

import ae
from ae.quality import RoundTrip
from ui import catalog, measured
from ui.boxes import Boxes
from ui.datasets import dataset_images

CONFIDENCE_SAMPLE = 300  # test codes (and test images) judged for the quality comparison


class ModelView:
    """A checkpoint as the app shows it: a model with more than two latent dimensions is seen in its
    codes' principal plane (`ckpt.plane`; `ckpt.full` is the whole model)."""

    def __init__(self, ckpt: ae.Checkpoint, version: float):
        self.ckpt, self.version = ckpt, version
        self.name, self.dataset = ckpt.path.name, ckpt.dataset
        self.class_names = ae.class_names(ckpt.dataset)
        self.latent_size = (ckpt.full or ckpt).config.z_dim
        self.boxes = Boxes.of(ckpt.test_codes)
        self._guard, self._locks, self._memo = threading.Lock(), {}, {}
        self._decoded: OrderedDict[bytes, np.ndarray] = OrderedDict()

    def once(self, key, make):
        """`make()`, the first time `key` is asked for; every session after gets the same object.
        One lock per key: a long measurement does not hold up the view's other answers."""
        if key in self._memo:
            return self._memo[key]
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                self._memo[key] = make()
        return self._memo[key]

    def kept(self, kind: str, make, codec):
        """`once(kind, make)` for a measurement that depends only on the checkpoint's file: read from
        the store on disk (`ui.measured`) when this version of the file has it, else made and kept there."""
        def made():
            value = self.recall(kind, codec)
            return value if value is not None else self.keep(kind, make(), codec)
        return self.once(kind, made)

    def recall(self, kind: str, codec):
        """The measurement `kind` when this view or the store on disk has it, else None."""
        if kind in self._memo:
            return self._memo[kind]
        stored = self.stored().get(kind)
        try:
            value = codec.load(stored) if stored is not None else None
        except (KeyError, TypeError, ValueError):
            return None  # from an older or damaged file: measured again
        if value is not None:
            self._memo.setdefault(kind, value)
        return value

    def keep(self, kind: str, value, codec):
        """Keep a measurement made elsewhere (in a thread pool): on the view, and on disk for the next process."""
        measured.write(self.ckpt.path, self.digest, kind, codec.save(value))
        return self._memo.setdefault(kind, value)

    def stored(self) -> dict:
        """What the store on disk keeps for this version of the checkpoint's file (read once)."""
        return self.once("stored", lambda: measured.read(self.ckpt.path, self.digest))

    @property
    def digest(self) -> str:
        return self.once("digest", lambda: measured.content_hash(self.ckpt.path))

    def forget(self, key) -> None:
        """Drop what `key` gave, so the next `once(key, ...)` makes it again."""
        self._memo.pop(key, None)

    def __repr__(self) -> str:
        return f"ModelView({self.name}, version {self.version})"

    # ------------------------------------------------------------ measured on the codes and the model

    @property
    def index(self) -> ae.LatentIndex:
        """The gap measure over the training codes."""
        return self.once("index", spinning("Indexing the training codes...",
                                           lambda: ae.LatentIndex(self.ckpt.train_codes, self.ckpt.train_labels)))

    @property
    def round_trip(self) -> RoundTrip:
        """Round-trip drift, its scale read from 1,000 test codes."""
        return self.kept("round_trip", spinning("Measuring the round trip of real images...",
                                                lambda: RoundTrip(self.ckpt.model, self.ckpt.test_codes)),
                         measured.Codec(lambda trip: measured.ARRAY.save(trip.test_drift),
                                        lambda data: RoundTrip.from_test_drift(self.ckpt.model, data)))

    def decoded(self, points) -> np.ndarray:
        """Decodings of `points`, kept for the last 32 point sets (reruns do not decode again)."""
        points = np.asarray(points, dtype=np.float32)
        key = points.tobytes() + str(points.shape).encode()
        images = self._decoded.get(key)
        if images is None:
            images = ae.decode(self.ckpt.model, points)
            with self._guard:
                self._decoded[key] = images
                while len(self._decoded) > 32:
                    self._decoded.popitem(last=False)
        return images

    def class_shares(self, sampler: str = "box") -> np.ndarray:
        """Share of the sampled region each class owns: of the codes' box ('box') or of N(0, I)'s mass ('prior')."""
        from ae import limits
        n, codes, labels = len(self.class_names), self.ckpt.train_codes, self.ckpt.train_labels
        if sampler == "prior":
            measure = lambda: limits.prior_shares(codes, labels, n, tree=self.index.tree)  # noqa: E731
        else:
            measure = lambda: limits.area_shares(codes, labels, self.boxes.codes, n, tree=self.index.tree)  # noqa: E731
        return self.kept(f"shares-{sampler}", spinning("Measuring the area of each class...", measure), measured.ARRAY)

    # ------------------------------------------------------------ what needs files beyond the checkpoint

    def images(self, split: str = "train") -> tuple[ae.ImageSet | None, str | None]:
        """The real images behind the stored codes, or None and why they are missing."""
        images, problem = dataset_images(self.dataset, split)
        if images is None:
            return None, problem
        codes = self.ckpt.train_codes if split == "train" else self.ckpt.test_codes
        if len(images) < len(codes):
            return None, f"The local {split} set has {len(images)} images but the checkpoint has {len(codes)} codes."
        return images, None

    def judge(self):
        """(`judge(images) -> (classes, confidences)`, None), or (None, why there is none)."""
        from ae.classifier import predict
        path = catalog.classifier_path(self.dataset)
        try:
            model = _classifier(str(path), catalog.file_version(path)).model
        except ae.CheckpointError as e:
            return None, f"The quality score needs the classifier: {e}"
        return (lambda images: predict(model, images)), None

    def test_errors(self) -> np.ndarray:
        """Per-test-image reconstruction MSE: stored in the checkpoint, else measured once (needs the dataset)."""
        if self.ckpt.test_errors is not None:
            return self.ckpt.test_errors

        def measure():
            from ae.train import reconstruction_errors
            test, problem = self.images("test")
            if test is None:
                raise ae.DataUnavailable(problem)
            return reconstruction_errors((self.ckpt.full or self.ckpt).model, test.images, torch.device("cpu"))
        return self.once("test_errors", spinning("Measuring the reconstruction errors...", measure))

    def test_confidences(self) -> np.ndarray:
        """The classifier's confidence on the decodings of the first CONFIDENCE_SAMPLE test codes."""
        judge, _ = self.judge()
        judged_by = measured.version_of(catalog.classifier_path(self.dataset))  # the judge's file is part of it
        return self.kept(f"test_confidences-{judged_by}", spinning("Judging the decoded test codes...", lambda: judge(
            ae.decode(self.ckpt.model, self.ckpt.test_codes[:CONFIDENCE_SAMPLE]))[1]), measured.ARRAY)

    def real_confidences(self) -> np.ndarray:
        """The classifier's confidence on the first CONFIDENCE_SAMPLE real test images."""
        judge, _ = self.judge()
        return self.once("real_confidences", lambda: judge(self.images("test")[0].images[:CONFIDENCE_SAMPLE])[1])


def spinning(text: str, make):
    """`make`, showing `text` while it runs (first time only: a view keeps what it measured)."""
    def run():
        with st.spinner(text):
            return make()
    return run


def view_of(name: str) -> tuple[ModelView | None, str | None]:
    """The view of the checkpoint called `name` (cached per file version), or None and what is wrong."""
    return view_at(catalog.checkpoint_path(name))


def view_at(path: Path) -> tuple[ModelView | None, str | None]:
    try:
        return _view(str(path), catalog.file_version(path)), None
    except ae.CheckpointError as e:
        return None, str(e)


@st.cache_resource(show_spinner="Loading the model...", max_entries=8)
def _view(path: str, version: float) -> ModelView:
    ckpt = ae.load_checkpoint(path)
    if ckpt.config.z_dim < 2:
        raise ae.CheckpointMismatch(f"{Path(path).name} has a 1-D latent space; the app plots two dimensions. "
                                    f"Train with --z-dim 2 or more.")
    return ModelView(ae.plane_checkpoint(ckpt), version)


@st.cache_resource(show_spinner="Loading the classifier...", max_entries=4)
def _classifier(path: str, version: float):
    from ae.classifier import load_classifier
    return load_classifier(path)
