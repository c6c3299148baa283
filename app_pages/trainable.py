"""Trainable weights: self-attention with learned projections — W_query, W_key, W_value, Q, K, V, scaling, softmax, context."""

from __future__ import annotations

from typing import NamedTuple

import plotly.graph_objects as go
import streamlit as st
import torch

from attention_core.book import SELF_ATTENTION_V1, SELF_ATTENTION_V2, Printout
from attention_core.builders import Construction
from attention_core.figures.trainable import TrainableFigures, saturation_figure, trainable_figures
from attention_core.stepwise import softmax_saturation
from attention_core.text import escape_markdown
from attention_core.views.trainable import TrainableView, trainable_view
from ui.book_presets import book_button, book_note
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.layout import matrix_table, settings_container, token_names, vector_text, weight_sizes_ui
from ui.lesson import Lesson
from ui.sentence import current_tokens
from ui.vectors import vector_source_ui
from ui.widgets import url_selectbox, url_toggle, url_token_select

# URL / widget keys (links, the lesson plan and tests rely on them)
BUILD_KEY, QUERY_KEY, SCALE_KEY = "tw_build", "tw_q", "tw_scale"
SEED_KEYS: dict[Construction, str] = {"rand": "tw_seed", "linear": "tw_lseed"}  # one seed per construction
D_IN_KEY, D_OUT_KEY = "tw_din", "tw_dout"
# chart keys
WEIGHTS_FIG, QKV_FIG, SCORES_FIG = "tw_weights_fig", "tw_qkv_fig", "tw_scores_fig"
# message keys (tests find the page's checks by these)
BOOK_NOTE_KEY, SATURATION_NOTE_KEY, MODULE_CHECK_KEY = "tw_book_note", "tw_saturation_note", "tw_module_check"
BOOK_V1_KEY, BOOK_V2_KEY = "tw_book_v1", "tw_book_v2"  # one-click book settings for listings 3.1 and 3.2
ATTN_WEIGHTS_FIG, CONTEXT_FIG, SATURATION_FIG = "tw_attn_weights_fig", "tw_context_fig", "tw_saturation_fig"

CONSTRUCTIONS: dict[Construction, str] = {
    "rand": "nn.Parameter(torch.rand(...)) · SelfAttention_v1",
    "linear": "nn.Linear(..., bias=False) · SelfAttention_v2",
}
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
def _view(
    tokens: tuple[str, ...],
    source: str,
    construction: Construction,
    d_in: int,
    d_out: int,
    seed: int,
    scale: bool,
    _inputs: torch.Tensor,
) -> tuple[TrainableView, TrainableFigures]:
    """The page's numbers and heatmaps for one setting, built once and shared (the view is read-only).

    `_inputs` (T, d_in) follows tokens, source and d_in, which are in the cache key.
    """
    view = trainable_view(_inputs, construction, d_out, seed, scale)
    return view, trainable_figures(view, tokens)


@shared_cache(max_entries=4)
def _saturation(num_tokens: int) -> go.Figure:
    """The √d_k demo for rows of `num_tokens` keys (random queries and keys, fixed seed)."""
    curve = softmax_saturation(SATURATION_DK, num_tokens=num_tokens, trials=300, seed=0)
    return saturation_figure(curve, num_tokens)


class _Shown(NamedTuple):
    """What the steps show beyond the view."""

    query_idx: int  # the query token's position
    names: list[str]  # position names of the tokens ('2 · journey')
    d_in: int
    d_out: int
    seed: int


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


def _weight_matrices_ui(view: TrainableView, figures: TrainableFigures, shown: _Shown) -> None:
    """Step 1: three weight matrices."""
    construction = view.construction
    d_in = shown.d_in
    d_out = shown.d_out
    seed = shown.seed
    st.markdown(
        f"Each matrix maps a {d_in}-dimensional embedding to a {d_out}-dimensional vector. They start random; "
        "training would change them. This is the code that makes exactly these numbers:"
    )
    st.code(_code(construction, d_in, d_out, seed), language="python")
    show_figure(figures.weights, WEIGHTS_FIG)


