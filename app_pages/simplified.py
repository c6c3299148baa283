"""Page 4: simplified self-attention — scores, normalisation, softmax, context vectors (no weights)."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
import torch

from attention_core import simplified as sa
from attention_core.embeddings import MAX_DIM, MIN_DIM
from attention_core.figures.common import heatmap, plot_label, weight_bars
from attention_core.figures.simplified import (
    context_vector_3d,
    normalisation_comparison,
    overflow_figure,
    overflow_table,
)
from attention_core.text import escape_markdown
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.layout import matrix_table, settings_container, token_names, vector_text
from ui.lesson import Lesson
from ui.sentence import current_tokens
from ui.state import url_selectbox, url_slider, url_token_select
from ui.vectors import vector_source_ui

OVERFLOW_PRESETS = {
    "1, 2, 3, 400": [1.0, 2.0, 3.0, 400.0],
    "1, 2, 3, 1000": [1.0, 2.0, 3.0, 1000.0],
    "1000, 1000, 1000": [1000.0, 1000.0, 1000.0],
    "-1000, -1000, 0": [-1000.0, -1000.0, 0.0],
}
STEPS = (
    "Tokens become vectors",
    "Attention scores for one query",
    "From scores to weights",
    "The weights",
    "The context vector",
    "Every token at once",
)


@shared_cache(max_entries=32)
def _all_tokens(
    tokens: tuple[str, ...], dim: int, source: str, _inputs: torch.Tensor
) -> tuple[dict[str, go.Figure], str]:
    """Step 6's matrices for every token (they do not depend on the query): figures and the check caption.

    Cached per (tokens, dimension, vector source), which determine `_inputs`; shared figures are never
    mutated (show_figure resizes a copy in presentation mode).
    """
    attn_scores = sa.attn_scores_matmul(_inputs)  # (T, T)
    context_vecs, attn_weights = sa.simplified_self_attention(_inputs)  # (T, dim), (T, T)
    loop_gap = float((sa.attn_scores_loop(_inputs) - attn_scores).abs().max())
    row_sums = attn_weights.sum(-1)
    dims = [f"dim {d + 1}" for d in range(dim)]
    figs = {
        "scores_fig": heatmap(
            attn_scores, tokens, tokens, "Attention scores  inputs @ inputs.T", value_name="score"
        ),
        "weights_matrix_fig": heatmap(
            attn_weights, tokens, tokens, "Attention weights (softmax of each row)", zmin=0.0
        ),
        "context_fig": heatmap(
            context_vecs,
            tokens,
            dims,
            "All context vectors  attn_weights @ inputs",
            x_title="dimension",
            y_title="token",
            value_name="value",
        ),
    }
    caption = (
        f"Nested loops give the same score matrix (largest difference {loop_gap:.1e}); every row of the "
        f"weights sums to 1 (row sums {float(row_sums.min()):.4f}–{float(row_sums.max()):.4f})."
    )
    return figs, caption


def simplified_ui() -> None:
    """The full step-through of simplified self-attention for the shared sentence."""
    st.title("Simplified self-attention")
    lesson = Lesson(STEPS)
    if not lesson.presenting:
        st.markdown(
            "Before any learned weights: each token compares itself with every token by a **dot product**, "
            "turns those scores into **weights** that sum to 1, and builds a **context vector** as the weighted "
            "sum of all inputs. Every number below is computed live from the sentence in the sidebar."
        )
    tokens = current_tokens().tokens
    names = token_names(tokens)

    controls = st.columns([2, 1])
    with controls[0]:
        query_idx = url_token_select(
            "Query token",
            names,
            "q",
            1,
            help="The token whose context vector we build step by step.",
        )
    with controls[1], settings_container(lesson.presenting):
        dim = url_slider(
            "Embedding dimension",
            MIN_DIM,
            MAX_DIM,
            "dim",
            3,
            help="The book uses 3 so vectors can be drawn; any other size works the same way.",
        )
        vectors = vector_source_ui(tokens, dim)
    lesson.nav_ui()

    inputs = vectors.vectors  # (T, dim)
    dims = [f"dim {d + 1}" for d in range(dim)]
    query_name = names[query_idx]
    scores = sa.attn_scores_for_query(inputs, query_idx)  # (T,)
    stable = sa.softmax_stable(scores)  # (T,)
    context_vec = sa.context_vector(inputs, stable)  # (dim,)

    if lesson.show(1):
        lesson.header(1)
        st.markdown(vectors.explanation)
        matrix_table(inputs, names, dims, decimals=2)

    if lesson.show(2):
        lesson.header(2)
        st.markdown(
            f"Query: **{escape_markdown(query_name)}**. The score of token *i* is the "
            r"dot product of the query with it, $\omega_{i} = x^{(q)} \cdot x^{(i)}$: the more two vectors point "
            "the same way, the larger it is."
        )
        scores_loop = sa.attn_scores_for_query_loop(inputs, query_idx)
        gap = float((scores_loop - scores).abs().max())
        c1, c2 = st.columns(2)
        c1.markdown("**Python loop** over tokens")
        c1.code(vector_text(scores_loop), language=None, wrap_lines=True)
        c2.markdown("**Matrix product** `inputs @ query`")
        c2.code(vector_text(scores), language=None, wrap_lines=True)
        st.success(
            f"Both give the same scores (largest difference {gap:.1e}).", icon=":material/check_circle:"
        )

    if lesson.show(3):
        lesson.header(3)
        by_sum = sa.normalize_by_sum(scores)
        naive = sa.softmax_naive(scores)
        reference = torch.softmax(scores, dim=0)
        st.markdown(
            "Weights should be positive and add up to 1. Dividing by the sum does that for these scores, but "
            "breaks as soon as a score is negative. **Softmax** exponentiates first, so every weight is positive "
            "and large scores stand out more."
        )
        show_figure(
            normalisation_comparison(
                scores, by_sum, stable, tokens, title="Weights: divide by sum vs softmax"
            ),
            "norm_fig",
        )
        matrix_table(
            torch.stack([scores, by_sum, naive, stable, reference]),
            ["scores", "divide by sum", "naive softmax", "softmax, max subtracted", "torch.softmax"],
            names,
        )
        st.caption(
            f"Sums: divide by sum {float(by_sum.sum()):.4f} · naive softmax {float(naive.sum()):.4f} · "
            f"stable softmax {float(stable.sum()):.4f}. Stable vs torch.softmax: largest difference "
            f"{float((stable - reference).abs().max()):.1e}."
        )
        with st.container(border=True):
            st.markdown("**Why subtract the maximum?** `exp(400)` is too large for a 32-bit float.")
            preset = url_selectbox("Extreme scores", list(OVERFLOW_PRESETS), "demo", "1, 2, 3, 400")
            demo = sa.overflow_demo(OVERFLOW_PRESETS[preset])
            d1, d2 = st.columns([1, 1])
            show_figure(overflow_figure(demo, title="Naive vs stable softmax"), "overflow_fig", container=d1)
            d2.dataframe(overflow_table(demo), width="stretch")
            d2.caption(
                "Naive: exp overflows to inf, and inf / inf is nan. Stable: subtracting the largest score first "
                "leaves every exponent ≤ 0, so nothing overflows — and the result is mathematically the same."
            )

    if lesson.show(4):
        lesson.header(4)
        show_figure(
            weight_bars(
                stable,
                tokens,
                title=f"How much {plot_label(query_name)} attends to each token",
                highlight=query_idx,
            ),
            "weights_fig",
        )

    if lesson.show(5):
        lesson.header(5)
        st.markdown(
            "The context vector is the weighted sum of **all** inputs, "
            r"$z^{(q)} = \sum_i \alpha_{i}\, x^{(i)}$. Below, each input is scaled by its weight and the pieces "
            "are added tip to tail; the path ends exactly at the context vector."
        )
        st.markdown("Context vector for the query:")
        st.code(vector_text(context_vec), language=None)
        if dim == 3:
            show_figure(context_vector_3d(inputs, tokens, query_idx, stable, context_vec), "context_3d")
        else:
            st.info(
                "The 3-D drawing needs 3 dimensions; set the embedding dimension to 3 to see it.",
                icon=":material/view_in_ar:",
            )
        terms = sa.weighted_terms(inputs, stable)  # (T, dim)
        matrix_table(
            torch.cat([terms, context_vec[None, :]]),
            [*(f"α × {n}" for n in names), "sum = context vector"],
            dims,
        )

    if lesson.show(6):
        lesson.header(6)
        st.markdown(
            "Doing this for every query is two matrix products: scores `inputs @ inputs.T`, softmax along each "
            "row, then `attn_weights @ inputs`. Row *i* of each matrix is the step-by-step result for token *i*."
        )
        figs, caption = _all_tokens(tuple(tokens), dim, vectors.source, inputs)
        h1, h2 = st.columns(2)
        show_figure(figs["scores_fig"], "scores_fig", container=h1)
        show_figure(figs["weights_matrix_fig"], "weights_matrix_fig", container=h2)
        st.caption(caption)
        show_figure(figs["context_fig"], "context_fig")


simplified_ui()
