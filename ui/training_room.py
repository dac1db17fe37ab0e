"""The server's one training slot, shared by every session: who is training what, and its progress.

One run at a time per server (a second session asking is told the server is busy, with what and for
how long); the run lives in the server process, so leaving the Train page, or closing the tab, does
not lose it, and coming back shows its progress. Only the session that started a run may stop it.
Behind a load balancer each replica has its own slot (a browser stays on one replica), and the
message names the replica that is busy; every replica lists what any of them trained (AE_TRAINED_DIR).
The server's torch uses one thread (app.py); a convolutional run takes both cores while nobody else is
using the app and one as soon as somebody is, so the other pages keep answering; a dense run takes one.
"""
from __future__ import annotations

import os
import threading

import streamlit as st

import ae
from ui import catalog
from ui.server import presence, replica_name
from ae.live_training import RunSettings, TrainingRun


class Room:
    def __init__(self):
        self._lock = threading.Lock()
        self.run: TrainingRun | None = None
        self.owner: str | None = None

    def start(self, settings: RunSettings, owner: str, data) -> str | None:
        """Start a run on `data` ((train, test) ImageSets); returns None, or why not (another run is going)."""
        with self._lock:
            if self.busy(owner):
                return self.busy(owner)
            catalog.TRAINED_DIR.mkdir(parents=True, exist_ok=True)
            self.run = TrainingRun(settings, catalog.TRAINED_DIR, data=data,
                                   threads=lambda: training_threads(owner, settings)).start()
            self.owner = owner
            return None

    def busy(self, owner: str) -> str | None:
        """Why nobody can start a run now (one is going), or None."""
        run = self.run
        if run is None or run.progress().finished:
            return None
        p = run.progress()
        server = f"This server ({replica}) is busy" if (replica := replica_name()) else "The server is busy"
        return (f"{server}: {'you are' if self.owner == owner else 'another session is'} training a "
                f"{describe(run.settings)} ({p.fraction:.0%} done, {p.seconds:.0f} s so far). One training at a "
                f"time; this page shows its progress, and you can start yours when it is done.")

    def stop(self, owner: str) -> bool:
        with self._lock:
            if self.run is None or self.owner != owner:
                return False
            self.run.stop()
            return True


def others_here(session: str) -> int:
    """Sessions other than `session` that used the app in the last two minutes."""
    return presence().others(session)


def training_threads(owner: str, settings: RunSettings | None = None) -> int:
    """Both cores while nobody but the run's owner has used the app in the last two minutes (a lone
    student trains the convolutional model about 1.7 times faster), one as soon as anybody else does, so
    their pages keep answering. The run asks again every few steps. A dense model always takes one: its
    small matrix products ran slower on two threads from the server's training thread than on one
    (11,000 against 13,000 images a second, bench/train_live.py)."""
    if settings is not None and settings.dense_units:
        return 1
    return min(2, os.cpu_count() or 1) if others_here(owner) == 0 else 1


@st.cache_resource(show_spinner=False)
def room() -> Room:
    """The process's one Room (st.cache_resource: one object shared by every session)."""
    return Room()


def describe(s: RunSettings) -> str:
    kind = "plain autoencoder" if s.model == "ae" else f"VAE (beta {s.beta:g})"
    if s.dense_units:
        kind += f" with dense layers ({'-'.join(map(str, s.dense_units))})"
    elif s.width != 1:
        kind += f" with {s.width:.0%} of the chapter's filters"
    return (f"{kind} on {s.images:,} {ae.data.dataset_title(s.dataset)} images, {s.z_dim}-D latent space, "
            f"{s.epochs} epoch{'s' if s.epochs != 1 else ''}")
