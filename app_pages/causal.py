"""Page 6: causal attention — hide later tokens (two equal ways), dropout on the weights, what each token sees."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from attention_core import self_attention as sa
from attention_core.figures.common import DIVERGING
from attention_core.figures.self_attention import heatmap_grid, visibility_figure
from attention_core.text import escape_markdown
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.layout import BOOK_SEEDS, settings_container, token_names, weight_sizes_ui
from ui.lesson import Lesson
from ui.sentence import current_tokens
from ui.state import url_float_slider, url_selectbox, url_slider, url_toggle
from ui.vectors import vector_source_ui

CONSTRUCTIONS = {
    "linear": "nn.Linear · SelfAttention_v2 / CausalAttention",
    "rand": "torch.rand · SelfAttention_v1",
}
SEED_KEYS = {"rand": "ca_rseed", "linear": "ca_seed"}
BOOK_DROPOUT_RATE, BOOK_DROPOUT_SEED = 0.5, 123  # section 3.5.2: torch.manual_seed(123), nn.Dropout(0.5)
STEPS = (
    "What each token can see",
    "The weights, with and without the mask",
    "Two ways to mask, one result",
    "Dropout on the attention weights",
    "Context vectors",
)


@shared_cache(max_entries=64)
def _causal_state(
    tokens: tuple[str, ...],
    source: str,
    construction: str,
    d_in: int,
    d_out: int,
    seed: int,
    masked: bool,
    dropout: bool,
    rate: float,
    drop_seed: int,
    _inputs: torch.Tensor,
) -> dict[str, object]:
    """Every matrix and figure of the page for one setting (shared between reruns; never modified)."""
    toks = list(tokens)
    n = len(toks)
    inputs = _inputs  # (T, d_in): fixed by tokens, source and d_in, which are in the cache key
    W_query, W_key, W_value = sa.seeded_weights(construction, d_in, d_out, seed)  # type: ignore[arg-type]
    steps = sa.attention_steps(inputs, W_query, W_key, W_value)  # unmasked, scaled
    attn_weights_full, masked_simple, masked_norm = sa.mask_after_softmax(steps.attn_scores, d_out)
    masked_scores, masked_softmax = sa.mask_before_softmax(steps.attn_scores, d_out)
    future = sa.causal_mask(n).numpy()  # (T, T) True above the diagonal
    attn_weights = masked_softmax if masked else attn_weights_full  # what the rest of the page uses
    dropped = sa.dropout_weights(attn_weights, rate, drop_seed) if dropout else attn_weights
    context_vec = dropped @ (inputs @ W_value)  # (T, T) @ (T, d_out) -> (T, d_out)
    hide = future if masked else None
    figures: dict[str, go.Figure] = {
        "see": visibility_figure(toks, masked),
        "weights": heatmap_grid(
            [attn_weights_full, attn_weights],
            toks,
            toks,
            ["Without a mask", "Causal (mask on)" if masked else "Mask off: the same as left"],
            hidden=[None, hide],
            hidden_text="0",
            zmin=0.0,
            decimals=4,
            max_cols=2,
        ),
        "method1": heatmap_grid(
            [masked_simple, masked_norm],
            toks,
            toks,
            ["① softmax, then zero the future", "② divide each row by its sum"],
            hidden=future,
            hidden_text="0",
            zmin=0.0,
            decimals=4,
            max_cols=2,
        ),
        "method2": heatmap_grid(
            [masked_scores, masked_softmax],
            toks,
            toks,
            ["① scores with −∞ above the diagonal", "② softmax of Ω / √d_k"],
            hidden=[future, future],
            hidden_text=["−∞", "0"],
            colorscale=DIVERGING,
            value_name="value",
            decimals=4,
            max_cols=2,
        ),
        "context": heatmap_grid(
            [context_vec],
            toks,
            [f"d{j + 1}" for j in range(d_out)],
            ["Context vectors  Z = A · V"],
            decimals=4,
            x_title="dimension",
            y_title="token",
            value_name="value",
            colorscale=DIVERGING,
        ),
    }
    if dropout:
        dropped_cells = (dropped == 0) & (attn_weights != 0)
        figures["dropout"] = heatmap_grid(
            [attn_weights, dropped],
            toks,
            toks,
            ["Before dropout", f"After dropout (p = {rate:g}): kept × {1 / (1 - rate):.4g}"],
            hidden=[hide, dropped_cells.numpy() | (future & masked)],
            hidden_text=["0", np.where(dropped_cells.numpy(), "drop", "0")],
            zmin=0.0,
            decimals=4,
            max_cols=2,
        )
    return {
        "steps": steps,
        "method_gap": float((masked_norm - masked_softmax).abs().max()),
        "attn_weights": attn_weights,
        "dropped": dropped,
        "context_vec": context_vec,
        "W": (W_query, W_key, W_value),
        "figures": figures,
    }


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
        masked = url_toggle("Causal mask", "ca_mask", True, help="Hide every token that comes later.")
    with c2:
        dropout = url_toggle("Dropout", "ca_drop", False, help="Randomly zero weights, as during training.")
    with c3:
        rate = url_float_slider(
            "Dropout rate p",
            0.0,
            0.9,
            "ca_rate",
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
            "ca_dseed",
            BOOK_DROPOUT_SEED,
            disabled=not dropout,
            help="torch.manual_seed before dropout. The same seed can still drop different cells on another "
            "machine or PyTorch version.",
        )
    with settings_container(lesson.presenting):
        construction = url_selectbox(
            "How the weights are made",
            list(CONSTRUCTIONS),
            "ca_build",
            "linear",
            format_func=CONSTRUCTIONS.get,
            widget=st.radio,
            horizontal=True,
            help="The book masks the weights of its nn.Linear self-attention (seed 789).",
        )
        seed, d_in, d_out = weight_sizes_ui("ca", construction, SEED_KEYS)
        vectors = vector_source_ui(tokens, d_in)
    lesson.nav_ui()

    state = _causal_state(
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
    figures: dict[str, go.Figure] = state["figures"]  # type: ignore[assignment]
    attn_weights: torch.Tensor = state["attn_weights"]  # type: ignore[assignment]
    dropped: torch.Tensor = state["dropped"]  # type: ignore[assignment]

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
        st.success(
            "These are the book's settings (section 3.5): the weights below match the notebook to 4 decimals.",
            icon=":material/menu_book:",
        )

    if lesson.show(1):
        lesson.header(1)
        if masked:
            st.markdown(
                f"Row *i* lists what token *i* may look at: itself (orange) and every earlier token (blue). "
                f"The first token sees only itself; the last, {escape_markdown(names[-1])}, sees the whole sentence."
            )
        else:
            st.markdown(
                "The mask is **off**: every token sees every other token, including the ones after it."
            )
        show_figure(figures["see"], "ca_see_fig")

    if lesson.show(2):
        lesson.header(2)
        st.markdown(
            "Left: ordinary self-attention weights (softmax of Ω / √d_k). Right: the weights this page uses. "
            "With the mask on, grey cells are exactly 0 and every row still sums to 1."
        )
        show_figure(figures["weights"], "ca_weights_fig")
        sums = attn_weights.sum(-1)
        st.caption(f"Row sums of the weights used: {float(sums.min()):.4f} to {float(sums.max()):.4f}.")

    if lesson.show(3):
        lesson.header(3)
        if not masked:
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
            show_figure(figures["method1"], "ca_method1_fig")
            show_figure(figures["method2"], "ca_method2_fig")
            st.success(
                f"Both methods give the same weights (largest difference {state['method_gap']:.1e}). Method 2 is what "
                "`CausalAttention` uses: one softmax, no renormalising.",
                icon=":material/check_circle:",
            )

    if lesson.show(4):
        lesson.header(4)
        if not dropout:
            st.info(
                "Dropout is off, as when a trained model is used. Switch **Dropout** on to see it while training.",
                icon=":material/grain:",
            )
        else:
            kept = dropped != 0
            allowed = attn_weights != 0
            n_dropped = int((allowed & ~kept).sum())
            ratio = (
                (dropped[kept] / attn_weights[kept]) if bool(kept.any()) else torch.tensor([1 / (1 - rate)])
            )
            st.markdown(
                f"Each weight is zeroed with probability p = {rate:g}; the ones kept are multiplied by "
                f"1 / (1 − p) = {1 / (1 - rate):.4g}, so on average the weights keep their size. Rows no longer "
                "sum to 1, and a new random pattern is drawn at every training step."
            )
            show_figure(figures["dropout"], "ca_dropout_fig")
            st.caption(
                f"{n_dropped} of {int(allowed.sum())} weights dropped. Every kept weight grew by "
                f"×{float(ratio.min()):.4f} to ×{float(ratio.max()):.4f}. Row sums now "
                f"{float(dropped.sum(-1).min()):.4f} to {float(dropped.sum(-1).max()):.4f}."
                + (" Masked cells stay 0: dropout never reveals the future." if masked else "")
            )

    if lesson.show(5):
        lesson.header(5)
        st.latex(r"Z = A\,V")
        st.markdown(
            "With the mask on, the context vector of token *i* mixes only the values of tokens 1…*i*: the first "
            "token's context vector is just its own value vector."
        )
        show_figure(figures["context"], "ca_context_fig")
        if masked and not dropout:
            W_query, W_key, W_value = state["W"]  # type: ignore[misc]
            module = sa.CausalAttention(d_in, d_out, context_length=len(tokens), dropout=0.0).eval()
            with torch.no_grad():
                for layer, weight in (
                    (module.W_query, W_query),
                    (module.W_key, W_key),
                    (module.W_value, W_value),
                ):
                    layer.weight.copy_(weight.T)  # (d_in, d_out) -> Linear's (d_out, d_in)
                context_vec, _ = module(vectors.vectors)
            gap = float(np.abs(context_vec.numpy() - state["context_vec"].numpy()).max())  # type: ignore[union-attr]
            st.success(
                f"The book's `CausalAttention` module with these weights gives the same context vectors "
                f"(largest difference {gap:.1e}).",
                icon=":material/check_circle:",
            )


causal_ui()
