"""Page 5: self-attention with trainable weights — W_query, W_key, W_value, Q, K, V, scaling, softmax, context."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
import torch

from attention_core import self_attention as sa
from attention_core.figures.common import DIVERGING
from attention_core.figures.self_attention import heatmap_grid, saturation_figure
from attention_core.text import escape_markdown
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.layout import BOOK_SEEDS, matrix_table, settings_container, token_names, vector_text, weight_sizes_ui
from ui.lesson import Lesson
from ui.sentence import current_tokens
from ui.state import url_selectbox, url_toggle, url_token_select
from ui.vectors import vector_source_ui

CONSTRUCTIONS = {
    "rand": "nn.Parameter(torch.rand(...)) · SelfAttention_v1",
    "linear": "nn.Linear(..., bias=False) · SelfAttention_v2",
}
SEED_KEYS = {"rand": "tw_seed", "linear": "tw_lseed"}
SATURATION_DK = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
STEPS = (
    "Three weight matrices",
    "Queries, keys and values",
    "Scores: each query against every key",
    "Weights: scale, then softmax each row",
    "Context vectors: weights mix the values",
    "Why divide by √d_k?",
    "Two ways to make the weights",
)


@shared_cache(max_entries=64)
def _step_figures(
    tokens: tuple[str, ...],
    source: str,
    construction: str,
    d_in: int,
    d_out: int,
    seed: int,
    scale: bool,
    _inputs: torch.Tensor,
) -> tuple[dict[bool, sa.AttentionSteps], dict[str, go.Figure]]:
    """Every step (with and without scaling) and every heatmap for one setting, built once and then reused.

    `_inputs` follows tokens + source, which are in the cache key. Shared between reruns; never modified.
    """
    inputs = _inputs  # (T, d_in)
    W_query, W_key, W_value = sa.seeded_weights(construction, d_in, d_out, seed)  # type: ignore[arg-type]
    by_scale = {s: sa.attention_steps(inputs, W_query, W_key, W_value, scale=s) for s in (True, False)}
    steps = by_scale[scale]
    toks = list(tokens)
    in_dims = [f"x{i + 1}" for i in range(d_in)]
    out_dims = [f"d{j + 1}" for j in range(d_out)]
    divisor = f"√{d_out} = {d_out**0.5:.4f}" if scale else "1 (scaling off)"
    return by_scale, {
        "weights": heatmap_grid(
            [W_query, W_key, W_value],
            in_dims,
            out_dims,
            ["W_query", "W_key", "W_value"],
            colorscale=DIVERGING,
            value_name="weight",
            x_title="output dimension",
            y_title="input dimension",
            decimals=4,
        ),
        "qkv": heatmap_grid(
            [steps.queries, steps.keys, steps.values],
            toks,
            out_dims,
            ["Q = X · W_query", "K = X · W_key", "V = X · W_value"],
            colorscale=DIVERGING,
            value_name="value",
            x_title="dimension",
            y_title="token",
            decimals=4,
        ),
        "scores": heatmap_grid(
            [steps.attn_scores, steps.scaled_scores],
            toks,
            toks,
            ["Attention scores  Ω = Q · Kᵀ", f"Scaled scores  Ω / {divisor}"],
            colorscale=DIVERGING,
            value_name="score",
            x_title="key (attended to)",
            y_title="query (attending)",
            decimals=4,
            max_cols=2,
        ),
        "attn_weights": heatmap_grid(
            [steps.attn_weights],
            toks,
            toks,
            ["Attention weights  A = softmax of each row"],
            zmin=0.0,
            decimals=4,
            x_title="key (attended to)",
            y_title="query (attending)",
        ),
        "context": heatmap_grid(
            [steps.context_vec],
            toks,
            out_dims,
            ["Context vectors  Z = A · V"],
            decimals=4,
            x_title="dimension",
            y_title="token",
            value_name="value",
            colorscale=DIVERGING,
        ),
    }


@shared_cache(max_entries=4)
def _saturation(num_tokens: int) -> go.Figure:
    """The √d_k demo for rows of `num_tokens` keys (random queries and keys, fixed seed)."""
    curve = sa.softmax_saturation(SATURATION_DK, num_tokens=num_tokens, trials=300, seed=0)
    return saturation_figure(curve, num_tokens)


def _code(construction: str, d_in: int, d_out: int, seed: int) -> str:
    """The notebook lines that build exactly these weights."""
    if construction == "rand":
        make = "\n".join(
            f"W_{name} = torch.nn.Parameter(torch.rand({d_in}, {d_out}), requires_grad=False)"
            for name in ("query", "key", "value")
        )
    else:
        make = "\n".join(
            f"W_{name} = torch.nn.Linear({d_in}, {d_out}, bias=False)" for name in ("query", "key", "value")
        )
    return f"torch.manual_seed({seed})\n# created in this order: query, key, value\n{make}"


def trainable_ui() -> None:
    """Self-attention with trainable weights for the shared sentence, every step shown."""
    st.title("Self-attention with trainable weights")
    lesson = Lesson(STEPS)
    if not lesson.presenting:
        st.markdown(
            "Simplified self-attention compared the raw embeddings with each other. Now every token is first "
            "**projected** three ways by learned matrices: a **query** (what am I looking for?), a **key** (what "
            "do I offer?) and a **value** (what do I pass on?). Scores compare queries with keys; the weights mix "
            "values. Training would tune the three matrices; here they are seeded exactly as in the book."
        )
    tokens = current_tokens().tokens
    names = token_names(tokens)

    c1, c2, c3 = st.columns([5, 3, 2], vertical_alignment="center")
    with c1:
        construction = url_selectbox(
            "How the weights are made",
            list(CONSTRUCTIONS),
            "tw_build",
            "rand",
            format_func=CONSTRUCTIONS.get,
            widget=st.radio,
            horizontal=True,
            help="The book first uses plain random matrices, then nn.Linear layers, which start with better values.",
        )
    with c2:
        query_idx = url_token_select(
            "Query token", names, "tw_q", 1, help="The row printed below as numbers, like the book's query_2."
        )
    with c3:
        scale = url_toggle("Scale by √d_k", "tw_scale", True, help="Divide scores by √d_k before softmax.")
    with settings_container(lesson.presenting):
        seed, d_in, d_out = weight_sizes_ui(
            "tw", construction, SEED_KEYS, "Size of queries, keys and values."
        )
        vectors = vector_source_ui(tokens, d_in)
    lesson.nav_ui()

    inputs = vectors.vectors  # (T, d_in)
    by_scale, figures = _step_figures(
        tuple(tokens), vectors.source, construction, d_in, d_out, seed, scale, inputs
    )
    steps = by_scale[scale]
    q_name = names[query_idx]

    is_book = vectors.source == "book" and d_out == 2 and seed == BOOK_SEEDS[construction] and scale
    if is_book and not lesson.presenting:
        st.success(
            "These are the book's settings: every number below matches the notebook to 4 decimals.",
            icon=":material/menu_book:",
        )

    if lesson.show(1):
        lesson.header(1)
        st.markdown(
            f"Each matrix maps a {d_in}-dimensional embedding to a {d_out}-dimensional vector. They start random; "
            "training would change them. This is the code that makes exactly these numbers:"
        )
        st.code(_code(construction, d_in, d_out, seed), language="python")
        show_figure(figures["weights"], "tw_weights_fig")

    if lesson.show(2):
        lesson.header(2)
        st.latex(r"Q = X\,W_{\text{query}},\qquad K = X\,W_{\text{key}},\qquad V = X\,W_{\text{value}}")
        st.markdown(
            f"Row *i* of Q is token *i*'s query. Every token gets all three, so the sentence becomes three "
            f"{len(tokens)}×{d_out} matrices."
        )
        show_figure(figures["qkv"], "tw_qkv_fig")
        st.markdown(f"Query of {escape_markdown(q_name)} (`query_{query_idx + 1}` in the notebook):")
        st.code(vector_text(steps.queries[query_idx]), language=None)

    if lesson.show(3):
        lesson.header(3)
        st.latex(r"\omega_{ij} = q^{(i)} \cdot k^{(j)}, \qquad \Omega = Q\,K^{\top}")
        st.markdown(
            "Left: the raw dot products. Right: the same scores divided by √d_k, which is what softmax receives "
            "(both on one colour scale, so the shrinking is visible)."
        )
        show_figure(figures["scores"], "tw_scores_fig")
        st.markdown(f"Scores of {escape_markdown(q_name)} (row {query_idx + 1}):")
        st.code(vector_text(steps.attn_scores[query_idx]), language=None)

    if lesson.show(4):
        lesson.header(4)
        if scale:
            st.latex(
                r"A = \operatorname{softmax}\!\left(\frac{Q K^{\top}}{\sqrt{d_k}}\right)"
                + rf",\quad d_k = {d_out}"
            )
        else:
            st.latex(r"A = \operatorname{softmax}\!\left(Q K^{\top}\right)\quad\text{(scaling switched off)}")
            st.warning(
                "Scaling is off: the weights below are sharper than the book's. Switch it back on to match the notebook.",
                icon=":material/warning:",
            )
        show_figure(figures["attn_weights"], "tw_attn_weights_fig")
        st.markdown(
            f"Weights of {escape_markdown(q_name)} (they sum to {float(steps.attn_weights[query_idx].sum()):.4f}):"
        )
        st.code(vector_text(steps.attn_weights[query_idx]), language=None)

    if lesson.show(5):
        lesson.header(5)
        st.latex(r"z^{(i)} = \sum_j \alpha_{ij}\, v^{(j)}, \qquad Z = A\,V")
        show_figure(figures["context"], "tw_context_fig")
        st.markdown(f"Context vector of {escape_markdown(q_name)}:")
        st.code(vector_text(steps.context_vec[query_idx]), language=None)

    if lesson.show(6):
        lesson.header(6)
        st.markdown(
            "If query and key entries have variance 1, a dot product of d_k terms has variance d_k: scores spread "
            "out as vectors get longer. Softmax turns widely spread scores into nearly **one-hot** weights — one "
            "token gets almost everything, the rest almost nothing, and the gradients that training needs vanish. "
            "Dividing by √d_k brings the spread back to about 1, whatever the size. The curves average over random "
            f"queries and {len(tokens)} random keys per row."
        )
        show_figure(_saturation(max(2, len(tokens))), "tw_saturation_fig")
        raw, scaled = by_scale[False].attn_weights, by_scale[True].attn_weights
        st.caption(
            f"On your sentence (d_k = {d_out}): the largest weight per row averages "
            f"{float(scaled.max(-1).values.mean()):.4f} with scaling and {float(raw.max(-1).values.mean()):.4f} without."
        )

    if lesson.show(7):
        lesson.header(7)
        st.markdown(
            "- **`nn.Parameter(torch.rand(d_in, d_out))`** (the book's `SelfAttention_v1`): every entry uniform in "
            "[0, 1), applied as `x @ W_query`.\n"
            "- **`nn.Linear(d_in, d_out, bias=False)`** (`SelfAttention_v2`): stores its weight transposed, as "
            "(d_out, d_in), and starts uniform in ±1/√d_in, centred on zero. That keeps scores small and training "
            "stable. Same maths: with `W_query = linear.weight.T` the two classes give identical results."
        )
        module = sa.build_self_attention(construction, d_in, d_out, seed, scale=scale)  # type: ignore[arg-type]
        with torch.no_grad():
            context_vec, attn_weights = module(inputs)
        gap = float(
            max(
                (context_vec - steps.context_vec).abs().max(), (attn_weights - steps.attn_weights).abs().max()
            )
        )
        cls = "SelfAttention_v1" if construction == "rand" else "SelfAttention_v2"
        st.success(
            f"The module `{cls}` gives the same context vectors and weights as the steps above "
            f"(largest difference {gap:.1e}).",
            icon=":material/check_circle:",
        )
        with st.expander("All context vectors as a table"):
            matrix_table(context_vec, names, [f"d{j + 1}" for j in range(d_out)])


trainable_ui()
