"""Today's LLMs 2: sliding-window attention on the toy, its receptive field over layers, and on SmolLM2."""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import streamlit as st
import torch

from attention_core.builders import seeded_weights
from attention_core.figures import transformer as tf
from attention_core.figures import variants as fv
from attention_core.text import escape_markdown
from attention_core.variants import kv_cache as kc
from attention_core.variants import windows as win
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.layout import settings_container, token_names, weight_sizes_ui
from ui.lesson import Lesson
from ui.models import loaded_model, model_ids, model_text
from ui.sentence import current_tokens
from ui.slides import fit, step_columns
from ui.vectors import vector_source_ui
from ui.widgets import url_slider, url_token_select

WINDOW_KEY, LAYERS_KEY, QUERY_KEY = "swa_window", "swa_layers", "swa_q"
SEED_KEY, DIN_KEY, DOUT_KEY = "swa_seed", "swa_din", "swa_dout"
LLM_WINDOW_KEY, LLM_LAYER_KEY, LLM_HEAD_KEY = "swa_llm_window", "swa_layer", "swa_head"
TOY_FIG, FIELD_FIG = "swa_toy_fig", "swa_field_fig"
LLM_FIG, NEXT_FULL_FIG, NEXT_WINDOW_FIG, SWEEP_FIG = (
    "swa_llm_fig",
    "swa_next_full",
    "swa_next_window",
    "swa_sweep_fig",
)
STEPS = (
    "A band instead of a triangle",
    "Stacked windows see further",
    "SmolLM2 with a window",
    "How small can the window be?",
)
MAX_LAYERS = 8
MAX_LLM_TOKENS = 64  # SmolLM2 runs every window of the sweep in one batch: keep it light
DEFAULT_WINDOW, DEFAULT_LLM_WINDOW, DEFAULT_LAYERS = 3, 4, 3
MISTRAL = kc.MISTRAL_7B


@dataclass(frozen=True)
class ToyFigures:
    """The toy's window and receptive-field figures for one setting."""

    toy: win.ToyWindow
    window_fig: go.Figure
    field: win.ReceptiveField
    field_fig: go.Figure


@shared_cache(max_entries=64, show_spinner=False)
def _toy(
    tokens: tuple[str, ...],
    source: str,
    d_in: int,
    d_out: int,
    seed: int,
    window: int,
    layers: int,
    query: int,
    _inputs: torch.Tensor,
) -> ToyFigures:
    """The book's causal attention with a window, and what stacked windows reach (shared; never changed)."""
    toks = list(tokens)
    W_query, W_key, W_value = seeded_weights("linear", d_in, d_out, seed)
    toy = win.toy_window(_inputs, W_query, W_key, W_value, window)
    field = win.receptive_field(len(toks), window, layers)
    return ToyFigures(
        toy,
        fv.window_pair_figure(toy.full_weights, toy.attn_weights, toy.hidden, toks, window),
        field,
        fv.receptive_field_figure(field.reach, toks, query, window),
    )


@shared_cache(max_entries=8, ttl=15 * 60, show_spinner=False)
def _smol(
    text: str, window: int, _loaded: object, _ids: torch.Tensor, labels: tuple[str, ...], total: int
) -> win.SmolWindowStudy:
    """SmolLM2 under the sweep of windows and the chosen one (ids and labels follow from the text)."""
    loaded = _loaded
    return win.smollm2_window_study(loaded.model, loaded.tokenizer, _ids, labels, window, total)  # type: ignore[attr-defined]


def _toy_ui(lesson: Lesson) -> None:
    if not (lesson.show(1) or lesson.show(2)):
        return
    tokens = current_tokens().tokens
    t = len(tokens)
    settings = settings_container(lesson.presenting)
    with settings:
        seed, d_in, d_out = weight_sizes_ui(
            "linear", SEED_KEY, DIN_KEY, DOUT_KEY
        )  # the book's nn.Linear weights
        vectors = vector_source_ui(tokens, d_in)
    with settings if lesson.presenting else st.container():  # presenting: the figure stays above the fold
        c1, c2, c3 = st.columns([2, 1, 2])
        with c1:
            window = url_slider(
                "Window (keys per query)",
                1,
                max(t, 2),
                WINDOW_KEY,
                min(DEFAULT_WINDOW, max(t, 2)),
                help="Each token sees itself and the window − 1 tokens before it.",
            )
        with c2:
            layers = url_slider("Stacked layers", 1, MAX_LAYERS, LAYERS_KEY, DEFAULT_LAYERS)
        with c3:
            query = url_token_select(
                "Follow the token",
                token_names(tokens),
                QUERY_KEY,
                t - 1,
                help="Whose receptive field step 2 draws.",
            )
    window = min(window, t)
    figs = _toy(tuple(tokens), vectors.source, d_in, d_out, seed, window, layers, query, vectors.vectors)
    if lesson.show(1):
        lesson.header(1)
        seen = figs.toy.keys_per_query
        text_col, fig_col = step_columns(lesson.presenting)
        text_col.markdown(
            f"A causal mask lets token *i* see all *i* earlier tokens; a **sliding window** of {window} keeps only "
            f"the last {window} (itself included), so every row has at most {int(seen.max())} visible keys "
            f"(here {', '.join(str(int(s)) for s in seen)}) and the cost per token stops growing with the text. "
            f"Mistral-7B (v0.1) uses a window of {MISTRAL.window:,}; Gemma 2 and 3 and GPT-OSS alternate windowed "
            "layers with full ones."
        )
        show_figure(fit(figs.window_fig, lesson.presenting), TOY_FIG, container=fig_col)
    if lesson.show(2):
        lesson.header(2)
        span = int(figs.field.span[-1])
        formula = win.receptive_span_formula(window, layers, t)
        text_col, fig_col = step_columns(lesson.presenting)
        text_col.markdown(
            f"Layer 1 lets a token read {window} tokens. Layer 2 reads tokens that have each read {window} "
            f"tokens, so information travels {window - 1} further back per layer. After {layers} layer"
            f"{'s' * (layers > 1)} the last token draws on **{span} of {t}** tokens"
            + (f" — min(T, L·(W − 1) + 1) = {formula}, as the formula says." if span == formula else ".")
            + f" With {MISTRAL.layers} layers of {MISTRAL.window:,}, Mistral-7B's last layer can in principle reach "
            f"{win.receptive_span_formula(MISTRAL.window or 1, MISTRAL.layers, 10**9):,} tokens back."
        )
        show_figure(fit(figs.field_fig, lesson.presenting), FIELD_FIG, container=fig_col)


