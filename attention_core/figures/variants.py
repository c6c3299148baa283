"""Figures for attention in today's LLMs: grouped heads, KV-cache sizes, windows, positions and sinks.

Builders take arrays (and labels) and return Plotly figures; they never call Streamlit. Token labels go
through `plot_label` (HTML-escaped). Colours: the colour-blind-safe Okabe-Ito palette for groups and series.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from attention_core.figures.common import FONT, axis_labels, plot_label
from attention_core.figures.grid import heatmap_grid
from attention_core.figures.palette import (
    ACCENT,
    BAR,
    COLORSCALE,
    DIVERGING,
    HEAD_COLORS,
    HIDDEN_COLOR,
    MUTED,
)
from attention_core.figures.transformer import position_names

SERIES = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def _layout(fig: go.Figure, title: str, height: int, top: int = 60, bottom: int = 10) -> go.Figure:
    fig.update_layout(
        title={"text": title},
        height=height,
        font=FONT,
        margin={"l": 10, "r": 10, "t": top if title else 20, "b": bottom},
    )
    return fig


def group_color(group: int) -> str:
    """The colour of key/value group `group` (0-based), shared by every figure of the page."""
    return HEAD_COLORS[group % len(HEAD_COLORS)]


# --- grouped-query attention -------------------------------------------------------------------------------


def gqa_heads_figure(
    attn_weights: np.ndarray,
    tokens: Sequence[str],
    group_of_head: Sequence[int],
    causal: bool,
    max_cols: int = 4,
) -> go.Figure:
    """One heatmap per query head; each panel is framed and titled in the colour of the K/V group it reads."""
    h, t, _ = np.asarray(attn_weights).shape
    titles = [f"query head {i + 1} · K/V {group_of_head[i] + 1}" for i in range(h)]
    hidden = np.triu(np.ones((t, t), dtype=bool), 1) if causal else None
    fig = heatmap_grid(
        list(attn_weights),
        tokens,
        tokens,
        titles,
        hidden=hidden,
        hidden_text="0",
        zmin=0.0,
        max_cols=max_cols,
        decimals=2 if t > 6 or h > 2 else 3,
    )
    frames = []
    for i, group in enumerate(group_of_head):
        suffix = "" if i == 0 else str(i + 1)
        xd, yd = fig.layout[f"xaxis{suffix}"].domain, fig.layout[f"yaxis{suffix}"].domain
        color = group_color(group)
        frames.append(
            {
                "type": "rect",
                "xref": "paper",
                "yref": "paper",
                "x0": xd[0] - 0.004,
                "x1": xd[1] + 0.004,
                "y0": yd[0] - 0.004,
                "y1": yd[1] + 0.004,
                "line": {"color": color, "width": 4},
                "layer": "above",
            }
        )
        # the title in the theme's text colour (Okabe-Ito orange is 2.3:1 on white); the frame carries the colour
        fig.layout.annotations[i].font = {"size": 15}
    fig.update_layout(shapes=frames)
    return fig


def _framed_heatmap(
    fig: go.Figure,
    z: np.ndarray,
    tokens: Sequence[str],
    col: int,
    slices: Sequence[tuple[int, int, str]],
    bound: float,
) -> None:
    t, d = z.shape
    rows = axis_labels(tokens)
    custom = np.stack(
        [
            np.broadcast_to(np.array(rows, dtype=object)[:, None], (t, d)),
            np.broadcast_to(np.array([f"d{j + 1}" for j in range(d)], dtype=object)[None, :], (t, d)),
        ],
        axis=-1,
    )
    fig.add_trace(
        go.Heatmap(
            z=z,
            x=list(range(d)),
            y=list(range(t)),
            zmin=-bound,
            zmax=bound,
            colorscale=DIVERGING,
            showscale=col == 1,
            colorbar={"thickness": 12, "title": {"text": "value", "side": "right"}},
            customdata=custom,
            hovertemplate="token %{customdata[0]}<br>%{customdata[1]}: %{z:.4f}<extra></extra>",
            xgap=1,
            ygap=1,
        ),
        row=1,
        col=col,
    )
    for start, stop, color in slices:
        fig.add_shape(
            type="rect",
            x0=start - 0.5,
            x1=stop - 0.5,
            y0=-0.5,
            y1=t - 0.5,
            line={"color": color, "width": 3},
            row=1,
            col=col,
        )
    fig.update_xaxes(tickvals=list(range(d)), ticktext=[str(j + 1) for j in range(d)], row=1, col=col)
    fig.update_yaxes(
        tickvals=list(range(t)), ticktext=rows if col == 1 else [""] * t, autorange="reversed", row=1, col=col
    )


def kv_tensors_figure(
    queries: np.ndarray,
    keys: np.ndarray,
    values: np.ndarray,
    tokens: Sequence[str],
    head_dim: int,
    group_of_head: Sequence[int],
    title: str = "",
) -> go.Figure:
    """Q (all query heads), K and V (the shared heads) side by side, widths to scale; slices framed by group."""
    d_q, d_kv = queries.shape[1], keys.shape[1]
    groups = d_kv // head_dim
    fig = make_subplots(
        rows=1,
        cols=3,
        column_widths=[d_q, d_kv, d_kv],
        horizontal_spacing=0.04,
        subplot_titles=(
            f"Q: {len(group_of_head)} × {head_dim}",
            f"K: {groups} × {head_dim}",
            f"V: {groups} × {head_dim}",
        ),
    )
    bound = float(
        max(np.abs(queries).max(initial=0), np.abs(keys).max(initial=0), np.abs(values).max(initial=0))
    )
    bound = bound or 1.0
    q_slices = [(h * head_dim, (h + 1) * head_dim, group_color(g)) for h, g in enumerate(group_of_head)]
    kv_slices = [(g * head_dim, (g + 1) * head_dim, group_color(g)) for g in range(groups)]
    _framed_heatmap(fig, np.asarray(queries), tokens, 1, q_slices, bound)
    _framed_heatmap(fig, np.asarray(keys), tokens, 2, kv_slices, bound)
    _framed_heatmap(fig, np.asarray(values), tokens, 3, kv_slices, bound)
    fig.update_xaxes(title_text="dimension", tickangle=0, tickfont={"size": 11})
    t = queries.shape[0]
    return _layout(fig, title, max(300, min(560, 150 + 34 * t)), top=80)


def kv_cost_figure(sizes: Sequence[object], num_heads: int, chosen: int, title: str = "") -> go.Figure:
    """Numbers cached per token and layer for every choice of K/V groups (MQA ... MHA); the chosen one stands out."""
    groups = [int(s.num_kv_groups) for s in sizes]  # type: ignore[attr-defined]
    cached = [int(s.cached_per_token) for s in sizes]  # type: ignore[attr-defined]
    names = [f"{g} · " + ("MHA" if g == num_heads else "MQA" if g == 1 else "GQA") for g in groups]
    fig = go.Figure(
        go.Bar(
            x=list(range(len(groups))),
            y=cached,
            marker_color=[ACCENT if g == chosen else BAR for g in groups],
            text=[f"{c} numbers" for c in cached],
            textposition="outside",
            customdata=names,
            hovertemplate="K/V groups %{customdata}<br>cached per token and layer: %{y}<extra></extra>",
        )
    )
    fig.update_xaxes(tickvals=list(range(len(groups))), ticktext=names, title="key/value groups")
    fig.update_yaxes(title="numbers cached per token, per layer", range=[0, max(cached) * 1.25])
    return _layout(fig, title, 340)


def cache_memory_figure(
    lengths: np.ndarray,
    curves: np.ndarray,
    names: Sequence[str],
    chosen_tokens: int,
    chosen_bytes: Sequence[float],
    labels: Sequence[str],
    title: str = "",
) -> go.Figure:
    """KV-cache bytes against context length (log-log), one line per model; the chosen length marked."""
    fig = go.Figure()
    for i, name in enumerate(names):
        color = SERIES[i % len(SERIES)]
        fig.add_trace(
            go.Scatter(
                x=np.asarray(lengths),
                y=np.asarray(curves[i]),
                mode="lines",
                name=plot_label(name, 40),
                line={"color": color, "width": 3},
                hovertemplate=f"{plot_label(name, 40)}<br>%{{x:,}} tokens: %{{y:.4s}}B<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[chosen_tokens],
                y=[chosen_bytes[i]],
                mode="markers",
                marker={"color": color, "size": 12, "symbol": "circle"},
                showlegend=False,
                hovertemplate=f"{plot_label(name, 40)}<br>%{{x:,}} tokens: {labels[i]}<extra></extra>",
            )
        )
    fig.add_vline(x=chosen_tokens, line={"color": MUTED, "dash": "dot"})
    xs = [int(v) for v in np.asarray(lengths)]
    fig.update_xaxes(
        type="log",
        title="context length (tokens)",
        tickvals=xs,
        ticktext=[f"{v // 1024}K" if v >= 1024 else str(v) for v in xs],
    )
    finite = np.asarray(curves, dtype=float)
    finite = finite[finite > 0]
    lo, hi = (
        (int(np.floor(np.log10(finite.min()))), int(np.ceil(np.log10(finite.max()))))
        if finite.size
        else (0, 1)
    )
    decades = [10.0**k for k in range(lo, hi + 1)]
    units = {0: "B", 3: "kB", 6: "MB", 9: "GB", 12: "TB", 15: "PB", 18: "EB"}
    fig.update_yaxes(
        type="log",
        title="KV cache",
        tickvals=decades,
        ticktext=[f"{10 ** (k % 3)} {units[k - k % 3]}" for k in range(lo, hi + 1)],
    )
    fig.update_layout(legend={"orientation": "h", "y": -0.22, "x": 0})
    return _layout(fig, title, 470, bottom=10)


# --- sliding windows --------------------------------------------------------------------------------------


def window_pair_figure(
    full: np.ndarray,
    windowed: np.ndarray,
    hidden: np.ndarray,
    tokens: Sequence[str],
    window: int,
    titles: tuple[str, str] | None = None,
) -> go.Figure:
    """Causal attention beside windowed attention; keys outside each mask are greyed out."""
    t = full.shape[-1]
    causal = np.triu(np.ones((t, t), dtype=bool), 1)
    labels = position_names(tokens) if t > 12 else list(tokens)
    first, second = titles or ("causal: every earlier token", f"window {window}: the last {window} keys")
    return heatmap_grid(
        [full, windowed],
        labels,
        labels,
        [first, second],
        hidden=[causal, np.asarray(hidden, dtype=bool)],
        hidden_text="",
        zmin=0.0,
        max_cols=2,
        decimals=2,
    )


def receptive_field_figure(reach: np.ndarray, tokens: Sequence[str], query: int, window: int) -> go.Figure:
    """Row l: which input tokens can influence the chosen query's output after l stacked windowed layers."""
    layers, t, _ = reach.shape
    z = np.asarray(reach[:, query, :], dtype=float)  # (L, T)
    labels = axis_labels(tokens)
    counts = [int(c) for c in z.sum(axis=1)]
    text = np.where(z > 0, "●", "")
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(t)),
            y=list(range(layers)),
            zmin=0,
            zmax=1,
            colorscale=[
                [0.0, HIDDEN_COLOR],
                [1.0, "#0072B2"],
            ],  # opaque: Plotly picks each cell's text colour
            showscale=False,
            text=text,
            texttemplate="%{text}" if t <= 24 else None,
            textfont={"size": 12},
            customdata=np.broadcast_to(np.array(labels, dtype=object)[None, :], z.shape),
            hovertemplate="after layer %{y}<br>input %{customdata}: %{z:.0f} (1 = can reach)<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    fig.update_xaxes(
        tickvals=list(range(t)), ticktext=labels, title="input token", tickangle=-45 if t > 8 else 0
    )
    fig.update_yaxes(
        tickvals=list(range(layers)),
        ticktext=[f"layer {i + 1} · {counts[i]} token{'s' * (counts[i] != 1)}" for i in range(layers)],
        autorange="reversed",
    )
    fig.add_trace(
        go.Scatter(
            x=[query] * layers,
            y=list(range(layers)),
            mode="markers",
            marker={"symbol": "square-open", "size": 22, "color": ACCENT, "line": {"width": 3}},
            name="the query",
            hoverinfo="skip",
            showlegend=False,
        )
    )
    title = f"What reaches {plot_label(tokens[query])} through stacked windows of {window}"
    return _layout(fig, title, max(260, 90 + 44 * layers))


