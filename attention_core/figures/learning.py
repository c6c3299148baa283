"""Figures for "Watch attention learn": replays over training steps (Plotly frames, a scrubber and Play),
training curves, and accuracy by distance with and without attention.

Builders take the core's frozen results (or plain arrays) and return figures; colours are Okabe-Ito and
Viridis, backgrounds are left to the app's theme, so every figure reads on light and dark backgrounds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from attention_core.figures.common import ACCENT, COLORSCALE, DIVERGING, FONT, MUTED, as_array, axis_labels
from attention_core.figures.common import play_controls as common_play_controls

HEAD_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7")  # Okabe-Ito, one per head
SERIES_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
FRAME_MS = 400

Values = Sequence[float] | np.ndarray  # a curve or a row of numbers: a list or a 1-d array


def play_controls(frame_names: Sequence[str], labels: Sequence[str], active: int, y: float) -> dict:
    """Play/Pause buttons and a training-step scrubber over `frame_names`, side by side at height `y`."""
    current = {"prefix": "training step ", "visible": True, "xanchor": "right"}
    return common_play_controls(frame_names, labels, active, y, FRAME_MS, True, current)


def _frame_names(steps: Sequence[int]) -> list[str]:
    return [f"step {s}" for s in steps]


# ---------------------------------------------------------------- task 1


def verb_row_animation(
    verb_rows: object,
    tokens: Sequence[str],
    subject_pos: int,
    steps: Sequence[int],
    held_out_acc: Values,
    predicted: Sequence[str],
    active: int | None = None,
) -> go.Figure:
    """The verb's attention row over the tokens at every frame, one bar per head; the subject's slot marked.

    verb_rows: (F, h, T). The figure opens on frame `active` (default: the last); Play runs from there.
    """
    rows = as_array(verb_rows)
    n_frames, n_heads, n_tokens = rows.shape
    if len(tokens) != n_tokens or len(steps) != n_frames:
        raise ValueError(f"{len(tokens)} tokens / {len(steps)} steps for rows of shape {rows.shape}")
    labels = axis_labels(tokens)
    active = n_frames - 1 if active is None else active
    x = list(range(n_tokens))

    def bars(f: int) -> list[go.Bar]:
        return [
            go.Bar(
                x=x,
                y=rows[f, h].astype(np.float32),
                name=f"head {h + 1}",
                marker={"color": HEAD_COLORS[h % len(HEAD_COLORS)]},
                customdata=labels,
                hovertemplate=f"head {h + 1} · %{{customdata}}<br>weight %{{y:.4f}}<extra></extra>",
            )
            for h in range(n_heads)
        ]

    def title(f: int) -> dict:
        top = int(rows[f].mean(0).argmax())
        where = "on the subject" if top == subject_pos else f"on “{labels[top]}”, not the subject"
        return {
            "text": (
                f"Step {steps[f]}: the verb’s largest weight is {where} · the model answers "
                f"“{predicted[f]}” · held-out accuracy {100 * held_out_acc[f]:.0f}%"
            ),
            "font": {"size": 15},
        }

    names = _frame_names(steps)
    fig = go.Figure(data=bars(active))
    fig.frames = [  # frames carry only what changes: the bar heights and the title
        go.Frame(
            name=names[f],
            data=[{"type": "bar", "y": rows[f, h].astype(np.float32)} for h in range(n_heads)],
            traces=list(range(n_heads)),
            layout={"title": title(f)},
        )
        for f in range(n_frames)
    ]
    fig.add_vrect(
        x0=subject_pos - 0.5,
        x1=subject_pos + 0.5,
        fillcolor=ACCENT,
        opacity=0.18,
        line_width=0,
        annotation_text="subject",
        annotation_position="top",
        annotation_yshift=4,
        annotation_font={"color": ACCENT, "size": 14},
    )
    fig.update_layout(
        **play_controls(names, [str(s) for s in steps], active, -0.32 if n_tokens > 8 else -0.2),
        title=title(active),
        barmode="group",
        height=400,
        margin={"l": 10, "r": 10, "t": 60, "b": 120},
        font=FONT,
        showlegend=n_heads > 1,
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
    )
    fig.update_xaxes(tickvals=x, ticktext=labels, tickangle=-45 if n_tokens > 8 else 0)
    fig.update_yaxes(
        title="weight from the verb", range=[0, 1.12], tickvals=[0, 0.25, 0.5, 0.75, 1], tickformat=".0%"
    )
    return fig


def head_animation(
    attn_weights: object,
    W_query: object,
    W_key: object,
    tokens: Sequence[str],
    steps: Sequence[int],
    head: int = 0,
    active: int | None = None,
) -> go.Figure:
    """The head's full weight matrix next to W_query and W_key at every frame.

    attn_weights: (F, h, T, T); W_query, W_key: (F, d, d). Weights share a 0-1 scale; the projections share one
    symmetric scale over all frames, so a growing weight shows as a stronger colour.
    """
    mats, wq, wk = as_array(attn_weights), as_array(W_query), as_array(W_key)
    n_frames, _, n_tokens, _ = mats.shape
    labels = axis_labels(tokens)
    active = n_frames - 1 if active is None else active
    wmax = float(max(np.abs(wq).max(), np.abs(wk).max(), 1e-9))
    lower = np.tril(np.ones((n_tokens, n_tokens), dtype=bool))

    widths, gap = (0.34, 0.33, 0.33), 0.1
    weights_bar_x = widths[0] * (1 - 2 * gap) + 0.01  # just right of the weights panel

    def traces(f: int) -> list[go.Heatmap]:
        weights = np.where(lower, mats[f, head], np.nan).astype(np.float32)  # the future is masked: blank
        return [
            go.Heatmap(
                z=weights,
                zmin=0,
                zmax=1,
                colorscale=COLORSCALE,
                colorbar={"x": weights_bar_x, "len": 0.8, "thickness": 10},
                hovertemplate="query %{y}<br>key %{x}<br>weight %{z:.4f}<extra></extra>",
                xgap=1,
                ygap=1,
            ),
            go.Heatmap(
                z=wq[f].astype(np.float32),
                zmin=-wmax,
                zmax=wmax,
                colorscale=DIVERGING,
                showscale=False,
                hovertemplate="W_query[%{y}, %{x}] = %{z:.4f}<extra></extra>",
            ),
            go.Heatmap(
                z=wk[f].astype(np.float32),
                zmin=-wmax,
                zmax=wmax,
                colorscale=DIVERGING,
                colorbar={"x": 1.0, "len": 0.8, "thickness": 10},
                hovertemplate="W_key[%{y}, %{x}] = %{z:.4f}<extra></extra>",
            ),
        ]

    fig = make_subplots(
        rows=1,
        cols=3,
        column_widths=list(widths),
        horizontal_spacing=gap,
        subplot_titles=("Attention weights (row = query)", "W_query (d_in × d_out)", "W_key (d_in × d_out)"),
    )
    for col, trace in enumerate(traces(active), start=1):
        fig.add_trace(trace, row=1, col=col)
    names = _frame_names(steps)
    fig.frames = [  # frames carry only the three z matrices
        go.Frame(name=names[f], data=[{"type": "heatmap", "z": t.z} for t in traces(f)], traces=[0, 1, 2])
        for f in range(n_frames)
    ]
    fig.update_layout(
        **play_controls(names, [str(s) for s in steps], active, -0.3),
        height=420,
        margin={"l": 10, "r": 10, "t": 40, "b": 110},
        font=FONT,
    )
    tick_font = {"size": 10 if n_tokens > 14 else 12}
    fig.update_xaxes(
        tickvals=list(range(n_tokens)), ticktext=labels, tickangle=-60, tickfont=tick_font, row=1, col=1
    )
    fig.update_yaxes(
        tickvals=list(range(n_tokens)),
        ticktext=labels,
        tickfont=tick_font,
        autorange="reversed",
        row=1,
        col=1,
    )
    for col in (2, 3):
        fig.update_yaxes(autorange="reversed", showticklabels=False, row=1, col=col)
        fig.update_xaxes(showticklabels=False, row=1, col=col)
    return fig


def curves(
    steps: Sequence[int],
    top: Mapping[str, Values],
    bottom: Mapping[str, Values],
    top_title: str = "loss",
    bottom_title: str = "held-out",
    marker_step: int | None = None,
    marker_text: str = "",
    bottom_percent: bool = True,
    x_max: int | None = None,
) -> go.Figure:
    """Two stacked panels of curves over training steps (e.g. losses on top, accuracies below).

    `marker_step` draws a vertical line (e.g. the step that reached 95 %); `x_max` fixes the step axis (a live
    run's planned length, so the curves grow from left to right).
    """
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    x = list(steps)
    for row, series in ((1, top), (2, bottom)):
        for i, (name, values) in enumerate(series.items()):
            color = SERIES_COLORS[(i + (0 if row == 1 else 2)) % len(SERIES_COLORS)]
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=np.asarray(values, dtype=np.float64),
                    name=name,
                    mode="lines",
                    line={"color": color, "width": 3},
                    legendgroup=str(row),
                    hovertemplate=f"{name}<br>step %{{x}}: %{{y:.4f}}<extra></extra>",
                ),
                row=row,
                col=1,
            )
    if marker_step is not None:
        fig.add_vline(x=marker_step, line={"color": ACCENT, "dash": "dash", "width": 2})
        fig.add_annotation(
            x=marker_step,
            y=1.0,
            yref="paper",
            text=marker_text,
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            font={"color": ACCENT, "size": 14},
        )
    fig.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        font=FONT,
        legend={"orientation": "v", "x": 1.01, "y": 1.0},
    )
    fig.update_yaxes(title=top_title, rangemode="tozero", row=1, col=1)
    fig.update_yaxes(
        title=bottom_title,
        range=[0, 1.02] if bottom_percent else None,
        tickformat=".0%" if bottom_percent else None,
        row=2,
        col=1,
    )
    fig.update_xaxes(title="training step", row=2, col=1)
    if x_max is not None:
        fig.update_xaxes(range=[0, x_max])
    return fig


def distance_bars(
    buckets: Sequence[str],
    series: Mapping[str, Values],
    counts: Sequence[int],
    chance: Values | None = None,
    title: str = "",
) -> go.Figure:
    """Held-out accuracy per subject-verb distance bucket, one bar group per model; `chance` as markers."""
    x = [f"{b} tokens<br>(n = {n})" for b, n in zip(buckets, counts, strict=True)]
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        v = np.asarray(values, dtype=np.float64)
        fig.add_trace(
            go.Bar(
                x=x,
                y=v,
                name=name,
                marker={"color": SERIES_COLORS[i % len(SERIES_COLORS)]},
                text=[f"{100 * a:.0f}%" for a in v],
                textposition="outside",
                hovertemplate=f"{name}<br>%{{x}}<br>accuracy %{{y:.4f}}<extra></extra>",
            )
        )
    if chance is not None:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=np.asarray(chance, dtype=np.float64),
                name="guessing among the sentence’s animals",
                mode="markers",
                marker={"symbol": "line-ew", "size": 40, "line": {"width": 3, "color": MUTED}},
                hovertemplate="chance %{y:.4f}<extra></extra>",
            )
        )
    fig.update_layout(
        title={"text": title},
        barmode="group",
        height=400,
        margin={"l": 10, "r": 10, "t": 50 if title else 20, "b": 10},
        font=FONT,
        legend={"orientation": "h", "y": -0.25, "x": 0},
    )
    fig.update_xaxes(title="distance from the subject to the verb")
    fig.update_yaxes(title="held-out accuracy", range=[0, 1.12], tickformat=".0%")
    return fig


# ---------------------------------------------------------------- task 2


def head_scores(
    steps: Sequence[int],
    prev_score: object,
    induction_score: object,
    threshold: float,
    phase_step: int | None = None,
) -> go.Figure:
    """Every head's previous-token score (left) and induction score (right) over training.

    prev_score, induction_score: (logs, layers, heads). Layer 1 dashed, layer 2 solid, one colour per head.
    """
    prev, ind = as_array(prev_score), as_array(induction_score)
    _, n_layers, n_heads = prev.shape
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.05,
        subplot_titles=(
            "Previous-token score (weight on t−1)",
            "Induction score (weight on the next of the copy)",
        ),
    )
    for col, scores in ((1, prev), (2, ind)):
        for layer in range(n_layers):
            for h in range(n_heads):
                fig.add_trace(
                    go.Scatter(
                        x=list(steps),
                        y=scores[:, layer, h],
                        mode="lines",
                        name=f"layer {layer + 1} · head {h + 1}",
                        legendgroup=f"{layer}-{h}",
                        showlegend=col == 1,
                        line={
                            "color": HEAD_COLORS[h % len(HEAD_COLORS)],
                            "dash": "dot" if layer == 0 else "solid",
                            "width": 3,
                        },
                        hovertemplate=f"layer {layer + 1} head {h + 1}<br>step %{{x}}: %{{y:.4f}}<extra></extra>",
                    ),
                    row=1,
                    col=col,
                )
    fig.add_hline(y=threshold, line={"color": MUTED, "dash": "dash"}, row=1, col=2)
    if phase_step is not None:
        for col in (1, 2):
            fig.add_vline(x=phase_step, line={"color": ACCENT, "dash": "dash", "width": 2}, row=1, col=col)
    fig.update_layout(
        height=400,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        font=FONT,
        legend={"orientation": "h", "y": -0.22, "x": 0},
    )
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", title="mean weight", row=1, col=1)
    fig.update_xaxes(title="training step")
    return fig


def head_maps_animation(
    maps: object,
    tokens: Sequence[str],
    steps: Sequence[int],
    half: int,
    active: int | None = None,
) -> go.Figure:
    """Every head's attention on one repeated sequence (layers as rows, heads as columns), at every frame.

    maps: (F, layers, heads, T, T). A dashed line marks where the copy starts; a previous-token head shows the
    stripe just below the diagonal, an induction head a stripe L - 1 below it in the second half.
    """
    m = as_array(maps)
    n_frames, n_layers, n_heads, n_tokens, _ = m.shape
    labels = axis_labels(tokens)
    active = n_frames - 1 if active is None else active
    lower = np.tril(np.ones((n_tokens, n_tokens), dtype=bool))
    fig = make_subplots(
        rows=n_layers,
        cols=n_heads,
        horizontal_spacing=0.04,
        vertical_spacing=0.1,
        subplot_titles=[f"layer {la + 1} · head {h + 1}" for la in range(n_layers) for h in range(n_heads)],
    )

    def zs(f: int) -> list[np.ndarray]:
        """Every head's matrix at frame f, layer by layer, the masked future blank."""
        return [
            np.where(lower, m[f, layer, h], np.nan).astype(np.float32)
            for layer in range(n_layers)
            for h in range(n_heads)
        ]

    def traces(f: int) -> list[go.Heatmap]:
        return [
            go.Heatmap(
                z=z,
                zmin=0,
                zmax=1,
                colorscale=COLORSCALE,
                showscale=i == n_heads - 1,
                colorbar={"thickness": 10, "len": 0.9, "title": {"text": "weight", "side": "right"}},
                hovertemplate="query %{y}<br>key %{x}<br>weight %{z:.4f}<extra></extra>",
            )
            for i, z in enumerate(zs(f))
        ]

    for i, trace in enumerate(traces(active)):
        fig.add_trace(trace, row=i // n_heads + 1, col=i % n_heads + 1)
    names = _frame_names(steps)
    fig.frames = [  # frames carry only the z matrices
        go.Frame(
            name=names[f], data=[{"type": "heatmap", "z": z} for z in zs(f)], traces=list(range(len(zs(f))))
        )
        for f in range(n_frames)
    ]
    for i in range(n_layers * n_heads):
        axis = "" if i == 0 else str(i + 1)
        fig.add_shape(
            type="line",
            xref=f"x{axis}",
            yref=f"y{axis}",
            x0=-0.5,
            x1=n_tokens - 0.5,
            y0=half - 0.5,
            y1=half - 0.5,
            line={"color": ACCENT, "dash": "dash", "width": 1.5},
        )
    fig.update_layout(
        **play_controls(names, [str(s) for s in steps], active, -0.08),
        height=300 * n_layers + 60,
        margin={"l": 10, "r": 10, "t": 40, "b": 90},
        font=FONT,
    )
    small = {"size": 9 if n_tokens > 16 else 11}
    fig.update_xaxes(tickvals=list(range(n_tokens)), ticktext=labels, tickfont=small, tickangle=0)
    fig.update_yaxes(tickvals=list(range(n_tokens)), ticktext=labels, tickfont=small, autorange="reversed")
    return fig
