"""Generating text: SmolLM2 writes one token at a time; each new token attends to every earlier one; the KV cache.

The sidebar text is the prompt. The page holds one generation per session (its prompt, the chosen tokens and
the forward pass after each); the passes themselves come from the server's `GenerationHub`, which shares
identical passes between sessions and runs at most a few forward passes at once, so a class stays responsive.
Settings and the chosen token ids are in the URL; opening a link replays those tokens (the same passes, so the
same numbers) and says whether the link's settings would choose each of them again.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import streamlit as st

from attention_core import generation as gc
from attention_core import pretrained as pt
from attention_core.figures import generate as gf
from attention_core.figures.common import plot_label
from attention_core.figures.frozen import FrozenFigure
from attention_core.text import clean_text, escape_markdown
from attention_core.views.generate import CacheGeometry, StepView, step_view, timings
from ui.cache import shared_cache
from ui.figures import show_figure
from ui.lesson import Lesson, figure_tabs
from ui.models import loaded_model, registry
from ui.notices import add_notice
from ui.sentence import TEXT_KEY
from ui.url import claim_value, seed_value
from ui.widgets import url_float_slider, url_selectbox, url_slider, url_toggle

# ---- keys: URL-backed settings, buttons, charts (prefix gen_), session state (prefix _gen_)
STRATEGY_KEY, TEMP_KEY, TOPK_KEY, TOPP_KEY = "gen_strategy", "gen_temp", "gen_topk", "gen_topp"
SEED_KEY, LENGTH_KEY = "gen_seed", "gen_len"
VIEW_KEY, LAYER_KEY, HEAD_KEY, MEAN_KEY = "gen_view", "gen_layer", "gen_head", "gen_mean"
OUT_KEY = "gen_out"  # URL only: the chosen token ids, dot-separated
NEXT_KEY, PLAY_KEY, ALL_KEY, STOP_KEY, RESET_KEY = "gen_next", "gen_play", "gen_all", "gen_stop", "gen_reset"
CHECK_KEY = "gen_check"
# chart keys
ATTN_FIG, NEXT_FIG, CACHE_FIG = "gen_attn_chart", "gen_next_chart", "gen_cache_chart"
SIZE_FIG, TIME_FIG = "gen_size_chart", "gen_time_chart"
CACHE_TABS_KEY = "gen_cache_tabs"  # presentation mode: step 3's two figures in tabs
_SESSION, _JOB, _LOCK, _CHECKED = "_gen_session", "_gen_job", "_gen_lock", "_gen_checked"

MODEL = "smollm2"
STEPS = (
    "Each new token looks back",
    "What comes next",
    "The KV cache grows",
    "Cache or recompute",
)
STRATEGIES = {"greedy": "Greedy", "sample": "Sample"}
DEFAULT_LENGTH = 20
PLAY_PAUSE_S = 0.35  # pause between tokens while playing, so a class can follow
SLOTS = max(1, int(os.environ.get("ATTENTION_EXPLORER_GENERATION_SLOTS", "1") or 1))
SIZE_POINTS = 48  # points on the cache-size curve
PRESENT_HEIGHT = 270  # figure height in presentation mode (enlarged x1.2 there): fits 1280x720


@st.cache_resource(show_spinner=False)
def generation_hub(key: str) -> gc.GenerationHub:
    """One hub per server process over the shared model (read-only): passes are shared and rationed."""
    return gc.GenerationHub(registry()["models"][key].model, slots=SLOTS)


@shared_cache(max_entries=64)
def _size_figure(key: str, t: int) -> FrozenFigure:
    """The cache-size curve (GQA vs plain multi-head) with the current T marked; the same for every session."""
    geometry = CacheGeometry.from_config(registry()["models"][key].model.config)
    top = max(t, gc.MAX_PROMPT_TOKENS + gc.MAX_NEW_TOKENS)
    lengths = sorted({*np.linspace(1, top, SIZE_POINTS).round().astype(int).tolist(), t})
    return gf.cache_size_figure(  # frozen by shared_cache
        lengths,
        [geometry.nbytes(x) for x in lengths],
        [geometry.mha_nbytes(x) for x in lengths],
        t,
        geometry.kv_heads,
        geometry.heads,
        "Cache size as the text grows",
    )


def page_prompt(loaded: pt.LoadedModel, bos_id: int) -> gc.Prompt:
    """The sidebar text as the model's prompt, bounded and cleaned, with a notice for every change."""
    raw = str(st.session_state.get(TEXT_KEY, "") or "")
    if len(raw) > pt.MAX_TEXT_CHARS:
        add_notice(
            f"The text has {len(raw):,} characters; only the first {pt.MAX_TEXT_CHARS:,} are read here."
        )
        raw = raw[: pt.MAX_TEXT_CHARS]
    text, cleaned = clean_text(raw)
    for message in cleaned:
        add_notice(message)
    prompt = gc.prepare_prompt(loaded.tokenizer, text, bos_id)
    bos = escape_markdown(str(loaded.tokenizer.convert_ids_to_tokens([bos_id])[0]))
    if prompt.from_bos:
        add_notice(
            f"The prompt is empty: SmolLM2 starts from its beginning-of-text token {bos} alone and writes from "
            "there. Type a prompt in the sidebar to continue your own text."
        )
    elif prompt.truncated:
        add_notice(
            f"The prompt has {prompt.total_tokens:,} tokens; the model reads only the last {len(prompt)} (the "
            "ones right before the text it writes)."
        )
    elif len(prompt) == 1:
        add_notice(
            "The prompt is a single token: at the first pass its query has only one key to attend to, so that "
            "weight is 1. Each new token adds one more key."
        )
    return prompt


