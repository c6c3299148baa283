"""Figures for simplified self-attention: the 3-D weighted sum, normalisation, the overflow demo."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from attention_core.figures.common import FONT, as_array, axis_labels
from attention_core.figures.palette import (
    ACCENT,
    BLUE,
    CONTEXT_COLOR,
    ERROR_RED,
    MUTED,
    ORANGE,
    SKY,
    STEP_COLORS,
)


def _arrow(
    start: np.ndarray,
    end: np.ndarray,
    color: str,
    name: str,
    width: int,
    hover: str,
    legendgroup: str,
    showlegend: bool = True,
    dash: str | None = None,
) -> list[go.BaseTraceType]:
    """A 3-D arrow: a line plus a cone at its tip (two traces sharing one legend entry)."""
    line = go.Scatter3d(
        x=[start[0], end[0]],
        y=[start[1], end[1]],
        z=[start[2], end[2]],
        mode="lines",
        line={"color": color, "width": width, "dash": dash},
        name=name,
        legendgroup=legendgroup,
        showlegend=showlegend,
        hovertext=[hover, hover],
        hoverinfo="text",
    )
    direction = end - start
    length = float(np.linalg.norm(direction))
    if length < 1e-9:
        return [line]
    cone = go.Cone(
        x=[end[0]],
        y=[end[1]],
        z=[end[2]],
        u=[direction[0]],
        v=[direction[1]],
        w=[direction[2]],
        anchor="tip",
        sizemode="absolute",
        sizeref=0.06,
        showscale=False,
        colorscale=[[0, color], [1, color]],
        legendgroup=legendgroup,
        showlegend=False,
        hovertext=hover,
        hoverinfo="text",
        name=name,
    )
    return [line, cone]


def context_vector_3d(
    inputs: object,
    tokens: Sequence[str],
    query_idx: int,
    attn_weights: object,
    context_vec: object,
    title: str = "",
) -> go.Figure:
    """Inputs as arrows (query highlighted); each scaled by its weight and chained tip to tail to z."""
    x = as_array(inputs)
    w = as_array(attn_weights).reshape(-1)
    z = as_array(context_vec).reshape(-1)
    if x.ndim != 2 or x.shape[1] != 3:
        raise ValueError(f"the 3-D view needs (num_tokens, 3) inputs, got {x.shape}")
    labels = axis_labels(tokens)
    origin = np.zeros(3)
    traces: list[go.BaseTraceType] = []
    for i, (vec, label) in enumerate(zip(x, labels, strict=True)):
        is_query = i == query_idx
        hover = f"{label}: ({vec[0]:.2f}, {vec[1]:.2f}, {vec[2]:.2f})"
        traces += _arrow(
            origin,
            vec,
            ACCENT if is_query else MUTED,
            f"query: {label}" if is_query else "input vectors",
            7 if is_query else 4,
            hover,
            "query" if is_query else "inputs",
            showlegend=is_query or i == (1 if query_idx == 0 else 0),
        )
    traces.append(
        go.Scatter3d(
            x=x[:, 0],
            y=x[:, 1],
            z=x[:, 2],
            mode="text",
            text=labels,
            textposition="top center",
            textfont={"size": 14},
            showlegend=False,
            hoverinfo="skip",
        )
    )
    # weighted inputs added tip to tail: the path ends exactly at the context vector
    tail = origin.copy()
    for i, (vec, label) in enumerate(zip(x, labels, strict=True)):
        step = w[i] * vec
        head = tail + step
        hover = f"{w[i]:.4f} × {label} = ({step[0]:.4f}, {step[1]:.4f}, {step[2]:.4f})"
        traces += _arrow(
            tail, head, STEP_COLORS[i % len(STEP_COLORS)], f"{w[i]:.3f} × {label}", 6, hover, f"step{i}"
        )
        tail = head
    hover = f"context vector z = ({z[0]:.4f}, {z[1]:.4f}, {z[2]:.4f})"
    traces += _arrow(origin, z, CONTEXT_COLOR, "context vector z", 9, hover, "context", dash=None)
    fig = go.Figure(traces)
    fig.update_layout(
        title={"text": title},
        height=560,
        margin={"l": 0, "r": 0, "t": 40 if title else 0, "b": 0},
        font=FONT,
        legend={"itemsizing": "constant", "font": {"size": 13}},
        scene={
            "xaxis": {"title": "dim 1"},
            "yaxis": {"title": "dim 2"},
            "zaxis": {"title": "dim 3"},
            "aspectmode": "cube",
            "camera": {"eye": {"x": 1.5, "y": -1.6, "z": 0.9}},
        },
    )
    return fig


def normalisation_comparison(
    attn_scores: object,
    by_sum: object,
    softmax: object,
    tokens: Sequence[str],
    title: str = "",
) -> go.Figure:
    """Grouped bars: one query's weights from dividing by the sum vs from softmax."""
    labels = axis_labels(tokens)
    positions = list(range(len(labels)))
    s = as_array(attn_scores).reshape(-1)
    fig = go.Figure()
    for values, name, color in ((by_sum, "divide by sum", SKY), (softmax, "softmax", BLUE)):
        v = as_array(values).reshape(-1)
        fig.add_bar(
            x=positions,
            y=v,
            name=name,
            marker_color=color,
            text=[f"{x:.4f}" for x in v],
            textposition="outside",
            customdata=np.stack([np.array(labels, dtype=object), s], axis=-1),
            hovertemplate=f"%{{customdata[0]}}<br>score %{{customdata[1]:.4f}}<br>{name}: %{{y:.6f}}<extra></extra>",
        )
    fig.update_layout(
        title={"text": title},
        barmode="group",
        height=360,
        font=FONT,
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1},
    )
    fig.update_xaxes(tickvals=positions, ticktext=labels, title="token")
    fig.update_yaxes(title="weight")
    return fig