def window_sweep_figure(
    sweep: Sequence[int], mean_loss: np.ndarray, top1_prob: np.ndarray, chosen: int, title: str = ""
) -> go.Figure:
    """SmolLM2's mean next-token loss on the text, and its confidence in the full model's next token, per window."""
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(
            "Mean next-token loss over the text (lower is better)",
            "P(the full model's next token)",
        ),
        horizontal_spacing=0.12,
    )
    x = [str(w) for w in sweep]
    x[-1] = f"{sweep[-1]} (all)"
    colors = [ACCENT if w == chosen else BAR for w in sweep]
    fig.add_trace(
        go.Bar(
            x=x,
            y=mean_loss,
            marker_color=colors,
            text=[f"{v:.2f}" for v in mean_loss],
            textposition="outside",
            hovertemplate="window %{x}<br>mean loss %{y:.4f} nats<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=x,
            y=top1_prob,
            marker_color=colors,
            text=[f"{100 * v:.0f}%" for v in top1_prob],
            textposition="outside",
            hovertemplate="window %{x}<br>probability %{y:.4f}<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.update_xaxes(title_text="window (keys per query)", type="category")
    fig.update_yaxes(title_text="nats", range=[0, float(np.max(mean_loss, initial=1)) * 1.2], row=1, col=1)
    fig.update_yaxes(
        tickformat=".0%", range=[0, min(1.0, float(np.max(top1_prob, initial=0.1)) * 1.25)], row=1, col=2
    )
    fig.update_layout(showlegend=False)
    return _layout(fig, title, 380, top=80)


# --- positions --------------------------------------------------------------------------------------------


def shuffle_figure(
    weights: np.ndarray,
    shuffled: np.ndarray,
    moved: np.ndarray,
    tokens: Sequence[str],
    order: Sequence[int],
    title: str = "",
) -> go.Figure:
    """The sentence's weights, the shuffled sentence's weights, and how far they are from just moving along."""
    t = len(tokens)
    shuffled_tokens = [tokens[i] for i in order]
    fig = make_subplots(
        rows=1,
        cols=3,
        subplot_titles=("The sentence", "The shuffled sentence", "Shuffled − moved along"),
        horizontal_spacing=0.09,
    )
    diff = np.asarray(shuffled) - np.asarray(moved)
    bound = float(np.abs(diff).max(initial=0))
    panels = (
        (weights, tokens, 1, COLORSCALE, 0.0, 1.0, "weight"),
        (shuffled, shuffled_tokens, 2, COLORSCALE, 0.0, 1.0, "weight"),
        (diff, shuffled_tokens, 3, DIVERGING, -max(bound, 1e-6), max(bound, 1e-6), "difference"),
    )
    show_text = t <= 8
    for z, labels, col, scale, lo, hi, name in panels:
        lab = axis_labels(labels)
        custom = np.stack(
            [
                np.broadcast_to(np.array(lab, dtype=object)[:, None], (t, t)),
                np.broadcast_to(np.array(lab, dtype=object)[None, :], (t, t)),
            ],
            axis=-1,
        )
        fig.add_trace(
            go.Heatmap(
                z=np.asarray(z),
                x=list(range(t)),
                y=list(range(t)),
                zmin=lo,
                zmax=hi,
                colorscale=scale,
                showscale=col != 2,
                colorbar={
                    "thickness": 10,
                    "x": 0.615 if col == 1 else 1.0,
                    "title": {"text": name, "side": "right"},
                },
                customdata=custom,
                hovertemplate=f"query %{{customdata[0]}}<br>key %{{customdata[1]}}<br>{name}: %{{z:.2e}}<extra></extra>"
                if col == 3
                else f"query %{{customdata[0]}}<br>key %{{customdata[1]}}<br>{name}: %{{z:.4f}}<extra></extra>",
                texttemplate=("%{z:.2f}" if col < 3 else "%{z:.0e}") if show_text else None,
                textfont={"size": 10},
                xgap=1,
                ygap=1,
                name=["The sentence", "The shuffled sentence", "Shuffled − moved along"][col - 1],
            ),
            row=1,
            col=col,
        )
        fig.update_xaxes(tickvals=list(range(t)), ticktext=lab, tickangle=-45 if t > 5 else 0, row=1, col=col)
        fig.update_yaxes(tickvals=list(range(t)), ticktext=lab, autorange="reversed", row=1, col=col)
    return _layout(fig, title, max(320, min(520, 140 + 40 * t)), top=80)


def position_table_figure(table: np.ndarray, title: str = "", max_positions: int = 64) -> go.Figure:
    """A position table (positions x dimensions) as a diverging heatmap."""
    z = np.asarray(table, dtype=float)[:max_positions]
    n, d = z.shape
    bound = float(np.abs(z).max(initial=0)) or 1.0
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(d)),
            y=list(range(n)),
            zmin=-bound,
            zmax=bound,
            colorscale=DIVERGING,
            colorbar={"thickness": 12, "title": {"text": "value", "side": "right"}},
            hovertemplate="position %{y}<br>dimension %{x}<br>%{z:.4f}<extra></extra>",
            texttemplate="%{z:.2f}" if n * d <= 96 else None,
            textfont={"size": 10},
            xgap=1 if d <= 32 else 0,
            ygap=1 if n <= 32 else 0,
        )
    )
    fig.update_xaxes(title="dimension", tickvals=list(range(d)), ticktext=[str(j + 1) for j in range(d)])
    fig.update_yaxes(title="position", autorange="reversed")
    return _layout(fig, title, max(300, min(520, 110 + 16 * n)))