def _parse_ids(vocab: int) -> Any:
    def parse(raw: str) -> tuple[int, ...] | None:
        parts = [p for p in raw.strip().split(".") if p != ""]
        if not parts or len(parts) > gc.MAX_NEW_TOKENS or not all(p.isdigit() and len(p) <= 7 for p in parts):
            return None
        ids = tuple(int(p) for p in parts)
        return ids if all(0 <= i < vocab for i in ids) else None

    return parse


def _ids_to_url(ids: tuple[int, ...]) -> str:
    return ".".join(str(i) for i in ids)


def sampling_ui() -> tuple[gc.Sampling, int]:
    """The strategy and sampling settings and the length (URL-backed); returns (sampling, length)."""
    lo_t, hi_t = gc.TEMPERATURE_RANGE
    c1, c2, c3, c4, c5, c6 = st.columns([3, 3, 3, 3, 2, 3])
    with c1:
        strategy = url_selectbox(
            "Choosing the next token",
            list(STRATEGIES),
            STRATEGY_KEY,
            "greedy",
            format_func=STRATEGIES.get,
            widget=st.radio,
            horizontal=True,
            help="Greedy always takes the most likely token; Sample draws one at random from the "
            "distribution, reshaped by temperature, top-k and top-p.",
        )
    greedy = strategy == "greedy"
    with c2:
        temperature = url_float_slider(
            "Temperature",
            lo_t,
            hi_t,
            TEMP_KEY,
            0.8,
            0.05,
            disabled=greedy,
            help="Logits are divided by it before softmax: below 1 sharpens, above 1 flattens.",
        )
    with c3:
        top_k = url_slider(
            "Top-k (0 = off)",
            *gc.TOP_K_RANGE,
            TOPK_KEY,
            50,
            disabled=greedy,
            help="Keep the k most likely.",
        )
    with c4:
        top_p = url_float_slider(
            "Top-p (1 = off)",
            *gc.TOP_P_RANGE,
            TOPP_KEY,
            0.95,
            0.05,
            disabled=greedy,
            help="Keep the smallest set of most likely tokens whose probabilities add up to p.",
        )
    with c5:
        seed = url_slider("Seed", *gc.SEED_RANGE, SEED_KEY, 123, disabled=greedy, help="Seeds every draw.")
    with c6:
        length = url_slider(
            "New tokens",
            1,
            gc.MAX_NEW_TOKENS,
            LENGTH_KEY,
            DEFAULT_LENGTH,
            help="How many tokens Play and Generate all write (at most 64; the model may stop earlier).",
        )
    sampling = gc.Sampling(
        greedy, round(float(temperature), 4), int(top_k), round(float(top_p), 4), int(seed)
    )
    return sampling, int(length)


