"""Round-trip drift on screen: how far a point's decoding is sent back by the encoder, and where.

Round-trip drift is the app's measure of the chapter's third limit (see ae/quality.py): the
classifier's confidence is fooled by the plain decoder's crisp extrapolations, drift is not. Each
view measures its scale once (`ModelView.round_trip`).
"""
from __future__ import annotations

import streamlit as st

from ae.quality import describe_drift, where_sent

HELP = ("Decode the point, then encode the decoded image again: how far from the point does the encoder put it? "
        "In latent units (the plot's). Real images' codes come back close; in the gaps the decoder draws something "
        "the encoder sends back towards a cluster: the image does not mean this place, however crisp it looks. "
        "The arrow on the plot points to where it is sent.")


def point_drift(view, point) -> tuple[float, tuple[float, float], str]:
    """(drift, where the decoding is sent back, one sentence) for one point."""
    rt = view.round_trip
    result = rt.drift([point])
    back = tuple(float(v) for v in result.returned[0])
    near = where_sent(view.index.place(back), view.class_names)
    d = float(result.drift[0])
    return d, back, describe_drift(d, back, rt, near)


def drift_rows(view, point, *, compact: bool = False) -> tuple[float, float]:
    """Show a point's round-trip drift (a metric, or one bold line when `compact`) and its sentence;
    returns where the decoding is sent back, for the arrow on the scatter."""
    d, back, sentence = point_drift(view, point)
    if compact:
        st.markdown(f"Round-trip drift **{d:.2f}** (real images: 99% within {view.round_trip.high:.2f}). {sentence}")
    else:
        st.metric("Round-trip drift", f"{d:.2f}", help=HELP)
        st.write(sentence)
    return back
