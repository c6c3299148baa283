"""Figures for the translation pages: the encoder reading, alignments, decoder focus, accuracy by length, the
models drawn with their sizes, and one decoding step worked through.

One number format for both pages: values (weights, scores, states) with `DECIMALS` places in cells and text,
`HOVER_DECIMALS` on hover; shares (accuracies) as percentages with `SHARE_DECIMALS` places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
    play_controls,
    plot_label,
)
from attention_core.translation.analysis import Architecture, Block, WorkedStep

MODEL_COLORS = {"bottleneck": "#E69F00", "attention": "#0072B2"}  # Okabe-Ito orange / blue
MODEL_NAMES = {"bottleneck": "RNN encoder–decoder (final state only)", "attention": "with Bahdanau attention"}
READ_COLOR = "#3e4989"
UNREAD_COLOR = "#cbd5e1"
CURTAIN_COLOR = "rgba(203, 213, 225, 0.97)"  # covers what the encoder has not read yet
FRAME_MS = 650
DECIMALS = 3  # weights, scores and states written in cells, labels and sentences
HOVER_DECIMALS = 6  # the same numbers on hover
SHARE_DECIMALS = 1  # accuracies and other shares, as percentages
ENCODER_COLOR, DECODER_COLOR = "#0072B2", "#E69F00"


def fmt_value(x: float) -> str:
    """A weight, score or state value as the translation pages write it."""
    return f"{x:.{DECIMALS}f}"


def fmt_share(x: float) -> str:
    """An accuracy or other share as the translation pages write it (a percentage)."""
    return f"{100 * x:.{SHARE_DECIMALS}f}%"


def _play_controls(frame_names: Sequence[str], labels: Sequence[str], active: int, y: float) -> dict:
    """Play/pause buttons and a slider over `frame_names` (one step per frame), side by side at height `y`."""
    return play_controls(frame_names, labels, active, y, FRAME_MS, False, {"visible": False})


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
        # the lower panel's x axis is named in its title: an axis title there would sit under the Play controls
        subplot_titles=(
            "",
            f"The hidden state after the current token, hidden unit 1–{hidden} from left to right",
        ),
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
            hovertemplate=f"after reading %{{customdata}}<br>unit %{{y}}: %{{z:.{HOVER_DECIMALS}f}}<extra></extra>",
            colorbar={"thickness": 12, "len": 0.55, "y": 0.75, "title": {"text": "value", "side": "right"}},
        )
        bar |= {"x": units, "hovertemplate": f"unit %{{x}}: %{{y:.{HOVER_DECIMALS}f}}<extra></extra>"}
        return [heat, go.Bar(**bar)]

    def frame_layout(t: int) -> dict:
        """Shapes and notes after token t. Every frame has the same shapes and annotations, in the same order:
        Plotly merges a frame into the figure element by element, so a shape missing from the last frame would
        stay from the frame before (the curtain would cover c when Play ends)."""
        final = t == n_tokens - 1
        box = {  # the column just read; on the last frame, c
            "type": "rect",
            "xref": "x",
            "yref": "y",
            "x0": t - 0.5,
            "x1": t + 0.5,
            "y0": 0.5,
            "y1": hidden + 0.5,
            "line": {"color": ACCENT, "width": 5 if final else 2},
            "fillcolor": "rgba(0, 0, 0, 0)",
            "layer": "above",
        }
        curtain = {  # hides the columns of tokens not read yet; nothing is left to hide after the last one
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
            "visible": not final,
        }
        note = (
            f"Final state c (after “{labels[t]}”): the only thing the decoder receives"
            if final
            else f"Reading token {t + 1} of {n_tokens}: “{labels[t]}”"
        )
        c_label = {  # names the final column c once the encoder has read it
            "text": "<b>c</b>",
            "xref": "x",
            "yref": "y",
            "x": n_tokens - 1,
            "y": 0.5,
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"size": 18, "color": ACCENT},
            "visible": final,
        }
        return {
            "shapes": [box, curtain],
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
                    "font": {"size": 16, "color": ACCENT if final else MUTED},  # set in every frame
                },
                c_label,
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
    fig.update_yaxes(range=[-1.05, 1.05], title="value", row=2, col=1)
    return fig


def cell_outlines(cells: Sequence[tuple[int, int]], inset: float = 0.06) -> tuple[list, list]:
    """x, y of closed paths around heatmap cells (column, row), just inside the cell border, None-separated.

    Drawn as lines at the edges, the outline never covers the number written in the middle of the cell.
    """
    xs: list[float | None] = []
    ys: list[float | None] = []
    lo, hi = -0.5 + inset, 0.5 - inset
    for col, row in cells:
        xs += [col + lo, col + hi, col + hi, col + lo, col + lo, None]
        ys += [row + lo, row + lo, row + hi, row + hi, row + lo, None]
    return xs, ys


def alignment_heatmap(
    attn_weights: object,
    target_tokens: Sequence[str],
    source_tokens: Sequence[str],
    rule_alignment: Sequence[int] | None = None,
    title: str = "",
) -> go.Figure:
    """Attention weights, output tokens (rows) × source tokens (columns), exact on hover.

    `rule_alignment[i]` (optional) is the source word the grammar renders as output token i; those cells get an
    outline along their border, so the model's focus can be compared with the rule and the numbers stay readable.
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
        decimals=DECIMALS,
        height=max(360, min(1100, 130 + 24 * len(target_tokens))),
    )
    trace = fig.data[0]
    trace.hovertemplate = trace.hovertemplate.replace(
        f"%{{z:.{DECIMALS + 2}f}}", f"%{{z:.{HOVER_DECIMALS}f}}"
    )
    if rule_alignment is not None:
        rows = [i for i, j in enumerate(rule_alignment) if i < weights.shape[0] and 0 <= j < weights.shape[1]]
        xs, ys = cell_outlines([(rule_alignment[i], i) for i in rows])
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": ACCENT, "width": 3},
            name="word the rules translate here",
            hoverinfo="skip",  # the weight underneath keeps its exact hover
        )
        # the legend in the figure's foot, under the axis title: at the top it ran into a long (or enlarged) title
        fig.update_layout(
            showlegend=True,
            legend={
                "orientation": "h",
                "yref": "container",
                "y": 0.0,
                "yanchor": "bottom",
                "x": 1,
                "xanchor": "right",
            },
            margin={"b": int(fig.layout.margin.b or 0) + 34},
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
            "text": [fmt_value(v) if v >= 0.05 else "" for v in w],
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
                "hovertemplate": f"%{{customdata}}<br>attention weight: %{{y:.{HOVER_DECIMALS}f}}<extra></extra>",
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
            f"“{src_labels[top]}” (weight {fmt_value(weights[i, top])})"
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
    fig.update_yaxes(range=[0, 1.15], title="attention weight", row=1, col=1)
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
                f"{MODEL_NAMES.get(name, name)}<br>length %{{x}}: %{{y:.{SHARE_DECIMALS}%}}"
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
        decimals=DECIMALS,
        height=380,
    )
    trace = fig.data[0]
    trace.hovertemplate = trace.hovertemplate.replace(
        f"%{{z:.{DECIMALS + 2}f}}", f"%{{z:.{SHARE_DECIMALS}%}}"
    )
    trace.texttemplate = None  # 40 positions: no numbers in the cells, hover for each
    fig.update_xaxes(tickangle=0, tickvals=list(range(0, matrix.shape[1], 5)), ticktext=positions[::5])
    return fig


