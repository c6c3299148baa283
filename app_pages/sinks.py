"""Today's LLMs 4: attention sinks — the first token soaks up attention, and a window cache that drops it fails."""

from __future__ import annotations

import streamlit as st

from attention_core import pretrained as pt
from attention_core.figures import variants as fv
from attention_core.text import escape_markdown
from attention_core.variants import sinks as sk
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.lesson import Lesson, figure_tabs
from ui.models import loaded_model, model_ids, model_text
from ui.notices import add_notice
from ui.slides import fit, step_columns
from ui.widgets import url_slider, url_toggle

SMOOTH_KEY, LOG_KEY, WINDOW_KEY, KEEP_KEY = "sink_smooth", "sink_log", "sink_window", "sink_keep"
SMOL_HEADS_FIG, SMOL_LAYERS_FIG = "sink_smol_heads", "sink_smol_layers"
CLS_FIG, SEP_FIG, MINI_LAYERS_FIG = "sink_cls_heads", "sink_sep_heads", "sink_mini_layers"
LOSS_FIG, COUNT_FIG, TYPED_FIG = "sink_loss_fig", "sink_count_fig", "sink_typed_fig"
# presentation mode: a step's figures in tabs
SMOL_TABS_KEY, MINI_TABS_KEY, EXPERIMENT_TABS_KEY = "sink_smol_tabs", "sink_mini_tabs", "sink_experiment_tabs"
STEPS = (
    "SmolLM2 piles attention on the first token",
    "MiniLM: [CLS] and [SEP]",
    "Drop the sinks and the loss jumps",
    "The same test on your text",
)
MAX_SINK_TOKENS = 128
DEFAULT_SMOOTH = 64
DEFAULT_TYPED_WINDOW = 8
MIN_TYPED_WINDOW = 3  # the first token kept and at least two recent ones: the kept-tokens slider has a choice


@shared_cache(max_entries=8, ttl=15 * 60, show_spinner=False)
def _shares(key: str, text: str, _loaded: pt.LoadedModel) -> tuple[sk.SinkShares, int]:
    """Shares of attention on the first (and last) token for (model, text); and the text's whole token count."""
    run = pt.run_attention(_loaded, text, max_tokens=MAX_SINK_TOKENS)
    return sk.sink_shares(key, run.labels, run.attentions, _loaded.spec.causal), run.total_tokens


@shared_cache(max_entries=16, ttl=15 * 60, show_spinner=False)
def _typed(text: str, window: int, keep: int, _loaded: pt.LoadedModel, _ids: object) -> sk.TypedCacheStudy:
    """The window-cache comparison on the typed text (ids follow from the text, which is in the key)."""
    return sk.typed_cache_study(_loaded.model, _ids, window, keep)  # type: ignore[arg-type]


@shared_cache()
def _experiment() -> sk.SinkExperiment | str:
    """The shipped experiment, or why it cannot be read."""
    try:
        return sk.load_experiment()
    except sk.ExperimentUnavailableError as exc:
        return str(exc)


def _note_tokens(shares: sk.SinkShares, total: int, name: str) -> None:
    if total > shares.num_tokens:
        add_notice(
            f"The text has {total:,} tokens for {name}; this page reads the first {shares.num_tokens}."
        )
    if shares.num_tokens == 1:
        add_notice(f"The text is only one token for {name}: it can attend only to itself. Add more words.")


def _smol_step(lesson: Lesson, text: str) -> None:
    loaded = loaded_model("smollm2")
    if loaded is None:
        return
    shares, total = _shares("smollm2", text, loaded)
    _note_tokens(shares, total, loaded.spec.name)
    layers, heads = shares.first.shape
    first = escape_markdown(shares.tokens[0])
    text_col, _ = step_columns(lesson.presenting)
    text_col.markdown(
        f"For every head, the share of its attention that lands on the first token “{first}” (averaged over the "
        f"{max(shares.num_tokens - 1, 1)} later queries; the first can only see itself). Spread evenly, a query "
        f"would give it {shares.uniform:.1%}. Over all {layers} × {heads} heads the mean is "
        f"**{float(shares.first.mean()):.1%}**, and **{shares.sink_heads}** heads give it more than half of their "
        "attention: a place to park attention when a head has nothing to look for (an *attention sink*)."
    )
    left, right = figure_tabs(["Every head", "Per layer"], SMOL_TABS_KEY, lambda: st.columns([2, 3]))
    heads_fig = fv.sink_heads_figure(shares.first, "SmolLM2: share on the first token")
    show_figure(fit(heads_fig, lesson.presenting), SMOL_HEADS_FIG, container=left)
    show_figure(
        fv.sink_layers_figure(
            {f"first token “{shares.tokens[0]}”": shares.first_mean},
            shares.uniform,
            f"Mean over the {heads} heads, per layer",
        ),
        SMOL_LAYERS_FIG,
        container=right,
    )


