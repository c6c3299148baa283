"""Figures for trainable, causal and multi-head attention: masked heatmaps, head grids, the MHA pipeline."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from attention_core.figures.common import (
    ACCENT,
    COLORSCALE,
    DIVERGING,
    FONT,
    MUTED,
    as_array,
    axis_labels,
    heatmap,
)

HEAD_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
HIDDEN_COLOR = "#cbd5e1"  # masked / dropped cells: light grey, clearly "not a value"
OFF_SCALE = [[0.0, "#f1f5f9"], [1.0, "#64748b"]]  # a switched-off head is drawn in greys


def _masked_value(matrix: np.ndarray, hidden: np.ndarray) -> str | None:
    """The one value every hidden cell holds ("0" for masked weights, "-inf" for masked scores), else None.

    Recorded in the value trace's meta so an export can put back what PyTorch prints for the grey cells.
    """
    values = np.unique(matrix[hidden])
    if values.size != 1 or np.isnan(values[0]):
        return None
    return f"{values[0]:.8g}"


def masked_heatmap(
    matrix: object,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    hidden: object,
    title: str = "",
    *,
    hidden_text: str = "masked",
    hidden_hover: str = "masked: a later token",
    **kwargs: object,
) -> go.Figure:
    """A heatmap whose `hidden` cells (bool, same shape) are greyed out and labelled instead of coloured."""
    z = as_array(matrix).copy()
    mask = np.asarray(hidden, dtype=bool)
    if mask.shape != z.shape:
        raise ValueError(f"hidden mask {mask.shape} does not match matrix {z.shape}")
    z[mask] = np.nan  # no colour and no number in the value layer
    fig = heatmap(z, row_labels, col_labels, title, **kwargs)
    fig.data[0].meta = {"title": title, "masked_value": _masked_value(as_array(matrix), mask)}
    rows, cols = axis_labels(row_labels), axis_labels(col_labels)
    n_rows, n_cols = z.shape
    show_text = max(n_rows, n_cols) <= 12
    fig.add_trace(
        go.Heatmap(
            z=np.where(mask, 1.0, np.nan),
            x=list(range(n_cols)),
            y=list(range(n_rows)),
            colorscale=[[0.0, HIDDEN_COLOR], [1.0, HIDDEN_COLOR]],
            showscale=False,
            text=np.where(mask, hidden_text, ""),
            texttemplate="%{text}" if show_text else None,
            textfont={"size": 12, "color": "#334155"},
            customdata=np.stack(
                [
                    np.broadcast_to(np.array(rows, dtype=object)[:, None], z.shape),
                    np.broadcast_to(np.array(cols, dtype=object)[None, :], z.shape),
                ],
                axis=-1,
            ),
            hovertemplate=f"%{{customdata[0]}} → %{{customdata[1]}}<br>{hidden_hover}<extra></extra>",
            xgap=1,
            ygap=1,
            name="hidden",
        )
    )
    return fig


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
        "colorscale": [
            [0.0, "#e2e8f0"],
            [0.33, "#e2e8f0"],
            [0.34, "#93c5fd"],
            [0.66, "#93c5fd"],
            [0.67, ACCENT],
            [1, ACCENT],
        ],
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


def saturation_figure(curve: dict[str, object], num_tokens: int, title: str = "") -> go.Figure:
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
        ("scaled: softmax(q·k / √d_k)", "max_weight_scaled", "entropy_scaled", "#0072B2", "dash"),
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
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
        legend={"orientation": "h", "y": -0.25, "x": 0},
    )
    return fig


def _panel_height(n_rows: int) -> int:
    """Pixels per grid row: enough for the cells, the tick labels and the next row's titles."""
    return max(260, min(460, 140 + 34 * n_rows))


