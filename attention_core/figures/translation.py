"""Figures for the translation pages: the encoder reading, alignments, decoder focus and accuracy by length."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from attention_core.figures.common import ACCENT, DIVERGING, FONT, MUTED, as_array, axis_labels, heatmap

MODEL_COLORS = {"bottleneck": "#E69F00", "attention": "#0072B2"}  # Okabe-Ito orange / blue
MODEL_NAMES = {"bottleneck": "RNN encoder–decoder (final state only)", "attention": "with Bahdanau attention"}
READ_COLOR = "#3e4989"
UNREAD_COLOR = "#cbd5e1"
CURTAIN_COLOR = "rgba(203, 213, 225, 0.97)"  # covers what the encoder has not read yet
FRAME_MS = 650


def _play_controls(frame_names: Sequence[str], labels: Sequence[str], active: int, y: float) -> dict:
    """Play/pause buttons and a slider over `frame_names` (one step per frame), side by side at height `y`."""
    step_args = {"frame": {"duration": 0, "redraw": True}, "mode": "immediate", "transition": {"duration": 0}}
    return {
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "showactive": False,
                "x": 0.0,
                "y": y,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 0, "r": 10},
                "buttons": [
                    {
                        "label": "▶ Play",
                        "method": "animate",
                        "args": [
                            None,
                            {
                                "frame": {"duration": FRAME_MS, "redraw": True},
                                "transition": {"duration": 0},
                                "fromcurrent": False,
                                "mode": "immediate",
                            },
                        ],
                    },
                    {"label": "❚❚ Pause", "method": "animate", "args": [[None], step_args]},
                ],
            }
        ],
        "sliders": [
            {
                "active": active,
                "x": 0.2,
                "len": 0.8,
                "y": y,
                "yanchor": "top",
                "pad": {"t": 0},
                "currentvalue": {"visible": False},
                "steps": [
                    {"label": label, "method": "animate", "args": [[name], step_args]}
                    for name, label in zip(frame_names, labels, strict=True)
                ],
            }
        ],
    }


def encoder_animation(encoder_states: object, tokens: Sequence[str], title: str = "") -> go.Figure:
    """The encoder reading token by token: its hidden state after each token (columns fill in as it reads),
    the current state as bars, and the final state marked as the only thing handed to the decoder.

    encoder_states: (T, H). The figure opens on the last frame; Play replays the reading from the first token.
    """
    states = as_array(encoder_states)
    if states.ndim != 2 or states.shape[0] != len(tokens):
        raise ValueError(f"need (num_tokens, hidden) states for {len(tokens)} tokens, got {states.shape}")
    n_tokens, hidden = states.shape
    labels = axis_labels(tokens)
    units = np.arange(1, hidden + 1)
    fig = make_subplots(
        rows=2,
        cols=1,
        row_heights=[0.62, 0.38],
        vertical_spacing=0.2 if n_tokens <= 8 else 0.26,  # room for rotated token labels
        subplot_titles=("", "The hidden state after the current token"),
    )
    hover_tokens = np.broadcast_to(np.array(labels, dtype=object)[None, :], (hidden, n_tokens))

    def frame_data(t: int, full: bool = False) -> list[go.BaseTraceType]:
        """Traces after token t; frames carry only the bars (`full` adds the heatmap and fixed properties)."""
        final = t == n_tokens - 1
        bar: dict = {
            "y": states[t].astype(np.float32),
            "marker": {"color": ACCENT if final else READ_COLOR},
            "name": "final state c" if final else f"state after {labels[t]}",
        }
        if not full:
            return [go.Bar(**bar)]
        heat = go.Heatmap(
            z=states.T.astype(np.float32),  # (H, T): one column per token; unread columns are covered
            x=list(range(n_tokens)),
            y=units,
            zmin=-1,
            zmax=1,
            colorscale=DIVERGING,
            customdata=hover_tokens,
            hovertemplate="after reading %{customdata}<br>unit %{y}: %{z:.6f}<extra></extra>",
            colorbar={"thickness": 12, "len": 0.55, "y": 0.75, "title": {"text": "value", "side": "right"}},
        )
        bar |= {"x": units, "hovertemplate": "unit %{x}: %{y:.6f}<extra></extra>"}
        return [heat, go.Bar(**bar)]

    def frame_layout(t: int) -> dict:
        final = t == n_tokens - 1
        box = {
            "type": "rect",
            "xref": "x",
            "yref": "y",
            "x0": t - 0.5,
            "x1": t + 0.5,
            "y0": 0.5,
            "y1": hidden + 0.5,
            "line": {"color": ACCENT, "width": 4 if final else 2},
        }
        note = (
            f"Final state c (after “{labels[t]}”): the only thing the decoder receives"
            if final
            else f"Reading token {t + 1} of {n_tokens}: “{labels[t]}”"
        )
        curtain = {  # hides the columns of tokens not read yet
            "type": "rect",
            "xref": "x",
            "yref": "y",
            "x0": t + 0.5,
            "x1": n_tokens - 0.5,
            "y0": 0.5,
            "y1": hidden + 0.5,
            "fillcolor": CURTAIN_COLOR,
            "line": {"width": 0},
            "layer": "above",
        }
        return {
            "shapes": [box, curtain] if t < n_tokens - 1 else [box],
            "annotations": [
                *base,
                {
                    "text": note,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.0,
                    "y": 1.02,
                    "yanchor": "bottom",
                    "showarrow": False,
                    "xanchor": "left",
                    "font": {"size": 16, "color": ACCENT if final else None},
                },
            ],
        }

    base = list(fig.layout.annotations)  # the subplot titles, kept in every frame
    names = [f"t{t}" for t in range(n_tokens)]
    fig.frames = [
        go.Frame(name=names[t], data=frame_data(t), traces=[1], layout=frame_layout(t))
        for t in range(n_tokens)
    ]
    for trace in frame_data(n_tokens - 1, full=True):
        fig.add_trace(trace, row=1 if isinstance(trace, go.Heatmap) else 2, col=1)
    fig.update_layout(
        **_play_controls(names, labels, n_tokens - 1, -0.16),
        title={"text": title},
        height=720,
        margin={"l": 10, "r": 10, "t": 100, "b": 130},
        font=FONT,
        showlegend=False,
    )
    opening = frame_layout(n_tokens - 1)
    fig.layout.shapes, fig.layout.annotations = opening["shapes"], opening["annotations"]
    fig.update_xaxes(
        tickvals=list(range(n_tokens)),
        ticktext=labels,
        tickangle=-45 if n_tokens > 8 else 0,
        tickfont={"size": 12 if n_tokens > 20 else 14},
        range=[-0.5, n_tokens - 0.5],
        row=1,
        col=1,
    )
    fig.update_yaxes(title="hidden unit", row=1, col=1, autorange="reversed")
    fig.update_xaxes(title="hidden unit", row=2, col=1)
    fig.update_yaxes(range=[-1.05, 1.05], title="value", row=2, col=1)
    return fig


def alignment_heatmap(
    attn_weights: object,
    target_tokens: Sequence[str],
    source_tokens: Sequence[str],
    rule_alignment: Sequence[int] | None = None,
    title: str = "",
) -> go.Figure:
    """Attention weights, output tokens (rows) × source tokens (columns), exact on hover.

    `rule_alignment[i]` (optional) is the source word the grammar renders as output token i; those cells get an
    outline, so the model's focus can be compared with the reordering rule.
    """
    weights = as_array(attn_weights)
    fig = heatmap(
        weights,
        target_tokens,
        source_tokens,
        title,
        x_title="source token (English)",
        y_title="output token (French-like)",
        zmin=0.0,
        zmax=1.0,
        value_name="attention weight",
        decimals=2,
        height=max(360, min(1100, 130 + 24 * len(target_tokens))),
    )
    fig.data[0].hovertemplate = fig.data[0].hovertemplate.replace("%{z:.4f}", "%{z:.6f}")  # exact on hover
    if rule_alignment is not None:
        rows = [i for i, j in enumerate(rule_alignment) if i < weights.shape[0] and 0 <= j < weights.shape[1]]
        fig.add_scatter(
            x=[rule_alignment[i] for i in rows],
            y=rows,
            mode="markers",
            marker={"symbol": "square-open", "size": 16, "color": ACCENT, "line": {"width": 2}},
            name="word the rules translate here",
            hoverinfo="skip",  # the weight underneath keeps its exact hover
        )
        fig.update_layout(
            showlegend=True,
            legend={"orientation": "h", "y": 1.01, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        )
    return fig


def decoder_focus_animation(
    attn_weights: object, target_tokens: Sequence[str], source_tokens: Sequence[str], title: str = ""
) -> go.Figure:
    """The decoder's focus step by step: for each output token, its attention weights over the source tokens.

    attn_weights: (T_out, T_src). The figure opens on the first step; Play walks through every output token.
    """
    weights = as_array(attn_weights)
    n_out, n_src = weights.shape
    if n_out != len(target_tokens) or n_src != len(source_tokens):
        raise ValueError(
            f"weights {weights.shape} do not match {len(target_tokens)}×{len(source_tokens)} tokens"
        )
    src_labels, out_labels = axis_labels(source_tokens), axis_labels(target_tokens)
    fig = make_subplots(rows=2, cols=1, row_heights=[0.8, 0.2], vertical_spacing=0.3)

    def frame_data(i: int, full: bool = False) -> list[go.BaseTraceType]:
        """Traces at output step i; frames carry only what changes (`full` adds the fixed properties)."""
        w = weights[i]
        top = int(np.argmax(w))
        focus = (np.arange(n_src) == top).astype(np.int8)  # 1 = the most-attended source token
        progress = np.sign(np.arange(n_out) - i).astype(np.int8)  # -1 written, 0 writing now, 1 to come
        bars: dict = {
            "y": w,
            "marker": {"color": focus},
            "text": [f"{100 * v:.0f}%" if v >= 0.05 else "" for v in w],
        }
        strip: dict = {"marker": {"color": progress}}
        if full:
            bars["marker"] |= {"colorscale": [[0, READ_COLOR], [1, ACCENT]], "cmin": 0, "cmax": 1}
            strip["marker"] |= {
                "colorscale": [[0, READ_COLOR], [0.5, ACCENT], [1, UNREAD_COLOR]],
                "cmin": -1,
                "cmax": 1,
                "size": 11,
                "symbol": "square",
            }
            bars |= {
                "x": list(range(n_src)),
                "textposition": "outside",
                "customdata": src_labels,
                "hovertemplate": "%{customdata}<br>attention weight: %{y:.6f}<extra></extra>",
            }
            strip |= {
                "x": list(range(n_out)),
                "y": [0] * n_out,
                "mode": "markers+text",
                "text": out_labels,
                "textposition": ["top center" if k % 2 == 0 else "bottom center" for k in range(n_out)],
                "hoverinfo": "skip",
            }
            strip["textfont"] = {"size": 13 if n_out > 20 else 15}
        return [go.Bar(**bars), go.Scatter(**strip)]

    def frame_layout(i: int) -> dict:
        top = int(np.argmax(weights[i]))
        note = (
            f"Step {i + 1} of {n_out}: writing “{out_labels[i]}”, looking mostly at "
            f"“{src_labels[top]}” ({100 * weights[i, top]:.0f}%)"
        )
        return {
            "annotations": [
                {
                    "text": note,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0,
                    "y": 1.02,
                    "yanchor": "bottom",
                    "xanchor": "left",
                    "showarrow": False,
                    "font": {"size": 16},
                },
            ]
        }

    names = [f"s{i}" for i in range(n_out)]
    fig.frames = [
        go.Frame(name=names[i], data=frame_data(i), traces=[0, 1], layout=frame_layout(i))
        for i in range(n_out)
    ]
    bars, strip = frame_data(0, full=True)
    fig.add_trace(bars, row=1, col=1)
    fig.add_trace(strip, row=2, col=1)
    fig.update_layout(
        **_play_controls(names, out_labels, 0, -0.1),
        title={"text": title},
        height=580,
        margin={"l": 10, "r": 10, "t": 100, "b": 110},
        font=FONT,
        showlegend=False,
    )
    fig.layout.annotations = frame_layout(0)["annotations"]
    fig.update_xaxes(
        tickvals=list(range(n_src)),
        ticktext=src_labels,
        tickangle=-45 if n_src > 8 else 0,
        row=1,
        col=1,
    )
    fig.update_yaxes(range=[0, 1.15], tickformat=".0%", title="attention weight", row=1, col=1)
    fig.update_xaxes(visible=False, range=[-0.7, n_out - 0.3], row=2, col=1)
    fig.update_yaxes(
        tickvals=[0], ticktext=["output so far"], showgrid=False, range=[-1.2, 1.2], row=2, col=1
    )
    return fig


def length_curves(
    curves: Mapping[str, Mapping[int, float]],
    title: str = "",
    *,
    y_title: str = "token accuracy",
    mark_length: int | None = None,
    counts: Mapping[int, int] | None = None,
) -> go.Figure:
    """Accuracy against source length, one line per model ({model: {length: accuracy}}); optional marker line."""
    fig = go.Figure()
    for name, curve in curves.items():
        lengths = sorted(curve)
        n = [counts.get(k, 0) if counts else 0 for k in lengths]
        fig.add_scatter(
            x=lengths,
            y=[curve[k] for k in lengths],
            mode="lines+markers",
            name=MODEL_NAMES.get(name, name),
            line={"color": MODEL_COLORS.get(name, MUTED), "width": 3},
            marker={"size": 6},
            customdata=n,
            hovertemplate=(
                f"{MODEL_NAMES.get(name, name)}<br>length %{{x}}: %{{y:.4f}}"
                + ("<br>%{customdata} sentences" if counts else "")
                + "<extra></extra>"
            ),
        )
    if mark_length is not None:
        fig.add_vline(
            x=mark_length,
            line={"color": ACCENT, "dash": "dash", "width": 2},
            annotation_text="your sentence",
            annotation_position="top",
        )
    fig.update_layout(
        title={"text": title},
        height=400,
        margin={"l": 10, "r": 10, "t": 60 if title else 30, "b": 10},
        font=FONT,
        legend={"orientation": "h", "y": -0.25, "x": 0},
    )
    fig.update_xaxes(title="source sentence length (tokens)", range=[2, 41], dtick=5)
    fig.update_yaxes(title=y_title, range=[0, 1.04], tickformat=".0%")
    return fig


def survival_heatmap(survival: object, bucket_labels: Sequence[str], title: str = "") -> go.Figure:
    """How often the word at each source position comes out right, per sentence-length bucket (nan = none)."""
    matrix = as_array(survival)
    positions = [str(j + 1) for j in range(matrix.shape[1])]
    fig = heatmap(
        matrix,
        bucket_labels,
        positions,
        title,
        x_title="source position",
        y_title="sentence length",
        zmin=0.0,
        zmax=1.0,
        value_name="translated right",
        decimals=2,
        height=380,
    )
    fig.update_xaxes(tickangle=0, tickvals=list(range(0, matrix.shape[1], 5)), ticktext=positions[::5])
    return fig
