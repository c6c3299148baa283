"""Page 2: the RNN bottleneck — a GRU encoder squeezes the sentence into one vector, and long sentences fail."""

from __future__ import annotations

import streamlit as st

from attention_core.figures.translation import (
    architecture_diagram,
    encoder_animation,
    fmt_share,
    length_curves,
    survival_heatmap,
)
from attention_core.text import escape_markdown
from attention_core.translation.analysis import (
    architecture,
    length_summary,
    longest_agreement,
    survival_summary,
)
from attention_core.translation.evaluate import length_curves_data, matched_reference
from ui.figures import show_figure
from ui.layout import settings_container
from ui.lesson import Lesson
from ui.translation import (
    evaluation_or_error,
    output_vs_reference_ui,
    parts_table_ui,
    run_model,
    source_ui,
    translator_or_error,
)
from ui.widgets import url_selectbox

# widget keys (each is also the setting's URL parameter) and chart keys
EXAMPLE_KEY, METRIC_KEY, SURVIVAL_KEY = "rb_ex", "rb_metric", "rb_surv"
ENCODER_FIG, DIAGRAM_FIG, CURVES_FIG, SURVIVAL_FIG = (
    "rb_encoder",
    "rb_diagram",
    "rb_curves",
    "rb_survival",
)
PARTS_KEY = "rb_parts"

STEPS = (
    "The encoder reads the sentence",
    "An encoder and a decoder, with their real sizes",
    "The decoder writes from the final state alone",
    "Accuracy falls as sentences grow",
    "Which words survive in the final state",
)
METRICS = {"token": "Words right (in order)", "sentence": "Whole sentence right"}
SURVIVAL_MODELS = {"bottleneck": "Without attention", "attention": "With attention (next page)"}


