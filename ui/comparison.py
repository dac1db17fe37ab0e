"""The three limits of each model, as bench/compare_models.py prints them (the comparison page's
table, a lesson's measured numbers): kept per version of the checkpoint and of its judge
(`ui.measured`), so only a model never measured before is measured, side by side with the others."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial

import streamlit as st

from ae.limits import ModelLimits, measure_limits
from ui import catalog, measured

LIMITS = measured.dataclass_codec(ModelLimits)


def limits_for(*views, k: int = 1000, seed: int = 0) -> list[ModelLimits]:
    """`ae.limits.measure_limits` of each view's checkpoint (k samples per sampler, from `seed`)."""
    kinds = [f"limits-{k}-{seed}-{measured.version_of(catalog.classifier_path(v.dataset))}" for v in views]
    known = {id(v): v.recall(kind, LIMITS) for v, kind in zip(views, kinds)}
    missing = {id(v): (v, kind) for v, kind in zip(views, kinds) if known[id(v)] is None}
    if missing:
        with st.spinner("Measuring the three limits..."):
            jobs = []
            for view, _ in missing.values():  # the view's pieces are measured here, in the script's thread
                judge, _ = view.judge()
                jobs.append(partial(measure_limits, view.ckpt, judge, k=k, seed=seed, index=view.index,
                                    area=view.class_shares("box"), round_trip=view.round_trip))
            # The server runs torch on one thread per call (app.py); measuring the models side by side
            # uses both cores for this one-off job. Models in eval mode only read their weights.
            with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
                results = [future.result() for future in [pool.submit(job) for job in jobs]]
        for (view, kind), result in zip(missing.values(), results):
            known[id(view)] = view.keep(kind, result, LIMITS)
    return [known[id(v)] for v in views]
