"""Multi-head attention — split into heads, attend, concatenate, project; heads on/off; PyTorch parity."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st
import torch

from attention_core.book import (
    MULTIHEAD_ATTENTION,
    MULTIHEAD_WRAPPER,
    Printout,
    largest_gap,
    matches,
    printout_text,
)
from attention_core.embeddings import MAX_DIM, MIN_DIM
from attention_core.figures.multihead import MultiHeadFigures, multihead_figures
from attention_core.text import MAX_TOKENS
from attention_core.views.multihead import (
    DROPOUT_SEED,
    MultiHeadView,
    WrapperView,
    divisors,
    multihead_view,
    wrapper_view,
)
from ui.book_presets import book_button, book_note
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.layout import matrix_table, settings_container, token_names, vector_text
from ui.lesson import Lesson
from ui.present import is_presenting
from ui.sentence import current_tokens
from ui.vectors import vector_source_ui
from ui.widgets import url_float_slider, url_selectbox, url_slider, url_toggle

# URL / widget keys (links, the lesson plan and tests rely on them)
D_OUT_KEY, SEED_KEY, D_IN_KEY, HEADS_KEY, CAUSAL_KEY = "mh_dout", "mh_seed", "mh_din", "mh_heads", "mh_causal"
DROPOUT_KEY, RATE_KEY = "mh_drop", "mh_rate"
HEAD_KEY_PREFIX = "mh_h"  # head i's switch is head_key(i) = "mh_h<i>", 1-based
# chart keys
PARITY_TABLE_KEY, PARITY_RESULT_KEY = "mh_parity_table", "mh_parity_result"  # tests find the check by these
HEADS_FIG, EFFECT_FIG, PIPELINE_FIG = "mh_heads_fig", "mh_effect_fig", "mh_pipeline_fig"
# the book's printouts: one-click settings, the computed notes, the wrapper's table and its comparison
BOOK_MHA_KEY, BOOK_WRAPPER_KEY = "mh_book_mha", "mh_book_wrapper"
BOOK_NOTE_KEY, BOOK_COMPARE_KEY, WRAPPER_NOTE_KEY = "mh_book_note", "mh_book_compare", "mh_wrapper_note"
WRAPPER_TABLE_KEY, WRAPPER_CHECK_KEY = "mh_wrapper_table", "mh_wrapper_check"

MAX_D_OUT = 16
BOOK_SEED = MULTIHEAD_ATTENTION.settings.seed
STEPS = (
    "Each head attends on its own",
    "What switching heads off changes",
    "Split → attend → concatenate → project",
    "Check against PyTorch",
    "The book's first version: a wrapper of heads",
)


@shared_cache(max_entries=64)
def _view(
    tokens: tuple[str, ...],
    source: str,
    d_in: int,
    d_out: int,
    num_heads: int,
    seed: int,
    causal: bool,
    dropout: float,
    head_on: tuple[bool, ...],
    _inputs: torch.Tensor,
) -> tuple[MultiHeadView, MultiHeadFigures]:
    """The page's numbers and figures for one setting, built once and shared (the view is read-only).

    `_inputs` (T, d_in) follows tokens, source and d_in, which are in the cache key.
    """
    view = multihead_view(
        _inputs, d_out, num_heads, seed, causal, dropout, head_on, context_length=MAX_TOKENS
    )
    return view, multihead_figures(view, tokens)


@shared_cache(max_entries=32)
def _wrapper(
    tokens: tuple[str, ...],
    source: str,
    d_in: int,
    head_d_out: int,
    num_heads: int,
    seed: int,
    _inputs: torch.Tensor,
) -> WrapperView:
    """The wrapper and its one-module twin for one setting (read-only; `_inputs` follows the key)."""
    return wrapper_view(_inputs, head_d_out, num_heads, seed)


def head_key(head: int) -> str:
    """The URL key of head `head`'s switch (1-based)."""
    return f"{HEAD_KEY_PREFIX}{head}"


def _checks_table(view: MultiHeadView) -> pd.DataFrame:
    """The parity checks as the table the page shows."""
    return pd.DataFrame(
        [
            {
                "PyTorch reference": check.reference,
                "compared": check.compared,
                "largest difference": check.largest_difference,
                "within 1e-5": "yes" if check.passed else "NO",
            }
            for check in view.checks
        ]
    )


class _Shown(NamedTuple):
    """What the steps show beyond the view."""

    n_tokens: int
    d_in: int
    d_out: int
    seed: int
    names: list[str]  # position names of the tokens
    wrapper: WrapperView


def _matrix_text(m: np.ndarray) -> str:
    """A matrix printed row by row like the notebook: [[a, b], [c, d]]."""
    return "[" + ",\n ".join(vector_text(row) for row in m) + "]"


