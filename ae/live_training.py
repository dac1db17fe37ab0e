"""A training run that reports as it goes and can be stopped: the engine behind the app's Train page.

`TrainingRun(settings, out_dir).start()` trains in a background thread with the library's own loop
(`ae.train.train_epoch`), and keeps a `Progress` that any thread may read with `progress()`: images
seen, the running training loss, the test loss after each epoch, and the codes of a fixed set of test
images, re-encoded every few dozen steps in the first epoch and after every epoch after that, so the
clusters can be watched forming. `stop()` ends the run after the current step; what was learned is
saved all the same. The result is one checkpoint (atomically written, with a snapshot of all test
codes per epoch) in `out_dir`, named after its settings and never overwriting a file already there.
"""
from __future__ import annotations

import copy
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from .checkpoint import save_checkpoint
from .data import DATASETS, load_images
from .latent import encode
from .model import AEConfig, build_model
from .train import make_scheduler, reconstruction_errors, train_epoch

VIEW_IMAGES = 2000  # test images whose codes are redrawn while training
EARLY_VIEW_EVERY = 20  # steps between redraws in the first epoch, when the clusters move most
# ... and at least this many seconds: the page shows a new picture once a second, and encoding the
# 2,000 view images more often than that cost a fifth to a third of the first epoch's time.
EARLY_VIEW_SECONDS = 1.0
THREADS_EVERY = 20  # steps between asks of the thread policy


@dataclass(frozen=True)
class RunSettings:
    """What a run trains. The optimiser: Adam with a one-cycle schedule peaking at `lr`."""

    dataset: str = "mnist"
    model: str = "ae"  # "ae" or "vae"
    beta: float = 1.0
    z_dim: int = 2
    images: int = 20_000  # the first N training images
    epochs: int = 3
    seed: int = 0
    lr: float = 3e-3
    batch_size: int = 128
    batch_norm: bool = True
    width: float = 1.0  # filters per convolution, as a share of the chapter's (0.5: a lighter, faster model)
    dense_units: tuple[int, ...] = ()  # a dense backbone instead of the convolutions (AEConfig.dense_units)

    def __post_init__(self):
        if self.dataset not in DATASETS or self.model not in ("ae", "vae"):
            raise ValueError("unknown dataset or model")
        if not (1 <= self.z_dim <= 64 and 1 <= self.epochs <= 100 and self.images >= self.batch_size
                and 0.1 <= self.width <= 2):
            raise ValueError("z_dim 1-64, epochs 1-100, width 0.1-2, and at least one batch of images")

    def config(self) -> AEConfig:
        base = AEConfig()
        scale = lambda filters: tuple(max(1, round(f * self.width)) for f in filters)  # noqa: E731
        return AEConfig(z_dim=self.z_dim, use_batch_norm=self.batch_norm, variational=self.model == "vae",
                        beta=self.beta, dense_units=self.dense_units, encoder_filters=scale(base.encoder_filters),
                        decoder_filters=scale(base.decoder_filters[:-1]) + base.decoder_filters[-1:])

    def file_name(self) -> str:
        beta = f"_beta{self.beta:g}" if self.model == "vae" and self.beta != 1 else ""
        backbone = "_dense" if self.dense_units else f"_w{self.width:g}" if self.width != 1 else ""
        return f"{self.dataset}_{self.model}_z{self.z_dim}{beta}{backbone}_{self.images // 1000}k_{self.epochs}ep.pt"


@dataclass
class Progress:
    """What a run has done so far (a copy; safe to keep)."""

    state: str = "waiting"  # waiting, loading, training, saving, done, stopped, failed
    epoch: int = 0  # epochs completed
    seen: int = 0  # training images processed in all
    total: int = 0  # images to process in all (epochs x images)
    started: float = 0.0  # time.time() at start
    seconds: float = 0.0  # training time so far
    losses: list = field(default_factory=list)  # (images seen, running training loss)
    test_losses: list = field(default_factory=list)  # (images seen, test loss)
    view_codes: np.ndarray | None = None  # codes of the view images (the first two principal axes if z > 2)
    view_labels: np.ndarray | None = None
    view_at: int = 0  # images seen when the view codes were taken
    threads: int = 0  # torch threads the run trains with now (0: as the process has them)
    message: str = ""
    path: Path | None = None

    @property
    def fraction(self) -> float:
        return self.seen / self.total if self.total else 0.0

    @property
    def finished(self) -> bool:
        return self.state in ("done", "stopped", "failed")


def free_path(folder: Path, name: str) -> Path:
    """`folder/name`, or `name` with -2, -3, ... before the suffix if that file exists."""
    path, n = folder / name, 2
    while path.exists():
        path = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
        n += 1
    return path


