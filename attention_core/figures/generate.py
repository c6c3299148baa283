"""Figures for the generation page: the newest token's attention, the next-token bars, the KV cache, timings.

Builders take arrays and labels (plain text; they are escaped here) and return Plotly figures. Positions are
integers on the axes with token labels as tick text, so repeated tokens never merge.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from attention_core.figures.common import FONT, plot_label
from attention_core.figures.palette import ACCENT, BAR, COLORSCALE, DIVERGING, INK, MUTED

PROMPT_COLOR = BAR  # the prompt's tokens (the project's bar blue)
NEW_COLOR = ACCENT  # tokens the model wrote
LABELLED_MAX = 40  # up to this many positions every tick is a token; beyond, ~16 numbered ticks


def _ticks(labels: Sequence[str], limit: int = LABELLED_MAX) -> dict[str, object]:
    """Ticks for positions 0..n-1, at most `limit` of them: tokens while they are few enough to read (every
    one, or every k-th), numbered positions for long texts."""
    n = len(labels)
    limit = max(2, limit)
    every = max(1, -(-n // limit))
    vals = list(range(0, n, every))
    if n <= 2 * LABELLED_MAX:
        return {"tickvals": vals, "ticktext": [plot_label(labels[v], 12) for v in vals]}
    return {"tickvals": vals, "ticktext": [str(v + 1) for v in vals]}


def _names(labels: Sequence[str]) -> list[str]:
    """'3 · cat' (1-based, escaped) for hovers."""
    return [f"{i + 1} · {plot_label(t, 20)}" for i, t in enumerate(labels)]


def attention_figure(
    row: np.ndarray,
    triangle: np.ndarray,
    labels: Sequence[str],
    n_prompt: int,
    title: str = "",
    height: int = 430,
) -> go.Figure:
    """The newest token's weights over every earlier key (bars), above every pass so far (one row each).

    row: (T,); triangle: (passes, T) with NaN where a pass had no such key yet; labels: the T tokens.
    """
    w = np.asarray(row, dtype=np.float32).reshape(-1)
    tri = np.asarray(triangle, dtype=np.float32)
    t = w.shape[0]
    if len(labels) != t or tri.ndim != 2 or tri.shape[1] != t or not 1 <= n_prompt <= t:
        raise ValueError(f"labels ({len(labels)}), row ({t}) and triangle {tri.shape} must match")
    passes = tri.shape[0]
    names = _names(labels)
    query = t - 1
    colors = [NEW_COLOR if i >= n_prompt else PROMPT_COLOR for i in range(t)]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.42, 0.58], vertical_spacing=0.07)
    fig.add_trace(
        go.Bar(
            x=list(range(t)),
            y=w,
            marker_color=colors,
            marker_line={"width": [2.5 if i == query else 0 for i in range(t)], "color": INK},
            customdata=names,
            hovertemplate="key %{customdata}<br>weight %{y:.4f}<extra></extra>",
            name="weight",
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    # each pass's query is the newest token of that pass: position n_prompt - 1 + k for pass k + 1
    row_names = [f"pass {k + 1} · {plot_label(labels[n_prompt - 1 + k], 12)}" for k in range(passes)]
    fig.add_trace(
        go.Heatmap(
            z=tri,
            x=list(range(t)),
            y=list(range(passes)),
            colorscale=COLORSCALE,
            zmin=0.0,
            customdata=np.broadcast_to(np.array(names, dtype=object)[None, :], tri.shape),
            hovertemplate="pass %{y}<br>key %{customdata}<br>weight %{z:.4f}<extra></extra>",
            colorbar={"thickness": 12, "title": {"text": "weight", "side": "right"}, "len": 0.6, "y": 0.3},
            xgap=1 if t <= LABELLED_MAX else 0,
            ygap=1 if passes <= LABELLED_MAX else 0,
        ),
        row=2,
        col=1,
    )
    fig.add_shape(
        type="rect",
        xref="x2",
        yref="y2",
        x0=-0.5,
        x1=t - 0.5,
        y0=passes - 1.5,
        y1=passes - 0.5,
        line={"color": ACCENT, "width": 2.5},
    )
    top = float(np.nanmax(w)) if np.isfinite(w).any() else 1.0
    fig.update_yaxes(title="weight", range=[0, max(top * 1.15, 1e-6)], tickformat=".0%", row=1, col=1)
    every = max(1, -(-passes // max(3, int(height * 0.5 / 18))))  # about one label per 18 px of heatmap
    fig.update_yaxes(
        title="pass (query)",
        tickvals=list(range(0, passes, every)),
        ticktext=row_names[::every],
        autorange="reversed",
        tickfont={"size": 11},
        row=2,
        col=1,
    )
    fig.update_xaxes(
        title="key (every earlier token)", tickangle=-45 if t > 8 else 0, row=2, col=1, **_ticks(labels)
    )
    fig.update_layout(
        title={"text": title},
        height=height,
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        font=FONT,
        bargap=0.15,
    )
    return fig


def next_token_figure(
    labels: Sequence[str],
    model_probs: np.ndarray,
    sample_probs: np.ndarray | None,
    chosen: int | None,
    title: str = "",
    sample_name: str = "drawn from",
    height: int | None = None,
) -> go.Figure:
    """Candidates as horizontal bars (most likely on top): the model's probability, and the distribution the
    token is drawn from after temperature / top-k / top-p (if sampling). `chosen` indexes the chosen one."""
    p = np.asarray(model_probs, dtype=np.float64).reshape(-1)
    n = p.shape[0]
    if len(labels) != n or (sample_probs is not None and np.asarray(sample_probs).shape != (n,)):
        raise ValueError("labels and probabilities must match")
    names = [plot_label(t or "(empty)", 18) for t in labels]
    ticks = [f"<b>▶ {name}</b>" if i == chosen else name for i, name in enumerate(names)]
    y = list(range(n))
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=p,
            y=y,
            orientation="h",
            name="model (temperature 1)",
            marker_color=MUTED if sample_probs is not None else PROMPT_COLOR,
            text=[f"{100 * v:.1f}%" for v in p],
            textposition="outside",
            customdata=names,
            hovertemplate="%{customdata}<br>model probability %{x:.6f}<extra></extra>",
        )
    )
    top = float(p.max(initial=0.0))
    if sample_probs is not None:
        q = np.asarray(sample_probs, dtype=np.float64)
        top = max(top, float(q.max(initial=0.0)))
        fig.add_trace(
            go.Bar(
                x=q,
                y=y,
                orientation="h",
                name=sample_name,
                marker_color=ACCENT,
                text=[f"{100 * v:.1f}%" for v in q],
                textposition="outside",
                customdata=names,
                hovertemplate="%{customdata}<br>probability drawn from %{x:.6f}<extra></extra>",
            )
        )
    fig.update_layout(
        title={"text": title},
        height=height or 90 + (38 if sample_probs is not None else 28) * max(n, 1),
        margin={"l": 10, "r": 10, "t": (85 if title else 40) if sample_probs is not None else 50, "b": 10},
        font=FONT,
        barmode="group",
        showlegend=sample_probs is not None,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0},
    )
    fig.update_yaxes(tickvals=y, ticktext=ticks, autorange="reversed")
    fig.update_xaxes(range=[0, max(top * 1.25, 0.05)], tickformat=".0%", title="probability")
    return fig


def kv_cache_figure(
    keys: np.ndarray,
    values: np.ndarray,
    labels: Sequence[str],
    new_rows: int,
    title: str = "",
    height: int | None = None,
) -> go.Figure:
    """One layer's cached keys and values for one KV head, (T, head_dim) each; the rows just added outlined."""
    k = np.asarray(keys, dtype=np.float32)
    v = np.asarray(values, dtype=np.float32)
    if k.ndim != 2 or k.shape != v.shape or len(labels) != k.shape[0] or not 1 <= new_rows <= k.shape[0]:
        raise ValueError("keys, values and labels must match")
    t, d = k.shape
    names = _names(labels)
    fig = make_subplots(
        rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.1, subplot_titles=("keys K", "values V")
    )
    for col, (matrix, what) in enumerate(((k, "key"), (v, "value")), start=1):
        bound = float(max(np.abs(matrix).max(initial=0.0), 1e-6))  # each its own scale: keys run larger
        fig.add_trace(
            go.Heatmap(
                z=matrix,
                x=list(range(1, d + 1)),
                y=list(range(t)),
                colorscale=DIVERGING,
                zmin=-bound,
                zmax=bound,
                customdata=np.broadcast_to(np.array(names, dtype=object)[:, None], matrix.shape),
                hovertemplate=f"{what} of %{{customdata}}<br>dimension %{{x}}: %{{z:.4f}}<extra></extra>",
                colorbar={"thickness": 10, "x": 0.455 if col == 1 else 1.005, "len": 0.9},
            ),
            row=1,
            col=col,
        )
        fig.add_shape(
            type="rect",
            xref=f"x{col if col > 1 else ''}",
            yref="y",
            x0=0.5,
            x1=d + 0.5,
            y0=t - new_rows - 0.5,
            y1=t - 0.5,
            line={"color": ACCENT, "width": 2.5},
        )
        fig.update_xaxes(title="dimension", row=1, col=col)
    size = height or int(min(560, max(300, 130 + 16 * t)))
    fig.update_yaxes(
        autorange="reversed", title="cached token", row=1, col=1, **_ticks(labels, int((size - 110) / 17))
    )
    fig.update_layout(
        title={"text": title},
        height=size,
        margin={"l": 10, "r": 10, "t": 70 if title else 40, "b": 10},
        font=FONT,
    )
    return fig


