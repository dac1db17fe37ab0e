"""The comparison page's measurement: the three limits of each model, as bench/compare_models.py
prints them, measured once per pair of views."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial

import streamlit as st

from ae.limits import measure_limits


@st.cache_resource(max_entries=8, show_spinner="Measuring the three limits...")
def _limits(keys: tuple[str, ...], k: int, seed: int, _views) -> list:
    jobs = []
    for view in _views:  # the view's pieces are measured here, in the script's thread
        judge, _ = view.judge()
        jobs.append(partial(measure_limits, view.ckpt, judge, k=k, seed=seed, index=view.index,
                            area=view.class_shares("box"), round_trip=view.round_trip))
    # The server runs torch on one thread per call (app.py); measuring the models side by side uses
    # both cores for this one-off job. Models in eval mode only read their weights.
    with ThreadPoolExecutor(max_workers=len(jobs) or 1) as pool:
        return [future.result() for future in [pool.submit(job) for job in jobs]]


def limits_for(*views, k: int = 1000, seed: int = 0) -> list:
    """`ae.limits.measure_limits` of each view's checkpoint, measured once per set of file versions."""
    return _limits(tuple(f"{v.ckpt.path}:{v.version}" for v in views), k, seed, views)
