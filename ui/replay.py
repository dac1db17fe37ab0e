"""How a checkpoint's latent space formed: its stored snapshots of the test codes (before training and
after each epoch) replayed as an animated Plotly scatter, with a slider and a play button that run in
the browser.
"""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

import ae
from ae import slides
from ae.replay import frame_names, has_replay, no_replay_reason, shown_index
from ui.figures import chart, class_colour
from ui.text import plain_text


def replay_figure(ckpt: ae.Checkpoint, height: int = 520) -> go.Figure:
    """The snapshots as an animation: one frame per snapshot, each frame zoomed to its own codes
    (the untrained encoder's codes are tiny beside the final ones)."""
    snapshots, labels = ckpt.snapshots, ckpt.test_labels
    keep = shown_index(len(labels))
    names = ae.class_names(ckpt.dataset)
    titles = frame_names(ckpt)

    def traces(codes):
        return [go.Scattergl(x=codes[keep][labels[keep] == c, 0], y=codes[keep][labels[keep] == c, 1], mode="markers",
                             name=name, marker=dict(size=4, opacity=0.7, color=class_colour(c)),
                             hoverinfo="skip")
                for c, name in enumerate(names)]

    def ranges(codes):
        (x0, x1), (y0, y1) = ae.latent.bounding_box(codes[keep])
        return dict(xaxis=dict(range=[x0, x1]), yaxis=dict(range=[y0, y1]))

    last = len(snapshots) - 1
    fig = go.Figure(data=traces(snapshots[last]),
                    frames=[go.Frame(data=traces(s), name=str(k), layout=ranges(s) | {"title": {"text": titles[k]}})
                            for k, s in enumerate(snapshots)])
    step = dict(mode="immediate", frame=dict(duration=700, redraw=True), transition=dict(duration=0))
    fig.update_layout(
        height=height, title=titles[last], margin=dict(l=50, r=10, t=40, b=40), plot_bgcolor="#fafafa",
        xaxis_title="z1", yaxis_title="z2", legend=dict(title=ae.data.item_words(ckpt.dataset)[0], itemsizing="constant"),
        **ranges(snapshots[last]),
        updatemenus=[dict(type="buttons", direction="left", x=0, y=-0.08, xanchor="left", yanchor="top",
                          showactive=False,
                          buttons=[dict(label="▶ Play", method="animate", args=[None, step | {"fromcurrent": False}]),
                                   dict(label="❚❚ Pause", method="animate",
                                        args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False))])])],
        sliders=[dict(active=last, x=0.18, len=0.82, y=-0.05, currentvalue=dict(prefix=""),
                      steps=[dict(label=str(k), method="animate", args=[[str(k)], step]) for k in range(len(snapshots))])])
    return fig


def show_replay(view, key: str) -> None:
    """The replay for a checkpoint with snapshots, or one line saying how to get them."""
    ckpt = view.ckpt
    if not has_replay(ckpt):
        st.caption(plain_text(no_replay_reason(ckpt.full or ckpt)))
        return
    st.caption("Where the encoder put the test images before training and after each epoch (3,000 of them). "
               "Press play, or drag the slider. Each frame is zoomed to its own codes: at first the untrained "
               "encoder puts everything in a small blob; the classes pull apart as training goes.")
    # Built once per view: every full rerun of the explorer shows it (never mutated).
    chart(view.once("replay", lambda: replay_figure(ckpt)), key=key)
    # The files are made when a button is pressed (about 0.4 s), not on every visit of the explorer.
    def frames():
        return view.once("replay_frames", lambda: slides.scatter_frames(
            ckpt.snapshots, ckpt.test_labels, frame_names(ckpt), keep=shown_index(len(ckpt.test_labels))))
    stem = f"{ckpt.path.stem}-replay"
    gif, png = st.columns(2)
    gif.download_button("Download as GIF (for slides)", lambda: view.once("replay_gif", lambda: slides.gif_bytes(frames(), 700)),
                        file_name=f"{stem}.gif", mime="image/gif", key=f"{key}_gif")
    png.download_button("Download the frames (PNG, zip)", lambda: view.once("replay_zip", lambda: slides.frames_zip(frames(), stem)),
                        file_name=f"{stem}.zip", mime="application/zip", key=f"{key}_zip")