# ---------------------------------------------------------------- session state and jobs


def _session(prompt: gc.Prompt) -> dict[str, Any]:
    """This session's generation for this prompt (a new prompt starts a new one)."""
    state = st.session_state.get(_SESSION)
    if state is None or state["prompt"] != prompt.ids:
        fresh = state is None
        state = {"prompt": prompt.ids, "gen": None, "fresh": fresh}
        st.session_state[_SESSION] = state
        st.session_state.pop(_JOB, None)
        st.session_state.pop(_CHECKED, None)
        if not fresh:
            st.session_state[OUT_KEY] = ()  # the text changed: the old continuation no longer applies
    return state


def _set_job(mode: str, target: int = 0) -> None:
    st.session_state[_JOB] = {"mode": mode, "target": target}


def _stop() -> None:
    st.session_state.pop(_JOB, None)


def _restart() -> None:
    st.session_state.pop(_JOB, None)
    state = st.session_state.get(_SESSION)
    if state and state["gen"] is not None:
        gen: gc.Generation = state["gen"]
        state["gen"] = gc.Generation(gen.prompt, (), gen.steps[:1], gen.eos_ids)
    st.session_state[OUT_KEY] = ()
    st.session_state.pop(VIEW_KEY, None)


def _session_lock() -> threading.Lock:
    lock = st.session_state.get(_LOCK)
    if lock is None:
        lock = st.session_state[_LOCK] = threading.Lock()
    return lock


def _waiter(box: Any) -> gc.Waiting:
    def waiting(ahead: int) -> None:
        box.info(
            f"Waiting for the model: {ahead} forward pass{'es' * (ahead != 1)} ahead of yours. The server runs "
            f"{SLOTS} at a time so that every student's page stays responsive.",
            icon=":material/hourglass_top:",
        )

    return waiting


def run_job(
    hub: gc.GenerationHub, state: dict[str, Any], sampling: gc.Sampling, progress: Any, box: Any
) -> str:
    """Do this run's share of the session's job (one token, or up to the target).

    Returns 'idle' (no job, or it could not run), 'more' (playing: another token in the next run) or 'done'
    (the job wrote its tokens: the page redraws so its buttons match the new state).
    """
    job = st.session_state.get(_JOB)
    gen: gc.Generation = state["gen"]
    if job is None:
        return "idle"
    lock = _session_lock()
    if not lock.acquire(blocking=False):  # one generation per session at a time
        box.info("A generation is already running in this tab.", icon=":material/sync:")
        return "idle"
    waiting = _waiter(box)
    try:
        mode = job["mode"]
        forced: tuple[int, ...] = job.get("forced", ())
        if mode == "replay":
            target = len(forced)
        elif mode == "next":
            target = len(gen.ids) + 1
        else:
            target = min(job["target"], gc.MAX_NEW_TOKENS)
        one = mode in ("next", "play")
        if mode != "replay":
            state.pop("note", None)
        while len(gen.ids) < target and not gen.finished:
            number = len(gen.ids) + 1
            token = (
                forced[number - 1] if mode == "replay" else gc.pick(gen.steps[-1].logits, sampling, number)
            )
            if not one:
                verb = "Replaying the link's tokens" if mode == "replay" else "Writing"
                progress.progress(len(gen.ids) / target, text=f"{verb}: token {number} of {target} …")
            gen = gc.extend(hub, gen, token, waiting)
            state["gen"] = gen  # kept at once, so a Stop (or any click) never loses a token
            box.empty()
            if mode != "replay":
                st.session_state[VIEW_KEY] = len(gen.steps)  # follow the newest pass
            if one:
                break
        progress.empty()
        if mode == "replay" and len(gen.ids) < len(forced):
            dropped = len(forced) - len(gen.ids)
            state["note"] = (
                f"The link's text ends after token {len(gen.ids)}, where the model ended its text; the "
                f"{dropped} token{'s' * (dropped != 1)} after it were ignored."
            )
        if mode == "play" and len(gen.ids) < target and not gen.finished:
            return "more"
        st.session_state.pop(_JOB, None)
        return "done"
    except gc.GenerationBusyError as exc:
        st.session_state.pop(_JOB, None)
        box.error(f"The server is busy: {escape_markdown(str(exc))}.", icon=":material/hourglass_disabled:")
        return "idle"
    finally:
        lock.release()