def _grid(
    n_panels: int,
    grid_cols: int,
    hspace: float,
    vspace: float,
    widths: Sequence[float] | None = None,
) -> list[tuple[str, str, list[float], list[float]]]:
    """Axis names and domains of a panel grid, row by row: [(x name, y name, x domain, y domain)].

    The same geometry as plotly's make_subplots, computed in exact rational arithmetic and rounded once, so
    every domain lies in [0, 1] and panels never overlap, whatever the sizes (plain floats gave -5.6e-17,
    which Plotly rejects). Raises ValueError when the spacing leaves no room for the panels.
    """
    if n_panels < 1 or grid_cols < 1:
        raise ValueError(
            f"need at least one panel and one column, got {n_panels} panels, {grid_cols} columns"
        )
    grid_rows = math.ceil(n_panels / grid_cols)
    weights = [Fraction(w) for w in (widths if widths is not None else [1.0] * grid_cols)]
    if len(weights) != grid_cols or any(w <= 0 for w in weights):
        raise ValueError(f"need {grid_cols} positive column widths, got {widths}")
    h, v = Fraction(hspace), Fraction(vspace)
    usable_w, usable_h = 1 - h * (grid_cols - 1), 1 - v * (grid_rows - 1)
    if h < 0 or v < 0 or usable_w <= 0 or usable_h <= 0:
        raise ValueError(f"spacing {hspace}, {vspace} leaves no room for a {grid_rows}x{grid_cols} grid")
    col_w = [usable_w * w / sum(weights) for w in weights]
    cell_h = usable_h / grid_rows
    out = []
    for i in range(n_panels):
        r, c = divmod(i, grid_cols)
        x0 = sum(col_w[:c], Fraction(0)) + h * c
        y1 = 1 - r * (cell_h + v)
        suffix = "" if i == 0 else str(i + 1)
        x_domain = [float(x0), float(x0 + col_w[c])]
        y_domain = [float(y1 - cell_h), float(y1)]
        out.append((f"x{suffix}", f"y{suffix}", x_domain, y_domain))
    return out


def _title(text: str, x_domain: list[float], y_domain: list[float], size: int = 15) -> dict:
    """A subplot title centred above its panel (as make_subplots places them)."""
    return {
        "text": text,
        "x": (x_domain[0] + x_domain[1]) / 2,
        "y": y_domain[1],
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": size},
    }


def _custom(rows: Sequence[str], cols: Sequence[str]) -> np.ndarray:
    """Row and column labels per cell, for hover text: (n_rows, n_cols, 2)."""
    n_rows, n_cols = len(rows), len(cols)
    return np.stack(
        [
            np.broadcast_to(np.array(rows, dtype=object)[:, None], (n_rows, n_cols)),
            np.broadcast_to(np.array(cols, dtype=object)[None, :], (n_rows, n_cols)),
        ],
        axis=-1,
    )