def _compare_with_book(printout: Printout, shown: np.ndarray) -> str:
    """One computed sentence: do the shown numbers equal the printout to 4 decimals, or by how much not."""
    gap = largest_gap(printout, shown)
    if gap is None:
        rows, cols = printout.array.shape
        return (
            f"The book prints a {rows}×{cols} matrix for {printout.name}; this setting gives "
            f"{shown.shape[0]}×{shown.shape[1]}, so there is nothing to compare."
        )
    if matches(printout, shown):
        return f"Equal to {printout.label} to 4 decimals (largest difference {gap:.1e})."
    return (
        f"Not {printout.label}: largest difference {gap:.4f}. The book's settings button above reproduces it."
    )


def _heads_ui(view: MultiHeadView, figures: MultiHeadFigures, shown: _Shown) -> None:
    """Step 1: each head attends on its own."""
    n, d_out, num_heads, head_dim = shown.n_tokens, shown.d_out, view.num_heads, view.head_dim
    causal, rate = view.causal, view.dropout
    st.markdown(
        f"Q, K and V are {n}×{d_out} matrices. Reshaping to ({n}, {num_heads}, {head_dim}) and "
        f"swapping the first two axes gives every head its own {n}×{head_dim} queries, keys and values; "
        + (
            "each head then runs exactly the causal attention of the previous page on its slice:"
            if causal
            else "each head then runs ordinary (unmasked) self-attention on its slice:"
        )
    )
    st.latex(
        r"\text{head}_h = \operatorname{softmax}\!\left(\frac{Q_h K_h^{\top}}{\sqrt{d_{\text{head}}}}"
        + (r" + M_{-\infty}" if causal else "")
        + rf"\right) V_h,\qquad d_{{\text{{head}}}} = d_{{\text{{out}}}} / h = {head_dim}"
    )
    if rate > 0:
        st.caption(
            f"Dropout is on: weights shown as in one training step (p = {rate:g}, "
            f"torch.manual_seed({DROPOUT_SEED})); kept weights are scaled by 1/(1 − p). The outputs below are "
            "without dropout, as at inference."
        )
    show_figure(figures.heads, HEADS_FIG)


def _effect_ui(view: MultiHeadView, figures: MultiHeadFigures, shown: _Shown) -> None:
    """Step 2: what switching heads off changes."""
    head_on, num_heads = view.head_on, view.num_heads
    full, selected = view.output_all, view.output_selected
    off = [i + 1 for i, on in enumerate(head_on) if not on]
    if off:
        change = float(np.abs(selected - full).max())
        st.markdown(
            f"Head{'s' * (len(off) > 1)} {', '.join(map(str, off))} switched off: "
            f"{'their' if len(off) > 1 else 'its'} slice of the concatenation is zero, so only the other heads reach "
            f"the output projection. Largest change in the output: **{change:.4f}**."
            + (" With every head off, only the projection's bias is left." if len(off) == num_heads else "")
        )
    else:
        st.markdown(
            "All heads are on: the middle panel equals the left one. Switch a head off above to compare."
        )
    show_figure(figures.effect, EFFECT_FIG)


def _pipeline_ui(view: MultiHeadView, figures: MultiHeadFigures, shown: _Shown) -> None:
    """Step 3: split → attend → concatenate → project."""
    st.markdown(
        "The whole computation as matrices for this sentence. Coloured frames mark each head's slice: it is cut "
        "out of Q (and K, V) in panel 1, comes back from its head in panel 2, and sits in the same columns of the "
        "concatenation in panel 3. The output projection `out_proj` (a d_out×d_out linear layer with bias) then "
        "lets every output dimension mix all heads."
    )
    st.code(
        "# split: (b, T, d_out) -> (b, T, h, hd) -> (b, h, T, hd)\n"
        "queries = queries.view(b, num_tokens, num_heads, head_dim).transpose(1, 2)\n"
        "# attend, every head at once: (b, h, T, T)\n"
        "attn_weights = torch.softmax(queries @ keys.transpose(2, 3) / head_dim**0.5, dim=-1)\n"
        "# concatenate: (b, h, T, hd) -> (b, T, h, hd) -> (b, T, d_out)\n"
        "context_vec = (attn_weights @ values).transpose(1, 2)\n"
        "context_vec = context_vec.contiguous().view(b, num_tokens, d_out)\n"
        "# project: (b, T, d_out)\n"
        "context_vec = self.out_proj(context_vec)",
        language="python",
    )
    show_figure(figures.pipeline, PIPELINE_FIG)


