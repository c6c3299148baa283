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
from typing import Any

import numpy as np
import streamlit as st

from attention_core import generation as gc
from attention_core import pretrained as pt
from attention_core.figures import generation as gf
from attention_core.figures.common import plot_label
from attention_core.generation_view import CacheGeometry, StepView, step_view, timings
from attention_core.text import clean_text, escape_markdown
from ui.figures import show_figure
from ui.layout import settings_container
from ui.lesson import Lesson
from ui.models import loaded_model, model_registry
from ui.sentence import TEXT_KEY
from ui.state import (
    add_notice,
    claim_value,
    seed_value,
    url_float_slider,
    url_selectbox,
    url_slider,
    url_toggle,
)

# ---- keys: URL-backed settings, buttons, charts (prefix gen_), session state (prefix _gen_)
STRATEGY_KEY, TEMP_KEY, TOPK_KEY, TOPP_KEY = "gen_strategy", "gen_temp", "gen_topk", "gen_topp"
SEED_KEY, LENGTH_KEY = "gen_seed", "gen_len"
VIEW_KEY, LAYER_KEY, HEAD_KEY, MEAN_KEY = "gen_view", "gen_layer", "gen_head", "gen_mean"
OUT_KEY = "gen_out"  # URL only: the chosen token ids, dot-separated
NEXT_KEY, PLAY_KEY, ALL_KEY, STOP_KEY, RESET_KEY = "gen_next", "gen_play", "gen_all", "gen_stop", "gen_reset"
CHECK_KEY = "gen_check"
ATTN_CHART, NEXT_CHART, CACHE_CHART = "gen_attn_chart", "gen_next_chart", "gen_cache_chart"
SIZE_CHART, TIME_CHART = "gen_size_chart", "gen_time_chart"
_SESSION, _JOB, _LOCK, _CHECKED = "_gen_session", "_gen_job", "_gen_lock", "_gen_checked"

MODEL = "smollm2"
STEPS = (
    "Each new token looks back at every earlier token",
    "What comes next",
    "The KV cache grows",
    "Cache or recompute: time per token",
)
STRATEGIES = {"greedy": "Greedy", "sample": "Sample"}
DEFAULT_LENGTH = 20
PLAY_PAUSE_S = 0.35  # pause between tokens while playing, so a class can follow
SLOTS = max(1, int(os.environ.get("ATTENTION_EXPLORER_GENERATION_SLOTS", "1") or 1))
SIZE_POINTS = 48  # points on the cache-size curve


@st.cache_resource(show_spinner=False)
def generation_hub(key: str) -> gc.GenerationHub:
    """One hub per server process over the shared model (read-only): passes are shared and rationed."""
    return gc.GenerationHub(model_registry()["models"][key].model, slots=SLOTS)


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


def sampling_ui(presenting: bool) -> tuple[gc.Sampling, int]:
    """The strategy and sampling settings and the length (URL-backed); returns (sampling, length)."""
    lo_t, hi_t = gc.TEMPERATURE_RANGE
    with settings_container(presenting):
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
            seed = url_slider(
                "Seed", *gc.SEED_RANGE, SEED_KEY, 123, disabled=greedy, help="Seeds every draw."
            )
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
) -> bool:
    """Do this run's share of the session's job (one token, or up to the target); True if it should go on."""
    job = st.session_state.get(_JOB)
    gen: gc.Generation = state["gen"]
    if job is None:
        return False
    lock = _session_lock()
    if not lock.acquire(blocking=False):  # one generation per session at a time
        box.info("A generation is already running in this tab.", icon=":material/sync:")
        return False
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
        more = mode == "play" and len(gen.ids) < target and not gen.finished
        if not more:
            st.session_state.pop(_JOB, None)
        return more
    except gc.GenerationBusyError as exc:
        st.session_state.pop(_JOB, None)
        box.error(f"The server is busy: {escape_markdown(str(exc))}.", icon=":material/hourglass_disabled:")
        return False
    finally:
        lock.release()


# ---------------------------------------------------------------- drawing


def _text_line(tokenizer: Any, gen: gc.Generation, number: int, limit: int = 24) -> str:
    """The prompt's last tokens, then the written tokens in bold; the token chosen at the shown pass marked."""

    def show(ids: tuple[int, ...]) -> str:
        return escape_markdown(tokenizer.decode(list(ids)).replace("\n", " ↵ ")) if ids else ""

    prompt = gen.prompt.ids
    out = ("… " if len(prompt) > limit else "") + show(prompt[-limit:])
    if gen.prompt.from_bos:
        out = "(nothing: the beginning-of-text token)"
    before, chosen, after = gen.ids[: number - 1], gen.ids[number - 1 : number], gen.ids[number:]
    if before:
        out += f" **{show(before).strip()}**"
    if chosen:
        out += f" :orange-background[**{show(chosen).strip() or '␣'}**]"
    if after:
        out += f" **{show(after).strip()}**"
    return out