# ---------------------------------------------------------------- drawing


def _marked(text: str, style: str) -> str:
    """Bold (or highlighted) Markdown around escaped text, with its leading/trailing spaces kept outside the
    markers (Markdown ignores '** word**')."""
    core = text.strip()
    if not core:
        return text
    left, right = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    body = f"**{escape_markdown(core)}**"
    return left + (f":orange-background[{body}]" if style == "highlight" else body) + right


def _text_line(tokenizer: Any, gen: gc.Generation, number: int, window: int | None = None) -> str:
    """The prompt's end, ▸, then the written tokens in bold; the token chosen at the shown pass highlighted.

    `window` limits both the prompt's tail and the written tokens before the highlighted one (presentation).
    """

    def text(ids: Sequence[int]) -> str:
        return tokenizer.decode(list(ids)).replace("\n", " ↵ ") if ids else ""

    prompt = gen.prompt.ids
    keep = window if window is not None else 24
    if gen.prompt.from_bos:
        out = "*(no prompt: the beginning-of-text token)* "
    else:
        out = ("… " if len(prompt) > keep else "") + escape_markdown(text(prompt[-keep:]))
    cut = max(0, number - 1 - window) if window is not None else 0
    before, chosen = gen.ids[cut : number - 1], gen.ids[number - 1 : number]
    end = number + 4 if window is not None else len(gen.ids)
    after = gen.ids[number:end]
    if not gen.ids:
        return out
    out += " ▸ " + ("… " if cut else "")  # where the model's own text begins (also keeps ** left-flanking)
    out += _marked(text(before), "bold") + (_marked(text(chosen) or " ", "highlight") if chosen else "")
    return out + _marked(text(after), "bold") + (" …" if end < len(gen.ids) else "")


def _buttons(gen: gc.Generation, length: int, presenting: bool) -> Any:
    """Next token / Play / Generate all / Stop / Start over in one row (clicks set this session's job)."""
    n, done, job = len(gen.ids), gen.finished is not None, st.session_state.get(_JOB)
    short = presenting  # projector type is large: short labels keep the row on one line
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    row.button(
        "Next token",
        key=NEXT_KEY,
        icon=":material/skip_next:",
        type="primary",
        disabled=done,
        on_click=_set_job,
        args=("next",),
        help="Choose one more token.",
    )
    row.button(
        "Play",
        key=PLAY_KEY,
        icon=":material/play_arrow:",
        disabled=done or n >= length,
        on_click=_set_job,
        args=("play", length),
        help="Write token after token, slowly, up to the number of new tokens.",
    )
    row.button(
        "All" if short else "Generate all",
        key=ALL_KEY,
        icon=":material/fast_forward:",
        disabled=done or n >= length,
        on_click=_set_job,
        args=("all", length),
        help="Write every remaining token at once.",
    )
    row.button("Stop", key=STOP_KEY, icon=":material/stop:", disabled=job is None, on_click=_stop)
    row.button(
        "Reset" if short else "Start over",
        key=RESET_KEY,
        icon=":material/restart_alt:",
        disabled=n == 0,
        on_click=_restart,
        help="Forget the written tokens (the prompt stays).",
    )
    return row


def _status(gen: gc.Generation, length: int, playing: bool) -> str:
    n = len(gen.ids)
    out = f"**{n}** new token{'s' * (n != 1)} (of {length})"
    if gen.finished == "eos":
        out += " · the model ended its text"
    elif gen.finished == "limit":
        out += f" · the limit of {gc.MAX_NEW_TOKENS} is reached"
    elif playing:
        out += " · playing …"
    return out


