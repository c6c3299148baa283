"""Figures for a real transformer's attention: model view, head view, aggregates, next-token bars.

Data sent to the browser stays bounded at 512 tokens: matrices larger than `MAX_BINS` are summed into
blocks (each block row still sums to 1), the model view shrinks every head to a thumbnail, and
arrays go out as float32. `payload_bytes` measures what a figure costs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from attention_core.figures.common import FONT, plot_label
from attention_core.figures.frozen import FrozenFigure
from attention_core.figures.palette import ACCENT, BAR, COLORSCALE, MUTED

DETAIL_MAX = 48  # up to this many tokens: numbers/labels per cell, lines and bars
MAX_BINS = 128  # larger matrices are summed into at most this many blocks per side
MODEL_VIEW_CELLS = 40_000  # total thumbnail cells in the model view (all layers x heads)
THUMB_MAX = 24  # thumbnail side at most (cells)
CELL_NUMBERS_MAX = 8  # write weights into cells up to this many tokens


def position_names(labels: Sequence[str], max_len: int = 16) -> list[str]:
    """'3 · cat' for every token (1-based, escaped): unique, so repeated tokens never merge on an axis."""
    return [f"{i + 1} · {plot_label(t, max_len)}" for i, t in enumerate(labels)]


def bin_edges(n: int, max_bins: int) -> np.ndarray:
    """Start indices of at most `max_bins` near-equal blocks covering 0..n, plus n at the end."""
    bins = min(n, max_bins)
    return np.linspace(0, n, bins + 1).round().astype(int)


def block_sum(matrix: np.ndarray, max_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Shrink (..., T, T) attention to (..., B, B) blocks: mean over the block's queries of the summed
    weights to the block's keys, so every block row still sums to 1. Returns (blocks, edges)."""
    a = np.asarray(matrix, dtype=np.float32)
    n = a.shape[-1]
    edges = bin_edges(n, max_bins)
    if len(edges) - 1 == n:
        return a, edges
    keys = np.add.reduceat(a, edges[:-1], axis=-1)  # (..., T, B): summed over each key block
    rows = np.add.reduceat(keys, edges[:-1], axis=-2)  # (..., B, B): summed over each query block
    sizes = np.diff(edges).astype(np.float32)  # (B,)
    return rows / sizes[:, None], edges  # mean over the block's queries


def _range_names(labels: Sequence[str], edges: np.ndarray) -> list[str]:
    """'33–36 · cat … mat' per block (1-based positions, first and last token)."""
    names = []
    for a, b in itertools.pairwise(edges):
        first, last = plot_label(labels[a], 10), plot_label(labels[b - 1], 10)
        names.append(f"{a + 1} · {first}" if b - a == 1 else f"{a + 1}–{b} · {first} … {last}")
    return names


def payload_bytes(fig: go.Figure) -> int:
    """Bytes of the figure's JSON, i.e. what Streamlit sends to the browser for it."""
    return len(fig.to_json().encode("utf-8"))


def thumbnail_side(num_tokens: int, num_maps: int, budget: int = MODEL_VIEW_CELLS) -> int:
    """Cells per thumbnail side so that all maps together stay within `budget` cells."""
    return int(max(2, min(num_tokens, THUMB_MAX, int(np.sqrt(budget / max(num_maps, 1))))))


