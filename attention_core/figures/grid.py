"""Heatmap grids: matrices of one shape side by side on one colour scale, masked cells greyed out.

`heatmap_grid` draws the panels of every self-attention page; the named styles below are its usual settings
(`heatmap_grid(mats, rows, cols, titles, **TOKEN_ROWS)`), so each kind of matrix looks the same everywhere.
`masked_heatmap` is the single-matrix version.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, TypedDict

import numpy as np
import plotly.graph_objects as go

from attention_core.figures.common import FONT, as_array, axis_labels, heatmap
from attention_core.figures.palette import COLORSCALE, DIVERGING, HIDDEN_COLOR, INK, OFF_SCALE


class GridStyle(TypedDict, total=False):
    """Keyword settings of `heatmap_grid` that a kind of matrix always uses."""

    colorscale: str
    value_name: str
    x_title: str
    y_title: str
    decimals: int
    zmin: float


# W_query, W_key, W_value: (d_in, d_out), signed
PROJECTIONS: GridStyle = {
    "colorscale": DIVERGING,
    "value_name": "weight",
    "x_title": "output dimension",
    "y_title": "input dimension",
    "decimals": 4,
}
# one row per token (Q, K, V, context vectors, outputs): (T, d), signed
TOKEN_ROWS: GridStyle = {
    "colorscale": DIVERGING,
    "value_name": "value",
    "x_title": "dimension",
    "y_title": "token",
    "decimals": 4,
}
# query x key scores before softmax: (T, T), signed
SCORES: GridStyle = {
    "colorscale": DIVERGING,
    "value_name": "score",
    "x_title": "key (attended to)",
    "y_title": "query (attending)",
    "decimals": 4,
}
# query x key attention weights: (T, T), from 0
WEIGHTS: GridStyle = {
    "zmin": 0.0,
    "decimals": 4,
    "x_title": "key (attended to)",
    "y_title": "query (attending)",
}
# two weight matrices side by side, some cells greyed out (a causal mask, dropout)
MASKED_PAIR: GridStyle = {"zmin": 0.0, "decimals": 4}
# two signed matrices side by side whose grey cells are labelled per panel
SIGNED_PAIR: GridStyle = {"colorscale": DIVERGING, "value_name": "value", "decimals": 4}


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
    **kwargs: Any,
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
            textfont={"size": 12, "color": INK},
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


def _panel_height(n_rows: int) -> int:
    """Pixels per grid row: enough for the cells, the tick labels and the next row's titles."""
    return max(260, min(460, 140 + 34 * n_rows))


def grid_cells(
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


def panel_title(text: str, x_domain: list[float], y_domain: list[float], size: int = 15) -> dict:
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


def grid_custom(rows: Sequence[str], cols: Sequence[str]) -> np.ndarray:
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
    cells = grid_cells(
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
    custom = grid_custom(rows_l, cols_l)
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
        layout["annotations"].append(panel_title(title, x_domain, y_domain))
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
                "textfont": {"size": 11, "color": INK},
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