def _qkv_ui(view: TrainableView, figures: TrainableFigures, shown: _Shown) -> None:
    """Step 2: queries, keys and values."""
    d_out = shown.d_out
    query_idx = shown.query_idx
    q_name = shown.names[shown.query_idx]
    st.latex(r"Q = X\,W_{\text{query}},\qquad K = X\,W_{\text{key}},\qquad V = X\,W_{\text{value}}")
    st.markdown(
        f"Row *i* of Q is token *i*'s query. Every token gets all three, so the sentence becomes three "
        f"{len(shown.names)}×{d_out} matrices."
    )
    show_figure(figures.qkv, QKV_FIG)
    st.markdown(f"Query of {escape_markdown(q_name)} (`query_{query_idx + 1}` in the notebook):")
    st.code(vector_text(view.queries[query_idx]), language=None)


def _scores_ui(view: TrainableView, figures: TrainableFigures, shown: _Shown) -> None:
    """Step 3: scores: each query against every key."""
    query_idx = shown.query_idx
    q_name = shown.names[shown.query_idx]
    st.latex(r"\omega_{ij} = q^{(i)} \cdot k^{(j)}, \qquad \Omega = Q\,K^{\top}")
    st.markdown(
        "Left: the raw dot products. Right: the same scores divided by √d_k, which is what softmax receives "
        "(both on one colour scale, so the shrinking is visible)."
    )
    show_figure(figures.scores, SCORES_FIG)
    st.markdown(f"Scores of {escape_markdown(q_name)} (row {query_idx + 1}):")
    st.code(vector_text(view.attn_scores[query_idx]), language=None)


def _weights_ui(view: TrainableView, figures: TrainableFigures, shown: _Shown) -> None:
    """Step 4: weights: scale, then softmax each row."""
    scale = view.scale
    d_out = shown.d_out
    query_idx = shown.query_idx
    q_name = shown.names[shown.query_idx]
    if scale:
        st.latex(
            r"A = \operatorname{softmax}\!\left(\frac{Q K^{\top}}{\sqrt{d_k}}\right)"
            + rf",\quad d_k = {d_out}"
        )
    else:
        st.latex(r"A = \operatorname{softmax}\!\left(Q K^{\top}\right)\quad\text{(scaling switched off)}")
        scaled_max, raw_max = view.mean_max_weight
        st.warning(
            "Scaling is off (the book divides by √d_k): the largest weight per row now averages "
            f"{raw_max:.4f}, against {scaled_max:.4f} with scaling"
            + (", so the weights are sharper." if raw_max > scaled_max else "."),
            icon=":material/warning:",
        )
    show_figure(figures.attn_weights, ATTN_WEIGHTS_FIG)
    st.markdown(
        f"Weights of {escape_markdown(q_name)} (they sum to {float(view.attn_weights_row_sums[query_idx]):.4f}):"
    )
    st.code(vector_text(view.attn_weights[query_idx]), language=None)


def _context_ui(view: TrainableView, figures: TrainableFigures, shown: _Shown) -> None:
    """Step 5: context vectors: weights mix the values."""
    query_idx = shown.query_idx
    q_name = shown.names[shown.query_idx]
    st.latex(r"z^{(i)} = \sum_j \alpha_{ij}\, v^{(j)}, \qquad Z = A\,V")
    show_figure(figures.context, CONTEXT_FIG)
    st.markdown(f"Context vector of {escape_markdown(q_name)}:")
    st.code(vector_text(view.context_vec[query_idx]), language=None)


def _saturation_ui(view: TrainableView, figures: TrainableFigures, shown: _Shown) -> None:
    """Step 6: why divide by √d_k."""
    d_out = shown.d_out
    st.markdown(
        "If query and key entries have variance 1, a dot product of d_k terms has variance d_k: scores spread "
        "out as vectors get longer. Softmax turns widely spread scores into nearly **one-hot** weights — one "
        "token gets almost everything, the rest almost nothing, and the gradients that training needs vanish. "
        "Dividing by √d_k brings the spread back to about 1, whatever the size. The curves average over random "
        f"queries and {len(shown.names)} random keys per row."
    )
    show_figure(_saturation(max(2, len(shown.names))), SATURATION_FIG)
    scaled_max, raw_max = view.mean_max_weight
    with st.container(key=SATURATION_NOTE_KEY):
        st.caption(
            f"On your sentence (d_k = {d_out}): the largest weight per row averages "
            f"{scaled_max:.4f} with scaling and {raw_max:.4f} without."
        )