def _view_ui(passes: int, geometry: CacheGeometry) -> tuple[int, int, int, bool]:
    """Which pass, layer and head to look at (URL-backed): (pass, layer, head, mean of heads)."""
    v1, v2, v3, v4 = st.columns([5, 3, 3, 3], vertical_alignment="bottom")
    with v1:
        number = 1
        if passes > 1:
            number = url_slider(
                "Pass (the one that chooses token v)",
                1,
                passes,
                VIEW_KEY,
                passes,
                help="Pass 1 reads the prompt and chooses token 1; pass v feeds token v − 1 and chooses token v. "
                "The last pass shows the next token, not chosen yet.",
            )
    with v2:
        layer = url_slider("Layer", 1, geometry.layers, LAYER_KEY, 1, help="1 is closest to the input.")
    with v4:
        mean = url_toggle("Mean of heads", MEAN_KEY, False, help="Average the layer's heads.")
    with v3:
        head = url_slider("Head", 1, geometry.heads, HEAD_KEY, 1, disabled=mean)
    return number, layer, head, mean


def generate_ui() -> None:
    """The generation page: settings, buttons, the text, and the four lesson steps."""
    lesson = Lesson(STEPS)
    presenting = lesson.presenting
    if presenting:  # a smaller heading leaves the projector's height to the figure
        st.subheader("Generating text, one token at a time")
    else:
        st.title("Generating text, one token at a time")
    if not presenting:
        st.markdown(
            "A decoder writes by predicting one token, appending it, and predicting again. Here SmolLM2-135M "
            "continues the text in the sidebar. Each new token's **query** attends to the **keys** of every "
            "token before it (the causal mask at work), and the keys and values of those tokens are kept in a "
            "**KV cache**, so each new token runs only itself through the model instead of the whole text."
        )
    problem = pt.availability(MODEL)
    if problem is not None:
        st.warning(escape_markdown(problem), icon=":material/extension_off:")
        st.info("This page needs SmolLM2; every other page works without it.", icon=":material/info:")
        return
    loaded = loaded_model(MODEL)
    if loaded is None:
        return
    hub = generation_hub(MODEL)
    geometry = CacheGeometry.from_config(loaded.model.config)
    prompt = page_prompt(loaded, hub.bos_id)

    # Layout order differs from code order: in presentation mode the settings fold away below the step.
    if presenting:
        buttons_area, text_area, body = st.container(), st.container(), st.container()
        with st.expander("Settings", icon=":material/tune:"):
            settings_area, views_area = st.container(), st.container()
    else:
        settings_area, buttons_area, views_area = st.container(), st.container(), st.container()
        text_area, body = st.container(), st.container()

    with settings_area:
        sampling, length = sampling_ui()
    seed_value(OUT_KEY, (), _parse_ids(hub.vocab_size), "Generated text", lambda _: "no generated text")
    state = _session(prompt)
    link_ids: tuple[int, ...] = tuple(st.session_state.get(OUT_KEY) or ())
    if state.pop("fresh", False) and link_ids:
        st.session_state[_JOB] = {"mode": "replay", "target": len(link_ids), "forced": link_ids}

    with buttons_area:
        box, progress = st.empty(), st.empty()
        if state["gen"] is None:  # placeholders only above the buttons: the layout never shifts between runs
            try:
                progress.caption("Reading the prompt …")
                state["gen"] = gc.start(hub, prompt, _waiter(box))
                progress.empty()
                box.empty()
            except gc.GenerationBusyError as exc:
                box.error(
                    f"The server is busy: {escape_markdown(str(exc))}.", icon=":material/hourglass_disabled:"
                )
                return
        job = st.session_state.get(_JOB)
        row = _buttons(state["gen"], length, presenting)
        status_area = row.empty()
        outcome = run_job(hub, state, sampling, progress, box)
        if outcome == "done":
            st.rerun()  # the buttons above were drawn before the tokens were written
    more = outcome == "more"
    if state.get("note"):
        add_notice(state["note"])
    gen: gc.Generation = state["gen"]
    with views_area:
        number, layer, head, mean = _view_ui(len(gen.steps), geometry)
    status = _status(gen, length, job is not None and more)
    with text_area:
        line = _text_line(loaded.tokenizer, gen, number, window=6 if presenting else None)
        st.markdown(f"{line} · :gray[{status}]" if presenting else line)
    if not presenting:
        status_area.markdown(status)

    labels = gc.token_labels(loaded.tokenizer, (*prompt.ids, *gen.ids))
    view = step_view(gen, sampling, number, layer - 1, None if mean else head - 1, geometry)
    with body:
        lesson.nav_ui()
        if lesson.show(1):
            _attention_step(lesson, view, labels, len(prompt), layer, head, mean)
        if lesson.show(2):
            _next_token_step(lesson, view, loaded, sampling, gen, number, hub.vocab_size)
        if lesson.show(3):
            _cache_step(lesson, view, labels, geometry, layer, head, mean)
        if lesson.show(4):
            _timing_step(lesson, hub, gen, sampling)

    claim_value(OUT_KEY, gen.ids, (), _ids_to_url)
    st.session_state[OUT_KEY] = gen.ids
    if more:  # playing: this token is drawn; pause, then write the next one in a fresh run
        time.sleep(PLAY_PAUSE_S)
        st.rerun()