def _parity_ui(view: MultiHeadView, figures: MultiHeadFigures, shown: _Shown) -> None:
    """Step 4: check against PyTorch."""
    d_in, d_out = shown.d_in, shown.d_out
    st.markdown(
        "The same weights, run through PyTorch's own attention. Differences around 1e-7 are float32 rounding."
    )
    with st.container(key=PARITY_TABLE_KEY):
        st.dataframe(
            _checks_table(view),
            width="stretch",
            hide_index=True,
            column_config={"largest difference": st.column_config.NumberColumn(format="%.2e")},
        )
    result = st.container(key=PARITY_RESULT_KEY)
    if view.all_checks_pass:
        result.success(
            "Every PyTorch reference gives the same result (within 1e-5).", icon=":material/check_circle:"
        )
    else:
        result.error(
            "A PyTorch reference disagrees: this is a bug, please report it.", icon=":material/error:"
        )
    if d_in != d_out:
        note = (
            f"`nn.MultiheadAttention` maps vectors of one size to the same size, so it needs d_in = d_out. Set the "
            f"embedding size to {d_out} (or d_out to {d_in}) to add it to the check."
        )
        # on a projector a one-line caption, so the book's printout below stays on screen
        if is_presenting():
            st.caption(note)
        else:
            st.info(note, icon=":material/info:")
    st.markdown(
        f"The book prints these context vectors for `MultiHeadAttention` ({MULTIHEAD_ATTENTION.source}, "
        "seed 123, d_out 2, two causal heads):"
    )
    b1, b2 = st.columns(2)
    b1.code(printout_text(MULTIHEAD_ATTENTION.array), language=None)
    b2.code(_matrix_text(view.output_all), language=None)
    with st.container(key=BOOK_COMPARE_KEY):
        st.caption(
            "Left: the book's printout. Right: this page, all heads on. "
            + _compare_with_book(MULTIHEAD_ATTENTION, view.output_all)
        )
    book_note(BOOK_NOTE_KEY, [(MULTIHEAD_ATTENTION, view.output_all)], "This page's output")


def _wrapper_ui(view: MultiHeadView, figures: MultiHeadFigures, shown: _Shown) -> None:
    """Step 5: the book's first construction, MultiHeadAttentionWrapper, and how it relates to the efficient class."""
    wrapper = shown.wrapper
    h, d, d_in = wrapper.num_heads, wrapper.head_d_out, shown.d_in
    st.markdown(
        f"Before the efficient class, the book builds multi-head attention the plain way: "
        f"`MultiHeadAttentionWrapper` keeps {h} separate `CausalAttention` head{'s' * (h > 1)}, each with its own "
        f"{d_in}×{d} weights, runs them one after another and concatenates their outputs: {h} × {d} = "
        f"**{wrapper.d_out} output dimensions**. Here each head gets this page's d_out ({d}) and seed; the "
        "wrapper's heads are always causal and have no output projection."
    )
    st.code(
        f"torch.manual_seed({shown.seed})\n"
        f"mha = MultiHeadAttentionWrapper(d_in={d_in}, d_out={d}, context_length={shown.n_tokens}, "
        f"dropout=0.0, num_heads={h})\n"
        "# forward: torch.cat([head(x) for head in self.heads], dim=-1)",
        language="python",
    )
    with st.container(key=WRAPPER_TABLE_KEY):
        matrix_table(
            wrapper.context_vec,
            shown.names,
            [f"head {j // d + 1} · d{j % d + 1}" for j in range(wrapper.d_out)],
        )
    book_note(WRAPPER_NOTE_KEY, [(MULTIHEAD_WRAPPER, wrapper.context_vec)], "These context vectors")
    st.markdown(
        f"**How the two relate.** Stack the {h} heads' W_query weights ({d}×{d_in} each) row under row and you "
        f"get one {wrapper.d_out}×{d_in} weight: the `W_query` of a `MultiHeadAttention` with d_out = "
        f"{wrapper.d_out} and {h} heads. Its `.view(b, T, {h}, {d})` cuts the big projection's output back into "
        "the same per-head pieces, so one matrix product does the work of the loop. Copy the wrapper's weights "
        "in that way (and set `out_proj` to the identity, since the wrapper has none):"
    )
    with st.container(key=WRAPPER_CHECK_KEY):
        if wrapper.equal:
            st.success(
                f"The wrapper and one `MultiHeadAttention` holding its stacked weights give the same output: "
                f"largest difference {wrapper.max_difference:.1e} over {shown.n_tokens}×{wrapper.d_out} numbers.",
                icon=":material/check_circle:",
            )
        else:
            st.error(
                f"The two differ by up to {wrapper.max_difference:.1e}: this is a bug, please report it.",
                icon=":material/error:",
            )


def book_preset(printout: Printout) -> dict[str, object]:
    """This page's widget values for the book's MultiHeadAttention or wrapper printout (both: seed 123, d_out 2,
    two causal heads, no dropout, every head on)."""
    book = printout.settings
    return {
        D_OUT_KEY: book.d_out,
        SEED_KEY: book.seed,
        D_IN_KEY: book.d_in,
        HEADS_KEY: book.num_heads,
        CAUSAL_KEY: book.causal,
        DROPOUT_KEY: book.dropout > 0,
        **{head_key(i + 1): True for i in range(book.num_heads)},
    }