def cache_size_figure(
    lengths: Sequence[int],
    gqa_bytes: Sequence[int],
    mha_bytes: Sequence[int],
    current: int,
    kv_heads: int,
    heads: int,
    title: str = "",
) -> go.Figure:
    """Cache size against context length: this model's grouped-query cache and a plain multi-head one."""
    x = np.asarray(lengths, dtype=np.int64)
    g = np.asarray(gqa_bytes, dtype=np.float64) / 2**20
    m = np.asarray(mha_bytes, dtype=np.float64) / 2**20
    if not x.shape == g.shape == m.shape or current not in set(x.tolist()):
        raise ValueError("lengths and sizes must match and include the current length")
    at = int(np.flatnonzero(x == current)[0])
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=m,
            mode="lines",
            name=f"multi-head: {heads} KV heads",
            line={"color": MUTED, "dash": "dash"},
            hovertemplate="T = %{x}<br>%{y:.2f} MB<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=g,
            mode="lines",
            name=f"this model: {kv_heads} KV heads",
            line={"color": ACCENT, "width": 3},
            hovertemplate="T = %{x}<br>%{y:.2f} MB<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[current, current],
            y=[g[at], m[at]],
            mode="markers",
            marker={"size": 11, "color": [ACCENT, MUTED]},
            name="now",
            showlegend=False,
            hovertemplate="now: T = %{x}<br>%{y:.2f} MB<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": title},
        height=300,
        margin={"l": 10, "r": 10, "t": 85 if title else 40, "b": 10},
        font=FONT,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0},
    )
    fig.update_xaxes(title="tokens in the cache (T)")
    fig.update_yaxes(title="cache size (MB)", rangemode="tozero")
    return fig


