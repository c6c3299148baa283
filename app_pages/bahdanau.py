"""Page 3: Bahdanau attention — the decoder looks back at every encoder state, so long sentences hold up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from attention_core.figures.common import plot_label
from attention_core.figures.translation import (
    DECIMALS,
    alignment_heatmap,
    architecture_diagram,
    decoder_focus_animation,
    fmt_share,
    fmt_value,
    length_curves,
    worked_step_figure,
)
from attention_core.text import escape_markdown
from attention_core.translation import grammar as g
from attention_core.translation.analysis import alignment_view, architecture, default_step, length_summary
from attention_core.translation.evaluate import length_curves_data
from ui.figures import show_figure
from ui.layout import settings_container, token_names
from ui.lesson import Lesson
from ui.translation import (
    EXAMPLE_TOKENS,
    evaluation_or_error,
    output_vs_reference_ui,
    parts_table_ui,
    run_model,
    run_worked_step,
    source_ui,
    translator_or_error,
)
from ui.widgets import url_selectbox, url_toggle, url_token_select

# widget keys (each is also the setting's URL parameter) and chart keys
EXAMPLE_KEY, RULE_KEY, REORDER_KEY, WORD_KEY = "bd_ex", "bd_rule", "bd_reorder", "bd_word"
ALIGNMENT_FIG, FOCUS_FIG, REORDER_FIG = "bd_alignment", "bd_focus", "bd_reorder_fig"
DIAGRAM_FIG, WORKED_FIG, WORKED_TABLE_KEY, PARTS_KEY = (
    "bd_diagram",
    "bd_worked",
    "bd_worked_table",
    "bd_parts",
)
CURVE_TOKENS_FIG, CURVE_SENTENCES_FIG = "bd_curve_tokens", "bd_curve_sentences"

STEPS = (
    "Where the decoder looks",
    "Dynamic focus, one output word at a time",
    "The reordering case",
    "The model with attention, with its real sizes",
    "One decoding step, with numbers",
    "Long sentences hold up",
    "Additive attention and self-attention",
)
REORDER_STEP = STEPS.index("The reordering case") + 1  # the lesson plan's prepared view opens it
# examples with adjectives in front of a noun, for the reordering step
REORDER_EXAMPLES = [
    i for i, tokens in enumerate(EXAMPLE_TOKENS) if any(g.word_kind(w) == "adj" for w in tokens)
]
SAME_AS_MODEL = 1e-5  # the worked numbers are called equal to the model's when no entry differs by more


def bahdanau_ui() -> None:
    """Additive attention on the user's sentence: alignment, focus, reordering, the model, one step, curves."""
    st.title("Bahdanau attention")
    lesson = Lesson(STEPS)
    loaded = translator_or_error("attention")
    if loaded is None:
        return
    arch = architecture(loaded.model)
    a_size, b_size = arch.decoder_hidden, loaded.sizes["bottleneck"].hidden_dim
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
    source = source_ui(EXAMPLE_KEY, controls[0])
    tokens, reference = source.tokens, source.reference
    with controls[1], settings_container(lesson.presenting):
        show_rule = url_toggle(
            "Outline the rules' alignment",
            RULE_KEY,
            True,
            help="Outline, in each row, the source word the grammar translates into that output word.",
        )
    lesson.nav_ui()
    result = run_model("attention", tuple(tokens))
    view = alignment_view(result, reference, show_rule)

    if lesson.show(1):
        lesson.header(1)
        output_vs_reference_ui(result.output, reference.tokens, "Decoder with attention")
        show_figure(
            alignment_heatmap(
                view.weights,
                list(view.row_labels),
                tokens,
                view.rule_alignment,
                title="Attention weights: output word (row) × source word",
            ),
            ALIGNMENT_FIG,
        )
        st.caption(
            "Each row sums to 1: it is how the decoder split its attention while writing that word. "
            + (
                f"For {fmt_share(view.agreement)} of the words the strongest weight sits on the source word the "
                "rules translate"
                + (
                    f" (on held-out sentences: {fmt_share(ev.alignment_agreement)}). "
                    if ev is not None and ev.alignment_agreement is not None
                    else ". "
                )
                if view.agreement is not None
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
            decoder_focus_animation(
                view.weights, list(view.row_labels), tokens, title="The decoder's focus, step by step"
            ),
            FOCUS_FIG,
        )

    if lesson.show(REORDER_STEP):
        lesson.header(REORDER_STEP)
        default = g.EXAMPLE_SENTENCES.index("the european economic area opens a big market")
        example = url_selectbox(
            "Example",
            REORDER_EXAMPLES,
            REORDER_KEY,
            default,
            url_format=lambda i: str(i + 1),
            format_func=lambda i: " ".join(EXAMPLE_TOKENS[i]),
        )
        ex_tokens = list(EXAMPLE_TOKENS[example])
        ex_view = alignment_view(run_model("attention", tuple(ex_tokens)), g.translate(ex_tokens))
        st.markdown(
            "English puts adjectives before the noun, French after it and in mirrored order: *the European "
            "economic area* becomes *la zone économique européenne*. In the heatmap that is a diagonal that "
            "bends: the decoder jumps ahead to the noun, then walks back over the adjectives."
        )
        show_figure(
            alignment_heatmap(
                ex_view.weights,
                list(ex_view.row_labels),
                ex_tokens,
                ex_view.rule_alignment,
                title=plot_label("Reordering: " + " ".join(ex_tokens), max_len=60),
            ),
            REORDER_FIG,
        )

    if lesson.show(4):
        lesson.header(4)
        st.markdown(
            f"The trained model, part by part. The encoder GRU reads the sentence forwards and backwards "
            f"({arch.encoder_hidden} numbers each way), so every source word $j$ keeps its own annotation "
            f"$h_j$ of {arch.annotation_dim} numbers. At every output step the attention layer "
            f"({arch.attn_dim} units) compares the decoder state $s$ ({arch.decoder_hidden} numbers) with each "
            f"$h_j$; the readout picks one of {arch.tgt_vocab} French tokens from $s$, the previous word and "
            f"the context. {arch.parameters:,} learned numbers in all — the next step works one output word "
            "through with them."
        )
        show_figure(architecture_diagram(arch, "RNN encoder–decoder with attention, as trained"), DIAGRAM_FIG)
        parts_table_ui(arch, PARTS_KEY)

    if lesson.show(5):
        lesson.header(5)
        worked_step_ui(result, reference, tokens)

    if lesson.show(6) and ev is not None:
        lesson.header(6)
        left, right = st.columns(2)
        for col, key, label, fig_key in (
            (left, "token_accuracy", "Words right (in order)", CURVE_TOKENS_FIG),
            (right, "sentence_accuracy", "Whole sentence right", CURVE_SENTENCES_FIG),
        ):
            curves = length_curves_data(ev, key)
            show_figure(
                length_curves(curves, label, y_title=label.lower(), mark_length=len(tokens)), fig_key, col
            )
        summary = length_summary(ev, "token_accuracy")
        lo, hi = summary.longest  # the longest length group of the shipped evaluation
        st.markdown(
            f"On held-out sentences of {lo}–{hi} words the model with attention gets "
            f"{fmt_share(summary.attention_longest['token_accuracy'])} of the words right and translates "
            f"{fmt_share(summary.attention_longest['sentence_accuracy'])} of the sentences perfectly; without "
            f"attention {fmt_share(summary.bottleneck_longest['token_accuracy'])} and "
            f"{fmt_share(summary.bottleneck_longest['sentence_accuracy'])}."
        )

    if lesson.show(7):
        lesson.header(7)
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


def worked_step_ui(result, reference: g.Translation, tokens: list[str]) -> None:
    """One output word of the user's sentence, from the decoder state to the context vector, with numbers."""
    rows = list(result.step_tokens)
    index = url_token_select(
        "Output word to work through",
        token_names(rows),
        WORD_KEY,
        default_step(result, reference),
        help="The step of the translation to compute by hand: its scores, weights and context vector.",
    )
    step = run_worked_step(tuple(tokens), index)
    model_weights = result.attn_weights[index].numpy()
    model_context = result.context_vecs[index].numpy()
    gap = float(max(np.abs(step.weights - model_weights).max(), np.abs(step.context - model_context).max()))
    focus = step.focus
    word = escape_markdown(step.output_word)
    focus_word = escape_markdown(f"{focus + 1} · {step.source[focus]}")
    n_attn, n_ctx = step.hidden.shape[1], step.context.shape[0]
    st.markdown(
        f"Writing **{word}** (output word {index + 1} of {len(rows)}). The decoder's state before it, "
        f"$s$, has {step.state.shape[0]} numbers. For every source word $j$ the attention layer adds $W s$ to "
        f"$U h_j + b$ ({n_attn} numbers each), squashes the sum with tanh and weighs it with $v$: "
        r"$e_j = v^\top \tanh(W s + U h_j + b)$. "
        f"The largest score is e({focus_word}) = {fmt_value(step.scores[focus])}; softmax turns the "
        f"{len(step.source)} scores into weights that sum to 1: α({focus_word}) = exp(e − max e) / Σ = "
        f"{fmt_value(step.exp_scores[focus])} / {fmt_value(step.exp_scores.sum())} = "
        f"{fmt_value(step.weights[focus])}. The context $c = \\sum_j \\alpha_j h_j$ ({n_ctx} numbers) is "
        f"{fmt_value(step.weights[focus])} × h({focus_word}) plus the other words' shares."
    )
    show_figure(
        worked_step_figure(step, f"Writing “{plot_label(step.output_word)}”: scores, weights, context"),
        WORKED_FIG,
    )
    table = pd.DataFrame(
        {
            "source word": token_names(step.source),
            "e_j": step.scores,
            "exp(e_j − max e)": step.exp_scores,
            "α_j": step.weights,
        }
    )
    number = st.column_config.NumberColumn(format=f"%.{DECIMALS}f")
    with st.container(key=WORKED_TABLE_KEY):
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={"e_j": number, "exp(e_j − max e)": number, "α_j": number},
        )
    if gap <= SAME_AS_MODEL:
        st.caption(
            f"These α are row {index + 1} of the heatmap in step 1, and this c is the context vector the model "
            f"read while translating: recomputed here by hand from its weights, they differ from its own forward "
            f"pass by at most {gap:.1e}."
        )
    else:
        st.warning(
            f"The numbers worked out here differ from the model's forward pass by up to {gap:.1e}.",
            icon=":material/warning:",
        )


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    bahdanau_ui()