def _minilm_step(text: str, presenting: bool) -> None:
    loaded = loaded_model("minilm")
    if loaded is None:
        return
    shares, total = _shares("minilm", text, loaded)
    _note_tokens(shares, total, loaded.spec.name)
    assert shares.last is not None and shares.last_mean is not None
    both = shares.first + shares.last
    heads = shares.first.shape[1]
    text_col, _ = step_columns(presenting)
    text_col.markdown(
        f"MiniLM reads both ways, so every query sees all {shares.num_tokens} tokens ({shares.uniform:.1%} each "
        f"if spread evenly). The tokenizer's `[CLS]` (first) and `[SEP]` (last) get "
        f"**{float(shares.first.mean()):.1%}** and **{float(shares.last.mean()):.1%}** of all attention on "
        f"average; {int((both > 0.5).sum())} of the {both.size} heads give the two together more than half."
    )
    c1, c2, c3 = figure_tabs(["[CLS]", "[SEP]", "Per layer"], MINI_TABS_KEY, lambda: [*st.columns(2), None])
    show_figure(fit(fv.sink_heads_figure(shares.first, "Share on [CLS]"), presenting), CLS_FIG, container=c1)
    show_figure(fv.sink_heads_figure(shares.last, "Share on [SEP]"), SEP_FIG, container=c2)
    show_figure(
        fv.sink_layers_figure(
            {"[CLS]": shares.first_mean, "[SEP]": shares.last_mean},
            shares.uniform,
            f"Mean over the {heads} heads, per layer",
        ),
        MINI_LAYERS_FIG,
        container=c3,
    )


def _experiment_step(presenting: bool) -> None:
    exp = _experiment()
    if isinstance(exp, str):
        st.error(escape_markdown(exp), icon=":material/error:")
        return
    w, k = exp.window, sk.DEFAULT_SINKS
    full, dropped, kept = exp.run(None), exp.run(w, 0), exp.run(w, k)
    text_col, fig_col = step_columns(presenting)
    text_col.markdown(
        f"Generating a long text with a cache of only the last {w} tokens is the cheap way to stream. The "
        f"attention-sink paper (Xiao et al., 2023) found that it fails as soon as the first tokens leave the cache, "
        f"and that keeping just the first {k} fixes it. Measured here on {exp.num_tokens:,} tokens of "
        f"*{escape_markdown(exp.text_title)}* ({escape_markdown(exp.licence)}): after position {w} the mean "
        f"next-token loss is **{dropped.mean_after_window:.2f}** nats when the first tokens are dropped, "
        f"**{kept.mean_after_window:.2f}** when the first {k} stay (full attention: "
        f"{full.mean_after_window:.2f}) — a jump of **{exp.loss_jump:.2f}** nats, perplexity "
        f"{dropped.perplexity_after_window:.0f} instead of {kept.perplexity_after_window:.0f}."
    )
    c1, c2 = (text_col, text_col) if presenting else st.columns([3, 1])
    with c1:
        smooth = url_slider(
            "Running mean over positions",
            1,
            256,
            SMOOTH_KEY,
            DEFAULT_SMOOTH,
            help="The loss of single tokens is very noisy; this averages neighbouring positions.",
        )
    with c2:
        log_y = url_toggle("Log scale", LOG_KEY, False)
    curves = {
        "full attention": sk.smooth(full.losses, smooth),  # type: ignore[arg-type]
        f"window {w}: first tokens dropped": sk.smooth(dropped.losses, smooth),  # type: ignore[arg-type]
        f"window {w}, first {k} kept": sk.smooth(kept.losses, smooth),  # type: ignore[arg-type]
    }
    loss_tab, count_tab = figure_tabs(
        ["Loss along the text", "How many must stay?"], EXPERIMENT_TABS_KEY, lambda: [fig_col, None]
    )
    show_figure(
        fit(
            fv.cache_loss_figure(curves, w, smooth, f"SmolLM2 on {exp.num_tokens:,} tokens of Alice", log_y),
            presenting,
        ),
        LOSS_FIG,
        container=loss_tab,
    )
    counts = sorted({r.sinks for r in exp.runs if r.window == w})
    show_figure(
        fv.sink_count_figure(
            counts,
            [exp.run(w, s).mean_after_window for s in counts],
            full.mean_after_window,
            w,
            "How many first tokens must stay?",
        ),
        COUNT_FIG,
        container=count_tab,
    )
    others = sorted({r.window for r in exp.runs if r.window not in (None, w)})
    if others:
        lines = [
            f"window {o}: {exp.run(o, 0).mean_after_window:.2f} without sinks, "
            f"{exp.run(o, k).mean_after_window:.2f} with {k}"
            for o in others
        ]
        st.caption(
            "Other cache sizes (mean loss after their own window): " + "; ".join(lines) + ". Recomputed by "
            f"`scripts/sink_experiment.py` (seed {exp.seed}, {exp.seconds:,.0f} s). Both caches are one forward pass "
            "with the cache's mask on every layer, at the tokens' true positions."
        )