def timing_figure(
    cached_t: Sequence[int],
    cached_s: Sequence[float],
    full_t: Sequence[int],
    full_s: Sequence[float],
    title: str = "",
    height: int = 360,
) -> go.Figure:
    """Milliseconds per new token against the context length: with the KV cache and recomputing everything."""
    if len(cached_t) != len(cached_s) or len(full_t) != len(full_s):
        raise ValueError("lengths and times must match")
    fig = go.Figure()
    for xs, ys, name, color, dash in (
        (full_t, full_s, "recompute the whole prefix (no cache)", MUTED, "dot"),
        (cached_t, cached_s, "with the KV cache", ACCENT, "solid"),
    ):
        order = np.argsort(np.asarray(xs, dtype=np.int64), kind="stable")
        fig.add_trace(
            go.Scatter(
                x=np.asarray(xs, dtype=np.int64)[order],
                y=1000 * np.asarray(ys, dtype=np.float64)[order],
                mode="lines+markers",
                name=name,
                line={"color": color, "dash": dash, "width": 3},
                marker={"size": 8},
                hovertemplate="T = %{x}<br>%{y:.1f} ms<extra></extra>",
            )
        )
    fig.update_layout(
        title={"text": title},
        height=height,
        margin={"l": 10, "r": 10, "t": 85 if title else 40, "b": 10},
        font=FONT,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0},
    )
    fig.update_xaxes(title="tokens the new token looks back at (T)")
    fig.update_yaxes(title="ms per new token", rangemode="tozero")
    return fig
