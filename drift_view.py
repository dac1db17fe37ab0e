"""Round-trip drift on screen: one cached `ae.quality.RoundTrip` per checkpoint version, and the
point panel's rows saying how far a point's decoding is sent back and where.

Round-trip drift is the app's measure of the chapter's third limit (see ae/quality.py): the
classifier's confidence is fooled by the plain decoder's crisp extrapolations, drift is not.
"""
from __future__ import annotations

import streamlit as st

import ae
import ui
from ae.quality import RoundTrip, describe_drift, where_sent

HELP = ("Decode the point, then encode the decoded image again: how far from the point does the encoder put it? "
        "In latent units (the plot's). Real images' codes come back close; in the gaps the decoder draws something "
        "the encoder sends back towards a cluster: the image does not mean this place, however crisp it looks. "
        "The arrow on the plot points to where it is sent.")


@st.cache_resource(show_spinner="Measuring the round trip of real images...", max_entries=8)
def _round_trip(path: str, stamp: float) -> RoundTrip:
    ckpt = ui._load(path, stamp)
    return RoundTrip(ckpt.model, ckpt.test_codes)


def round_trip_for(ckpt: ae.Checkpoint) -> RoundTrip:
    """The checkpoint's RoundTrip (its scale read from 1,000 test codes once per file version)."""
    return _round_trip(str(ckpt.path), ui._stamp(ckpt.path))


def point_drift(ckpt: ae.Checkpoint, point) -> tuple[float, tuple[float, float], str]:
    """(drift, where the decoding is sent back, one sentence) for one point."""
    rt = round_trip_for(ckpt)
    result = rt.drift([point])
    back = tuple(float(v) for v in result.returned[0])
    near = where_sent(ui.index_for(ckpt).place(back), ae.class_names(ckpt.dataset))
    d = float(result.drift[0])
    return d, back, describe_drift(d, back, rt, near)


def drift_rows(ckpt: ae.Checkpoint, point, *, compact: bool = False) -> tuple[float, float]:
    """Show a point's round-trip drift (a metric, or one bold line when `compact`) and its sentence;
    returns where the decoding is sent back, for the arrow on the scatter."""
    d, back, sentence = point_drift(ckpt, point)
    rt = round_trip_for(ckpt)
    if compact:
        st.markdown(f"Round-trip drift **{d:.2f}** (real images: 99% within {rt.high:.2f}). {sentence}")
    else:
        st.metric("Round-trip drift", f"{d:.2f}", help=HELP)
        st.write(sentence)
    return back
