"""Simplified self-attention — scores, normalisation, softmax, context vectors (no weights)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch

from attention_core.book import SIMPLIFIED_ALL, SIMPLIFIED_CONTEXT, SIMPLIFIED_WEIGHTS
from attention_core.embeddings import BOOK_TOKENS, MAX_DIM, MIN_DIM
from attention_core.figures.common import heatmap, plot_label, weight_bars
from attention_core.figures.simplified import (
    context_vector_3d,
    normalisation_comparison,
    overflow_figure,
    overflow_table,
)
from attention_core.text import escape_markdown
from attention_core.views.simplified import (
    AllTokensView,
    OverflowView,
    QueryView,
    all_tokens_view,
    overflow_view,
    query_view,
)
from ui.book_presets import book_button, book_note
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.layout import matrix_table, settings_container, token_names, vector_text
from ui.lesson import Lesson, figure_tabs
from ui.present import is_presenting
from ui.sentence import current_tokens
from ui.slides import fit
from ui.vectors import vector_source_ui
from ui.widgets import url_selectbox, url_slider, url_token_select

# URL / widget keys (links, the lesson plan and tests rely on them; this page predates the prefix rule)
QUERY_KEY, DIM_KEY, DEMO_KEY = "q", "dim", "demo"
OVERFLOW_NOTE_KEY = "sa_overflow_note"  # the computed sentence under the overflow demo
BOOK_QUERY_KEY = "sa_book_query"  # one-click book settings: the book's sentence, vectors and query "journey"
BOOK_WEIGHTS_NOTE_KEY, BOOK_CONTEXT_NOTE_KEY, BOOK_ALL_NOTE_KEY = "sa_book_w", "sa_book_ctx", "sa_book_all"
# chart keys
NORM_FIG, OVERFLOW_FIG, WEIGHTS_FIG, CONTEXT_3D = "norm_fig", "overflow_fig", "weights_fig", "context_3d"
SCORES_FIG, WEIGHTS_MATRIX_FIG, CONTEXT_FIG = "scores_fig", "weights_matrix_fig", "context_fig"
NORM_TABS_KEY, EVERY_TABS_KEY = "sa_norm_tabs", "sa_every_tabs"  # presentation mode: a step's figures in tabs

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


class _Shown(NamedTuple):
    """What the steps show beyond the query's view."""

    tokens: list[str]
    names: list[str]  # position names ('2 · journey')
    inputs: torch.Tensor  # (T, dim), the word vectors
    source: str  # "book" or "model"
    explanation: str  # where the vectors come from (Markdown)
    dim: int


@shared_cache(max_entries=32)
def _all_tokens(
    tokens: tuple[str, ...], dim: int, source: str, _inputs: torch.Tensor
) -> tuple[AllTokensView, dict[str, go.Figure]]:
    """Step 6's matrices for every token (they do not depend on the query) and their heatmaps.

    Cached per (tokens, dimension, vector source), which determine `_inputs`; the view is read-only.
    """
    view = all_tokens_view(_inputs)
    dims = [f"dim {d + 1}" for d in range(dim)]
    figs = {
        SCORES_FIG: heatmap(
            view.attn_scores, tokens, tokens, "Attention scores  inputs @ inputs.T", value_name="score"
        ),
        WEIGHTS_MATRIX_FIG: heatmap(
            view.attn_weights, tokens, tokens, "Attention weights (softmax of each row)", zmin=0.0
        ),
        CONTEXT_FIG: heatmap(
            view.context_vecs,
            tokens,
            dims,
            "All context vectors  attn_weights @ inputs",
            x_title="dimension",
            y_title="token",
            value_name="value",
        ),
    }
    return view, figs


@shared_cache(max_entries=96)
def _query_figure(
    name: str, tokens: tuple[str, ...], dim: int, source: str, query_idx: int, _inputs: torch.Tensor
) -> go.Figure:
    """One of the query's figures (steps 3-5), cached per (figure, tokens, dimension, vector source, query), which
    determine `_inputs`: students on the same sentence share it, and a rerun that changes something else (the
    step, the overflow demo) does not build it again."""
    view = query_view(_inputs, query_idx)
    if name == NORM_FIG:
        return normalisation_comparison(
            view.attn_scores,
            view.by_sum,
            view.attn_weights,
            list(tokens),
            title="Weights: divide by sum vs softmax",
        )
    if name == WEIGHTS_FIG:
        query_name = token_names(list(tokens))[query_idx]
        return weight_bars(
            view.attn_weights,
            list(tokens),
            title=f"How much {plot_label(query_name)} attends to each token",
            highlight=query_idx,
        )
    if name == CONTEXT_3D:
        return context_vector_3d(_inputs, list(tokens), query_idx, view.attn_weights, view.context_vec)
    raise ValueError(f"no query figure {name!r}")


