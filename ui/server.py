"""How the app's server process runs torch, set once where the server starts (app.py).

One intra-op thread per call: the server decodes single points for many sessions at once, and with
more threads a busy machine turns a 1 ms decode into 100 ms of thread contention. A training run on
the Train page then takes one core, and the other pages keep answering on the other; it takes both
only while no other session is using the app (`Presence`, ui/training_room.py).
"""
from __future__ import annotations

import ctypes
import os
import socket
import sys
import threading
import time
import uuid

import streamlit as st


def use_one_torch_thread() -> None:
    """Before torch is imported, without importing it (that would delay the first paint): through
    OMP_NUM_THREADS, which torch reads when it loads; directly if it is loaded already.

    Every session's script calls this, and on a fresh server another session's thread may be in the
    middle of importing torch: its half-made module is already in sys.modules, without
    set_num_threads yet (ten first visits at once showed one of them that AttributeError instead
    of the chart). `import torch` waits for such an import to finish.
    """
    os.environ["OMP_NUM_THREADS"] = "1"
    if "torch" in sys.modules:
        import torch
        torch.set_num_threads(1)


def switch_threads_often(seconds: float = 0.0005) -> None:
    """Let the server's threads take turns every half millisecond (Python's default: 5 ms). The
    event loop that serves the page's files waits for the interpreter while a session's thread
    imports torch or runs Python, up to a whole interval for each chunk of a file: on a fresh server
    plotly.js took about a second to arrive while the first visitor's session imported torch
    (bench/README.md, the explorer's first chart)."""
    sys.setswitchinterval(seconds)


M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """As MALLOC_ARENA_MAX=2 would, set where the server starts (app.py), before its threads: glibc
    gives each thread that allocates its own arena (up to eight per core) and does not reuse memory
    freed in one for another, so ten sessions' threads preparing photos at once left the server a
    quarter of a gigabyte larger (bench/upload_memory.py: peak 1.40-1.58 GB, 1.27-1.33 GB with two
    arenas). Returns whether it applied (glibc only; elsewhere nothing changes)."""
    try:
        return ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, arenas) == 1
    except (OSError, AttributeError):
        return False


# ---------------------------------------------------------------- who is using the server

class Presence:
    """Which sessions have used the app lately: every page notes its session when it runs
    (ui.pickers), so the Train page can tell whether anybody else would share the cores."""

    def __init__(self, clock=time.monotonic):
        self._clock, self._lock, self._seen = clock, threading.Lock(), {}

    def note(self, session: str) -> None:
        now = self._clock()
        with self._lock:
            self._seen[session] = now
            # A server runs for days: forget sessions gone for an hour, so the record stays small.
            for gone in [s for s, t in self._seen.items() if now - t > 3600]:
                del self._seen[gone]

    def others(self, session: str, within_s: float = 120.0) -> int:
        """How many other sessions ran a page in the last `within_s` seconds."""
        now = self._clock()
        with self._lock:
            return sum(1 for s, t in self._seen.items() if s != session and now - t <= within_s)


@st.cache_resource(show_spinner=False)
def presence() -> Presence:
    """The process's one Presence (shared by every session)."""
    return Presence()


def session_id() -> str:
    """This browser session's id, stable across its page runs."""
    if "lx_session_id" not in st.session_state:
        st.session_state.lx_session_id = uuid.uuid4().hex
    return st.session_state.lx_session_id


def note_visit() -> None:
    presence().note(session_id())


# ---------------------------------------------------------------- which replica this is

REPLICA_ENV = "AE_REPLICA_NAME"


def replica_name() -> str | None:
    """This server's name among the replicas of a course server ($AE_REPLICA_NAME, where `{hostname}`
    stands for the machine's or container's name), or None when it runs alone (the variable unset)."""
    name = os.environ.get(REPLICA_ENV, "").strip()
    return name.replace("{hostname}", socket.gethostname())[:80] or None
