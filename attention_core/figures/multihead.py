"""Figures of the multi-head page: per-head weights, the effect of switching heads off, and the
split -> attend -> concatenate -> project pipeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from attention_core.figures.common import FONT, as_array, axis_labels
from attention_core.figures.grid import TOKEN_ROWS, grid_cells, grid_custom, heatmap_grid, panel_title
from attention_core.figures.palette import DIVERGING, HEAD_COLORS, OFF_SCALE
from attention_core.views.multihead import MultiHeadView


@dataclass(frozen=True)
class MultiHeadFigures:
    """One figure per step of the page."""

    heads: go.Figure  # each head's weights
    effect: go.Figure  # output with all heads, as selected, and the change
    pipeline: go.Figure


def _head_columns(num_heads: int) -> int:
    """Panels per row: square-ish grids for 4 and 9 heads, rows of 4 otherwise."""
    return 2 if num_heads in (2, 4) else 3 if num_heads in (3, 6, 9) else 4


def multihead_figures(view: MultiHeadView, tokens: Sequence[str]) -> MultiHeadFigures:
    """The page's figures for one view, with `tokens` on the token axes."""
    toks = list(tokens)
    hd = view.head_dim
    titles = [
        f"head {i + 1} · dims {i * hd + 1}–{(i + 1) * hd}" + ("" if on else " (off)")
        if hd > 1
        else f"head {i + 1} · dim {i + 1}" + ("" if on else " (off)")
        for i, on in enumerate(view.head_on)
    ]
    future = np.triu(np.ones((len(toks), len(toks)), dtype=bool), k=1) if view.causal else None
    dims = [f"d{j + 1}" for j in range(view.output_all.shape[1])]
    return MultiHeadFigures(
        heads=heatmap_grid(
            list(view.attn_weights),
            toks,
            toks,
            titles,
            active=list(view.head_on),
            hidden=future,
            hidden_text="0",
            zmin=0.0,
            max_cols=_head_columns(view.num_heads),
            decimals=3 if view.num_heads > 2 else 4,
        ),
        effect=heatmap_grid(
            [view.output_all, view.output_selected, view.output_selected - view.output_all],
            toks,
            dims,
            ["All heads on", "Heads as selected", "Change (selected − all)"],
            max_cols=3,
            **TOKEN_ROWS,
        ),
        pipeline=pipeline_figure(
            view.queries, view.head_context, view.concat, view.context_vec, toks, view.head_on
        ),
    )


def pipeline_figure(
    queries: object,
    head_context: object,
    concat: object,
    context_vec: object,
    tokens: Sequence[str],
    active: Sequence[bool] | None = None,
) -> go.Figure:
    """Multi-head attention as labelled matrices: split Q into heads -> each head attends -> concatenate -> project.

    queries (T, d_out), head_context (h, T, hd), concat (T, d_out), context_vec (T, d_out).
    """
    q = as_array(queries)
    heads = as_array(head_context)
    cat = as_array(concat)
    out = as_array(context_vec)
    h, n_tokens, hd = heads.shape
    d_out = q.shape[1]
    if hd * h != d_out or cat.shape != (n_tokens, d_out) or out.shape != (n_tokens, d_out):
        raise ValueError("pipeline shapes do not fit: expected (T, h*hd) around (h, T, hd)")
    active = list(active) if active is not None else [True] * h
    labels = axis_labels(tokens)
    dims_all = [f"{j + 1}" for j in range(d_out)]
    panels: list[tuple[str, np.ndarray, list[str], str | list]] = [
        (f"<b>1 · split</b><br>Q ({n_tokens}×{d_out})<br>{h} × {hd} dims", q, dims_all, DIVERGING)
    ]
    for i in range(h):
        name = f"<b>2 · attend</b><br>head {i + 1}<br>{'off' if not active[i] else f'({n_tokens}×{hd})'}"
        dims = [f"{i * hd + j + 1}" for j in range(hd)]
        panels.append((name, heads[i], dims, DIVERGING if active[i] else OFF_SCALE))
    panels.append(
        (f"<b>3 · concat</b><br>heads side<br>by side ({n_tokens}×{d_out})", cat, dims_all, DIVERGING)
    )
    panels.append((f"<b>4 · project</b><br>out_proj<br>({n_tokens}×{d_out})", out, dims_all, DIVERGING))
    widths = [max(2, p[1].shape[1]) for p in panels]
    cells = grid_cells(
        len(panels), len(panels), hspace=min(0.05, 0.5 / len(panels)), vspace=0.0, widths=widths
    )
    bound = float(max(np.abs(q).max(), np.abs(heads).max(), np.abs(cat).max(), np.abs(out).max(), 1e-9))
    show_text = n_tokens <= 8 and d_out <= 4
    title_size = 12 if len(panels) <= 8 else 10
    data: list[dict] = []
    layout: dict = {
        "height": max(320, min(720, 150 + 40 * n_tokens)),
        "font": FONT,
        "margin": {"l": 10, "r": 10, "t": 110, "b": 10},
        "annotations": [],
        "shapes": [],
    }
    for col, ((title, m, dims, scale), (xname, yname, x_domain, y_domain)) in enumerate(
        zip(panels, cells, strict=True), start=1
    ):
        data.append(
            {
                "type": "heatmap",
                "z": m,
                "x": list(range(m.shape[1])),
                "y": list(range(n_tokens)),
                "xaxis": xname,
                "yaxis": yname,
                "zmin": -bound,
                "zmax": bound,
                "colorscale": scale,
                "showscale": col == len(panels),
                "colorbar": {"thickness": 14, "title": {"text": "value", "side": "right"}},
                "customdata": grid_custom(labels, dims),
                "hovertemplate": "token: %{customdata[0]}<br>dimension %{customdata[1]}<br>value: %{z:.6f}<extra></extra>",
                "texttemplate": "%{z:.3f}" if show_text else None,
                "textfont": {"size": 11},
                "xgap": 1,
                "ygap": 1,
                "name": title.split("<br>")[0].replace("<b>", "").replace("</b>", ""),
                "meta": {"title": " ".join(title.replace("<b>", "").replace("</b>", "").split("<br>"))},
            }
        )
        layout["xaxis" + xname[1:]] = {
            "domain": x_domain,
            "anchor": yname,
            "tickvals": list(range(m.shape[1])),
            "ticktext": dims,
            "title": {"text": "dim"},
        }
        layout["yaxis" + yname[1:]] = {
            "domain": y_domain,
            "anchor": xname,
            "tickvals": list(range(n_tokens)),
            "ticktext": labels if col == 1 else [""] * n_tokens,
            "autorange": "reversed",
        }
        layout["annotations"].append(panel_title(title, x_domain, y_domain, size=title_size))

    def frame(xname: str, yname: str, x0: float, x1: float, i: int) -> dict:
        return {
            "type": "rect",
            "xref": xname,
            "yref": yname,
            "x0": x0,
            "x1": x1,
            "y0": -0.5,
            "y1": n_tokens - 0.5,
            "line": {
                "color": HEAD_COLORS[i % len(HEAD_COLORS)],
                "width": 4,
                "dash": "solid" if active[i] else "dot",
            },
        }

    # each head's slice framed in its colour: on Q (split), on its own panel, and on the concatenation
    for col in (0, len(panels) - 2):
        for i in range(h):
            layout["shapes"].append(frame(cells[col][0], cells[col][1], i * hd - 0.5, (i + 1) * hd - 0.5, i))
    for i in range(h):
        layout["shapes"].append(frame(cells[1 + i][0], cells[1 + i][1], -0.5, hd - 0.5, i))
    return go.Figure({"data": data, "layout": layout})
