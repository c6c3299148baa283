"""Causal attention — hide later tokens (two equal ways), dropout on the weights, what each token sees."""

from __future__ import annotations

import streamlit as st
import torch

from attention_core.book import CAUSAL_ATTENTION, DROPPED_WEIGHTS, MASKED_WEIGHTS, Printout
from attention_core.builders import Construction
from attention_core.figures.causal import CausalFigures, causal_figures
from attention_core.text import escape_markdown
from attention_core.views.causal import CausalView, causal_view
from ui.book_presets import book_button, book_note
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.layout import settings_container, token_names, weight_sizes_ui
from ui.lesson import Lesson, figure_tabs
from ui.present import is_presenting
from ui.sentence import current_tokens
from ui.vectors import vector_source_ui
from ui.widgets import url_float_slider, url_selectbox, url_slider, url_toggle

# URL / widget keys (links, the lesson plan and tests rely on them)
MASK_KEY, DROPOUT_KEY, RATE_KEY, DROP_SEED_KEY = "ca_mask", "ca_drop", "ca_rate", "ca_dseed"
BUILD_KEY, D_IN_KEY, D_OUT_KEY = "ca_build", "ca_din", "ca_dout"
SEED_KEYS: dict[Construction, str] = {"rand": "ca_rseed", "linear": "ca_seed"}  # one seed per construction
# chart keys
SEE_FIG, WEIGHTS_FIG, METHOD1_FIG, METHOD2_FIG = (
    "ca_see_fig",
    "ca_weights_fig",
    "ca_method1_fig",
    "ca_method2_fig",
)
# message keys (tests find the page's checks by these)
BOOK_NOTE_KEY, METHODS_CHECK_KEY, MODULE_CHECK_KEY = "ca_book_note", "ca_methods_check", "ca_module_check"
METHODS_TABS_KEY = "ca_methods_tabs"  # presentation mode: one tab per method's figure
DROPOUT_OFF_KEY, DROPOUT_SUMS_KEY = "ca_dropout_off", "ca_dropout_sums"
BOOK_DROP_NOTE_KEY, BOOK_CONTEXT_NOTE_KEY = "ca_book_drop_note", "ca_book_ctx_note"
# one-click book settings, one per printout this page reproduces
BOOK_MASKED_KEY, BOOK_DROPOUT_KEY, BOOK_CAUSAL_KEY = "ca_book_masked", "ca_book_dropout", "ca_book_causal"
DROPOUT_FIG, CONTEXT_FIG = "ca_dropout_fig", "ca_context_fig"

CONSTRUCTIONS: dict[Construction, str] = {
    "linear": "nn.Linear · SelfAttention_v2 / CausalAttention",
    "rand": "torch.rand · SelfAttention_v1",
}
BOOK_DROPOUT_RATE = DROPPED_WEIGHTS.settings.dropout  # section 3.5.2: torch.manual_seed(123), nn.Dropout(0.5)
BOOK_DROPOUT_SEED = DROPPED_WEIGHTS.settings.dropout_seed
ROW_SUM_TOL = 5e-5  # "rows sum to 1" when every row sum rounds to 1.0000
STEPS = (
    "What each token can see",
    "The weights, with and without the mask",
    "Two ways to mask, one result",
    "Dropout on the attention weights",
    "Context vectors",
)


@shared_cache(max_entries=64)
def _view(
    tokens: tuple[str, ...],
    source: str,
    construction: Construction,
    d_in: int,
    d_out: int,
    seed: int,
    masked: bool,
    dropout: bool,
    rate: float,
    drop_seed: int,
    _inputs: torch.Tensor,
) -> tuple[CausalView, CausalFigures]:
    """The page's numbers and figures for one setting, built once and shared (the view is read-only).

    `_inputs` (T, d_in) follows tokens, source and d_in, which are in the cache key.
    """
    view = causal_view(_inputs, construction, d_out, seed, masked, dropout, rate, drop_seed)
    return view, causal_figures(view, tokens)


def _visibility_ui(view: CausalView, figures: CausalFigures, names: list[str]) -> None:
    """Step 1: what each token can see."""
    if view.masked:
        st.markdown(
            f"Row *i* lists what token *i* may look at: itself (orange) and every earlier token (blue). "
            f"The first token sees only itself; the last, {escape_markdown(names[-1])}, sees the whole sentence."
        )
    else:
        st.markdown("The mask is **off**: every token sees every other token, including the ones after it.")
    show_figure(figures.see, SEE_FIG)