def similarity_by_offset_figure(table: np.ndarray, title: str = "") -> go.Figure:
    """PE[p] . PE[p + k] for every start p: for sinusoids every line is the same curve of the offset k."""
    z = np.asarray(table, dtype=float)
    n = z.shape[0]
    offsets = np.arange(n)
    fig = go.Figure()
    for i, p in enumerate(sorted({0, n // 4, n // 2})):
        k = offsets[: n - p]
        sims = (z[p] * z[p + k]).sum(axis=1)
        fig.add_trace(
            go.Scatter(
                x=k,
                y=sims,
                mode="lines+markers",
                name=f"start at position {p}",
                line={"color": SERIES[i], "width": 3, "dash": ("solid", "dash", "dot")[i]},
                marker={"size": 6},
                hovertemplate=f"PE[{p}] · PE[{p} + %{{x}}] = %{{y:.4f}}<extra></extra>",
            )
        )
    fig.update_xaxes(title="offset k (positions apart)")
    fig.update_yaxes(title="dot product PE[p] · PE[p + k]")
    fig.update_layout(legend={"orientation": "h", "y": -0.25, "x": 0})
    return _layout(fig, title, 380)


def rotation_figure(
    query_pair: np.ndarray,
    key_pair: np.ndarray,
    query_rotated: np.ndarray,
    key_rotated: np.ndarray,
    m: int,
    n: int,
    theta: float,
    title: str = "",
) -> go.Figure:
    """One rotation pair in 2-D: the query turned by m·θ and the key by n·θ; the angle between them is (m − n)·θ."""
    fig = go.Figure()
    bound = float(max(np.abs(query_pair).max(), np.abs(key_pair).max(), 1e-6)) * 1.25
    arrows = (
        (query_pair, "query, position 0", "#0072B2", "dot"),
        (key_pair, "key, position 0", "#D55E00", "dot"),
        (query_rotated, f"query at position {m} (turned {m}·θ)", "#0072B2", "solid"),
        (key_rotated, f"key at position {n} (turned {n}·θ)", "#D55E00", "solid"),
    )
    for vec, name, color, dash in arrows:
        fig.add_trace(
            go.Scatter(
                x=[0, float(vec[0])],
                y=[0, float(vec[1])],
                mode="lines+markers",
                name=name,
                line={"color": color, "width": 4 if dash == "solid" else 2, "dash": dash},
                marker={"size": [0, 12], "symbol": "circle"},
                hovertemplate=f"{name}<br>(%{{x:.3f}}, %{{y:.3f}})<extra></extra>",
            )
        )
    for vec, color, steps in (
        (query_pair, "#0072B2", m),
        (key_pair, "#D55E00", n),
    ):
        start = math.atan2(float(vec[1]), float(vec[0]))
        radius = 0.35 * float(np.hypot(*vec))
        arc = np.linspace(start, start + steps * theta, 40)
        fig.add_trace(
            go.Scatter(
                x=radius * np.cos(arc),
                y=radius * np.sin(arc),
                mode="lines",
                line={"color": color, "width": 1.5},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    fig.update_xaxes(range=[-bound, bound], zeroline=True, title="first number of the pair")
    fig.update_yaxes(
        range=[-bound, bound], zeroline=True, scaleanchor="x", scaleratio=1, title="second number"
    )
    fig.update_layout(legend={"orientation": "v", "x": 1.02, "y": 1})
    return _layout(fig, title, 440)


def offset_scores_figure(
    shifted: np.ndarray, offsets: np.ndarray, m: int, n: int, title: str = ""
) -> go.Figure:
    """Left: the score with both positions shifted together (flat). Right: the score against the offset m − n."""
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(f"Shift both: ({m} + s, {n} + s)", "Change the offset m − n"),
        horizontal_spacing=0.12,
    )
    s = np.arange(len(shifted))
    fig.add_trace(
        go.Scatter(
            x=s,
            y=shifted,
            mode="lines+markers",
            line={"color": "#0072B2", "width": 3},
            hovertemplate="shift %{x}<br>score %{y:.6f}<extra></extra>",
            name="shifted",
        ),
        row=1,
        col=1,
    )
    half = (len(offsets) - 1) // 2
    k = np.arange(-half, half + 1)
    fig.add_trace(
        go.Scatter(
            x=k,
            y=offsets,
            mode="lines+markers",
            line={"color": "#D55E00", "width": 3},
            hovertemplate="offset %{x}<br>score %{y:.6f}<extra></extra>",
            name="offset",
        ),
        row=1,
        col=2,
    )
    fig.add_trace(
        go.Scatter(
            x=[m - n],
            y=[offsets[half + (m - n)]] if abs(m - n) <= half else [None],
            mode="markers",
            marker={"size": 16, "color": ACCENT, "symbol": "circle-open", "line": {"width": 3}},
            hoverinfo="skip",
            name="this pair",
        ),
        row=1,
        col=2,
    )
    lo = float(min(shifted.min(), offsets.min()))
    hi = float(max(shifted.max(), offsets.max()))
    pad = 0.1 * (hi - lo or 1.0)
    fig.update_yaxes(range=[lo - pad, hi + pad], title_text="q·k after rotation")
    fig.update_xaxes(title_text="shift s", row=1, col=1)
    fig.update_xaxes(title_text="offset m − n", row=1, col=2)
    fig.update_layout(showlegend=False)
    return _layout(fig, title, 360, top=80)


def rope_grid_figure(grid: np.ndarray, title: str = "") -> go.Figure:
    """S[m, n]: one query and one key vector at every pair of positions. Constant along each diagonal."""
    z = np.asarray(grid, dtype=float)
    n = z.shape[0]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(n)),
            y=list(range(n)),
            colorscale=DIVERGING,
            zmid=0.0,
            colorbar={"thickness": 12, "title": {"text": "score", "side": "right"}},
            hovertemplate="query at %{y}, key at %{x}<br>score %{z:.6f}<extra></extra>",
            texttemplate="%{z:.2f}" if n <= 10 else None,
            xgap=1,
            ygap=1,
        )
    )
    fig.update_xaxes(title="key position n", dtick=1 if n <= 16 else None)
    fig.update_yaxes(title="query position m", autorange="reversed", dtick=1 if n <= 16 else None)
    return _layout(fig, title, 420)


def wavelength_figure(wavelengths: np.ndarray, context_length: int, title: str = "") -> go.Figure:
    """Tokens per full turn of each rotation pair (log scale) against the model's context length."""
    w = np.asarray(wavelengths, dtype=float)
    colors = ["#0072B2" if v <= context_length else "#CC79A7" for v in w]
    fig = go.Figure(
        go.Bar(
            x=list(range(1, len(w) + 1)),
            y=w,
            marker_color=colors,
            hovertemplate="pair %{x}<br>one full turn every %{y:,.1f} tokens<extra></extra>",
        )
    )
    fig.add_hline(
        y=context_length,
        line={"color": ACCENT, "dash": "dash", "width": 2},
        annotation_text=f"context length {context_length:,}",
        annotation_position="top left",
    )
    fig.update_xaxes(title="rotation pair i (dimensions i and i + d/2)")
    fig.update_yaxes(type="log", title="tokens per full turn (2π / θᵢ)")
    return _layout(fig, title, 380)


# --- attention sinks ----------------------------------------------------------------------------------------


def sink_heads_figure(shares: np.ndarray, title: str = "", colorbar: str = "share") -> go.Figure:
    """Share of attention on one token per layer (rows) and head (columns), 0 to 1."""
    z = np.asarray(shares, dtype=float)
    layers, heads = z.shape
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(heads)),
            y=list(range(layers)),
            zmin=0.0,
            zmax=1.0,
            colorscale=COLORSCALE,
            colorbar={"thickness": 12, "title": {"text": colorbar, "side": "right"}, "tickformat": ".0%"},
            hovertemplate="layer %{y}<br>head %{x}<br>%{z:.1%}<extra></extra>",
            texttemplate="%{z:.0%}" if layers * heads <= 120 else None,
            textfont={"size": 10},
            xgap=1,
            ygap=1,
        )
    )
    fig.update_xaxes(title="head", tickvals=list(range(heads)), ticktext=[str(h + 1) for h in range(heads)])
    fig.update_yaxes(
        title="layer",
        tickvals=list(range(layers)),
        ticktext=[str(i + 1) for i in range(layers)],
        autorange="reversed",
        dtick=1,
    )
    return _layout(fig, title, max(300, min(620, 100 + 17 * layers)))


