"""Causal attention — hide later tokens (two equal ways), dropout on the weights, what each token sees."""

from __future__ import annotations

import streamlit as st
import torch

from attention_core.builders import Construction
from attention_core.figures.causal import CausalFigures, causal_figures
from attention_core.text import escape_markdown
from attention_core.views.causal import CausalView, causal_view
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.layout import BOOK_SEEDS, settings_container, token_names, weight_sizes_ui
from ui.lesson import Lesson
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
DROPOUT_OFF_KEY = "ca_dropout_off"
DROPOUT_FIG, CONTEXT_FIG = "ca_dropout_fig", "ca_context_fig"

CONSTRUCTIONS: dict[Construction, str] = {
    "linear": "nn.Linear · SelfAttention_v2 / CausalAttention",
    "rand": "torch.rand · SelfAttention_v1",
}
BOOK_DROPOUT_RATE, BOOK_DROPOUT_SEED = 0.5, 123  # section 3.5.2: torch.manual_seed(123), nn.Dropout(0.5)
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


def _methods_ui(view: CausalView, figures: CausalFigures, names: list[str]) -> None:
    """Step 3: two ways to mask, one result."""
    if not view.masked:
        st.info(
            "The mask is off. Switch **Causal mask** on to compare the two methods.",
            icon=":material/visibility:",
        )
    else:
        m1, m2 = st.columns(2)
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
        show_figure(figures.method1, METHOD1_FIG)
        show_figure(figures.method2, METHOD2_FIG)
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
        st.markdown(
            f"Each weight is zeroed with probability p = {stats.rate:g}; the ones kept are multiplied by "
            f"1 / (1 − p) = {stats.scale:.4g}, so on average the weights keep their size. Rows no longer "
            "sum to 1, and a new random pattern is drawn at every training step."
        )
        show_figure(figures.dropout, DROPOUT_FIG)
        st.caption(
            f"{stats.n_dropped} of {stats.n_allowed} weights dropped. Every kept weight grew by "
            f"×{stats.kept_ratio[0]:.4f} to ×{stats.kept_ratio[1]:.4f}. Row sums now "
            f"{stats.row_sum_range[0]:.4f} to {stats.row_sum_range[1]:.4f}."
            + (" Masked cells stay 0: dropout never reveals the future." if view.masked else "")
        )


def _context_ui(view: CausalView, figures: CausalFigures, names: list[str]) -> None:
    """Step 5: context vectors."""
    st.latex(r"Z = A\,V")
    st.markdown(
        "With the mask on, the context vector of token *i* mixes only the values of tokens 1…*i*: the first "
        "token's context vector is just its own value vector."
    )
    show_figure(figures.context, CONTEXT_FIG)
    if view.module_check is not None:
        with st.container(key=MODULE_CHECK_KEY):
            st.success(
                f"The book's `CausalAttention` module with these weights gives the same context vectors "
                f"(largest difference {view.module_check.largest_difference:.1e}).",
                icon=":material/check_circle:",
            )


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

    # Section 3.5 masks the nn.Linear weights (seed 789, d_out 2) of the book's vectors; its dropout is p = 0.5
    # after seed 123. The torch.rand construction (section 3.4) or the mask off is not that setting.
    book_setting = (
        vectors.source == "book"
        and construction == "linear"
        and d_out == 2
        and seed == BOOK_SEEDS["linear"]
        and masked
        and (not dropout or (rate == BOOK_DROPOUT_RATE and drop_seed == BOOK_DROPOUT_SEED))
    )
    if book_setting and not lesson.presenting:
        with st.container(key=BOOK_NOTE_KEY):
            st.success(
                "These are the book's settings (section 3.5): the weights below match the notebook to 4 decimals.",
                icon=":material/menu_book:",
            )

    for number, step_ui in enumerate(STEP_UIS, start=1):
        if lesson.show(number):
            lesson.header(number)
            step_ui(view, figures, names)


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    causal_ui()
