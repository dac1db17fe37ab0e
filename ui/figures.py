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