def _constructions_ui(view: TrainableView, figures: TrainableFigures, shown: _Shown) -> None:
    """Step 7: two ways to make the weights."""
    d_out = shown.d_out
    names = shown.names
    st.markdown(
        "- **`nn.Parameter(torch.rand(d_in, d_out))`** (the book's `SelfAttention_v1`): every entry uniform in "
        "[0, 1), applied as `x @ W_query`.\n"
        "- **`nn.Linear(d_in, d_out, bias=False)`** (`SelfAttention_v2`): stores its weight transposed, as "
        "(d_out, d_in), and starts uniform in ±1/√d_in, centred on zero. That keeps scores small and training "
        "stable. Same maths: with `W_query = linear.weight.T` the two classes give identical results."
    )
    with st.container(key=MODULE_CHECK_KEY):
        st.success(
            f"The module `{view.module_name}` gives the same context vectors and weights as the steps above "
            f"(largest difference {view.module_check.largest_difference:.1e}).",
            icon=":material/check_circle:",
        )
    with st.expander("All context vectors as a table", expanded=True):
        matrix_table(view.module_context_vec, names, [f"d{j + 1}" for j in range(d_out)])
    book_note(
        BOOK_NOTE_KEY, [(BOOK_PRINTOUTS[view.construction], view.module_context_vec)], "These context vectors"
    )


BOOK_PRINTOUTS: dict[Construction, Printout] = {"rand": SELF_ATTENTION_V1, "linear": SELF_ATTENTION_V2}
BOOK_BUTTON_KEYS: dict[Construction, str] = {"rand": BOOK_V1_KEY, "linear": BOOK_V2_KEY}


def book_preset(printout: Printout) -> dict[str, object]:
    """This page's widget values for the book's SelfAttention_v1 or _v2 printout."""
    book = printout.settings
    construction: Construction = "rand" if book.construction == "rand" else "linear"
    return {
        BUILD_KEY: construction,
        SEED_KEYS[construction]: book.seed,
        D_IN_KEY: book.d_in,
        D_OUT_KEY: book.d_out,
        SCALE_KEY: True,
    }


def _book_buttons_ui() -> None:
    """One button per printout of section 3.4 (listings 3.1 and 3.2)."""
    for column, (construction, printout) in zip(st.columns(2), BOOK_PRINTOUTS.items(), strict=True):
        with column:
            label = f"Book: {printout.name} ({printout.source})"
            book_button(BOOK_BUTTON_KEYS[construction], printout, book_preset(printout), label)


STEP_UIS = (
    _weight_matrices_ui,
    _qkv_ui,
    _scores_ui,
    _weights_ui,
    _context_ui,
    _saturation_ui,
    _constructions_ui,
)  # one function per entry of STEPS


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
            BUILD_KEY,
            "rand",
            format_func=CONSTRUCTIONS.get,
            widget=st.radio,
            horizontal=True,
            help="The book first uses plain random matrices, then nn.Linear layers, which start with better values.",
        )
    with c2:
        query_idx = url_token_select(
            "Query token",
            names,
            QUERY_KEY,
            1,
            help="The row printed below as numbers, like the book's query_2.",
        )
    with c3:
        scale = url_toggle("Scale by √d_k", SCALE_KEY, True, help="Divide scores by √d_k before softmax.")
    with settings_container(lesson.presenting):
        seed, d_in, d_out = weight_sizes_ui(
            construction, SEED_KEYS[construction], D_IN_KEY, D_OUT_KEY, "Size of queries, keys and values."
        )
        vectors = vector_source_ui(tokens, d_in)
        _book_buttons_ui()
    lesson.nav_ui()

    view, figures = _view(
        tuple(tokens), vectors.source, construction, d_in, d_out, seed, scale, vectors.vectors
    )
    shown = _Shown(query_idx=query_idx, names=names, d_in=d_in, d_out=d_out, seed=seed)

    for number, step_ui in enumerate(STEP_UIS, start=1):
        if lesson.show(number):
            lesson.header(number)
            step_ui(view, figures, shown)


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    trainable_ui()
