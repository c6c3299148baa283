"""Shared figure builders: labelled heatmaps and weight bars that stay readable on a projector."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from attention_core.figures.palette import ACCENT, BAR, COLORSCALE, DIVERGING
from attention_core.figures.palette import MUTED as MUTED  # figures/translation.py imports it from here

CELL_TEXT_MAX = 12  # write numbers in cells up to this many rows/columns
FONT = {"size": 15}


def plot_label(token: str, max_len: int = 24) -> str:
    """A token as literal Plotly text: HTML-escaped (Plotly reads tags) and shortened."""
    token = token if len(token) <= max_len else token[: max_len - 1] + "…"
    return html.escape(token, quote=False)


def axis_labels(tokens: Sequence[str]) -> list[str]:
    """Escaped labels for an axis; repeated tokens stay distinct because axes use positions."""
    return [plot_label(t) for t in tokens]


def as_array(matrix: object) -> np.ndarray:
    """Any tensor/array-like to a float64 numpy array."""
    if hasattr(matrix, "detach"):
        matrix = matrix.detach().cpu().numpy()
    return np.asarray(matrix, dtype=np.float64)


def heatmap(
    matrix: object,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    title: str = "",
    *,
    x_title: str = "key (attended to)",
    y_title: str = "query (attending)",
    zmin: float | None = None,
    zmax: float | None = None,
    colorscale: str = COLORSCALE,
    value_name: str = "weight",
    decimals: int = 4,
    height: int | None = None,
) -> go.Figure:
    """A matrix as a heatmap with tokens on both axes, numbers in small cells and exact hover values."""
    z = as_array(matrix)
    if z.ndim != 2:
        raise ValueError(f"heatmap needs a 2-D matrix, got shape {z.shape}")
    n_rows, n_cols = z.shape
    if len(row_labels) != n_rows or len(col_labels) != n_cols:
        raise ValueError(f"labels {len(row_labels)}x{len(col_labels)} do not match matrix {z.shape}")
    rows, cols = axis_labels(row_labels), axis_labels(col_labels)
    show_text = max(n_rows, n_cols) <= CELL_TEXT_MAX
    hover_rows = np.broadcast_to(np.array(rows, dtype=object)[:, None], z.shape)
    hover_cols = np.broadcast_to(np.array(cols, dtype=object)[None, :], z.shape)
    trace = go.Heatmap(
        z=z,
        x=list(range(n_cols)),
        y=list(range(n_rows)),
        colorscale=colorscale,
        zmin=zmin,
        zmax=zmax,
        zmid=0.0 if colorscale == DIVERGING and zmin is None else None,
        customdata=np.stack([hover_rows, hover_cols], axis=-1),
        hovertemplate=(
            f"{y_title}: %{{customdata[0]}}<br>{x_title}: %{{customdata[1]}}<br>"
            f"{value_name}: %{{z:.{decimals + 2}f}}<extra></extra>"
        ),
        texttemplate=f"%{{z:.{decimals}f}}" if show_text else None,
        textfont={"size": 13 if max(n_rows, n_cols) <= 8 else 11},
        colorbar={"thickness": 14, "title": {"text": value_name, "side": "right"}},
        xgap=1,
        ygap=1,
    )
    fig = go.Figure(trace)
    size = height or max(260, min(720, 70 + 46 * n_rows))
    fig.update_layout(
        title={"text": title},
        height=size,
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        font=FONT,
    )
    fig.update_xaxes(
        tickvals=list(range(n_cols)),
        ticktext=cols,
        title=x_title,
        side="bottom",
        tickangle=-45 if n_cols > 8 else 0,
    )
    fig.update_yaxes(tickvals=list(range(n_rows)), ticktext=rows, title=y_title, autorange="reversed")
    return fig


def weight_bars(
    weights: object,
    tokens: Sequence[str],
    title: str = "",
    *,
    highlight: int | None = None,
    value_name: str = "attention weight",
) -> go.Figure:
    """One query's weights as bars labelled with percentages; `highlight` marks the query token."""
    w = as_array(weights).reshape(-1)
    if len(tokens) != w.shape[0]:
        raise ValueError(f"{len(tokens)} tokens for {w.shape[0]} weights")
    labels = axis_labels(tokens)
    colors = [ACCENT if i == highlight else BAR for i in range(len(w))]
    fig = go.Figure(
        go.Bar(
            x=list(range(len(w))),
            y=w,
            marker_color=colors,
            text=[f"{100 * v:.1f}%" for v in w],
            textposition="outside",
            customdata=labels,
            hovertemplate=f"%{{customdata}}<br>{value_name}: %{{y:.6f}}<extra></extra>",
        )
    )
    top = float(np.nanmax(w)) if np.isfinite(w).any() else 1.0
    fig.update_layout(
        title={"text": title},
        height=340,
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        font=FONT,
        showlegend=False,
    )
    fig.update_xaxes(tickvals=list(range(len(w))), ticktext=labels, title="token")
    fig.update_yaxes(title=value_name, range=[0, max(top * 1.2, 1e-9)], tickformat=".0%")
    return fig


def play_controls(
    frame_names: Sequence[str],
    labels: Sequence[str],
    active: int,
    y: float,
    frame_ms: int,
    from_current: bool,
    current_value: dict,
) -> dict:
    """Play/Pause buttons and a slider over `frame_names` (one step per frame), side by side at height `y` (paper
    units): layout entries for an animated figure. `current_value` is the slider's `currentvalue` setting."""
    jump = {"frame": {"duration": 0, "redraw": True}, "mode": "immediate", "transition": {"duration": 0}}
    play = {
        "frame": {"duration": frame_ms, "redraw": True},
        "transition": {"duration": 0},
        "fromcurrent": from_current,
        "mode": "immediate",
    }
    return {
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "showactive": False,
                "x": 0.0,
                "y": y,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 0, "r": 10},
                "buttons": [
                    {"label": "▶ Play", "method": "animate", "args": [None, play]},
                    {"label": "❚❚ Pause", "method": "animate", "args": [[None], jump]},
                ],
            }
        ],
        "sliders": [
            {
                "active": active,
                "x": 0.2,
                "len": 0.8,
                "y": y,
                "yanchor": "top",
                "pad": {"t": 0},
                "currentvalue": current_value,
                "steps": [
                    {"label": label, "method": "animate", "args": [[name], jump]}
                    for name, label in zip(frame_names, labels, strict=True)
                ],
            }
        ],
    }