def generate_ui() -> None:
    """The generation page: settings, buttons, the text, and the four lesson steps."""
    st.title("Generating text, one token at a time")
    lesson = Lesson(STEPS)
    if not lesson.presenting:
        st.markdown(
            "A decoder writes by predicting one token, appending it, and predicting again. Here SmolLM2-135M "
            "continues the text in the sidebar. Each new token's **query** attends to the **keys** of every "
            "token before it (the causal mask at work), and the keys and values of those tokens are kept in a "
            "**KV cache**, so each step computes only one new row instead of the whole text again."
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
    sampling, length = sampling_ui(lesson.presenting)

    seed_value(OUT_KEY, (), _parse_ids(hub.vocab_size), "Generated text", lambda _: "no generated text")
    state = _session(prompt)
    link_ids: tuple[int, ...] = tuple(st.session_state.get(OUT_KEY) or ())
    if state.pop("fresh", False) and link_ids:
        st.session_state[_JOB] = {"mode": "replay", "target": len(link_ids), "forced": link_ids}

    box, progress = st.empty(), st.empty()
    if state["gen"] is None:
        try:
            with st.spinner("Reading the prompt …"):
                state["gen"] = gc.start(hub, prompt, _waiter(box))
            box.empty()
        except gc.GenerationBusyError as exc:
            box.error(
                f"The server is busy: {escape_markdown(str(exc))}.", icon=":material/hourglass_disabled:"
            )
            return
    gen: gc.Generation = state["gen"]
    n = len(gen.ids)
    job = st.session_state.get(_JOB)
    done = gen.finished is not None
    b = st.columns([3, 2, 3, 2, 3, 5], vertical_alignment="center")
    b[0].button(
        "Next token",
        key=NEXT_KEY,
        icon=":material/skip_next:",
        type="primary",
        disabled=done,
        on_click=_set_job,
        args=("next",),
        width="stretch",
    )
    b[1].button(
        "Play",
        key=PLAY_KEY,
        icon=":material/play_arrow:",
        disabled=done or n >= length,
        on_click=_set_job,
        args=("play", length),
        width="stretch",
    )
    b[2].button(
        "Generate all",
        key=ALL_KEY,
        icon=":material/fast_forward:",
        disabled=done or n >= length,
        on_click=_set_job,
        args=("all", length),
        width="stretch",
    )
    b[3].button(
        "Stop", key=STOP_KEY, icon=":material/stop:", disabled=job is None, on_click=_stop, width="stretch"
    )
    b[4].button(
        "Start over",
        key=RESET_KEY,
        icon=":material/restart_alt:",
        disabled=n == 0,
        on_click=_restart,
        width="stretch",
    )
    more = run_job(hub, state, sampling, progress, box)
    gen = state["gen"]
    n = len(gen.ids)
    with b[5]:
        status = f"**{n}** new token{'s' * (n != 1)} (of {length})"
        if gen.finished == "eos":
            status += " · the model ended its text"
        elif gen.finished == "limit":
            status += f" · the limit of {gc.MAX_NEW_TOKENS} is reached"
        elif job is not None and job["mode"] == "play" and more:
            status += " · playing …"
        st.markdown(status)

    labels = gc.token_labels(loaded.tokenizer, (*prompt.ids, *gen.ids))
    passes = len(gen.steps)
    v1, v2, v3, v4 = st.columns([5, 3, 3, 2], vertical_alignment="bottom")
    with v1:
        if passes > 1:
            number = url_slider(
                "Pass (the forward pass that chose token v)",
                1,
                passes,
                VIEW_KEY,
                passes,
                help="Pass 1 reads the prompt; pass v feeds token v − 1 and chooses token v. The last pass "
                "shows the next token, not chosen yet.",
            )
        else:
            number = 1
    with v2:
        layer = url_slider("Layer", 1, geometry.layers, LAYER_KEY, 1, help="1 is closest to the input.")
    with v4:
        mean = url_toggle("Mean of heads", MEAN_KEY, False, help="Average the layer's heads.")
    with v3:
        head = url_slider("Head", 1, geometry.heads, HEAD_KEY, 1, disabled=mean)
    st.markdown(_text_line(loaded.tokenizer, gen, number))
    lesson.nav_ui()

    view = step_view(gen, sampling, number, layer - 1, None if mean else head - 1, geometry)
    query = escape_markdown(labels[view.query_position])

    if lesson.show(1):
        if not lesson.presenting:
            lesson.header(1)
            st.markdown(
                f"At pass {number} the newest token, “{query}” (position {view.query_position + 1}), is the query. "
                f"Its weights over all {view.context_len} keys — every token before it and itself — are the bars; "
                "below, one row per pass so far, each one key longer than the last. Nothing lies to the right of "
                "a row: a decoder never sees a token it has not written yet."
            )
        who = "mean of the heads" if mean else f"head {head}"
        show_figure(
            gf.attention_figure(
                view.row,
                view.triangle,
                labels[: view.context_len],
                len(prompt),
                f"Layer {layer}, {who}: what “{plot_label(labels[view.query_position], 16)}” attends to",
            ),
            ATTN_CHART,
        )
        strongest = int(np.argmax(view.row))
        st.caption(
            f"The row sums to {float(view.row.sum()):.4f}; its strongest key is "
            f"{escape_markdown(labels[strongest])} (position {strongest + 1}, weight {float(view.row[strongest]):.3f})."
        )

    if lesson.show(2):
        if not lesson.presenting:
            lesson.header(2)
        _next_token_step(view, loaded, sampling, gen, number, hub.vocab_size)

    if lesson.show(3):
        if not lesson.presenting:
            lesson.header(3)
        _cache_step(view, labels, geometry, layer, head, mean)

    if lesson.show(4):
        if not lesson.presenting:
            lesson.header(4)
        _timing_step(hub, gen, sampling)

    claim_value(OUT_KEY, gen.ids, (), _ids_to_url)
    st.session_state[OUT_KEY] = gen.ids
    if more:  # playing: draw this token, pause, then write the next one in a fresh run
        time.sleep(PLAY_PAUSE_S)
        st.rerun()


def _token_text(loaded: pt.LoadedModel, token_id: int) -> str:
    return escape_markdown(gc.token_labels(loaded.tokenizer, [token_id])[0])


def _next_token_step(
    view: StepView, loaded: pt.LoadedModel, sampling: gc.Sampling, gen: gc.Generation, number: int, vocab: int
) -> None:
    """Step 2: the candidates for the token of this pass, reshaped by the settings; what was or will be chosen."""
    nxt = view.next_token
    pending = number > len(gen.ids)
    would = _token_text(loaded, nxt.would_pick)
    if pending:
        lead = f"Token {number} is not chosen yet. With these settings, **Next token** will take “{would}”."
    else:
        chosen = _token_text(loaded, int(nxt.chosen))
        lead = f"Pass {number} chose “{chosen}” (rank {nxt.chosen_rank} by the model's probability)."
        if nxt.would_pick != nxt.chosen:
            lead += f" These settings would choose “{would}” here: it was written with other settings."
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
            f"Token {number}: the model's candidates"
            + ("" if sampling.greedy else " and what is drawn from"),
            sample_name=f"drawn from (temperature {sampling.temperature:g})",
        ),
        NEXT_CHART,
    )
    if sampling.greedy:
        st.caption(
            "Greedy: the token with the highest probability is taken every time (▶). Switch to Sample to "
            "draw at random and reshape the distribution with the temperature."
        )
    else:
        matches = gen.matches(sampling)
        others = [str(k + 1) for k, ok in enumerate(matches) if not ok]
        repro = (
            f"These settings reproduce all {len(matches)} written tokens: each draw is seeded by the seed and the "
            "token number."
            if matches and not others
            else f"Tokens {', '.join(others)} were written with other settings."
            if others
            else ""
        )
        st.caption(
            f"{sampling.describe()}: {nxt.kept:,} of {vocab:,} tokens can be drawn. A temperature below 1 sharpens the distribution, above 1 flattens it. {repro}"
        )