@shared_cache(max_entries=len(OVERFLOW_PRESETS))
def _overflow_figure(preset: str) -> tuple[OverflowView, dict[str, np.ndarray], go.Figure]:
    """The overflow demo for one preset: its view, the arrays it shows and its figure (the same for everyone)."""
    demo = overflow_view(OVERFLOW_PRESETS[preset])
    arrays = {
        "scores": demo.scores,
        "exp_naive": demo.exp_naive,
        "softmax_naive": demo.softmax_naive,
        "exp_shifted": np.exp(demo.scores - demo.scores.max()),
        "softmax_stable": demo.softmax_stable,
    }
    return demo, arrays, overflow_figure(arrays, title="Naive vs stable softmax")


def _query_fig(name: str, view: QueryView, shown: _Shown) -> go.Figure:
    """The query's figure `name` from the shared cache."""
    return _query_figure(name, tuple(shown.tokens), shown.dim, shown.source, view.query_idx, shown.inputs)


def _vectors_ui(view: QueryView, shown: _Shown) -> None:
    """Step 1: tokens become vectors."""
    names = shown.names
    inputs = shown.inputs
    dims = [f"dim {d + 1}" for d in range(shown.dim)]
    st.markdown(shown.explanation)
    matrix_table(inputs, names, dims, decimals=2)


def _scores_ui(view: QueryView, shown: _Shown) -> None:
    """Step 2: attention scores for one query."""
    query_name = shown.names[view.query_idx]
    st.markdown(
        f"Query: **{escape_markdown(query_name)}**. The score of token *i* is the "
        r"dot product of the query with it, $\omega_{i} = x^{(q)} \cdot x^{(i)}$: the more two vectors point "
        "the same way, the larger it is."
    )
    c1, c2 = st.columns(2)
    c1.markdown("**Python loop** over tokens")
    c1.code(vector_text(view.attn_scores_loop), language=None, wrap_lines=True)
    c2.markdown("**Matrix product** `inputs @ query`")
    c2.code(vector_text(view.attn_scores), language=None, wrap_lines=True)
    st.success(
        f"Both give the same scores (largest difference {view.loop_gap:.1e}).",
        icon=":material/check_circle:",
    )


def _normalisation_ui(view: QueryView, shown: _Shown) -> None:
    """Step 3: from scores to weights."""
    names = shown.names
    st.markdown(
        "Weights should be positive and add up to 1. Dividing by the sum does that for these scores, but "
        "breaks as soon as a score is negative. **Softmax** exponentiates first, so every weight is positive "
        "and large scores stand out more."
    )
    norm_tab, overflow_tab = figure_tabs(["Normalising", "Why subtract the maximum?"], NORM_TABS_KEY)
    show_figure(_query_fig(NORM_FIG, view, shown), NORM_FIG, container=norm_tab)
    matrix_table(
        np.stack([view.attn_scores, view.by_sum, view.softmax_naive, view.attn_weights, view.torch_softmax]),
        ["scores", "divide by sum", "naive softmax", "softmax, max subtracted", "torch.softmax"],
        names,
    )
    sum_by_sum, sum_naive, sum_stable = view.sums
    st.caption(
        f"Sums: divide by sum {sum_by_sum:.4f} · naive softmax {sum_naive:.4f} · "
        f"stable softmax {sum_stable:.4f}. Stable vs torch.softmax: largest difference "
        f"{view.softmax_gap:.1e}."
    )
    with (overflow_tab or st).container(border=True):  # presenting: its own tab beside the figure
        st.markdown("**Why subtract the maximum?** `exp(400)` is too large for a 32-bit float.")
        preset = url_selectbox("Extreme scores", list(OVERFLOW_PRESETS), DEMO_KEY, "1, 2, 3, 400")
        demo, arrays, overflow_fig = _overflow_figure(preset)
        d1, d2 = st.columns([1, 1])
        # presenting: under the tab bar, the selector and the box's title (ui.slides.fit keeps it on screen)
        show_figure(fit(overflow_fig, is_presenting(), max_height=310), OVERFLOW_FIG, container=d1)
        d2.dataframe(pd.DataFrame(overflow_table(arrays)), width="stretch")
        with d2.container(key=OVERFLOW_NOTE_KEY):
            st.caption(overflow_sentence(demo))


def _listed(values: np.ndarray, positions: tuple[int, ...]) -> str:
    return ", ".join(dict.fromkeys(f"{values[i]:g}" for i in positions))  # each score once: exp(-1000)