def _smol_ui(lesson: Lesson) -> None:
    if not (lesson.show(3) or lesson.show(4)):
        return
    loaded = loaded_model("smollm2")
    if loaded is None:
        return
    text = model_text()
    ids, labels, total = model_ids(loaded, text, MAX_LLM_TOKENS)
    t = ids.shape[1]
    c1, c2, c3 = st.columns([2, 1, 1])
    with c1:
        window = url_slider(
            "SmolLM2 window",
            1,
            max(t, 2),
            LLM_WINDOW_KEY,
            min(DEFAULT_LLM_WINDOW, max(t, 2)),
            help="Applied to every layer as an extra mask; the model itself is not changed.",
        )
    with c2:
        layer = url_slider("Layer", 1, loaded.num_layers, LLM_LAYER_KEY, 1)
    with c3:
        head = url_slider("Head", 1, loaded.num_heads, LLM_HEAD_KEY, 1)
    window = min(window, t)
    with st.spinner("Running SmolLM2 under every window ..."):
        study = _smol(text, window, loaded, ids, tuple(labels), total)
    if lesson.show(3):
        lesson.header(3)
        text_col, fig_col = step_columns(lesson.presenting)
        text_col.markdown(
            f"SmolLM2 was trained with full causal attention over 8,192 tokens. Here the same model reads the "
            f"{t} tokens with a window of {window} on **every** layer (an extra mask passed with the call). "
            f"Without a window (window = {t}) the masked run "
            + (
                f"matches the model's own output (largest logit difference {study.no_window_diff:.1e}, float "
                "rounding of a batched run)."
                if study.no_window_diff < 1e-3
                else f"differs from the model's own output by {study.no_window_diff:.2g} in its logits: a bug, "
                "please report it."
            )
        )
        show_figure(
            fit(
                fv.window_pair_figure(
                    study.attn_full[layer - 1, head - 1],
                    study.attn_window[layer - 1, head - 1],
                    win.window_mask(t, window).numpy(),
                    list(study.tokens),
                    window,
                    (
                        f"Layer {layer}, head {head}: full causal",
                        f"Layer {layer}, head {head}: window {window}",
                    ),
                ),
                lesson.presenting,
            ),
            LLM_FIG,
            container=fig_col,
        )
        left, right = st.columns(2)
        full_pairs = list(zip(study.predict_full.tokens, study.predict_full.probs, strict=True))
        window_pairs = list(zip(study.predict_window.tokens, study.predict_window.probs, strict=True))
        # short titles: on a projector each chart is a third of the text column wide
        show_figure(tf.next_token_bars(full_pairs, "Full attention"), NEXT_FULL_FIG, container=left)
        show_figure(
            tf.next_token_bars(window_pairs, f"Window {window}"),
            NEXT_WINDOW_FIG,
            container=right,
        )
    if lesson.show(4):
        lesson.header(4)
        same = [w for w, ok in zip(study.sweep, study.top1_same, strict=True) if ok]
        best = study.predict_full.tokens[0].replace(" ", "␣").replace("\n", "↵")
        text_col, fig_col = step_columns(lesson.presenting)
        text_col.markdown(
            f"Windows of {', '.join(str(w) for w in study.sweep)} in one batched pass. The full model's next token "
            f"is “{escape_markdown(best)}”; the smallest of these windows that still puts it on top is "
            f"**{min(same)}** token{'s' * (min(same) != 1)}. The mean loss over the text falls from "
            f"{float(study.mean_loss[0]):.2f} nats (window 1: each token sees only itself) to "
            f"{float(study.mean_loss[-1]):.2f} with full attention."
        )
        sweep_fig = fv.window_sweep_figure(
            study.sweep,
            study.mean_loss,
            study.top1_prob,
            window,
            f"SmolLM2 on your text ({t} tokens) under each window",
        )
        show_figure(fit(sweep_fig, lesson.presenting), SWEEP_FIG, container=fig_col)


def sliding_window_ui() -> None:
    """The banded mask and its receptive field on the toy, then SmolLM2 with an extra window mask."""
    lesson = Lesson(STEPS)
    if not lesson.presenting:
        st.title("Sliding-window attention")
        st.markdown(
            "Full causal attention costs more with every token: token 10,000 compares its query with 10,000 keys, "
            "and the KV cache keeps all of them. A **sliding window** lets each token attend only to the last *W* "
            "tokens. The model still sees further than *W*: each layer passes on what the tokens in its window "
            "already read."
        )
    lesson.nav_ui()
    _toy_ui(lesson)
    _smol_ui(lesson)


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    sliding_window_ui()