BOOK_BUTTONS = (
    (BOOK_MHA_KEY, MULTIHEAD_ATTENTION, "Book: MultiHeadAttention (listing 3.5)"),
    (BOOK_WRAPPER_KEY, MULTIHEAD_WRAPPER, "Book: MultiHeadAttentionWrapper (listing 3.4)"),
)


def _book_buttons_ui() -> None:
    """One button per printout of section 3.6."""
    for column, (key, printout, label) in zip(st.columns(len(BOOK_BUTTONS)), BOOK_BUTTONS, strict=True):
        with column:
            book_button(key, printout, book_preset(printout), label)


STEP_UIS = (_heads_ui, _effect_ui, _pipeline_ui, _parity_ui, _wrapper_ui)  # one function per entry of STEPS


def multihead_ui() -> None:
    """Multi-head attention for the shared sentence, head by head, with a parity check against PyTorch."""
    st.title("Multi-head attention")
    lesson = Lesson(STEPS)
    if not lesson.presenting:
        st.markdown(
            "One attention head learns one way of relating tokens. **Multi-head attention** runs several heads "
            "side by side, each on its own slice of the projected vectors, then glues their outputs together and "
            "mixes them with one more linear layer. This is the book's efficient `MultiHeadAttention`: one "
            "projection, split into heads, attend, concatenate, project."
        )
    tokens = current_tokens().tokens

    with settings_container(lesson.presenting):
        s1, s2, s3 = st.columns(3)
        with s1:
            d_out = url_slider(
                "Output size d_out",
                1,
                MAX_D_OUT,
                D_OUT_KEY,
                2,
                help="Size of the queries, keys, values and output.",
            )
        with s2:
            seed = url_slider("Random seed", 0, 999, SEED_KEY, BOOK_SEED, help="The book uses 123.")
        with s3:
            d_in = url_slider("Embedding size d_in", MIN_DIM, MAX_DIM, D_IN_KEY, 3, help="The book uses 3.")
        s4, s5 = st.columns([1, 2])
        with s4:
            use_dropout = url_toggle(
                "Dropout", DROPOUT_KEY, False, help="Training-mode dropout on the weights."
            )
        with s5:
            rate = url_float_slider(
                "Dropout rate p", 0.05, 0.9, RATE_KEY, 0.5, 0.05, disabled=not use_dropout
            )
        vectors = vector_source_ui(tokens, d_in)
        _book_buttons_ui()
    # the controls a lecturer flips live stay out of the Settings box; on a projector they share one row
    if lesson.presenting:
        c1, c2, toggles_box = st.columns([2, 2, 5], vertical_alignment="center")
    else:
        c1, c2 = st.columns([1, 1], vertical_alignment="center")
        toggles_box = st.container()
    with c1:
        num_heads = url_selectbox(
            "Number of heads",
            divisors(d_out),
            HEADS_KEY,
            2,
            help="Only divisors of d_out: every head gets the same number of dimensions, d_out / heads.",
        )
    with c2:
        causal = url_toggle("Causal mask", CAUSAL_KEY, True, help="Hide later tokens, as in GPT.")
    head_dim = d_out // num_heads
    with toggles_box:
        toggle_cols = st.columns(min(num_heads, 8))
    switches = []
    for i in range(num_heads):
        with toggle_cols[i % len(toggle_cols)]:
            switches.append(
                url_toggle(
                    f"Head {i + 1}",
                    head_key(i + 1),
                    True,
                    help="Off: this head contributes zeros.",
                )
            )
    head_on = tuple(switches)
    if not lesson.presenting:
        st.caption(
            f"{num_heads} head{'s' * (num_heads > 1)} × {head_dim} dimension{'s' * (head_dim > 1)} = d_out "
            f"{d_out}. A switched-off head contributes zeros to the concatenation."
        )
    lesson.nav_ui()
    view, figures = _view(
        tuple(tokens),
        vectors.source,
        d_in,
        d_out,
        num_heads,
        seed,
        causal,
        rate if use_dropout else 0.0,
        head_on,
        vectors.vectors,
    )
    shown = _Shown(
        n_tokens=len(tokens),
        d_in=d_in,
        d_out=d_out,
        seed=seed,
        names=token_names(tokens),
        wrapper=_wrapper(tuple(tokens), vectors.source, d_in, d_out, num_heads, seed, vectors.vectors),
    )

    for number, step_ui in enumerate(STEP_UIS, start=1):
        if lesson.show(number):
            lesson.header(number)
            step_ui(view, figures, shown)


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    multihead_ui()