# ---------------------------------------------------------------------------------------------------------
# The translators drawn with their real sizes


def architecture_diagram(arch: Architecture, title: str = "") -> go.Figure:
    """An encoder–decoder as boxes and arrows, every size read from the trained model (`arch`).

    Box heights grow with the number of values each part holds (square-root scale); hover a box for its
    parameters. The bottleneck model has one arrow, c, between encoder and decoder; the attention model keeps
    every h_j and an attention layer that the decoder state queries at each step.
    """
    attention = arch.kind == "attention"
    encoder_size = (
        f"{arch.encoder_hidden} → + {arch.encoder_hidden} ←"
        if arch.bidirectional
        else f"{arch.encoder_hidden}"
    )
    nodes: list[tuple[str, int, str, str]] = [  # (name, number of values, size text, side)
        ("English tokens", arch.src_vocab, f"{arch.src_vocab} known", "encoder"),
        ("Embedding", arch.emb_dim, f"{arch.emb_dim} per word", "encoder"),
        ("Encoder GRU" + (" ↔" if arch.bidirectional else ""), arch.annotation_dim, encoder_size, "encoder"),
    ]
    if attention:
        nodes += [
            ("h₁ … h_T", arch.annotation_dim, f"T × {arch.annotation_dim}", "encoder"),
            ("Attention", arch.attn_dim or 0, f"layer of {arch.attn_dim}", "bridge"),
        ]
    else:
        nodes.append(("c", arch.encoder_hidden, f"{arch.encoder_hidden}, once", "bridge"))
    nodes += [
        ("Decoder GRU", arch.decoder_hidden, f"s: {arch.decoder_hidden}", "decoder"),
        ("Readout", arch.tgt_vocab, f"→ {arch.tgt_vocab} French", "decoder"),
    ]
    blocks = {b.name.split(" (")[0]: b for b in arch.blocks}
    hover_for = {
        "English tokens": f"{arch.src_vocab} English tokens the model knows (4 of them are <pad>, <bos>, <eos>, <unk>)",
        "Embedding": blocks["Embedding"],
        "Encoder GRU": blocks["Encoder GRU"],
        "c": blocks.get("Final state c"),
        "h₁ … h_T": "one annotation h_j per source token: [forward state ; backward state]",
        "Attention": blocks.get("Additive attention"),
        "Decoder GRU": blocks["Decoder GRU"],
        "Readout": blocks["Readout"],
    }
    biggest = max(size for _, size, _, _ in nodes)
    colors = {"encoder": ENCODER_COLOR, "bridge": ACCENT, "decoder": DECODER_COLOR}
    fig = go.Figure()
    step = 1.9
    xs = [1.0 + step * k for k in range(len(nodes))]
    width, top_label, bottom_label = 1.25, 3.35, 0.55
    shapes, annotations = [], []
    hover_x, hover_y, hover_text = [], [], []
    for x, (name, size, size_text, side) in zip(xs, nodes, strict=True):
        h = 0.35 + 2.1 * float(np.sqrt(size / biggest))
        shapes.append(
            {
                "type": "rect",
                "x0": x - width / 2,
                "x1": x + width / 2,
                "y0": 2 - h / 2,
                "y1": 2 + h / 2,
                "line": {"color": colors[side], "width": 3},
                "fillcolor": colors[side],
                "opacity": 0.22 if side != "bridge" else 0.35,
                "layer": "below",
            }
        )
        annotations.append(
            {"x": x, "y": top_label, "text": f"<b>{name}</b>", "showarrow": False, "font": {"size": 15}}
        )
        annotations.append(
            {"x": x, "y": bottom_label, "text": size_text, "showarrow": False, "font": {"size": 14}}
        )
        info = hover_for.get(name.replace(" ↔", ""))
        if isinstance(info, Block):
            info = f"{info.detail}<br>{info.parameters:,} learned numbers"
        hover_x.append(x)
        hover_y.append(2)
        hover_text.append(f"<b>{name}</b><br>{info or size_text}")
    for k in range(len(nodes) - 1):
        strong = nodes[k][0] == "c"
        annotations.append(
            {
                "x": xs[k + 1] - width / 2 - 0.02,
                "y": 2,
                "ax": xs[k] + width / 2 + 0.02,
                "ay": 2,
                "xref": "x",
                "yref": "y",
                "axref": "x",
                "ayref": "y",
                "text": "",
                "showarrow": True,
                "arrowhead": 3,
                "arrowsize": 1.2,
                "arrowwidth": 5 if strong else 2,
                "arrowcolor": ACCENT if strong else MUTED,
            }
        )
    names = [n for n, _, _, _ in nodes]
    if attention:  # the decoder state asks the attention layer, at every output step
        att, dec = xs[names.index("Attention")], xs[names.index("Decoder GRU")]
        annotations.append(
            {
                "x": att,
                "y": 0.95,
                "ax": dec,
                "ay": 0.95,
                "xref": "x",
                "yref": "y",
                "axref": "x",
                "ayref": "y",
                "text": "",
                "showarrow": True,
                "arrowhead": 3,
                "arrowwidth": 2,
                "arrowcolor": DECODER_COLOR,
            }
        )
        annotations.append(
            {
                "x": (att + dec) / 2,
                "y": 0.95,
                "text": "s asks, every step",
                "showarrow": False,
                "yshift": -14,
                "font": {
                    "size": 13
                },  # theme text colour: Okabe orange is 2.3:1 on white (the arrow keeps it)
            }
        )
    else:
        c, dec = xs[names.index("c")], xs[names.index("Decoder GRU")]
        annotations.append(
            {
                "x": (c + dec) / 2,
                "y": 2,
                "text": "the only link",
                "showarrow": False,
                "yshift": -24,
                "font": {"size": 13, "color": ACCENT},
            }
        )
    fig.add_scatter(
        x=hover_x,
        y=hover_y,
        mode="markers",
        marker={"size": 40, "opacity": 0},
        hovertext=hover_text,
        hoverinfo="text",
        showlegend=False,
    )
    fig.update_layout(
        title={"text": title},
        shapes=shapes,
        annotations=annotations,
        height=360,
        margin={"l": 10, "r": 10, "t": 50 if title else 10, "b": 10},
        font=FONT,
        showlegend=False,
    )
    fig.update_xaxes(visible=False, range=[0, xs[-1] + 1.0], fixedrange=True)
    fig.update_yaxes(visible=False, range=[0.2, 3.6], fixedrange=True)
    return fig