def _weights_ui(view: CausalView, figures: CausalFigures, names: list[str]) -> None:
    """Step 2: the weights, with and without the mask."""
    st.markdown(
        "Left: ordinary self-attention weights (softmax of Ω / √d_k). Right: the weights this page uses. "
        "With the mask on, grey cells are exactly 0 and every row still sums to 1."
    )
    show_figure(figures.weights, WEIGHTS_FIG)
    low, high = view.row_sum_range
    st.caption(f"Row sums of the weights used: {low:.4f} to {high:.4f}.")
    book_note(BOOK_NOTE_KEY, [(MASKED_WEIGHTS, view.attn_weights)], "The weights used")


def _methods_ui(view: CausalView, figures: CausalFigures, names: list[str]) -> None:
    """Step 3: two ways to mask, one result."""
    if not view.masked:
        st.info(
            "The mask is off. Switch **Causal mask** on to compare the two methods.",
            icon=":material/visibility:",
        )
    else:
        m1, m2 = (
            (st.container(), st.container()) if is_presenting() else st.columns(2)
        )  # text column: stacked
        m1.markdown(
            "**Method 1 · mask after softmax.** Take the normal weights, multiply by a lower-triangular matrix "
            "of ones (`torch.tril`), then divide each row by its new sum so it adds up to 1 again."
        )
        m1.latex(r"A = \frac{\operatorname{softmax}(\Omega/\sqrt{d_k}) \odot M}{\text{row sums}}")
        m2.markdown(
            "**Method 2 · mask before softmax.** Set every score above the diagonal to −∞ (`masked_fill`). "
            "Since exp(−∞) = 0, softmax gives those cells weight 0 and normalises the rest in one step."
        )
        m2.latex(r"A = \operatorname{softmax}\!\left(\frac{\Omega + M_{-\infty}}{\sqrt{d_k}}\right)")
        tab1, tab2 = figure_tabs(["Method 1 · after softmax", "Method 2 · before softmax"], METHODS_TABS_KEY)
        show_figure(figures.method1, METHOD1_FIG, container=tab1)
        show_figure(figures.method2, METHOD2_FIG, container=tab2)
        with st.container(key=METHODS_CHECK_KEY):
            st.success(
                f"Both methods give the same weights (largest difference {view.method_gap:.1e}). Method 2 is what "
                "`CausalAttention` uses: one softmax, no renormalising.",
                icon=":material/check_circle:",
            )


def _dropout_ui(view: CausalView, figures: CausalFigures, names: list[str]) -> None:
    """Step 4: dropout on the attention weights."""
    stats = view.dropout
    if stats is None or figures.dropout is None:
        with st.container(key=DROPOUT_OFF_KEY):
            st.info(
                "Dropout is off, as when a trained model is used. Switch **Dropout** on to see it while training.",
                icon=":material/grain:",
            )
    else:
        low, high = stats.row_sum_range
        still_one = abs(low - 1) <= ROW_SUM_TOL and abs(high - 1) <= ROW_SUM_TOL
        st.markdown(
            f"Each weight is zeroed with probability p = {stats.rate:g}; the ones kept are multiplied by "
            f"1 / (1 − p) = {stats.scale:.4f}, so on average the weights keep their size. A new random pattern "
            "is drawn at every training step."
        )
        show_figure(figures.dropout, DROPOUT_FIG)
        with st.container(key=DROPOUT_SUMS_KEY):
            st.caption(
                f"{stats.n_dropped} of {stats.n_allowed} weights dropped. Every kept weight grew by "
                f"×{stats.kept_ratio[0]:.4f} to ×{stats.kept_ratio[1]:.4f}. Row sums now "
                f"{low:.4f} to {high:.4f}"
                + (
                    ": every row still sums to 1."
                    if still_one
                    else ": the rows no longer sum to 1 (the scaling keeps them right only on average)."
                )
                + (" Masked cells stay 0: dropout never reveals the future." if view.masked else "")
            )
        book_note(BOOK_DROP_NOTE_KEY, [(DROPPED_WEIGHTS, view.dropped)], "The weights after dropout")


def _context_ui(view: CausalView, figures: CausalFigures, names: list[str]) -> None:
    """Step 5: context vectors."""
    st.latex(r"Z = A\,V")
    st.markdown(
        "With the mask on, the context vector of token *i* mixes only the values of tokens 1…*i*: the first "
        "token's context vector is just its own value vector."
    )
    show_figure(figures.context, CONTEXT_FIG)
    book_note(BOOK_CONTEXT_NOTE_KEY, [(CAUSAL_ATTENTION, view.context_vec)], "These context vectors")
    if view.module_check is not None:
        with st.container(key=MODULE_CHECK_KEY):
            st.success(
                f"`CausalAttention` ({CAUSAL_ATTENTION.source}) loaded with these weights gives the same "
                f"context vectors (largest difference {view.module_check.largest_difference:.1e}).",
                icon=":material/check_circle:",
            )