def _typed_step(text: str, presenting: bool) -> None:
    loaded = loaded_model("smollm2")
    if loaded is None:
        return
    ids, _labels, _total = model_ids(loaded, text, MAX_SINK_TOKENS)
    t = ids.shape[1]
    if t < MIN_TYPED_WINDOW + 2:  # the window slider runs from MIN_TYPED_WINDOW to t - 1: it needs two values
        st.info(
            f"This test needs at least {MIN_TYPED_WINDOW + 2} tokens: type a longer text.",
            icon=":material/info:",
        )
        return
    text_col, fig_col = step_columns(presenting)
    c1, c2 = (text_col, text_col) if presenting else st.columns(2)
    with c1:
        window = url_slider(
            "Cache size (window)", MIN_TYPED_WINDOW, t - 1, WINDOW_KEY, min(DEFAULT_TYPED_WINDOW, t - 1)
        )
    with c2:
        keep = url_slider("First tokens kept", 1, window - 1, KEEP_KEY, min(sk.DEFAULT_SINKS, window - 1))
    study = _typed(text, window, keep, loaded, ids)
    text_col.markdown(
        f"SmolLM2 reads your {t} tokens with a cache of {window}. After the cache is full, the mean loss is "
        f"{study.mean_after('full'):.2f} nats with full attention, **{study.mean_after('dropped'):.2f}** when the "
        f"first tokens are dropped and **{study.mean_after('kept'):.2f}** when the first {keep} stay. "
        "Short texts are noisy: step 3 runs the same test over a long text."
    )
    curves = {
        "full attention": study.full,
        "first tokens dropped": study.dropped,
        f"first {keep} kept": study.kept,
    }
    show_figure(
        fit(fv.cache_loss_figure(curves, window, 1, f"Your text, cache of {window}"), presenting),
        TYPED_FIG,
        container=fig_col,
    )


def sinks_ui() -> None:
    """Sink shares for the typed text in both models, the shipped window-cache experiment, and it on the text."""
    lesson = Lesson(STEPS)
    if not lesson.presenting:
        st.title("Attention sinks")
        st.markdown(
            "Look at any attention map of a trained model and many heads send most of their weight to the very "
            "first token. The attention-sink paper's explanation: softmax must give every query weights that sum "
            "to 1, so a head with nothing useful to attend to needs somewhere harmless to put them, and the first "
            "token, which every later token can see, becomes that place. It matters in practice: drop it from a "
            "KV cache and the model's predictions fall apart (step 3)."
        )
    lesson.nav_ui()
    text = model_text()
    if lesson.show(1):
        lesson.header(1)
        _smol_step(lesson, text)
    if lesson.show(2):
        lesson.header(2)
        _minilm_step(text, lesson.presenting)
    if lesson.show(3):
        lesson.header(3)
        _experiment_step(lesson.presenting)
    if lesson.show(4):
        lesson.header(4)
        _typed_step(text, lesson.presenting)


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    sinks_ui()