def _attention_step(
    lesson: Lesson, view: StepView, labels: list[str], n_prompt: int, layer: int, head: int, mean: bool
) -> None:
    """Step 1: the newest token's query row over every earlier key, above the rows of all passes so far."""
    query = escape_markdown(labels[view.query_position])
    if not lesson.presenting:
        lesson.header(1)
        st.markdown(
            f"At pass {view.number} the newest token, “{query}” (position {view.query_position + 1}), is the "
            f"query. Its weights over all {view.context_len} keys — every token before it and itself — are the "
            "bars; below, one row per pass so far, each one key longer than the last. Nothing lies to the right "
            "of a row: a decoder never sees a token it has not written yet."
        )
    who = "mean of the heads" if mean else f"head {head}"
    title = f"Layer {layer}, {who}: what “{plot_label(labels[view.query_position], 16)}” attends to (pass {view.number})"
    show_figure(
        gf.attention_figure(
            view.row,
            view.triangle,
            labels[: view.context_len],
            n_prompt,
            title,
            height=PRESENT_HEIGHT if lesson.presenting else 430,
        ),
        ATTN_FIG,
    )
    strongest = int(np.argmax(view.row))
    st.caption(
        f"The row sums to {float(view.row.sum()):.4f}; its strongest key is {escape_markdown(labels[strongest])} "
        f"(position {strongest + 1}, weight {float(view.row[strongest]):.3f}). Blue: the prompt; orange: written "
        "tokens; outlined: the query itself."
    )


def _token_text(loaded: pt.LoadedModel, token_id: int) -> str:
    return escape_markdown(gc.token_labels(loaded.tokenizer, [token_id])[0])