def book_preset(printout: Printout) -> dict[str, object]:
    """This page's widget values for one of the book's printouts (mask, construction, seed, sizes, dropout)."""
    book = printout.settings
    construction: Construction = "rand" if book.construction == "rand" else "linear"
    return {
        MASK_KEY: book.causal,
        BUILD_KEY: construction,
        SEED_KEYS[construction]: book.seed,
        D_IN_KEY: book.d_in,
        D_OUT_KEY: book.d_out,
        DROPOUT_KEY: book.dropout > 0,
        RATE_KEY: book.dropout if book.dropout > 0 else BOOK_DROPOUT_RATE,
        DROP_SEED_KEY: book.dropout_seed,
    }


BOOK_BUTTONS = (
    (BOOK_MASKED_KEY, MASKED_WEIGHTS, "Book: masked weights (3.5.1)"),
    (BOOK_DROPOUT_KEY, DROPPED_WEIGHTS, "Book: dropout (3.5.2)"),
    (BOOK_CAUSAL_KEY, CAUSAL_ATTENTION, "Book: CausalAttention (listing 3.3)"),
)


def _book_buttons_ui() -> None:
    """One button per printout of section 3.5: each sets the book's settings for it."""
    for column, (key, printout, label) in zip(st.columns(len(BOOK_BUTTONS)), BOOK_BUTTONS, strict=True):
        with column:
            book_button(key, printout, book_preset(printout), label)


STEP_UIS = (
    _visibility_ui,
    _weights_ui,
    _methods_ui,
    _dropout_ui,
    _context_ui,
)  # one function per entry of STEPS


def causal_ui() -> None:
    """Causal attention for the shared sentence: mask, the two masking methods, dropout, context vectors."""
    st.title("Causal attention")
    lesson = Lesson(STEPS)
    if not lesson.presenting:
        st.markdown(
            "A language model writes one token at a time, so when it learns from a whole sentence at once, each "
            "token may only use the tokens **before** it (and itself). Causal attention enforces this by masking "
            "every weight above the diagonal. Dropout, used only while training, then switches random weights "
            "off."
        )
    tokens = current_tokens().tokens
    names = token_names(tokens)

    c1, c2, c3, c4 = st.columns([6, 5, 4, 4], vertical_alignment="center")
    with c1:
        masked = url_toggle("Causal mask", MASK_KEY, True, help="Hide every token that comes later.")
    with c2:
        dropout = url_toggle("Dropout", DROPOUT_KEY, False, help="Randomly zero weights, as during training.")
    with c3:
        rate = url_float_slider(
            "Dropout rate p",
            0.0,
            0.9,
            RATE_KEY,
            BOOK_DROPOUT_RATE,
            0.05,
            disabled=not dropout,
            help="The book uses 0.5.",
        )
    with c4:
        drop_seed = url_slider(
            "Dropout seed",
            0,
            999,
            DROP_SEED_KEY,
            BOOK_DROPOUT_SEED,
            disabled=not dropout,
            help="torch.manual_seed before dropout. The same seed can still drop different cells on another "
            "machine or PyTorch version.",
        )
    with settings_container(lesson.presenting):
        construction = url_selectbox(
            "How the weights are made",
            list(CONSTRUCTIONS),
            BUILD_KEY,
            "linear",
            format_func=CONSTRUCTIONS.get,
            widget=st.radio,
            horizontal=True,
            help="The book masks the weights of its nn.Linear self-attention (seed 789).",
        )
        seed, d_in, d_out = weight_sizes_ui(construction, SEED_KEYS[construction], D_IN_KEY, D_OUT_KEY)
        vectors = vector_source_ui(tokens, d_in)
        _book_buttons_ui()
    lesson.nav_ui()

    view, figures = _view(
        tuple(tokens),
        vectors.source,
        construction,
        d_in,
        d_out,
        seed,
        masked,
        dropout,
        rate,
        drop_seed,
        vectors.vectors,
    )

    for number, step_ui in enumerate(STEP_UIS, start=1):
        if lesson.show(number):
            lesson.header(number)
            step_ui(view, figures, names)


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    causal_ui()
