"""Page 3: Bahdanau attention — the decoder looks back at every encoder state, so long sentences hold up."""

from __future__ import annotations

import numpy as np
import streamlit as st

from attention_core.figures.common import plot_label
from attention_core.figures.translation import alignment_heatmap, decoder_focus_animation, length_curves
from attention_core.translation import grammar as g
from attention_core.translation.evaluate import length_curves_data
from ui.figures import show_figure
from ui.layout import settings_container
from ui.lesson import Lesson
from ui.state import url_selectbox, url_toggle
from ui.translation import (
    evaluation_or_error,
    output_vs_reference_ui,
    run_model,
    source_ui,
    translator_or_error,
)

STEPS = (
    "Where the decoder looks",
    "Dynamic focus, one output word at a time",
    "The reordering case",
    "Long sentences hold up",
    "Additive attention and self-attention",
)
# examples with adjectives in front of a noun, for the reordering step
REORDER_EXAMPLES = [
    i for i, s in enumerate(g.EXAMPLE_SENTENCES) if any(g.word_kind(w) == "adj" for w in s.split())
]


def _weights_with_eos(attn_weights: np.ndarray, output: list[str]) -> tuple[np.ndarray, list[str]]:
    """Rows for the output words (and the <eos> step when the model produced it)."""
    rows = attn_weights.shape[0]
    labels = [*output, "<eos>"][:rows]
    return attn_weights[:rows], labels