# ---------------------------------------------------------------------------------------------------------
# One decoding step, worked through with numbers


def worked_step_figure(step: WorkedStep, title: str = "") -> go.Figure:
    """e_j = vᵀ tanh(W s + U h_j + b), α = softmax(e) and c = Σ α_j h_j for one output word, every number hoverable.

    Rows are the source words. Left: tanh(W s + U h_j + b) per attention unit (W s and v underneath); then the
    scores e_j and the weights α_j (written in the cells); right: α_j h_j per annotation unit, and c underneath.
    """
    n_src, n_attn = step.hidden.shape
    n_ctx = step.weighted.shape[1]
    rows = [f"{j + 1} · {plot_label(w)}" for j, w in enumerate(step.source)]
    fig = make_subplots(
        rows=2,
        cols=4,
        column_widths=[0.36, 0.09, 0.09, 0.46],
        row_heights=[0.82, 0.18],
        horizontal_spacing=0.03,
        vertical_spacing=0.08,
        shared_yaxes=False,
        subplot_titles=(
            "tanh(W s + U h<sub>j</sub> + b)",
            "e<sub>j</sub>",
            "α<sub>j</sub>",
            "α<sub>j</sub> h<sub>j</sub>",
            "W s  and  v",
            "",
            "",
            "c = Σ<sub>j</sub> α<sub>j</sub> h<sub>j</sub>",
        ),
    )
    hd = HOVER_DECIMALS
    ws_grid = np.broadcast_to(step.query_proj[None, :], (n_src, n_attn))
    fig.add_heatmap(
        z=step.hidden,
        x=list(range(1, n_attn + 1)),
        y=rows,
        zmin=-1,
        zmax=1,
        colorscale=DIVERGING,
        customdata=np.stack([ws_grid, step.key_proj, ws_grid + step.key_proj], axis=-1),
        hovertemplate=(
            f"%{{y}}, unit %{{x}}<br>W s = %{{customdata[0]:.{hd}f}}<br>U h<sub>j</sub> + b = "
            f"%{{customdata[1]:.{hd}f}}<br>sum = %{{customdata[2]:.{hd}f}}<br>tanh = %{{z:.{hd}f}}<extra></extra>"
        ),
        showscale=False,
        row=1,
        col=1,
    )
    v_grid = np.broadcast_to(step.v[None, :], (n_src, n_attn))
    contributions = step.hidden * v_grid  # (T, A): v_k tanh(...)_k, which add up to e_j
    top_unit = np.argmax(np.abs(contributions), axis=1)
    fig.add_heatmap(
        z=step.scores[:, None],
        x=["e"],
        y=rows,
        colorscale=COLORSCALE,
        text=[[fmt_value(e)] for e in step.scores],
        texttemplate="%{text}",
        textfont={"size": 14},
        customdata=np.stack([top_unit + 1, contributions[np.arange(n_src), top_unit]], axis=-1)[:, None, :],
        hovertemplate=(
            f"%{{y}}<br>e<sub>j</sub> = vᵀ tanh(W s + U h<sub>j</sub> + b) = %{{z:.{hd}f}}<br>"
            f"(a sum of {n_attn} terms v<sub>k</sub> tanh(…)<sub>k</sub>; the largest, unit %{{customdata[0]}}: "
            f"%{{customdata[1]:.{hd}f}})<extra></extra>"
        ),
        showscale=False,
        xgap=1,
        ygap=1,
        row=1,
        col=2,
    )
    total = float(step.exp_scores.sum())
    fig.add_heatmap(
        z=step.weights[:, None],
        x=["α"],
        y=rows,
        zmin=0,
        zmax=1,
        colorscale=COLORSCALE,
        text=[[fmt_value(a)] for a in step.weights],
        texttemplate="%{text}",
        textfont={"size": 14},
        customdata=step.exp_scores[:, None],
        hovertemplate=(
            f"%{{y}}<br>α<sub>j</sub> = exp(e<sub>j</sub> − max e) / Σ exp(e − max e)<br>"
            f"= %{{customdata:.{hd}f}} / {total:.{hd}f} = %{{z:.{hd}f}}<extra></extra>"
        ),
        showscale=False,
        xgap=1,
        ygap=1,
        row=1,
        col=3,
    )
    weights_grid = np.broadcast_to(step.weights[:, None], (n_src, n_ctx))
    span = float(max(np.abs(step.weighted).max(), np.abs(step.context).max(), 1e-9))
    fig.add_heatmap(
        z=step.weighted,
        x=list(range(1, n_ctx + 1)),
        y=rows,
        zmin=-span,
        zmax=span,
        colorscale=DIVERGING,
        customdata=np.stack([weights_grid, step.annotations], axis=-1),
        hovertemplate=(
            f"%{{y}}, unit %{{x}}<br>α<sub>j</sub> × h<sub>j</sub> = %{{customdata[0]:.{hd}f}} × "
            f"%{{customdata[1]:.{hd}f}} = %{{z:.{hd}f}}<extra></extra>"
        ),
        showscale=False,
        row=1,
        col=4,
    )
    fig.add_heatmap(
        z=np.stack([step.query_proj, step.v]),
        x=list(range(1, n_attn + 1)),
        y=["W s", "v"],
        colorscale=DIVERGING,
        zmid=0,
        hovertemplate=f"%{{y}}, unit %{{x}}: %{{z:.{hd}f}}<extra></extra>",
        showscale=False,
        row=2,
        col=1,
    )
    fig.add_heatmap(
        z=step.context[None, :],
        x=list(range(1, n_ctx + 1)),
        y=["c"],
        zmin=-span,
        zmax=span,
        colorscale=DIVERGING,
        hovertemplate=(
            f"c, unit %{{x}} = Σ<sub>j</sub> α<sub>j</sub> h<sub>j</sub> = %{{z:.{hd}f}}<extra></extra>"
        ),
        showscale=False,
        row=2,
        col=4,
    )
    for col in (1, 2, 3, 4):
        fig.update_yaxes(autorange="reversed", row=1, col=col)
        if col > 1:
            fig.update_yaxes(showticklabels=False, ticks="", row=1, col=col)
    for col in (2, 3):
        fig.update_xaxes(visible=False, row=2, col=col)
        fig.update_yaxes(visible=False, row=2, col=col)
        fig.update_xaxes(showticklabels=False, row=1, col=col)
    for col in (1, 4):  # units are numbered once, under the strips
        fig.update_xaxes(showticklabels=False, ticks="", row=1, col=col)
    fig.update_yaxes(autorange="reversed", row=2, col=1)  # W s above v
    fig.update_xaxes(title="attention unit k", row=2, col=1)
    fig.update_xaxes(title="annotation unit", row=2, col=4)
    fig.update_yaxes(showticklabels=False, row=2, col=4)
    fig.update_layout(
        title={"text": title},
        height=int(min(1100, 220 + 26 * n_src)),
        margin={"l": 10, "r": 10, "t": 80 if title else 50, "b": 10},
        font=FONT,
        showlegend=False,
    )
    return fig
