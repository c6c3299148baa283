"""Figures of the causal-attention page: what each token can see, the weights with and without the mask, the
two masking methods, dropout, and the context vectors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from attention_core.figures.common import FONT, axis_labels
from attention_core.figures.grid import MASKED_PAIR, SIGNED_PAIR, TOKEN_ROWS, heatmap_grid
from attention_core.figures.palette import VISIBILITY_SCALE
from attention_core.views.causal import CausalView


@dataclass(frozen=True)
class CausalFigures:
    """One figure per step of the page (`dropout` only when dropout is on)."""

    see: go.Figure
    weights: go.Figure
    method1: go.Figure
    method2: go.Figure
    context: go.Figure
    dropout: go.Figure | None


def causal_figures(view: CausalView, tokens: Sequence[str]) -> CausalFigures:
    """The page's figures for one view, with `tokens` on the token axes."""
    toks = list(tokens)
    future = view.future
    hide = future if view.masked else None
    dropout = None
    if view.dropout is not None:
        dropped_cells = (view.dropped == 0) & (view.attn_weights != 0)
        dropout = heatmap_grid(
            [view.attn_weights, view.dropped],
            toks,
            toks,
            ["Before dropout", f"After dropout (p = {view.dropout.rate:g}): kept × {view.dropout.scale:.4g}"],
            hidden=[hide, dropped_cells | (future & view.masked)],
            hidden_text=["0", np.where(dropped_cells, "drop", "0")],
            max_cols=2,
            **MASKED_PAIR,
        )
    return CausalFigures(
        see=visibility_figure(toks, view.masked),
        weights=heatmap_grid(
            [view.attn_weights_full, view.attn_weights],
            toks,
            toks,
            ["Without a mask", "Causal (mask on)" if view.masked else "Mask off: the same as left"],
            hidden=[None, hide],
            hidden_text="0",
            max_cols=2,
            **MASKED_PAIR,
        ),
        method1=heatmap_grid(
            [view.masked_simple, view.masked_simple_norm],
            toks,
            toks,
            ["① softmax, then zero the future", "② divide each row by its sum"],
            hidden=future,
            hidden_text="0",
            max_cols=2,
            **MASKED_PAIR,
        ),
        method2=heatmap_grid(
            [view.masked_scores, view.masked_softmax],
            toks,
            toks,
            ["① scores with −∞ above the diagonal", "② softmax of Ω / √d_k"],
            hidden=[future, future],
            hidden_text=["−∞", "0"],
            max_cols=2,
            **SIGNED_PAIR,
        ),
        context=heatmap_grid(
            [view.context_vec],
            toks,
            [f"d{j + 1}" for j in range(view.context_vec.shape[1])],
            ["Context vectors  Z = A · V"],
            **TOKEN_ROWS,
        ),
        dropout=dropout,
    )


def visibility_figure(
    tokens: Sequence[str], causal: bool, title: str = "What each token can see"
) -> go.Figure:
    """Row i lists the tokens query i may attend to: visible keys in colour with their text, hidden ones grey."""
    labels = axis_labels(tokens)
    n = len(labels)
    visible = np.ones((n, n), dtype=bool)
    if causal:
        visible = np.tril(visible)
    z = np.where(visible, 1.0, 0.0)
    z[np.arange(n), np.arange(n)] = 2.0  # the token itself
    text = np.where(visible, np.array(labels, dtype=object)[None, :].repeat(n, 0), "")
    hover = np.where(
        visible,
        np.char.add(np.array(labels, dtype=str)[:, None], np.array([" can see "] * n)[None, :]),
        np.char.add(np.array(labels, dtype=str)[:, None], np.array([" cannot see "] * n)[None, :]),
    )
    hover = np.char.add(hover.astype(str), np.array(labels, dtype=str)[None, :])
    ticks = list(range(n))
    layout = {
        "title": {"text": title},
        "height": max(260, min(720, 70 + 42 * n)),
        "margin": {"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        "font": FONT,
        "xaxis": {
            "tickvals": ticks,
            "ticktext": labels,
            "title": {"text": "key (can it be seen?)"},
            "tickangle": -45 if n > 8 else 0,
        },
        "yaxis": {
            "tickvals": ticks,
            "ticktext": labels,
            "title": {"text": "query (the token reading)"},
            "autorange": "reversed",
        },
    }
    trace = {
        "type": "heatmap",
        "z": z,
        "x": ticks,
        "y": ticks,
        "zmin": 0,
        "zmax": 2,
        "colorscale": VISIBILITY_SCALE,
        "showscale": False,
        "text": text,
        "texttemplate": "%{text}" if n <= 16 else None,
        "textfont": {"size": 13},
        "hovertext": hover,
        "hovertemplate": "%{hovertext}<extra></extra>",
        "xgap": 2,
        "ygap": 2,
    }
    return go.Figure({"data": [trace], "layout": layout})