def bahdanau_ui() -> None:
    """Additive attention on the user's sentence: alignment, focus animation, reordering, length curves."""
    st.title("Bahdanau attention")
    lesson = Lesson(STEPS)
    loaded = translator_or_error("attention")
    if loaded is None:
        return
    model, config = loaded
    a_size, b_size = model.cfg.hidden_dim, config["models"]["bottleneck"]["hidden_dim"]
    if not lesson.presenting:
        st.markdown(
            "Bahdanau, Cho and Bengio (2014) removed the bottleneck: the encoder keeps **one state per source "
            "word** (read in both directions), and before writing each output word the decoder scores every one "
            "of them, turns the scores into weights with softmax, and reads their weighted sum. The focus moves "
            "as the translation proceeds. Same toy task, same training sentences and steps as the previous page"
            + (
                f"; the decoder state is even smaller ({a_size} numbers against the bottleneck's {b_size})."
                if a_size < b_size
                else f", same decoder size ({a_size} numbers)."
            )
        )
    ev = evaluation_or_error()
    controls = st.columns([3, 2])
    source = source_ui("bd_ex", controls[0])
    tokens, reference = source.tokens, source.reference
    with controls[1], settings_container(lesson.presenting):
        show_rule = url_toggle(
            "Outline the rules' alignment",
            "bd_rule",
            True,
            help="Outline, in each row, the source word the grammar translates into that output word.",
        )
    lesson.nav_ui()
    result = run_model("attention", tuple(tokens))
    weights, out_labels = _weights_with_eos(result.attn_weights.numpy(), result.output)
    rule = reference.alignment if show_rule and result.output == reference.tokens else None

    if lesson.show(1):
        lesson.header(1)
        output_vs_reference_ui(result.output, reference.tokens, "Decoder with attention")
        show_figure(
            alignment_heatmap(
                weights, out_labels, tokens, rule, title="Attention weights: output word (row) × source word"
            ),
            "bd_alignment",
        )
        focus = weights[: len(reference.alignment)].argmax(-1)
        agree = np.mean([f == a for f, a in zip(focus, reference.alignment, strict=False)])
        st.caption(
            "Each row sums to 1: it is how the decoder split its attention while writing that word. "
            + (
                f"For {agree:.0%} of the words the strongest weight sits on the source word the rules "
                "translate"
                + (f" (on held-out sentences: {ev['attention_alignment_agreement']:.0%}). " if ev else ". ")
                if result.output == reference.tokens
                else ""
            )
            + "Nobody told the model which word matches which: the alignment was learned from sentence pairs."
        )

    if lesson.show(2):
        lesson.header(2)
        st.markdown(
            "Press **Play**: for each output word the bars show the attention weights over the English words. "
            "The weights are recomputed at every step from the decoder's current state, so the focus travels "
            "— mostly left to right, jumping back where French puts words in another order."
        )
        show_figure(
            decoder_focus_animation(weights, out_labels, tokens, title="The decoder's focus, step by step"),
            "bd_focus",
        )

    if lesson.show(3):
        lesson.header(3)
        default = g.EXAMPLE_SENTENCES.index("the european economic area opens a big market")
        example = url_selectbox(
            "Example",
            REORDER_EXAMPLES,
            "bd_reorder",
            default,
            url_format=lambda i: str(i + 1),
            format_func=lambda i: g.EXAMPLE_SENTENCES[i],
        )
        ex_tokens = g.read_source(g.EXAMPLE_SENTENCES[example]).known
        ex_ref = g.translate(ex_tokens)
        ex = run_model("attention", tuple(ex_tokens))
        ex_weights, ex_labels = _weights_with_eos(ex.attn_weights.numpy(), ex.output)
        st.markdown(
            "English puts adjectives before the noun, French after it and in mirrored order: *the European "
            "economic area* becomes *la zone économique européenne*. In the heatmap that is a diagonal that "
            "bends: the decoder jumps ahead to the noun, then walks back over the adjectives."
        )
        show_figure(
            alignment_heatmap(
                ex_weights,
                ex_labels,
                ex_tokens,
                ex_ref.alignment if ex.output == ex_ref.tokens else None,
                title=plot_label("Reordering: " + " ".join(ex_tokens), max_len=60),
            ),
            "bd_reorder_fig",
        )

    if lesson.show(4) and ev is not None:
        lesson.header(4)
        left, right = st.columns(2)
        for col, key, label, fig_key in (
            (left, "token_accuracy", "Words right (in order)", "bd_curve_tokens"),
            (right, "sentence_accuracy", "Whole sentence right", "bd_curve_sentences"),
        ):
            curves = length_curves_data(ev, key)
            show_figure(
                length_curves(curves, label, y_title=label.lower(), mark_length=len(tokens)), fig_key, col
            )
        buckets = ev["by_bucket"]
        lo, hi = ev["buckets"][-1]  # the longest length group of the shipped evaluation
        st.markdown(
            f"On held-out sentences of {lo}–{hi} words the model with attention gets "
            f"{buckets['attention'][-1]['token_accuracy']:.0%} of the words right and translates "
            f"{buckets['attention'][-1]['sentence_accuracy']:.0%} of the sentences perfectly; without attention "
            f"{buckets['bottleneck'][-1]['token_accuracy']:.0%} and "
            f"{buckets['bottleneck'][-1]['sentence_accuracy']:.0%}."
        )

    if lesson.show(5):
        lesson.header(5)
        st.markdown(
            r"""
**Dynamic focus.** At output step $i$ the decoder compares its previous state $s_{i-1}$ with every encoder
state $h_j$ through a small network, $e_{ij} = v^\top \tanh(W_{query}\, s_{i-1} + W_{key}\, h_j)$ — *additive*
attention — then `attn_weights = softmax(e_i)` and `context_vec = Σ_j attn_weights_j · h_j`. A new context
vector for every output word, instead of one fixed vector for the whole sentence.

**How self-attention differs** (the next pages):
- *Who looks at whom.* Here the decoder (French side) looks at the encoder (English side): two different
  sequences. In self-attention every token of **one** sequence looks at every token of that same sequence.
- *How the score is made.* Here a tiny feed-forward network scores each pair. Self-attention uses a dot
  product of a query and a key, $q \cdot k / \sqrt{d_k}$ — cheaper, and all pairs at once as one matrix product.
- *Recurrence.* Here the states still come from a GRU that reads word by word. The Transformer (2017) drops the
  recurrence and keeps only attention.
"""
        )


bahdanau_ui()
