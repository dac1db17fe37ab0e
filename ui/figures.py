"""Static Plotly figures pages draw on, and the class palette every chart uses (the clickable scatter
gets the same palette with its data)."""
from __future__ import annotations

import numpy as np

from ae.maps import PALETTE


def class_colour(c: int) -> str:
    return PALETTE[c % len(PALETTE)]


def scatter_figure(view, *, height: int = 560, size: int = 3, opacity: float = 0.5):
    """A static Plotly scatter of the test codes, one WebGL trace per class, for pages to draw on."""
    import plotly.graph_objects as go

    ckpt = view.ckpt
    fig = go.Figure()
    for c, name in enumerate(view.class_names):
        mask = ckpt.test_labels == c
        fig.add_trace(go.Scattergl(x=ckpt.test_codes[mask, 0], y=ckpt.test_codes[mask, 1], mode="markers",
                                   name=name, hoverinfo="skip",
                                   marker=dict(size=size, opacity=opacity, color=class_colour(c))))
    fig.update_layout(height=height, margin=dict(l=40, r=10, t=10, b=40), plot_bgcolor="#fafafa",
                      legend=dict(itemsizing="constant"), xaxis_title="z1", yaxis_title="z2")
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def add_on_top(fig, x, y, *, name: str, marker: dict, showlegend: bool = True) -> None:
    """Mark points on a `scatter_figure` so that they are drawn above the data dots, at any density.

    plotly.js paints every WebGL trace on a canvas that lies above the SVG traces, so a plain
    `go.Scatter` marker sits under the 10,000 data dots wherever it lands in a cluster. A
    `go.Scattergl` added after the data is painted on the same canvas, after them: on top.
    """
    import plotly.graph_objects as go

    fig.add_trace(go.Scattergl(x=np.asarray(x), y=np.asarray(y), mode="markers", name=name, marker=marker,
                               showlegend=showlegend, hoverinfo="skip"))


# ------------------------------------------------------------------ charts in words, for screen readers

def _number(v: float) -> str:
    v = float(v)
    if not np.isfinite(v):
        return "no value"
    return f"{v:.0f}" if abs(v) >= 100 or v == int(v) else f"{v:.3g}"


def _axis_title(axis) -> str:
    title = getattr(getattr(axis, "title", None), "text", None)
    return str(title) if title else ""


def _trace_sentence(trace, x_name: str, y_name: str) -> str | None:
    name = str(trace.name) if trace.name else "the data"
    x = np.asarray(trace.x if trace.x is not None else [], dtype=object)
    y = np.asarray(trace.y if trace.y is not None else [], dtype=object)
    kind = trace.type
    if kind == "bar":
        pairs = [f"{a}: {_number(b)}" for a, b in zip(x, y)]
        return f"bars of {name} ({y_name or 'value'}): {', '.join(pairs[:20])}{' ...' if len(pairs) > 20 else ''}"
    if kind == "histogram":
        values = np.asarray(x, dtype=float)
        if not len(values):
            return None
        return (f"a histogram of {name}: {len(values):,} values from {_number(values.min())} to {_number(values.max())}, "
                f"median {_number(np.median(values))}")
    if kind in ("scatter", "scattergl") and len(x):
        xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if "lines" in str(trace.mode or "") and len(xs) > 1:
            return (f"the line {name}: {y_name or 'y'} goes from {_number(ys[0])} to {_number(ys[-1])} "
                    f"(lowest {_number(np.nanmin(ys))}, highest {_number(np.nanmax(ys))}) as {x_name or 'x'} "
                    f"goes from {_number(xs[0])} to {_number(xs[-1])}")
        where = (f"{x_name or 'x'} from {_number(np.nanmin(xs))} to {_number(np.nanmax(xs))}, "
                 f"{y_name or 'y'} from {_number(np.nanmin(ys))} to {_number(np.nanmax(ys))}")
        return f"{len(xs):,} points of {name} ({where})" if len(xs) > 1 else f"the point {name} at ({_number(xs[0])}, {_number(ys[0])})"
    return None


def chart_summary(fig) -> str:
    """What a Plotly figure shows, in sentences (its title, axes and every trace's data, briefly): the
    text alternative a screen reader reads in place of the chart."""
    layout = fig.layout
    x_name, y_name = _axis_title(layout.xaxis), _axis_title(layout.yaxis)
    title = getattr(layout.title, "text", None)
    parts = [_trace_sentence(trace, x_name, y_name) for trace in fig.data if trace.visible is not False]
    parts = [p for p in parts if p]
    axes = f" with {x_name} across and {y_name} up" if x_name and y_name else ""
    head = f"Chart{f': {title}' if title else ''}{axes}."
    if not parts:
        return head
    # Many point clouds (one per class): one sentence for the classes, the rest in full.
    clouds = [p for p in parts if " points of " in p]
    if len(clouds) > 3:
        counts = [p.split(" points of ")[0] for p in clouds]
        names = [p.split(" points of ")[1].split(" (")[0] for p in clouds]
        total = sum(int(c.replace(",", "")) for c in counts)
        parts = ([f"{total:,} points in {len(clouds)} groups ({', '.join(f'{n}: {c}' for n, c in zip(names, counts))})"]
                 + [p for p in parts if p not in clouds])
    return f"{head} It shows {'; '.join(parts)}."


def chart(fig, *, key: str, **kwargs):
    """`st.plotly_chart` with its text alternative beside it (read by screen readers, not drawn)."""
    import html

    import streamlit as st

    shown = st.plotly_chart(fig, key=key, **kwargs)
    st.markdown(f'<p class="lx-sr-only">{html.escape(chart_summary(fig))}</p>', unsafe_allow_html=True)
    return shown
