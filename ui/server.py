"""How the app's server process runs torch, set once where the server starts (app.py).

One intra-op thread per call: the server decodes single points for many sessions at once, and with
more threads a busy machine turns a 1 ms decode into 100 ms of thread contention. A training run on
the Train page then takes one core, and the other pages keep answering on the other.
"""
from __future__ import annotations

import os
import sys


def use_one_torch_thread() -> None:
    """Before torch is imported, without importing it (that would delay the first paint): through
    OMP_NUM_THREADS, which torch reads when it loads; directly if it is loaded already."""
    os.environ["OMP_NUM_THREADS"] = "1"
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