def _cache_step(
    view: StepView, labels: list[str], geometry: CacheGeometry, layer: int, head: int, mean: bool
) -> None:
    t = view.context_len
    shape = geometry.shape(t)
    size, mha = geometry.nbytes(t), geometry.mha_nbytes(t)
    heads = geometry.heads_of(view.kv_head)
    st.markdown(
        f"After this pass the cache holds **T = {t}** tokens: keys and values of shape "
        f"`({', '.join(str(s) for s in shape)})` each — (layers, KV heads, T, head size) — "
        f"**{_bytes(size)}** in float32. SmolLM2 has {geometry.heads} query heads per layer but only "
        f"{geometry.kv_heads} KV heads: each KV head is shared by {geometry.group} query heads (grouped-query "
        f"attention), so its cache is {geometry.heads} / {geometry.kv_heads} = {mha / size:g}× smaller than plain "
        f"multi-head attention would need ({_bytes(mha)})."
    )
    reader = "the mean shows KV head 1's" if mean else f"head {head} reads KV head {view.kv_head + 1}"
    show_figure(
        gf.kv_cache_figure(
            view.keys,
            view.values,
            labels[:t],
            view.new_rows,
            f"Layer {layer}, KV head {view.kv_head + 1} (shared by query heads {heads.start + 1}–{heads.stop}): the cache",
        ),
        CACHE_CHART,
    )
    st.caption(
        f"One row per cached token; the outlined row{'s' * (view.new_rows > 1)} entered at this pass "
        f"({reader}). Keys are stored after the rotary position encoding."
    )
    top = max(t, pt.MAX_MODEL_TOKENS + gc.MAX_NEW_TOKENS)
    lengths = sorted({*np.linspace(1, top, SIZE_POINTS).round().astype(int).tolist(), t})
    show_figure(
        gf.cache_size_figure(
            lengths,
            [geometry.nbytes(x) for x in lengths],
            [geometry.mha_nbytes(x) for x in lengths],
            t,
            geometry.kv_heads,
            geometry.heads,
            "Cache size as the text grows",
        ),
        SIZE_CHART,
    )