def _next_token_step(
    lesson: Lesson,
    view: StepView,
    loaded: pt.LoadedModel,
    sampling: gc.Sampling,
    gen: gc.Generation,
    number: int,
    vocab: int,
) -> None:
    """Step 2: the candidates for the token of this pass, reshaped by the settings; what was or will be chosen."""
    nxt = view.next_token
    pending = number > len(gen.ids)
    would = _token_text(loaded, nxt.would_pick)
    if pending:
        lead = f"Token {number} is not chosen yet. With these settings, **Next token** will take “{would}”."
        short = f"Token {number}: Next token will take “{plot_label(gc.token_labels(loaded.tokenizer, [nxt.would_pick])[0], 16)}”"
    else:
        chosen_label = gc.token_labels(loaded.tokenizer, [int(nxt.chosen)])[0]  # type: ignore[arg-type]
        lead = f"Pass {number} chose “{escape_markdown(chosen_label)}” (rank {nxt.chosen_rank} by the model's probability)."
        if nxt.would_pick != nxt.chosen:
            lead += f" These settings would choose “{would}” here: it was written with other settings."
        short = f"Token {number}: the model chose “{plot_label(chosen_label, 16)}” (rank {nxt.chosen_rank})"
    if not lesson.presenting:
        lesson.header(2)
        st.markdown(lead)
    names = gc.token_labels(loaded.tokenizer, nxt.ids)
    marked = nxt.chosen if nxt.chosen is not None else nxt.would_pick
    chosen_at = nxt.ids.index(marked) if marked in nxt.ids else None
    show_figure(
        gf.next_token_figure(
            names,
            nxt.model_probs,
            nxt.sample_probs,
            chosen_at,
            short if lesson.presenting else f"Token {number}: the model's candidates",
            sample_name=f"drawn from: temperature {sampling.temperature:g}, top-k, top-p",
            height=PRESENT_HEIGHT if lesson.presenting else None,
        ),
        NEXT_FIG,
    )
    if lesson.presenting:
        st.markdown(lead)
    if sampling.greedy:
        st.caption(
            "Greedy: the token with the highest probability (▶) is taken every time. Switch to Sample to draw "
            "at random and reshape the distribution with the temperature."
        )
        return
    matches = gen.matches(sampling)
    others = [str(k + 1) for k, ok in enumerate(matches) if not ok]
    if others:
        repro = f"Token{'s' * (len(others) > 1)} {', '.join(others)} {'were' if len(others) > 1 else 'was'} written with other settings."
    elif matches:
        repro = (
            f"These settings reproduce all {len(matches)} written tokens: each draw is seeded by the seed and the "
            "token number, so the link reopens this very text."
        )
    else:
        repro = ""
    st.caption(
        f"{sampling.describe()}: {nxt.kept:,} of {vocab:,} tokens can be drawn. The logits are divided by the "
        "temperature before softmax (below 1 sharpens the distribution, above 1 flattens it), then only the top-k "
        f"and the smallest set reaching top-p keep a chance. {repro}"
    )


def _cache_step(
    lesson: Lesson,
    view: StepView,
    labels: list[str],
    geometry: CacheGeometry,
    layer: int,
    head: int,
    mean: bool,
) -> None:
    """Step 3: the cache after this pass (one layer and KV head drawn), its shape and bytes, and why GQA."""
    t = view.context_len
    shape = ", ".join(str(s) for s in geometry.shape(t))
    size, mha = geometry.nbytes(t), geometry.mha_nbytes(t)
    heads = geometry.heads_of(view.kv_head)
    text = (
        f"After this pass the cache holds **T = {t}** tokens: keys and values of shape `({shape})` each — "
        f"(layers, KV heads, T, head size) — **{_bytes(size)}** in float32. SmolLM2 has {geometry.heads} query "
        f"heads per layer but only {geometry.kv_heads} KV heads: each KV head is shared by {geometry.group} "
        f"query heads (grouped-query attention), so its cache is {geometry.heads} / {geometry.kv_heads} = "
        f"{mha / size:g}× smaller than plain multi-head attention would need ({_bytes(mha)})."
    )
    if not lesson.presenting:
        lesson.header(3)
        st.markdown(text)
    title = f"Layer {layer}, KV head {view.kv_head + 1} (query heads {heads.start + 1}–{heads.stop})" + (
        f": cache = {_bytes(size)}" if lesson.presenting else ": the cached keys and values"
    )
    cache_tab, size_tab = figure_tabs(["The cache", "Its size"], CACHE_TABS_KEY)  # tabs when presenting
    show_figure(
        gf.kv_cache_figure(
            view.keys,
            view.values,
            labels[:t],
            view.new_rows,
            title,
            height=PRESENT_HEIGHT if lesson.presenting else None,
        ),
        CACHE_FIG,
        cache_tab,
    )
    if lesson.presenting:
        st.markdown(text)
    reader = (
        "the mean of the heads is drawn with KV head 1"
        if mean
        else f"head {head} reads KV head {view.kv_head + 1}"
    )
    st.caption(
        f"One row per cached token; the outlined row{'s' * (view.new_rows > 1)} entered at this pass "
        f"({reader}). Keys are stored after the rotary position encoding; each panel has its own colour scale."
    )
    show_figure(_size_figure(MODEL, t), SIZE_FIG, size_tab)