def rnn_bottleneck_ui() -> None:
    """An encoder–decoder without attention on the user's sentence, and its measured loss of context."""
    st.title("The RNN bottleneck")
    lesson = Lesson(STEPS)
    loaded = translator_or_error("bottleneck")
    if loaded is None:
        return
    arch = architecture(loaded.model)
    hidden = arch.encoder_hidden
    if not lesson.presenting:
        st.markdown(
            "Before attention, a translator was two recurrent networks. The **encoder** reads the English "
            "sentence one word at a time and updates a single hidden state; the **decoder** writes the "
            f"translation starting from the encoder's *final* state — one vector of {hidden} numbers, whether "
            "the sentence has 3 words or 40. The models here were trained on a toy English → French-like "
            "language: adjectives move behind the noun, relative clauses and commas stay in place, and every "
            "word agrees with the noun or subject it belongs to, however far back that is."
        )
    ev = evaluation_or_error()
    controls = st.columns([3, 2])
    source = source_ui(EXAMPLE_KEY, controls[0])
    tokens, reference = source.tokens, source.reference
    with controls[1], settings_container(lesson.presenting):
        metric = url_selectbox(
            "Accuracy measure",
            list(METRICS),
            METRIC_KEY,
            "token",
            format_func=METRICS.get,
            help="Words right: share of the reference words the model produces in the right order. "
            "Whole sentence: share of sentences translated perfectly.",
        )
    lesson.nav_ui()
    result = run_model("bottleneck", tuple(tokens))

    if lesson.show(1):
        lesson.header(1)
        st.markdown(
            f"Press **Play** to watch the GRU read “{escape_markdown(' '.join(tokens))}”. Each column is its "
            f"hidden state after one more word ({hidden} numbers, blue positive, red negative). Every new word "
            "overwrites part of the memory; the last column, **c**, is all the decoder will ever see."
        )
        show_figure(
            encoder_animation(result.encoder_states, tokens, title="The encoder reading, word by word"),
            ENCODER_FIG,
        )

    if lesson.show(2):
        lesson.header(2)
        st.markdown(
            f"The trained model, part by part. The English tokens become vectors of {arch.emb_dim} numbers, the "
            f"encoder GRU carries {hidden} numbers from word to word, and its last state **c** is the only link "
            f"to the decoder: a GRU of {arch.decoder_hidden} numbers that reads **c** again at every step and, "
            f"through the readout, picks one of {arch.tgt_vocab} French tokens. {arch.parameters:,} learned "
            "numbers in all."
        )
        show_figure(architecture_diagram(arch, "RNN encoder–decoder (no attention), as trained"), DIAGRAM_FIG)
        parts_table_ui(arch, PARTS_KEY)

    if lesson.show(3):
        lesson.header(3)
        output_vs_reference_ui(result.output, reference.tokens, "Decoder (from c only)")
        far = longest_agreement(tokens, reference)
        example = (
            f" Here “{escape_markdown(far.verb)}” must still know its subject, “{escape_markdown(far.subject)}”, "
            f"{far.distance} tokens back: the French verb agrees with it."
            if far is not None and far.distance >= 4
            else ""
        )
        st.markdown(
            f"The decoder starts from **c** and is reminded of the same **c** at every step: {hidden} numbers "
            f"must hold all {len(tokens)} source tokens, their order, and which words agree with which.{example} "
            "Short sentences fit; long ones do not."
        )

    if lesson.show(4) and ev is not None:
        lesson.header(4)
        key = "token_accuracy" if metric == "token" else "sentence_accuracy"
        curves = length_curves_data(ev, key)
        counts = {k: int(row["n"]) for k, row in ev.by_length["bottleneck"].items()}
        show_figure(
            length_curves(
                curves,
                f"{METRICS[metric]}, by source length ({ev.per_length} held-out sentences per length)",
                y_title=METRICS[metric].lower(),
                mark_length=len(tokens),
                counts=counts,
            ),
            CURVES_FIG,
        )
        summary = length_summary(ev, key)
        st.markdown(
            "Measured on sentences neither model saw in training: without attention, "
            f"{fmt_share(summary.bottleneck_short)} on sentences of up to {summary.short_max} tokens but "
            f"{fmt_share(summary.bottleneck_long)} on {summary.long_min}–{summary.longest[1]} tokens. The model "
            f"with attention (the blue line, next page) gets {fmt_share(summary.attention_long)} on "
            f"{summary.long_min}–{summary.longest[1]} tokens."
            + (
                " The gap opens with length — the shape of Figure 2 in Bahdanau, Cho and Bengio (2014)."
                if summary.attention_long - summary.bottleneck_long > 0.2
                else ""
            )
        )

    if lesson.show(5) and ev is not None:
        lesson.header(5)
        which = url_selectbox(
            "Model",
            list(SURVIVAL_MODELS),
            SURVIVAL_KEY,
            "bottleneck",
            format_func=SURVIVAL_MODELS.get,
            widget=st.segmented_control,
            required=True,  # a second click on the chosen model keeps it (it would clear it otherwise)
            help="Compare with the attention model, which never has to squeeze the sentence into one vector.",
        )
        survival = survival_summary(ev, which)
        st.markdown(
            "A source word *survives* when the word the rules make from it appears in the output. Each row "
            "is a group of sentence lengths; each column a position in the English sentence."
        )
        show_figure(
            survival_heatmap(
                survival.matrix,
                list(survival.bucket_labels),
                f"Which source positions come out right · {SURVIVAL_MODELS[which]}",
            ),
            SURVIVAL_FIG,
        )
        st.caption(
            f"In sentences of {survival.bucket_labels[-1]}: positions 1–10 come out right "
            f"{fmt_share(survival.first_ten)} of the time, the last ten positions {fmt_share(survival.last_ten)}. "
            f"Your sentence: {sum(matched_reference(result.output, reference.tokens))} of "
            f"{len(reference.tokens)} words right."
        )


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    rnn_bottleneck_ui()