def heatmap_grid(
    matrices: Sequence[object],
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    titles: Sequence[str],
    *,
    active: Sequence[bool] | None = None,
    max_cols: int = 4,
    zmin: float | None = None,
    zmax: float | None = None,
    colorscale: str = COLORSCALE,
    value_name: str = "weight",
    x_title: str = "key",
    y_title: str = "query",
    decimals: int = 3,
    hidden: object | Sequence[object | None] | None = None,
    hidden_text: str | Sequence[str | np.ndarray] = "",
) -> go.Figure:
    """Matrices of one shape side by side on one colour scale; inactive panels are drawn in greys.

    `hidden` (one bool mask for all panels, or one per panel) greys cells out and writes `hidden_text` in
    them (one string, or one per panel: a string or a per-cell array of strings); non-finite values (-inf
    scores) are hidden too. Value traces come first, in panel order, each with meta {"title", "masked_value"}
    (the one value its hidden cells hold, e.g. "0" or "-inf", for exports); the grey overlays follow, named
    "hidden".
    """
    mats = [as_array(m) for m in matrices]
    if not mats or any(m.shape != mats[0].shape for m in mats):
        raise ValueError("heatmap_grid needs one or more matrices of the same shape")
    if len(titles) != len(mats):
        raise ValueError(f"{len(titles)} titles for {len(mats)} matrices")
    n_rows, n_cols = mats[0].shape
    if len(row_labels) != n_rows or len(col_labels) != n_cols:
        raise ValueError(f"labels {len(row_labels)}x{len(col_labels)} do not match matrices {mats[0].shape}")
    active = list(active) if active is not None else [True] * len(mats)
    no_mask = np.zeros((n_rows, n_cols), dtype=bool)
    if hidden is None:
        hides = [no_mask] * len(mats)
    elif isinstance(hidden, (list, tuple)):
        hides = [np.asarray(h, dtype=bool) if h is not None else no_mask for h in hidden]
    else:
        hides = [np.asarray(hidden, dtype=bool)] * len(mats)
    if len(hides) != len(mats) or any(h.shape != (n_rows, n_cols) for h in hides):
        raise ValueError("hidden masks must match the matrices (one mask, or one per panel)")
    hides = [h | ~np.isfinite(m) for h, m in zip(hides, mats, strict=True)]
    texts = [hidden_text] * len(mats) if isinstance(hidden_text, str) else list(hidden_text)
    zs = [np.where(h, np.nan, m) for h, m in zip(hides, mats, strict=True)]
    rows_l, cols_l = axis_labels(row_labels), axis_labels(col_labels)
    grid_cols = min(max_cols, len(mats))
    grid_rows = math.ceil(len(mats) / grid_cols)
    height = _panel_height(n_rows) * grid_rows + 40
    cells = _grid(
        len(mats),
        grid_cols,
        hspace=0.04 if grid_cols > 2 else 0.08,
        vspace=(130 / height) if grid_rows > 1 else 0.0,
    )
    if colorscale == DIVERGING and zmin is None and zmax is None:  # centred on zero: red < 0 < blue
        bound = float(np.nanmax([np.nanmax(np.abs(z)) if np.isfinite(z).any() else 0.0 for z in zs])) or 1.0
        lo, hi = -bound, bound
    else:
        finite = [z[np.isfinite(z)] for z in zs if np.isfinite(z).any()]
        lo = zmin if zmin is not None else (float(min(f.min() for f in finite)) if finite else 0.0)
        hi = zmax if zmax is not None else (float(max(f.max() for f in finite)) if finite else 1.0)
    show_text = max(n_rows, n_cols) <= 12 and n_cols * grid_cols <= 18  # numbers only where they fit
    custom = _custom(rows_l, cols_l)
    first_active = next((i for i, a in enumerate(active) if a), None)
    positions = list(range(n_cols)), list(range(n_rows))
    data: list[dict] = []
    layout: dict = {
        "height": height,
        "font": FONT,
        "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
        "annotations": [],
    }
    for i, (z, title, on) in enumerate(zip(zs, titles, active, strict=True)):
        xname, yname, x_domain, y_domain = cells[i]
        r, c = divmod(i, grid_cols)
        data.append(
            {
                "type": "heatmap",
                "z": z,
                "x": positions[0],
                "y": positions[1],
                "xaxis": xname,
                "yaxis": yname,
                "zmin": lo,
                "zmax": hi,
                "colorscale": colorscale if on else OFF_SCALE,
                "showscale": i == first_active,
                "colorbar": {"thickness": 14, "title": {"text": value_name, "side": "right"}},
                "customdata": custom,
                "hovertemplate": (
                    f"{title}<br>{y_title}: %{{customdata[0]}}<br>{x_title}: %{{customdata[1]}}<br>"
                    f"{value_name}: %{{z:.6f}}<extra></extra>"
                ),
                "texttemplate": f"%{{z:.{decimals}f}}" if show_text else None,
                "textfont": {"size": 11},
                "xgap": 1,
                "ygap": 1,
                "name": title,
                "meta": {"title": title, "masked_value": _masked_value(mats[i], hides[i])},
            }
        )
        layout["xaxis" + xname[1:]] = {
            "domain": x_domain,
            "anchor": yname,
            "tickvals": positions[0],
            "ticktext": cols_l,
            "tickangle": -45 if n_cols > 4 or grid_cols > 2 else 0,
            "title": {"text": x_title if r == grid_rows - 1 else None},
        }
        layout["yaxis" + yname[1:]] = {
            "domain": y_domain,
            "anchor": xname,
            "tickvals": positions[1],
            "ticktext": rows_l if c == 0 else [""] * n_rows,
            "autorange": "reversed",
            "title": {"text": y_title if c == 0 else None},
        }
        layout["annotations"].append(_title(title, x_domain, y_domain))
    for i, (hide, text) in enumerate(zip(hides, texts, strict=True)):
        if not hide.any():
            continue
        xname, yname, _, _ = cells[i]
        data.append(
            {
                "type": "heatmap",
                "z": np.where(hide, 1.0, np.nan),
                "x": positions[0],
                "y": positions[1],
                "xaxis": xname,
                "yaxis": yname,
                "colorscale": [[0.0, HIDDEN_COLOR], [1.0, HIDDEN_COLOR]],
                "showscale": False,
                "text": np.where(hide, text, ""),
                "texttemplate": "%{text}" if show_text else None,
                "textfont": {"size": 11, "color": "#334155"},
                "customdata": custom,
                "hovertemplate": (
                    f"{titles[i]}<br>{y_title}: %{{customdata[0]}}<br>{x_title}: %{{customdata[1]}}<br>"
                    "%{text}<extra></extra>"
                ),
                "xgap": 1,
                "ygap": 1,
                "name": "hidden",
            }
        )
    return go.Figure({"data": data, "layout": layout})


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
    cells = _grid(len(panels), len(panels), hspace=min(0.05, 0.5 / len(panels)), vspace=0.0, widths=widths)
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
                "customdata": _custom(labels, dims),
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
        layout["annotations"].append(_title(title, x_domain, y_domain, size=title_size))

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