def _fmt(v: float) -> str:
    """A number as the notebook would print it, keeping inf and nan visible."""
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.4g}" if abs(v) >= 1e4 or (0 < abs(v) < 1e-3) else f"{v:.4f}"


OVERFLOW_COLUMNS = {
    "scores": "score x",
    "exp_naive": "exp(x)",
    "softmax_naive": "naive",
    "exp_shifted": "exp(x − max)",
    "softmax_stable": "stable",
}


def overflow_table(demo: Mapping[str, object]) -> dict[str, list[str]]:
    """The overflow demo as short-named columns of printable strings (inf and nan spelled out)."""
    return {
        OVERFLOW_COLUMNS.get(k, k): [_fmt(float(v)) for v in as_array(values)] for k, values in demo.items()
    }


def overflow_figure(demo: Mapping[str, object], title: str = "") -> go.Figure:
    """Naive vs stable softmax on extreme scores: nan bars are drawn as red markers, not hidden."""
    naive = as_array(demo["softmax_naive"])
    stable = as_array(demo["softmax_stable"])
    scores = as_array(demo["scores"])
    # two short lines per tick: never rotated, even in a narrow column
    labels = [f"score<br>{_fmt(s)}" for s in scores]
    positions = list(range(len(scores)))
    bad = ~np.isfinite(naive)
    fig = go.Figure()
    for values, name, color in (
        (naive, "naive softmax", ORANGE),
        (stable, "softmax with max subtracted", BLUE),
    ):
        printed = [_fmt(v) for v in values]
        fig.add_bar(
            x=positions,
            y=np.where(np.isfinite(values), values, 0.0),
            name=name,
            marker_color=color,
            text=[
                p if (not np.isfinite(v) or v > 0.005) else "" for p, v in zip(printed, values, strict=True)
            ],
            textposition="outside",
            customdata=printed,
            hovertemplate=f"{name}: %{{customdata}}<extra></extra>",
        )
    if bad.any():
        fig.add_scatter(
            x=[p for p, b in zip(positions, bad, strict=True) if b],
            y=[0.05] * int(bad.sum()),
            mode="markers",
            marker={"symbol": "x", "size": 16, "color": ERROR_RED},
            name="naive result is nan/inf",
            hoverinfo="skip",
        )
    fig.update_layout(
        title={"text": title},
        barmode="group",
        height=380,
        font=FONT,
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 80},
        # the legend at the figure's foot, in the bottom margin under the tick labels (never over them)
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0.0, "x": 0},
    )
    fig.update_xaxes(tickvals=positions, ticktext=labels, automargin=True)
    fig.update_yaxes(title="weight", range=[0, 1.2])
    return fig