def _timing_step(hub: gc.GenerationHub, gen: gc.Generation, sampling: gc.Sampling) -> None:
    tm = timings(gen)
    cached, full = tm.cached_tokens_per_s, tm.full_tokens_per_s
    if cached is None:
        st.info(
            "Write a few tokens (Next token, Play or Generate all) to measure the time per token.",
            icon=":material/timer:",
        )
    else:
        st.markdown(
            f"Measured on this server while the tokens were written: **{cached:.1f} tokens/s with the cache**, "
            f"{full:.1f} tokens/s recomputing the whole prefix (from {len(tm.full_s)} passes run without a cache). "
            "Without a cache every new token reruns all T earlier tokens, so its time grows with T; with the "
            "cache only one token goes through the model. Other students share this server, so these are upper "
            "bounds."
        )
    show_figure(
        gf.timing_figure(tm.cached_t, tm.cached_s, tm.full_t, tm.full_s, "Time per new token"), TIME_CHART
    )
    if tm.max_gap is not None:
        ok = tm.max_gap <= gc.LOGIT_TOLERANCE
        (st.success if ok else st.error)(
            f"Logits with the cache equal those computed from scratch: the largest difference over "
            f"{len(tm.gaps)} checked pass{'es' * (len(tm.gaps) != 1)} is {tm.max_gap:.1e} "
            f"({'within' if ok else 'NOT within'} {gc.LOGIT_TOLERANCE:g}).",
            icon=":material/check_circle:" if ok else ":material/error:",
        )
    if sampling.greedy and gen.ids and all(gen.matches(sampling)):
        checked = st.session_state.get(_CHECKED)
        if st.button("Compare with transformers' generate()", key=CHECK_KEY, icon=":material/fact_check:"):
            box = st.empty()
            try:
                ref = hub.reference_greedy(gen.prompt.ids, len(gen.ids), _waiter(box))
            except gc.GenerationBusyError as exc:
                box.error(f"The server is busy: {escape_markdown(str(exc))}.")
                return
            box.empty()
            checked = st.session_state[_CHECKED] = (gen.prompt.ids, gen.ids, ref)
        if checked and checked[0] == gen.prompt.ids and checked[1] == gen.ids:
            ref = checked[2]
            same = ref == gen.ids
            first = next((k + 1 for k, (a, b) in enumerate(zip(ref, gen.ids, strict=False)) if a != b), None)
            (st.success if same else st.error)(
                f"`model.generate(do_sample=False)` of transformers writes the same {len(ref)} tokens."
                if same
                else f"transformers' greedy `generate()` differs from token {first or min(len(ref), len(gen.ids)) + 1}.",
                icon=":material/check_circle:" if same else ":material/error:",
            )


def _bytes(n: int) -> str:
    """1,234,567 -> '1.18 MB' (binary units)."""
    for unit, size in (("MB", 2**20), ("kB", 2**10)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n} bytes"


generate_ui()
