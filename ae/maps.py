"""What a latent scatter draws, as plain data for the page's scatter (the app publishes it under
static/, the static site in each model's file): the class colours, the codes to plot
(`points_payload`), and the maps that shade the plane behind them, measured over a box: where the
gaps are (`gap_map`), where decodings drift on their round trip (`drift_map`), and where the decoded
image changes fastest (`sensitivity_map`), each with its own colour scale.
"""
from __future__ import annotations

import numpy as np

# The class colours of every chart, in the app and in the static site (sent to the page with the data).
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

# The ways to shade the plane: name -> (its label in a picker, what is said under the plot when it is
# on). The app's sidebar (ui.backdrops) and the static site's page (its catalogue) both show these.
SHADINGS = {
    "none": ("nothing", ""),
    "gaps": ("gaps", "Shaded: the gap measure, the distance to the nearest training code in usual spacings; "
                     "orange beyond the edge threshold, red far out."),
    "drift": ("round-trip drift", "Shaded: round-trip drift, how far the encoder sends each point's decoding "
                                  "back; purple where it comes back farther than 99% of real images' codes do. "
                                  "This is where the decoded image does not mean its place: the third limit."),
    "sensitivity": ("decoder sensitivity", "Shaded: how fast the decoded image changes as the point moves "
                                           "(pixels per latent unit). Bright along the seams where one class turns "
                                           "into another; dark far out, where the decoder saturates and every "
                                           "point draws the same thing. A picture of the decoder, not a quality "
                                           "score: it is low in most gaps."),
}

TRAIN_SAMPLE = 10_000  # training codes a scatter plots (a fixed sample) when asked for the training set


def class_word(dataset: str) -> str:
    """The legend's word for a class: the digits of MNIST, the classes of Fashion-MNIST."""
    return "digit" if dataset == "mnist" else "class"


def plotted_index(n_codes: int, sample: bool) -> np.ndarray:
    """Which of n codes the plot shows: all, or with `sample` at most TRAIN_SAMPLE, the same fixed sample every time."""
    if sample and n_codes > TRAIN_SAMPLE:
        return np.sort(np.random.default_rng(0).choice(n_codes, TRAIN_SAMPLE, replace=False))
    return np.arange(n_codes)


def points_payload(codes: np.ndarray, labels: np.ndarray, class_names: list[str], class_word: str,
                   sample: bool = False) -> dict:
    """The codes to plot: x, y, label and index of each, the class names and the word for a class.
    `sample`: at most TRAIN_SAMPLE of them, the same fixed sample every time."""
    index = plotted_index(len(codes), sample)
    codes = np.asarray(codes, dtype=np.float64)  # rounded as float32, 0.1234 would print as 0.12340000271797180
    return {"x": np.round(codes[index, 0], 4).tolist(), "y": np.round(codes[index, 1], 4).tolist(),
            "label": labels[index].astype(int).tolist(), "index": index.tolist(),
            "classes": list(class_names), "class_word": class_word}

def _grid(xs, ys, z, digits: int = 2) -> dict:
    return {"x": np.round(xs, 4).tolist(), "y": np.round(ys, 4).tolist(), "z": np.round(z, digits).tolist()}


def gap_map(index, x_range, y_range, n: int = 150) -> dict:
    """The gap measure of an `ae.LatentIndex` over the box."""
    xs, ys, g = index.gap_map(x_range, y_range, n)
    zmax = 2 * index.edge
    return _grid(xs, ys, np.minimum(g, 99)) | {
        "zmax": zmax, "title": "gap",
        "colorscale": [[0, "rgba(255,255,255,0)"], [index.inside / zmax, "rgba(255,255,255,0)"],
                       [index.edge / zmax, "rgba(253,174,97,0.5)"], [1, "rgba(215,48,39,0.7)"]]}


def drift_map(rt, x_range, y_range, n: int = 48) -> dict:
    """Round-trip drift of an `ae.quality.RoundTrip` over the box."""
    xs, ys, d = rt.drift_map(x_range, y_range, n)
    zmax = 2 * rt.high
    return _grid(xs, ys, np.minimum(d, 10 * zmax), 3) | {
        "zmax": zmax, "title": "drift",
        "colorscale": [[0, "rgba(255,255,255,0)"], [rt.typical / zmax, "rgba(255,255,255,0)"],
                       [rt.high / zmax, "rgba(186,104,200,0.45)"], [1, "rgba(74,20,140,0.7)"]]}


def sensitivity_map(model, x_range, y_range, n: int = 48) -> dict:
    """How fast the decoder's image changes as the point moves, over the box."""
    from ae.quality import sensitivity_map as measure
    xs, ys, s = measure(model, x_range, y_range, n)
    zmax = float(np.percentile(s, 99)) or 1.0
    return _grid(xs, ys, s, 4) | {
        "zmax": zmax, "title": "change",
        "colorscale": [[0, "rgba(0,0,0,0.35)"], [0.5, "rgba(0,0,0,0)"], [1, "rgba(255,193,7,0.6)"]]}