def _timing_step(lesson: Lesson, hub: gc.GenerationHub, gen: gc.Generation, sampling: gc.Sampling) -> None:
    """Step 4: measured time per token with the cache and recomputing; the two correctness checks."""
    tm = timings(gen)
    cached, full = tm.cached_tokens_per_s, tm.full_tokens_per_s
    if cached is None or full is None:
        text = "Write a few tokens (Next token, Play or Generate all) to measure the time per token."
        title = "Time per new token"
    else:
        text = (
            f"Measured on this server while the tokens were written: **{_rate(cached)} tokens/s with the cache**, "
            f"{_rate(full)} tokens/s recomputing the whole prefix (from {len(tm.full_s)} passes run without a cache). "
            "Without a cache every new token reruns all T earlier tokens, so its time grows with T; with the "
            "cache only the new token goes through the model. Other students share this server, so these are "
            "upper bounds."
        )
        title = f"Time per new token: {_rate(cached)} tokens/s with the cache, {_rate(full)} recomputing"
    if not lesson.presenting:
        lesson.header(4)
        st.markdown(text)
    show_figure(
        gf.timing_figure(
            tm.cached_t,
            tm.cached_s,
            tm.full_t,
            tm.full_s,
            title,
            height=PRESENT_HEIGHT if lesson.presenting else 360,
        ),
        TIME_FIG,
    )
    if lesson.presenting:
        st.markdown(text)
    if tm.max_gap is not None:
        ok = tm.max_gap <= gc.LOGIT_TOLERANCE
        (st.success if ok else st.error)(
            f"Logits with the cache equal those computed from scratch: the largest difference over "
            f"{len(tm.gaps)} checked pass{'es' * (len(tm.gaps) != 1)} is {tm.max_gap:.1e} "
            f"({'within' if ok else 'NOT within'} {gc.LOGIT_TOLERANCE:g}).",
            icon=":material/check_circle:" if ok else ":material/error:",
        )
    if not (sampling.greedy and gen.ids and all(gen.matches(sampling))):
        return
    checked = st.session_state.get(_CHECKED)
    if st.button("Compare with transformers' generate()", key=CHECK_KEY, icon=":material/fact_check:"):
        box = st.empty()
        try:
            ref = hub.reference_greedy(gen.prompt.ids, len(gen.ids), _waiter(box))
        except gc.GenerationBusyError as exc:
            box.error(
                f"The server is busy: {escape_markdown(str(exc))}.", icon=":material/hourglass_disabled:"
            )
            return
        box.empty()
        checked = st.session_state[_CHECKED] = (gen.prompt.ids, gen.ids, ref)
    if checked and checked[0] == gen.prompt.ids and checked[1] == gen.ids:
        ref = checked[2]
        first = next((k + 1 for k, (a, b) in enumerate(zip(ref, gen.ids, strict=False)) if a != b), None)
        if ref == gen.ids:
            st.success(
                f"transformers' own `model.generate(do_sample=False)` writes the same {len(ref)} tokens.",
                icon=":material/check_circle:",
            )
        else:
            st.error(
                f"transformers' greedy `generate()` differs from token {first or min(len(ref), len(gen.ids)) + 1}.",
                icon=":material/error:",
            )


def _rate(x: float) -> str:
    """Tokens per second to read at a glance: 31, 3.1, 0.31."""
    return f"{x:.0f}" if x >= 10 else f"{x:.1f}" if x >= 1 else f"{x:.2g}"


def _bytes(n: int) -> str:
    """1,234,567 -> '1.18 MB' (binary units, three significant digits)."""
    for unit, size in (("MB", 2**20), ("kB", 2**10)):
        if n >= size:
            value = n / size
            return f"{value:.{2 if value < 10 else 1 if value < 100 else 0}f} {unit}"
    return f"{n} bytes"


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    generate_ui()