class TrainingRun:
    """One background training run; see the module docstring."""

    def __init__(self, settings: RunSettings, out_dir: str | Path, data_dir=None, device: str = "cpu", data=None,
                 marks: tuple[float, ...] = (), on_mark=None, threads=None):
        """`data`: (train, test) ImageSets already loaded; else they are loaded from `data_dir` (see
        ae.load_images) in the run's thread. `on_mark(seconds, model)` (for benchmarks) is called when
        the training time passes each of `marks` (seconds); the time it takes is not counted.
        `threads()`, if given, says how many torch threads to train with; it is asked every
        THREADS_EVERY steps, and torch's setting (process-wide) is put back when the run ends."""
        self.settings = settings
        self.out_dir = Path(out_dir)
        self.data_dir = data_dir
        self.data = data
        self.marks, self.on_mark, self.threads = list(marks), on_mark, threads
        self.device = torch.device(device)
        self._lock = threading.Lock()
        self._progress = Progress()
        self._stop = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> "TrainingRun":
        self.thread = threading.Thread(target=self._run, name="latent-explorer-training", daemon=True)
        self._update(state="loading", started=time.time())
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def progress(self) -> Progress:
        with self._lock:
            return copy.copy(self._progress)

    def _update(self, **changes) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(self._progress, key, value)

    def _append(self, name: str, item) -> None:
        with self._lock:
            getattr(self._progress, name).append(item)

    def _run(self) -> None:
        before = torch.get_num_threads()
        try:
            self._train()
        except Exception as e:  # the page shows it; the server carries on
            self._update(state="failed", message=f"{type(e).__name__}: {e}")
        finally:
            torch.set_num_threads(before)

    def _use_threads(self) -> None:
        if self.threads is not None:
            wanted = max(1, int(self.threads()))
            if wanted != torch.get_num_threads():
                torch.set_num_threads(wanted)
            self._update(threads=wanted)

    def _train(self) -> None:
        s = self.settings
        train, test = self.data or (load_images(s.dataset, "train", data_dir=self.data_dir),
                                    load_images(s.dataset, "test", data_dir=self.data_dir))
        images, labels = train.images[:s.images], train.labels[:s.images]
        view = np.sort(np.random.default_rng(0).choice(len(test), min(VIEW_IMAGES, len(test)), replace=False))
        view_images = test.images[view]
        torch.manual_seed(s.seed)
        model = build_model(s.config()).to(self.device)
        # On the CPU, oneDNN's convolutions run 1.3 to 1.5 times faster on channels-last tensors
        # (bench/train_live.py); the checkpoint is saved in the usual layout.
        layout = torch.channels_last if self.device.type == "cpu" and not s.dense_units else torch.contiguous_format
        model = model.to(memory_format=layout)
        optimizer = torch.optim.Adam(model.parameters(), lr=s.lr)
        steps = -(-len(images) // s.batch_size)
        scheduler = make_scheduler(optimizer, "onecycle", s.lr, s.epochs * steps)
        self._update(state="training", total=s.epochs * len(images), view_labels=test.labels[view].numpy())

        last_redraw = [0.0]

        def redraw(at: int):
            last_redraw[0] = time.perf_counter()
            codes = encode(model, view_images)
            if codes.shape[1] > 2:  # the first two principal axes, as the explorer shows larger spaces
                centred = codes - codes.mean(0)
                codes = centred @ np.linalg.svd(centred, full_matrices=False)[2][:2].T
            self._update(view_codes=codes.astype(np.float32), view_at=at)

        self._use_threads()
        snapshots = [encode(model, test.images)]
        redraw(0)
        history: list[dict] = []
        trained = 0.0
        for epoch in range(s.epochs):
            torch.manual_seed(s.seed * 10_000 + epoch)
            generator = torch.Generator().manual_seed(s.seed * 10_000 + epoch)
            done_before = epoch * len(images)
            window: list[float] = []
            clock = {"t0": time.perf_counter()}

            def on_batch(seen: int, loss: float, epoch=epoch, done_before=done_before, window=window, clock=clock,
                         trained=trained):
                window.append(loss)
                step = len(window)
                if step % THREADS_EVERY == 0:
                    self._use_threads()
                at = done_before + seen
                elapsed = trained + time.perf_counter() - clock["t0"]
                self._update(seen=at, seconds=elapsed)
                if self.marks and elapsed >= self.marks[0]:
                    paused = time.perf_counter()
                    self.on_mark(self.marks.pop(0), model)
                    model.train()
                    clock["t0"] += time.perf_counter() - paused
                self._append("losses", (at, float(np.mean(window[-10:]))))  # the mean of the last 10 steps
                if epoch == 0 and step % EARLY_VIEW_EVERY == 0 and time.perf_counter() - last_redraw[0] >= EARLY_VIEW_SECONDS:
                    redraw(at)

            loss = train_epoch(model, images, optimizer, self.device, batch_size=s.batch_size, generator=generator,
                               scheduler=scheduler, on_batch=on_batch, should_stop=self._stop.is_set,
                               memory_format=layout)
            trained += time.perf_counter() - clock["t0"]
            at = self.progress().seen
            errors = reconstruction_errors(model, test.images, self.device)
            test_loss = float(errors.astype(np.float64).mean())
            snapshots.append(encode(model, test.images))
            history.append({"epoch": epoch + 1, "train_loss": loss, "test_loss": test_loss, "seconds": trained,
                            "images": at - done_before})
            self._append("test_losses", (at, test_loss))
            self._update(epoch=epoch + 1)
            redraw(at)
            if self._stop.is_set():
                break
        self._update(state="saving", seconds=trained)
        path = free_path(self.out_dir, self.settings.file_name())
        model = model.cpu().to(memory_format=torch.contiguous_format)
        save_checkpoint(path, model=model, dataset=s.dataset, history=history, model_type=s.model,
                        train_codes=encode(model, images), train_labels=labels.numpy(),
                        test_codes=snapshots[-1], test_labels=test.labels.numpy(), test_errors=errors,
                        train_args=asdict(s) | {"schedule": "onecycle", "source": "Train page"},
                        snapshots=np.stack(snapshots))
        stopped = self._stop.is_set()
        self._update(state="stopped" if stopped else "done", path=path,
                     message=f"{'Stopped after' if stopped else 'Trained for'} {len(history)} epoch"
                             f"{'s' if len(history) != 1 else ''} ({at:,} images seen) in {trained:.0f} s; "
                             f"test MSE {test_loss:.4f}.")
