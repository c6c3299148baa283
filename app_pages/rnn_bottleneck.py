"""Page 2: the RNN bottleneck — a GRU encoder squeezes the sentence into one vector, and long sentences fail."""

from __future__ import annotations

import numpy as np
import streamlit as st

from attention_core.figures.translation import encoder_animation, length_curves, survival_heatmap
from attention_core.text import escape_markdown
from attention_core.translation.evaluate import length_curves_data, matched_reference
from ui.figures import show_figure
from ui.layout import settings_container
from ui.lesson import Lesson
from ui.state import url_selectbox
from ui.translation import (
    evaluation_or_error,
    output_vs_reference_ui,
    run_model,
    source_ui,
    translator_or_error,
)

STEPS = (
    "The encoder reads the sentence",
    "The decoder writes from the final state alone",
    "Accuracy falls as sentences grow",
    "Which words survive in the final state",
)
METRICS = {"token": "Words right (in order)", "sentence": "Whole sentence right"}
SURVIVAL_MODELS = {"bottleneck": "Without attention", "attention": "With attention (next page)"}


def _bucket_labels(buckets: list[list[int]]) -> list[str]:
    return [f"{lo}–{hi} tokens" for lo, hi in buckets]


def rnn_bottleneck_ui() -> None:
    """An encoder–decoder without attention on the user's sentence, and its measured loss of context."""
    st.title("The RNN bottleneck")
    lesson = Lesson(STEPS)
    loaded = translator_or_error("bottleneck")
    if loaded is None:
        return
    hidden = loaded[0].cfg.hidden_dim
    if not lesson.presenting:
        st.markdown(
            "Before attention, a translator was two recurrent networks. The **encoder** reads the English "
            "sentence one word at a time and updates a single hidden state; the **decoder** writes the "
            f"translation starting from the encoder's *final* state — one vector of {hidden} numbers, whether "
            "the sentence has 3 words or 40. The models here were trained on a toy English → French-like "
            "language (adjectives move behind the noun, everything agrees in gender and number)."
        )
    ev = evaluation_or_error()
    controls = st.columns([3, 2])
    source = source_ui("rb_ex", controls[0])
    tokens, reference = source.tokens, source.reference
    with controls[1], settings_container(lesson.presenting):
        metric = url_selectbox(
            "Accuracy measure",
            list(METRICS),
            "rb_metric",
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
            f"Press **Play** to watch the GRU read “{escape_markdown(' '.join(tokens))}”. Each column is its hidden state "
            f"after one more word ({hidden} numbers, blue positive, red negative). Every new word overwrites "
            "part of the memory; the last column, **c**, is all the decoder will ever see."
        )
        show_figure(
            encoder_animation(result.encoder_states, tokens, title="The encoder reading, word by word"),
            "rb_encoder",
        )

    if lesson.show(2):
        lesson.header(2)
        output_vs_reference_ui(result.output, reference.tokens, "Decoder (from c only)")
        st.markdown(
            f"The decoder starts from **c** and is reminded of the same **c** at every step: {hidden} numbers "
            f"must hold all {len(tokens)} source words, their order and which adjective belongs to which "
            "noun. Short sentences fit; long ones do not."
        )

    if lesson.show(3) and ev is not None:
        lesson.header(3)
        key = "token_accuracy" if metric == "token" else "sentence_accuracy"
        curves = length_curves_data(ev, key)
        counts = {int(k): v["n"] for k, v in ev["by_length"]["bottleneck"].items()}
        show_figure(
            length_curves(
                curves,
                f"{METRICS[metric]}, by source length ({ev['per_length']} held-out sentences per length)",
                y_title=METRICS[metric].lower(),
                mark_length=len(tokens),
                counts=counts,
            ),
            "rb_curves",
        )
        short = np.mean([v for k, v in curves["bottleneck"].items() if k <= 10])
        long = np.mean([v for k, v in curves["bottleneck"].items() if k >= 30])
        attn_long = np.mean([v for k, v in curves["attention"].items() if k >= 30])
        st.markdown(
            f"Measured on sentences neither model saw in training: without attention, {short:.0%} on sentences "
            f"of up to 10 words but {long:.0%} on 30–40 words. The model with attention (the blue line, "
            f"next page) gets {attn_long:.0%} on 30–40 words."
            + (
                " The gap opens with length — the shape of Figure 2 in Bahdanau, Cho and Bengio (2014)."
                if attn_long - long > 0.2
                else ""
            )
        )

    if lesson.show(4) and ev is not None:
        lesson.header(4)
        which = url_selectbox(
            "Model",
            list(SURVIVAL_MODELS),
            "rb_surv",
            "bottleneck",
            format_func=SURVIVAL_MODELS.get,
            widget=st.segmented_control,
            required=True,  # a second click on the chosen model keeps it (it would clear it otherwise)
            help="Compare with the attention model, which never has to squeeze the sentence into one vector.",
        )
        survival = np.asarray(ev["survival"][which], dtype=float)
        labels = _bucket_labels(ev["buckets"])
        st.markdown(
            "A source word *survives* when the word the rules make from it appears in the output. Each row "
            "is a group of sentence lengths; each column a position in the English sentence."
        )
        show_figure(
            survival_heatmap(
                survival, labels, f"Which source positions come out right · {SURVIVAL_MODELS[which]}"
            ),
            "rb_survival",
        )
        longest = survival[-1]
        first, last = np.nanmean(longest[:10]), np.nanmean(longest[-10:])
        st.caption(
            f"In sentences of {labels[-1]}: positions 1–10 come out right {first:.0%} of the time, the last ten "
            f"positions {last:.0%}. Your sentence: {sum(matched_reference(result.output, reference.tokens))} of "
            f"{len(reference.tokens)} words right."
        )


rnn_bottleneck_ui()