def sink_layers_figure(series: Mapping[str, np.ndarray], uniform: float, title: str = "") -> go.Figure:
    """The mean over heads, per layer, of the share on each named token, with uniform attention for scale."""
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        v = np.asarray(values, dtype=float)
        fig.add_trace(
            go.Scatter(
                x=np.arange(1, len(v) + 1),
                y=v,
                mode="lines+markers",
                name=plot_label(name, 40),
                line={"color": SERIES[i % len(SERIES)], "width": 3},
                hovertemplate=f"{plot_label(name, 40)}<br>layer %{{x}}: %{{y:.1%}}<extra></extra>",
            )
        )
    fig.add_hline(
        y=uniform,
        line={"color": MUTED, "dash": "dot"},
        annotation_text=f"uniform attention: {uniform:.1%}",
        annotation_position="top right",
    )
    fig.update_xaxes(title="layer", dtick=1 if len(next(iter(series.values()), [])) <= 12 else 2)
    fig.update_yaxes(title="share of attention (mean over heads)", tickformat=".0%", range=[0, 1.02])
    fig.update_layout(legend={"orientation": "h", "y": -0.25, "x": 0})
    return _layout(fig, title, 380)


def cache_loss_figure(
    curves: Mapping[str, np.ndarray], window: int, smooth_width: int, title: str = "", log_y: bool = False
) -> go.Figure:
    """Smoothed next-token loss at every position for each cache; the dotted line is where the cache fills up."""
    fig = go.Figure()
    for i, (name, values) in enumerate(curves.items()):
        v = np.asarray(values, dtype=float)
        fig.add_trace(
            go.Scatter(
                x=np.arange(1, len(v) + 1),
                y=v,
                mode="lines",
                name=plot_label(name, 40),
                line={
                    "color": SERIES[i % len(SERIES)],
                    "width": 2.5,
                    "dash": ("solid", "solid", "dash")[i % 3],
                },
                hovertemplate=f"{plot_label(name, 40)}<br>position %{{x}}: %{{y:.3f}} nats<extra></extra>",
            )
        )
    fig.add_vline(
        x=window,
        line={"color": MUTED, "dash": "dot", "width": 2},
        annotation_text=f"cache full ({window} tokens)",
        annotation_position="top right",
    )
    fig.update_xaxes(title="position in the text (token)")
    fig.update_yaxes(
        title=f"loss (nats, mean of {smooth_width})" if smooth_width > 1 else "loss (nats)",
        type="log" if log_y else "linear",
    )
    fig.update_layout(legend={"orientation": "h", "y": -0.25, "x": 0}, hovermode="x unified")
    return _layout(fig, title, 440)


def sink_count_figure(
    sinks: Sequence[int], means: Sequence[float], full: float, window: int, title: str = ""
) -> go.Figure:
    """Mean loss after the window for caches of the same size that keep 0, 1, 2, ... first tokens."""
    fig = go.Figure(
        go.Bar(
            x=[str(s) for s in sinks],
            y=list(means),
            marker_color=[ACCENT if s == 0 else BAR for s in sinks],
            text=[f"{v:.2f}" for v in means],
            textposition="outside",
            hovertemplate="%{x} sink tokens kept<br>mean loss %{y:.4f} nats<extra></extra>",
            showlegend=False,
        )
    )
    line = {"color": "#009E73", "dash": "dash", "width": 2}
    fig.add_hline(y=full, line=line)
    # the line is named in a legend above the plot: a label on the line itself sat on the bars' labels
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=line, name=f"full attention: {full:.2f}"))
    fig.update_xaxes(title=f"first tokens kept in a cache of {window}", type="category")
    fig.update_yaxes(title="mean loss after the window (nats)", range=[0, max(max(means), full) * 1.2])
    fig.update_layout(legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"})
    return _layout(fig, title, 360)