def model_view(
    attentions: np.ndarray,
    selected: tuple[int, int] | None = None,
    title: str = "",
    budget: int = MODEL_VIEW_CELLS,
    width: int = 1150,
) -> go.Figure:
    """Every head of every layer as a small heatmap on one canvas (layers x heads); click one to pick it.

    attentions: (layers, heads, T, T). All thumbnails are tiled into ONE heatmap trace (NaN gaps between
    them), so the figure stays light; long inputs are shrunk by `block_sum`. When there are more layers
    than heads, layers run across (columns) so the grid fits a screen.
    """
    att = np.asarray(attentions, dtype=np.float32)
    n_layers, n_heads, t, _ = att.shape
    side = thumbnail_side(t, n_layers * n_heads, budget)
    thumbs, _ = block_sum(att, side)  # (L, H, s, s)
    s = thumbs.shape[-1]
    step = s + 1  # one NaN row/column between thumbnails
    layers_across = n_layers > n_heads
    grid = thumbs if not layers_across else thumbs.transpose(1, 0, 2, 3)  # (rows, cols, s, s)
    n_rows, n_cols = grid.shape[:2]
    tiled = np.full((n_rows, step, n_cols, step), np.nan, dtype=np.float32)
    tiled[:, :s, :, :s] = grid.transpose(0, 2, 1, 3)  # (rows, s, cols, s): query bins down, key bins across
    z = tiled.reshape(n_rows * step, n_cols * step)[:-1, :-1]  # drop the trailing gap
    col_name, row_name = ("layer", "head") if layers_across else ("head", "layer")
    unit = "block" if s < t else "token"
    # Unique category names per column/row, so the hover can say which head and which query/key it is.
    x_names = [f"{col_name} {c + 1} · key {unit} {k + 1}" for c in range(n_cols) for k in range(step)][:-1]
    y_names = [f"{row_name} {r + 1} · query {unit} {q + 1}" for r in range(n_rows) for q in range(step)][:-1]
    for c in range(n_cols - 1):
        x_names[c * step + s] = f"gap {c + 1}"
    for r in range(n_rows - 1):
        y_names[r * step + s] = f"gap {r + 1}"
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x_names,
            y=y_names,
            coloraxis="coloraxis",
            hovertemplate="%{y}<br>%{x}<br>weight %{z:.4f}<extra></extra>",
            hoverongaps=False,
        )
    )
    # One invisible marker per head (on top) so a click selects that head in Streamlit.
    cols, rows = np.meshgrid(np.arange(n_cols), np.arange(n_rows))  # (rows, cols) each
    ids = np.stack([cols, rows], axis=-1).reshape(-1, 2)  # (rows * cols, 2) as (col, row)
    layer_head = ids if layers_across else ids[:, ::-1]  # -> (layer, head), 0-based
    fig.add_trace(
        go.Scatter(
            x=ids[:, 0] * step + (s - 1) / 2,
            y=ids[:, 1] * step + (s - 1) / 2,
            xaxis="x2",
            yaxis="y2",
            mode="markers",
            marker={"size": 16, "opacity": 0.0, "symbol": "square"},
            customdata=(layer_head + 1).tolist(),  # 1-based [layer, head]
            hovertemplate="layer %{customdata[0]} · head %{customdata[1]}<br>click to enlarge<extra></extra>",
            name="pick",
            showlegend=False,
        )
    )
    cell_px = max(14.0, min(110.0, (width - 120) / n_cols))
    span_x, span_y = [-1.5, n_cols * step - 0.5], [n_rows * step - 0.5, -1.5]  # room for the selection box
    every = 1 if n_cols <= 16 else 3
    fig.update_layout(
        title={"text": title},
        height=int(cell_px * n_rows + 110),
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        font=FONT,
        coloraxis={
            "colorscale": COLORSCALE,
            "cmin": 0.0,
            "cmax": 1.0,
            "colorbar": {"thickness": 12, "title": {"text": "weight", "side": "right"}},
        },
        plot_bgcolor="rgba(0,0,0,0)",
        meta={"tile": s, "layers_across": layers_across},  # read by highlight_head
        clickmode="event+select",
        dragmode=False,
        hovermode="closest",
        # numeric twin axes over the categorical ones: markers and the selection box are placed by number
        xaxis2={"overlaying": "x", "range": span_x, "visible": False},
        yaxis2={"overlaying": "y", "range": span_y, "visible": False},
    )
    fig.layout.xaxis.update(
        type="category",
        tickvals=[x_names[c * step + s // 2] for c in range(0, n_cols, every)],
        ticktext=[str(c + 1) for c in range(0, n_cols, every)],
        title=col_name,
        side="top",
        showgrid=False,
        zeroline=False,
        range=span_x,
    )
    fig.layout.yaxis.update(
        type="category",
        tickvals=[y_names[r * step + s // 2] for r in range(n_rows)],
        ticktext=[str(r + 1) for r in range(n_rows)],
        title=row_name,
        showgrid=False,
        zeroline=False,
        range=span_y,
    )
    return fig if selected is None else highlight_head(fig, selected)


def highlight_head(view: go.Figure | FrozenFigure, selected: tuple[int, int]) -> go.Figure:
    """A copy of a `model_view` figure with head `selected` = (layer, head), 0-based, outlined.

    The model view itself is left unchanged, so it can be built once per text and cached (frozen: a cached
    `FrozenFigure` is thawed into the copy; a plain figure is copied).
    """
    fig = view.thaw() if isinstance(view, FrozenFigure) else go.Figure(view)
    meta = fig.layout.meta
    if not isinstance(meta, dict) or "tile" not in meta:
        raise ValueError("not a model_view figure")
    s, layers_across = int(meta["tile"]), bool(meta["layers_across"])
    step = s + 1
    layer, head = selected
    col, row = (layer, head) if layers_across else (head, layer)
    fig.add_shape(
        type="rect",
        xref="x2",
        yref="y2",
        x0=col * step - 1,
        x1=col * step + s,
        y0=row * step - 1,
        y1=row * step + s,
        line={"color": ACCENT, "width": 3},
    )
    return fig


def attention_heatmap(
    matrix: np.ndarray,
    labels: Sequence[str],
    title: str = "",
    *,
    max_bins: int = MAX_BINS,
    offset: int = 0,
    value_name: str = "weight",
    zmax: float | None = None,
) -> go.Figure:
    """One (T, T) attention matrix, readable at any length: exact cells up to `max_bins` tokens, blocks above.

    `offset` numbers positions from offset + 1 (for a window cut out of a longer text).
    """
    z = np.asarray(matrix, dtype=np.float32)
    t = z.shape[-1]
    if z.shape != (t, t) or len(labels) != t:
        raise ValueError(f"need a square matrix matching {len(labels)} labels, got {z.shape}")
    blocks, edges = block_sum(z, max_bins)
    shifted = [""] * offset + list(labels)
    binned = len(edges) - 1 < t
    # Unique category names ('3 · cat') on both axes: the hover names query and key without any
    # per-cell payload, and repeated tokens never merge.
    if not binned:
        names = position_names(shifted)[offset:]
        short = [plot_label(x) for x in labels] if t <= DETAIL_MAX else names
        hover = f"query %{{y}}<br>key %{{x}}<br>{value_name}: %{{z:.6f}}<extra></extra>"
    else:
        names = _range_names(shifted, edges + offset)
        short = [n.split(" · ")[0] for n in names]  # '33–36': the block's positions
        hover = (
            "queries %{y}<br>keys %{x}<br>"
            f"{value_name} (block sum, mean over its queries): %{{z:.4f}}<extra></extra>"
        )
    every = 1 if t <= DETAIL_MAX else max(1, -(-len(names) // 16))  # at most ~16 labels on long axes
    ticks = {
        "tickvals": names[::every],
        "ticktext": short[::every],
        "tickfont": {"size": 11 if t > 12 else 13},
    }
    numbers = t <= CELL_NUMBERS_MAX and not binned
    small = t <= DETAIL_MAX
    fig = go.Figure(
        go.Heatmap(
            z=blocks.astype(np.float32),
            x=names,
            y=names,
            colorscale=COLORSCALE,
            zmin=0.0,
            zmax=zmax,
            hovertemplate=hover,
            texttemplate="%{z:.2f}" if numbers else None,
            colorbar={"thickness": 14, "title": {"text": value_name, "side": "right"}},
            xgap=1 if small else 0,
            ygap=1 if small else 0,
        )
    )
    fig.update_layout(
        title={"text": title},
        height=max(320, min(640, 110 + 30 * t)) if small else 640,
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        font=FONT,
    )
    key_title = "key positions (blocks)" if binned else "key (attended to)"
    query_title = "query positions (blocks)" if binned else "query (attending)"
    fig.update_xaxes(title=key_title, type="category", tickangle=-45 if t > 8 else 0, **ticks)
    fig.update_yaxes(title=query_title, type="category", autorange="reversed", **ticks)
    return fig


def top_keys(
    weights: np.ndarray, labels: Sequence[str], query_idx: int, k: int = 12, title: str = ""
) -> go.Figure:
    """The head view for long inputs: the query's `k` strongest keys as bars, strongest on top."""
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if len(labels) != w.shape[0]:
        raise ValueError(f"{len(labels)} labels for {w.shape[0]} weights")
    order = np.argsort(-w, kind="stable")[:k]
    names = position_names(labels)
    fig = go.Figure(
        go.Bar(
            x=w[order],
            y=list(range(len(order))),
            orientation="h",
            marker_color=[ACCENT if i == query_idx else BAR for i in order],
            text=[f"{100 * v:.1f}%" for v in w[order]],
            textposition="outside",
            customdata=[names[i] for i in order],
            hovertemplate="key %{customdata}<br>weight %{x:.6f}<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": title},
        height=90 + 30 * len(order),
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        font=FONT,
        showlegend=False,
    )
    fig.update_yaxes(
        tickvals=list(range(len(order))), ticktext=[names[i] for i in order], autorange="reversed"
    )
    top = float(w[order].max(initial=0.0))
    fig.update_xaxes(range=[0, max(top * 1.3, 1e-9)], tickformat=".0%", title="attention weight")
    return fig


def head_lines(
    weights: np.ndarray, labels: Sequence[str], query_idx: int, title: str = "", causal: bool = False
) -> go.Figure:
    """The head view: the query token (left) linked to every key token (right), line strength = weight."""
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    t = w.shape[0]
    if len(labels) != t or not 0 <= query_idx < t:
        raise ValueError("labels and query must match the weights")
    names = [plot_label(x, 16) for x in labels]
    top = max(float(w.max()), 1e-9)
    # One line per key with its own width and opacity; plain dicts (no per-trace validation) keep this fast.
    lines = [
        {
            "type": "scatter",
            "x": [0, 1],
            "y": [query_idx, k],
            "mode": "lines",
            "line": {"color": ACCENT, "width": float(1 + 9 * w[k] / top)},
            "opacity": float(0.15 + 0.85 * w[k] / top),
            "hoverinfo": "skip",
            "showlegend": False,
        }
        for k in range(t)
        if w[k] > 0
    ]
    fig = go.Figure(data=lines, _validate=False)
    left_color = [ACCENT if i == query_idx else MUTED for i in range(t)]
    fig.add_trace(
        go.Scatter(
            x=np.zeros(t),
            y=np.arange(t),
            mode="markers+text",
            text=names,
            textposition="middle left",
            marker={"size": 8, "color": left_color},
            hovertemplate="query %{text}<extra></extra>",
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=np.ones(t),
            y=np.arange(t),
            mode="markers+text",
            text=[f"{n}  {100 * v:.1f}%" for n, v in zip(names, w, strict=True)],
            textposition="middle right",
            marker={"size": 6 + 14 * w / top, "color": ACCENT, "opacity": 0.9},
            customdata=w,
            hovertemplate="key %{text}<br>weight %{customdata:.6f}<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_layout(
        title={"text": title},
        height=max(300, 60 + 24 * t),
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 34 if causal else 10},  # room for the note
        font=FONT,
        plot_bgcolor="rgba(0,0,0,0)",
    )
    fig.update_xaxes(visible=False, range=[-1.0, 2.3])
    fig.update_yaxes(visible=False, autorange="reversed")
    if causal:
        fig.add_annotation(
            x=1.0,
            y=t - 0.5,
            yshift=-8,
            text="later tokens get no line: the causal mask",
            showarrow=False,
            font={"color": MUTED, "size": 12},
        )
    return fig


def heads_for_query(
    layer_attn: np.ndarray, labels: Sequence[str], query_idx: int, title: str = "", head: int | None = None
) -> go.Figure:
    """Every head of one layer for one query: (heads x keys) heatmap; works at any length (H x T values)."""
    a = np.asarray(layer_attn, dtype=np.float32)  # (H, T, T)
    n_heads, t, _ = a.shape
    rows = a[:, query_idx, :]  # (H, T)
    names = position_names(labels)
    head_names = [f"head {h + 1}" for h in range(n_heads)]
    fig = go.Figure(
        go.Heatmap(
            z=rows,
            x=names,
            y=head_names,
            colorscale=COLORSCALE,
            zmin=0.0,
            hovertemplate=f"%{{y}}<br>query {names[query_idx]}<br>key %{{x}}<br>weight %{{z:.6f}}<extra></extra>",
            colorbar={"thickness": 14, "title": {"text": "weight", "side": "right"}},
            xgap=1 if t <= DETAIL_MAX else 0,
            ygap=1,
        )
    )
    if head is not None:
        fig.add_shape(
            type="rect",
            xref="paper",
            x0=0,
            x1=1,
            y0=head - 0.5,
            y1=head + 0.5,
            line={"color": ACCENT, "width": 2},
        )
    fig.update_layout(
        title={"text": title},
        height=max(260, 110 + 26 * n_heads),
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        font=FONT,
    )
    fig.update_xaxes(
        title="key (attended to)", type="category", nticks=min(t, 32), tickangle=-45, tickfont={"size": 11}
    )
    fig.update_yaxes(type="category", autorange="reversed")
    return fig


def next_token_bars(pairs: Sequence[tuple[str, float]], title: str = "") -> go.Figure:
    """The model's top next tokens with their probabilities (horizontal bars, most likely on top)."""
    names = [plot_label(tok.replace(" ", "␣").replace("\n", "↵") or "(empty)", 20) for tok, _ in pairs]
    probs = np.array([p for _, p in pairs], dtype=np.float64)
    fig = go.Figure(
        go.Bar(
            x=probs,
            y=list(range(len(pairs))),
            orientation="h",
            marker_color=[ACCENT, *[BAR] * (len(pairs) - 1)],
            text=[f"{100 * p:.1f}%" for p in probs],
            textposition="outside",
            customdata=names,
            hovertemplate="next token %{customdata}<br>probability %{x:.6f}<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": title},
        height=80 + 44 * max(len(pairs), 1),
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        font=FONT,
        showlegend=False,
    )
    fig.update_yaxes(tickvals=list(range(len(pairs))), ticktext=names, autorange="reversed")
    # room right of the longest bar for its label; few ticks, so a narrow chart never crowds or turns them
    fig.update_xaxes(
        range=[0, max(float(probs.max(initial=0)) * 1.6, 0.05)],
        tickformat=".0%",
        nticks=3,
        title="probability",
    )
    return fig


LINK_NUMBERS_MAX = 12  # up to this many layers every cell of the link grid shows its number
LINK_NUMBERED = 10  # beyond that only the strongest heads' cells do (30 narrow columns cannot hold them all)


def link_grid(weights: np.ndarray, best: tuple[int, int], title: str = "", *, height: int = 420) -> go.Figure:
    """Every head's weight from token A to token B as one heatmap: layers across, heads down, best outlined.

    weights: (layers, heads). Numbers are written into every cell up to `LINK_NUMBERS_MAX` layers, else into
    the `LINK_NUMBERED` strongest cells; the hover names layer, head and weight for every cell.
    """
    w = np.asarray(weights, dtype=np.float32)
    if w.ndim != 2:
        raise ValueError(f"weights must be (layers, heads), got {w.shape}")
    n_layers, n_heads = w.shape
    z = w.T  # (heads, layers): one column per layer
    layers = [str(i + 1) for i in range(n_layers)]
    heads = [str(i + 1) for i in range(n_heads)]
    text = np.char.mod("%.2f", z)  # (heads, layers)
    if n_layers > LINK_NUMBERS_MAX:
        strongest = np.argsort(-z, axis=None, kind="stable")[
            :LINK_NUMBERED
        ]  # flat indices into (heads, layers)
        keep = np.zeros(z.size, dtype=bool)
        keep[strongest] = True
        text = np.where(keep.reshape(z.shape), text, "")
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=layers,
            y=heads,
            colorscale=COLORSCALE,
            zmin=0.0,
            zmax=max(float(w.max()), 1e-6),
            text=text,
            texttemplate="%{text}",
            textfont={"size": 13},
            hovertemplate="layer %{x}, head %{y}<br>weight A → B: %{z:.4f}<extra></extra>",
            colorbar={"thickness": 14, "title": {"text": "weight", "side": "right"}},
            xgap=1,
            ygap=1,
        )
    )
    layer, head = best
    _outline(fig, layer, head, "best")
    fig.update_layout(
        title={"text": title},
        height=height,
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        font=FONT,
    )
    fig.update_xaxes(
        title="layer", type="category", tickvals=layers, tickfont={"size": 12 if n_layers > 12 else 14}
    )
    fig.update_yaxes(title="head", type="category", tickvals=heads, autorange="reversed")
    return fig


def outline_cell(
    fig: go.Figure, query: int, key: int, num_tokens: int, max_bins: int = MAX_BINS
) -> go.Figure:
    """Outline the (query, key) cell of an `attention_heatmap` figure (the block holding it, for long texts)."""
    edges = bin_edges(num_tokens, max_bins)
    row = int(np.searchsorted(edges, query, side="right") - 1)  # the block that holds the position
    col = int(np.searchsorted(edges, key, side="right") - 1)
    _outline(fig, col, row, "link")
    return fig


def _outline(fig: go.Figure, x: int, y: int, name: str) -> None:
    """An accent rectangle around the heatmap cell at category position (x, y)."""
    fig.add_shape(
        type="rect",
        x0=x - 0.5,
        x1=x + 0.5,
        y0=y - 0.5,
        y1=y + 0.5,
        line={"color": ACCENT, "width": 3},
        name=name,
    )
