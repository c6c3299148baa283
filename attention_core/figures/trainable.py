"""Figures of the trainable-weights page: the weight matrices, Q/K/V, scores, weights, context vectors, and
the softmax-saturation curves behind the 1/sqrt(d_k) scaling."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from attention_core.figures.common import FONT, as_array
from attention_core.figures.grid import PROJECTIONS, SCORES, TOKEN_ROWS, WEIGHTS, heatmap_grid
from attention_core.figures.palette import ACCENT, BLUE, MUTED
from attention_core.views.trainable import TrainableView


@dataclass(frozen=True)
class TrainableFigures:
    """One figure per step of the page."""

    weights: go.Figure  # W_query, W_key, W_value
    qkv: go.Figure  # Q, K, V
    scores: go.Figure  # raw and scaled scores
    attn_weights: go.Figure
    context: go.Figure


def trainable_figures(view: TrainableView, tokens: Sequence[str]) -> TrainableFigures:
    """The page's heatmaps for one view, with `tokens` on the token axes."""
    toks = list(tokens)
    d_in, d_out = view.W_query.shape
    in_dims = [f"x{i + 1}" for i in range(d_in)]
    out_dims = [f"d{j + 1}" for j in range(d_out)]
    divisor = f"√{d_out} = {d_out**0.5:.4f}" if view.scale else "1 (scaling off)"
    return TrainableFigures(
        weights=heatmap_grid(
            [view.W_query, view.W_key, view.W_value],
            in_dims,
            out_dims,
            ["W_query", "W_key", "W_value"],
            **PROJECTIONS,
        ),
        qkv=heatmap_grid(
            [view.queries, view.keys, view.values],
            toks,
            out_dims,
            ["Q = X · W_query", "K = X · W_key", "V = X · W_value"],
            **TOKEN_ROWS,
        ),
        scores=heatmap_grid(
            [view.attn_scores, view.scaled_scores],
            toks,
            toks,
            ["Attention scores  Ω = Q · Kᵀ", f"Scaled scores  Ω / {divisor}"],
            max_cols=2,
            **SCORES,
        ),
        attn_weights=heatmap_grid(
            [view.attn_weights], toks, toks, ["Attention weights  A = softmax of each row"], **WEIGHTS
        ),
        context=heatmap_grid(
            [view.context_vec], toks, out_dims, ["Context vectors  Z = A · V"], **TOKEN_ROWS
        ),
    )


def saturation_figure(curve: Mapping[str, object], num_tokens: int, title: str = "") -> go.Figure:
    """Why scale by √d_k: the largest softmax weight and the entropy as d_k grows, with and without scaling."""
    d_k = as_array(curve["d_k"])
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(
            "Largest weight in a row (1 = one-hot)",
            "Entropy of a row (bits; higher = more spread)",
        ),
        horizontal_spacing=0.12,
    )
    series = (
        ("without scaling: softmax(q·k)", "max_weight_raw", "entropy_raw", ACCENT, "solid"),
        ("scaled: softmax(q·k / √d_k)", "max_weight_scaled", "entropy_scaled", BLUE, "dash"),
    )
    for name, max_key, ent_key, color, dash in series:
        for col, key, fmt in ((1, max_key, ".4f"), (2, ent_key, ".3f")):
            fig.add_trace(
                go.Scatter(
                    x=d_k,
                    y=as_array(curve[key]),
                    mode="lines+markers",
                    name=name,
                    legendgroup=name,
                    showlegend=col == 1,
                    line={"color": color, "width": 3, "dash": dash},
                    marker={"size": 8},
                    hovertemplate=f"d_k = %{{x:.0f}}<br>{name}<br>%{{y:{fmt}}}<extra></extra>",
                ),
                row=1,
                col=col,
            )
    uniform_max, uniform_ent = 1.0 / num_tokens, math.log2(num_tokens)
    fig.add_hline(
        y=1.0,
        line={"color": MUTED, "dash": "dot"},
        row=1,
        col=1,
        annotation_text="one-hot",
        annotation_position="bottom right",
    )
    fig.add_hline(
        y=uniform_max, line={"color": MUTED, "dash": "dot"}, row=1, col=1, annotation_text="uniform"
    )
    fig.add_hline(
        y=uniform_ent, line={"color": MUTED, "dash": "dot"}, row=1, col=2, annotation_text="uniform"
    )
    fig.update_xaxes(
        type="log", title="d_k (query/key dimension)", tickvals=d_k, ticktext=[f"{v:.0f}" for v in d_k]
    )
    fig.update_yaxes(range=[0, 1.05], row=1, col=1)
    fig.update_yaxes(range=[0, uniform_ent * 1.1], row=1, col=2)
    fig.update_layout(
        title={"text": title},
        height=380,
        font=FONT,
        margin={"l": 10, "r": 10, "t": 80, "b": 60},
        # at the figure's foot, under both x axes' titles (placed at y = -0.25 it covered them on a projector)
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
    )
    return fig