def overflow_sentence(demo: OverflowView) -> str:
    """What naive and stable softmax do to the shown scores, computed from them."""
    if demo.overflows:
        naive = f"Naive: exp({_listed(demo.scores, demo.overflowed)}) overflows to inf in a 32-bit float" + (
            ", and inf / inf is nan." if demo.naive_is_nan else "."
        )
    else:
        naive = "Naive: no exponent overflows for these scores, so both give the same weights"
        if demo.underflowed:
            naive += (
                f" (exp({_listed(demo.scores, demo.underflowed)}) underflows to 0, which is harmless here)"
            )
        naive += "."
    return (
        f"{naive} Stable: subtracting the largest score first leaves every exponent ≤ 0, so nothing can "
        "overflow, and the result is mathematically the same."
    )


def _weights_ui(view: QueryView, shown: _Shown) -> None:
    """Step 4: the weights."""
    show_figure(_query_fig(WEIGHTS_FIG, view, shown), WEIGHTS_FIG)
    if view.query_idx == 1:  # the book prints the weights of its query "journey" (x^2)
        book_note(BOOK_WEIGHTS_NOTE_KEY, [(SIMPLIFIED_WEIGHTS, view.attn_weights[None, :])], "These weights")


def _context_ui(view: QueryView, shown: _Shown) -> None:
    """Step 5: the context vector."""
    names = shown.names
    dim = shown.dim
    dims = [f"dim {d + 1}" for d in range(shown.dim)]
    query_idx = view.query_idx
    st.markdown(
        "The context vector is the weighted sum of **all** inputs, "
        r"$z^{(q)} = \sum_i \alpha_{i}\, x^{(i)}$. Below, each input is scaled by its weight and the pieces "
        "are added tip to tail; the path ends exactly at the context vector."
    )
    st.markdown("Context vector for the query:")
    st.code(vector_text(view.context_vec), language=None)
    if query_idx == 1:
        book_note(
            BOOK_CONTEXT_NOTE_KEY, [(SIMPLIFIED_CONTEXT, view.context_vec[None, :])], "This context vector"
        )
    if dim == 3:
        show_figure(_query_fig(CONTEXT_3D, view, shown), CONTEXT_3D)
    else:
        st.info(
            "The 3-D drawing needs 3 dimensions; set the embedding dimension to 3 to see it.",
            icon=":material/view_in_ar:",
        )
    matrix_table(
        np.concatenate([view.weighted_terms, view.context_vec[None, :]]),
        [*(f"α × {n}" for n in names), "sum = context vector"],
        dims,
    )


def _every_token_ui(view: QueryView, shown: _Shown) -> None:
    """Step 6: every token at once."""
    tokens = shown.tokens
    inputs = shown.inputs
    dim = shown.dim
    st.markdown(
        "Doing this for every query is two matrix products: scores `inputs @ inputs.T`, softmax along each "
        "row, then `attn_weights @ inputs`. Row *i* of each matrix is the step-by-step result for token *i*."
    )
    every, figs = _all_tokens(tuple(tokens), dim, shown.source, inputs)
    h1, h2, h3 = figure_tabs(
        ["Scores", "Weights", "Context vectors"], EVERY_TABS_KEY, lambda: [*st.columns(2), None]
    )
    show_figure(figs[SCORES_FIG], SCORES_FIG, container=h1)
    show_figure(figs[WEIGHTS_MATRIX_FIG], WEIGHTS_MATRIX_FIG, container=h2)
    low, high = every.row_sum_range
    st.caption(
        f"Nested loops give the same score matrix (largest difference {every.loop_gap:.1e}); every row of the "
        f"weights sums to 1 (row sums {low:.4f}–{high:.4f})."
    )
    show_figure(figs[CONTEXT_FIG], CONTEXT_FIG, container=h3)
    book_note(BOOK_ALL_NOTE_KEY, [(SIMPLIFIED_ALL, every.context_vecs)], "These context vectors")


STEP_UIS = (
    _vectors_ui,
    _scores_ui,
    _normalisation_ui,
    _weights_ui,
    _context_ui,
    _every_token_ui,
)  # one function per entry of STEPS


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
            QUERY_KEY,
            1,
            help="The token whose context vector we build step by step.",
        )
    with controls[1], settings_container(lesson.presenting):
        dim = url_slider(
            "Embedding dimension",
            MIN_DIM,
            MAX_DIM,
            DIM_KEY,
            3,
            help="The book uses 3 so vectors can be drawn; any other size works the same way.",
        )
        vectors = vector_source_ui(tokens, dim)
        book_button(
            BOOK_QUERY_KEY,
            SIMPLIFIED_CONTEXT,
            {DIM_KEY: 3, QUERY_KEY: f"2 · {BOOK_TOKENS[1]}"},
            "Book: query “journey” (3.3)",
        )
    lesson.nav_ui()

    view = query_view(vectors.vectors, query_idx)
    shown = _Shown(tokens, names, vectors.vectors, vectors.source, vectors.explanation, dim)

    for number, step_ui in enumerate(STEP_UIS, start=1):
        if lesson.show(number):
            lesson.header(number)
            step_ui(view, shown)


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    simplified_ui()
