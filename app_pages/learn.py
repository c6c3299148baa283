"""Page 9: watch attention learn — train tiny models from the core's own classes, live or from shipped runs."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

import plotly.graph_objects as go
import streamlit as st
import torch
from streamlit.delta_generator import DeltaGenerator

from attention_core.figures import learning as fl
from attention_core.figures.frozen import FrozenFigure, freeze
from attention_core.learning import replay as rp
from attention_core.learning import sentences
from attention_core.learning.config import (
    HEADS,
    LEARNING_RATES,
    MAX_SECONDS,
    MAX_SEED,
    MAX_STEPS,
    TASK_TITLES,
    TASKS,
    WIDTHS,
    Task,
    TrainConfig,
    default_config,
)
from attention_core.learning.metrics import INDUCTION_THRESHOLD, PHASE_LOSS
from attention_core.learning.repeats import VOCAB_SIZE
from attention_core.learning.shipped import SHIPPED, load_shipped, matching_shipped, shipped_name
from attention_core.learning.train import example_sentences, subject_data
from attention_core.learning.trajectory import Trajectory, TrajectoryError, same_prefix
from attention_core.text import escape_markdown
from ui.cache import frozen_value, shared_cache
from ui.figures import show_figure
from ui.lesson import Lesson
from ui.live_training import live_panel_ui, my_runs, start_button_ui, training_service
from ui.present import is_presenting
from ui.widgets import url_selectbox, url_slider, url_toggle

T = TypeVar("T")
TASK_KEY, POS_KEY, EXAMPLE_KEY, SOURCE_KEY, HEAD_KEY = (
    "learn_task",
    "learn_pos",
    "learn_ex",
    "learn_source",
    "learn_head",
)
TRAIN_KEYS = {  # per task, so each task keeps its own defaults: (seed, steps, lr, heads, width)
    "subject": ("learn_seed", "learn_steps", "learn_lr", "learn_heads", "learn_width"),
    "induction": ("learn_iseed", "learn_isteps", "learn_ilr", "learn_iheads", "learn_iwidth"),
}
START_KEY, STOP_KEY = "learn_start", "learn_stop"  # the live run's buttons (drawn by ui.live_training)
LIVE_FIG = "learn_live_fig"  # the live run's curves (drawn by ui.live_training's polling fragment)
ROW_FIG, HEAD_FIG, CURVES_FIG = "learn_row_fig", "learn_head_fig", "learn_curves_fig"
DISTANCE_FIG, POSITIONS_FIG = "learn_distance_fig", "learn_positions_fig"
PHASE_FIG, SCORES_FIG, MAPS_FIG, NOPOS_FIG = (
    "learn_phase_fig",
    "learn_scores_fig",
    "learn_maps_fig",
    "learn_nopos_fig",
)
SUBJECT_STEPS = (
    "The question: which animal did it?",
    "The verb's attention row, step by step",
    "Inside the head: the weights, W_query and W_key",
    "Loss and held-out accuracy",
    "With and without attention, by distance",
    "Without positions: what is left?",
)
INDUCTION_STEPS = (
    "The task: a sequence that repeats",
    "The phase change",
    "A previous-token head and an induction head",
    "The heads' attention maps",
    "Without positions: what is left?",
)
SHIPPED_SOURCE, MY_SOURCE = "shipped", "mine"
MEMO_STATE = "_learn_memo"  # session state (not a widget): per-session results about the student's own runs
PRESENT_HEIGHT = 350  # px: the most a figure may take in presentation mode (below the step bar at 1280 x 720)
PRESENT_SCALE = 1.2  # how much `ui.figures.show_figure` enlarges a figure's height in presentation mode


@st.cache_resource(show_spinner="Loading the shipped training runs ...")
def shipped_runs() -> dict[str, Trajectory]:
    """Every shipped run, loaded once per server like a model: frozen dataclasses with read-only arrays,
    only ever read."""
    return {name: load_shipped(name) for name in SHIPPED}


@shared_cache(max_entries=160)
def _shipped_memo(kind: str, name: str, args: tuple, _build: Callable[[], T]) -> T:
    """A result about a shipped run, computed once per server and frozen (figures become FrozenFigures);
    every session gets its own copy."""
    return _build()


def _memo(kind: str, run: Trajectory, runs: dict[str, Trajectory], args: tuple, build: Callable[[], T]) -> T:
    """Compute once: server-wide for a shipped run, per session for the student's own run (frozen alike)."""
    name = next((n for n, r in runs.items() if r is run), None)
    if name is not None:
        return _shipped_memo(kind, name, args, build)
    cache: dict[tuple, object] = st.session_state.setdefault(MEMO_STATE, {})
    key = (kind, run.config, run.last_step, run.stopped, args)
    if key not in cache:
        if len(cache) >= 32:
            cache.clear()
        cache[key] = frozen_value(build())
    return cache[key]  # type: ignore[return-value]


def _sized(fig: go.Figure, presenting: bool) -> go.Figure:
    """In presentation mode, a height that `show_figure`'s enlargement keeps within PRESENT_HEIGHT, so the
    figure is on screen at 1280 x 720 without scrolling."""
    if presenting and fig.layout.height:
        fig.update_layout(height=min(int(fig.layout.height), int(PRESENT_HEIGHT / PRESENT_SCALE)))
    return fig


def _place(fig: go.Figure | FrozenFigure, key: str, slot: DeltaGenerator | None = None) -> None:
    """Draw a figure full width (in `slot`, if given) and register it for the page exports."""
    show_figure(fig, key, slot)


def _header(lesson: Lesson, number: int) -> DeltaGenerator | None:
    """A step's heading; in presentation mode none (the step bar names it) and a slot that puts the step's
    figure above its explanation, so the figure is on screen at 1280 x 720 without scrolling."""
    if lesson.presenting:
        return st.container()
    lesson.header(number)
    return None


def _figure(
    kind: str, run: Trajectory, runs: dict[str, Trajectory], build: Callable[[], go.Figure], *args: object
) -> FrozenFigure:
    """A figure about `run`, built once per (run, kind, args, presentation mode) and stored frozen."""
    presenting = is_presenting()
    return _memo(kind, run, runs, (*args, presenting), lambda: freeze(_sized(build(), presenting)))


def _curves(run: Trajectory, marker: int | None, marker_text: str) -> go.Figure:
    """The run's training curves (losses on top, held-out scores below) with an optional marked step."""
    series = rp.curve_series(run)
    return fl.curves(
        series.steps,
        series.top,
        series.bottom,
        series.top_title,
        series.bottom_title,
        marker_step=marker,
        marker_text=marker_text,
    )


def _pct(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- controls


def training_controls_ui(task: Task, positions: bool) -> TrainConfig:
    """Seed, steps, learning rate, heads and width of a live run (each task keeps its own values in the URL)."""
    base = default_config(task, positions=positions)
    seed_key, steps_key, lr_key, heads_key, width_key = TRAIN_KEYS[task]
    c1, c2, c3, c4, c5 = st.columns([3, 4, 3, 2, 2])
    with c1:
        seed = url_slider("Seed", 0, MAX_SEED, seed_key, base.seed, help="Initial weights and batch order.")
    with c2:
        steps = url_slider(
            "Steps",
            10,
            MAX_STEPS[task],
            steps_key,
            base.steps,
            step=10,
            help="Adam steps (a hard cap applies).",
        )
    with c3:
        lr = url_selectbox(
            "Learning rate",
            LEARNING_RATES,
            lr_key,
            base.lr,
            url_format=lambda v: f"{v:g}",
            format_func=lambda v: f"{v:g}",
        )
    with c4:
        heads = url_selectbox(
            "Heads", HEADS, heads_key, base.heads, help="1 head: the book's CausalAttention."
        )
    with c5:
        width = url_selectbox("Width d", WIDTHS, width_key, base.width, help="Embedding size d_in = d_out.")
    return TrainConfig(
        task, seed=seed, steps=steps, lr=lr, heads=heads, width=width, positions=positions
    ).validate()


def train_panel_ui(task: Task, config: TrainConfig, runs: dict[str, Trajectory]) -> None:
    """Start button, the server's load, a note on reproducing the shipped run, and the live status."""
    running, waiting = training_service().load()
    b1, b2 = st.columns([2, 5], vertical_alignment="center")
    with b1:
        start_button_ui(config, START_KEY)
    twin = matching_shipped(config)
    with b2:
        note = (
            f"Hard caps: {MAX_STEPS[task]} steps, {MAX_SECONDS:.0f} s. On this server now: {running} training"
            f"{'s' * (running != 1)} running, {waiting} waiting."
        )
        if twin is not None:
            made_with = runs[twin].torch_version
            if made_with == torch.__version__:
                note += (
                    f" Apart from the number of steps these are the shipped run's settings: on torch "
                    f"{torch.__version__} your run should repeat it step for step, bit for bit (checked when it "
                    "ends)."
                )
            else:
                note += (
                    f" Apart from the number of steps these are the shipped run's settings, but it was made with "
                    f"torch {made_with} and this "
                    f"server runs torch {torch.__version__}: floating-point kernels change between versions, "
                    "so your run may differ in the last digits."
                )
        st.caption(escape_markdown(note))
    live_panel_ui(task, STOP_KEY, LIVE_FIG)


def replay_source_ui(task: Task, positions: bool, runs: dict[str, Trajectory]) -> tuple[Trajectory, str]:
    """The run the replays show: the shipped one for these settings, or this session's last live run."""
    shipped = runs[shipped_name(task, positions)]
    mine = my_runs().get(task)
    if mine is None:
        return shipped, f"the shipped run ({shipped.config.label()})"
    source = st.radio(
        "Replay",
        (MY_SOURCE, SHIPPED_SOURCE),
        key=SOURCE_KEY,
        horizontal=True,
        format_func=lambda s: "your run" if s == MY_SOURCE else "the shipped run",
    )
    if source == SHIPPED_SOURCE:
        return shipped, f"the shipped run ({shipped.config.label()})"
    twin = matching_shipped(mine.config)
    if twin is not None:
        shipped_twin = runs[twin]
        same, worst, compared = _memo("same", mine, runs, (twin,), lambda: same_prefix(mine, shipped_twin))
        if same:
            st.success(
                f"Your run matches the shipped run bit for bit on all {compared} logged records and snapshots "
                "it shares with it.",
                icon=":material/check_circle:",
            )
        else:
            st.warning(
                f"Your run has the shipped run's settings but differs from it by up to {worst:.3g}: the "
                f"shipped run was trained with torch {runs[twin].torch_version} on its AVX2 CPU kernels, "
                f"yours with torch {mine.torch_version}; another torch version, or other CPU kernels "
                "(this server's ATEN_CPU_CAPABILITY setting), round differently.",
                icon=":material/difference:",
            )
    return mine, f"your run ({mine.config.label()}, {mine.stopped} at step {mine.last_step})"


# ---------------------------------------------------------------- task 1


def subject_steps_ui(
    lesson: Lesson, run: Trajectory, described: str, runs: dict[str, Trajectory], example: int
) -> None:
    """The six steps of task 1 for the chosen run and example sentence."""
    data = subject_data()
    sentence = example_sentences()[example]
    summary = _memo("summary", run, runs, (), lambda: rp.learning_summary(run))
    if lesson.show(1):
        slot = _header(lesson, 1)
        distances = [s.distance for s in data.held_out]
        others = ", ".join(sentences.ANIMALS[i] for i in sorted(set(sentence.distractors))) or "none"
        st.markdown(
            "In the lectures' sentence *The cat that was sitting on the mat, which was next to the dog, jumped* a "
            "reader knows the **cat** jumped, not the dog. Here a tiny model must learn exactly that: it reads "
            "a sentence up to its verb and names the animal that did it. Only the subject decides the answer; "
            "the clauses name other animals to mislead it."
        )
        st.markdown(
            f"- **The data:** {len(data.train):,} generated training sentences and {len(data.held_out):,} "
            f"held-out ones it never trains on, subject–verb distances {min(distances)} to {max(distances)} tokens, "
            f"{len(sentences.ANIMALS)} animals to choose from.\n"
            "- **The model:** token + position embeddings → one causal self-attention head (the book's "
            "`CausalAttention`; `MultiHeadAttention` for more heads) → a linear readout **at the verb**. The "
            "readout sees only the verb's context vector, so the answer can only come from the tokens the verb "
            "attends to.\n"
            f"- **The sentence you watch:** “{escape_markdown(sentence.text)}” — subject "
            f"**{escape_markdown(sentence.tokens[sentence.subject_pos])}** at position {sentence.subject_pos + 1}, "
            f"verb at position {sentence.verb_pos + 1} ({sentence.distance} tokens later), other animals: "
            f"{escape_markdown(others)}."
        )
    if not any(lesson.show(i) for i in (2, 3, 4, 5, 6)):
        return
    head = 0
    if run.config.heads > 1 and (lesson.show(2) or lesson.show(3)):
        head = url_selectbox(
            "Head shown in the matrices",
            list(range(run.config.heads)),
            HEAD_KEY,
            0,
            format_func=lambda h: f"head {h + 1}",
        )
    replay = _memo("replay", run, runs, (example,), lambda: rp.subject_replay(run, example))
    if lesson.show(2):
        slot = _header(lesson, 2)
        first_row = replay.verb_rows[0].mean(0)
        st.markdown(
            f"The bars are the verb's attention weights in {escape_markdown(described)}, from step 0 (untrained) "
            f"to step {replay.steps[-1]}. Press **Play** or drag the scrubber. At step 0 the row is nearly flat: "
            f"its largest weight is {_pct(float(first_row.max()))}, against {_pct(replay.uniform)} for a perfectly "
            f"flat row over the {sentence.verb_pos + 1} tokens the verb can see."
        )
        row_fig = _figure(
            "row",
            run,
            runs,
            lambda: fl.verb_row_animation(
                replay.verb_rows,
                replay.tokens,
                replay.subject_pos,
                replay.steps,
                replay.held_out_acc,
                replay.predicted,
            ),
            example,
        )
        _place(row_fig, ROW_FIG, slot)
        hit_step = next(
            (s for s, h in zip(summary.steps, summary.subject_hit, strict=True) if h >= 0.9), None
        )
        st.caption(
            f"On all {len(data.held_out):,} held-out sentences the verb's largest weight falls on the subject in "
            f"{_pct(summary.start_hit)} of them before training and in {_pct(summary.final_hit)} at step "
            f"{summary.steps[-1]}"
            + (
                f" (90% first reached at step {hit_step})."
                if hit_step is not None
                else " (never 90% in this run)."
            )
        )
    if lesson.show(3):
        slot = _header(lesson, 3)
        st.markdown(
            "Scores are Q·Kᵀ with Q = X·W_query and K = X·W_key. Training changes the two matrices until the "
            "verb's query points at the subject's key; left, the full weight matrix of the sentence "
            f"(head {head + 1}; the future is masked, blank), right, the two matrices at the same step."
        )
        head_fig = _figure(
            "head",
            run,
            runs,
            lambda: fl.head_animation(
                replay.attn_weights, replay.W_query, replay.W_key, replay.tokens, replay.steps, head
            ),
            example,
            head,
        )
        _place(head_fig, HEAD_FIG, slot)
    if lesson.show(4):
        slot = _header(lesson, 4)
        marker = summary.first_acc_95
        st.markdown(
            f"Losses (top) and held-out scores (bottom) of {escape_markdown(described)}."
            + (
                f" Held-out accuracy first reaches 95% at step {marker}."
                if marker is not None
                else " Held-out accuracy never reaches 95% in this run."
            )
        )
        _place(_figure("curves", run, runs, lambda: _curves(run, marker, "95%")), CURVES_FIG, slot)
    if lesson.show(5):
        slot = _header(lesson, 5)
        baseline = runs[shipped_name("subject", baseline=True)]
        comp = _memo("distance", run, runs, (), lambda: rp.distance_comparison(run, baseline))
        st.markdown(
            "The same model with its attention head replaced by the plain **mean of the embeddings** up to the "
            "verb (a flat row that cannot learn) is the no-attention baseline: it knows which animals the "
            "sentence names, not which one is the subject. The further the verb is from its subject, the more "
            f"animals come between: the baseline falls from {_pct(comp.baseline[0])} ({comp.buckets[0]} tokens) "
            f"to {_pct(comp.baseline[-1])} ({comp.buckets[-1]} tokens), close to guessing among the sentence's "
            f"animals ({_pct(comp.chance[-1])}); with attention: {_pct(comp.attention[0])} and "
            f"{_pct(comp.attention[-1])}."
        )
        distance_fig = _figure(
            "distance",
            run,
            runs,
            lambda: fl.distance_bars(
                comp.buckets,
                {
                    f"with attention (step {comp.attention_step})": comp.attention,
                    f"no attention: mean of embeddings (step {comp.baseline_step})": comp.baseline,
                },
                comp.counts,
                comp.chance,
            ),
        )
        _place(distance_fig, DISTANCE_FIG, slot)
    if lesson.show(6):
        slot = _header(lesson, 6)
        on, off = runs["subject-pos"], runs["subject-nopos"]
        pc = _memo("positions", on, runs, (), lambda: rp.positions_comparison(on, off))
        buckets = _memo("distance-nopos", on, runs, (), lambda: rp.distance_comparison(on, off))
        st.markdown(
            "Switch the position embeddings off and the head still learns something: its verb row peaks on the "
            f"subject in {_pct(pc.hit_off)} of held-out sentences (with positions: {_pct(pc.hit_on)}). But "
            f"{_pct(pc.share_single)} of the sentences name no other animal; among those that do, it finds the "
            f"subject in only {_pct(pc.hit_hard_off)} — about guessing among their animals "
            f"({_pct(pc.chance_hard)}). Without positions one causal layer sees an unordered bag of the earlier "
            "tokens: it can learn *animals matter*, never *the first animal*. The causal mask leaks order only "
            "from a second layer on (see the induction task)."
        )
        positions_fig = _figure(
            "positions",
            on,
            runs,
            lambda: fl.distance_bars(
                buckets.buckets,
                {"with position embeddings": pc.acc_by_distance_on, "without": pc.acc_by_distance_off},
                buckets.counts,
                buckets.chance,
                title="Shipped runs, same settings but the position embeddings",
            ),
        )
        _place(positions_fig, POSITIONS_FIG, slot)


# ---------------------------------------------------------------- task 2


def induction_steps_ui(lesson: Lesson, run: Trajectory, described: str, runs: dict[str, Trajectory]) -> None:
    """The five steps of task 2 for the chosen run."""
    replay = _memo("induction", run, runs, (), lambda: rp.induction_replay(run))
    layers = run.config.layers
    if lesson.show(1):
        slot = _header(lesson, 1)
        half = replay.half
        st.markdown(
            f"Each training sequence draws L distinct symbols out of {VOCAB_SIZE} (L = 6 to 12) and then writes "
            "them again. The first half cannot be predicted (the best loss there is about ln "
            f"{VOCAB_SIZE} = {math.log(VOCAB_SIZE):.2f} nats); in the second half every next symbol can be "
            "**copied**: find the earlier occurrence of the current symbol and read what came after it. A "
            f"two-layer model of attention only (`MultiHeadAttention` × {layers}, residual connections, no MLP) "
            "learns this with two heads working together — a *previous-token head* in layer 1 and an *induction "
            "head* in layer 2. The sequence the maps below show:"
        )
        st.code(" ".join(replay.tokens[:half]) + "   |   " + " ".join(replay.tokens[half:]), language=None)
    if lesson.show(2):
        slot = _header(lesson, 2)
        rep = replay.loss_repeated
        plateau = next((s for s, v in zip(replay.log_steps, rep, strict=True) if v < 0.95 * rep[0]), None)
        st.markdown(
            f"In {escape_markdown(described)} the loss on the repeated half sits on a plateau near "
            f"{rep[0]:.2f} nats"
            + (f" until step {plateau}" if plateau is not None else " for the whole run")
            + (
                f", then drops below {PHASE_LOSS:.2f} (half of ln {VOCAB_SIZE}) at step {replay.phase_step} and "
                f"ends at {rep[-1]:.2f}: a phase change."
                if replay.phase_step is not None
                else f" and never drops below {PHASE_LOSS:.2f} (half of ln {VOCAB_SIZE}): no phase change here."
            )
            + f" The first half stays at {replay.loss_first[-1]:.2f}: nothing there can be learned."
        )
        phase_fig = _figure("phase", run, runs, lambda: _curves(run, replay.phase_step, "phase change"))
        _place(phase_fig, PHASE_FIG, slot)
    if lesson.show(3):
        slot = _header(lesson, 3)
        pl, ph = replay.prev_head
        il, ih = replay.induction_head
        before = [
            v
            for s, v in zip(replay.log_steps, replay.induction_score[:, il].max(axis=1), strict=True)
            if replay.phase_step is not None and s < replay.phase_step
        ]
        st.markdown(
            f"The **previous-token score** of a head is its mean weight from each token to the one just before "
            f"it; the **induction score** its mean weight from a repeated token to the token that followed its "
            f"first copy. At the end, layer {pl + 1} head {ph + 1} scores {_pct(replay.prev_score[-1, pl, ph])} "
            f"on previous tokens, and layer {il + 1} head {ih + 1} {_pct(replay.induction_score[-1, il, ih])} on "
            "induction"
            + (
                f" — it crosses {_pct(INDUCTION_THRESHOLD)} at step {replay.induction_step}, "
                f"while before the phase change (step {replay.phase_step}) no layer-{il + 1} head got above "
                f"{_pct(max(before) if before else float('nan'))}."
                if replay.induction_step is not None and replay.phase_step is not None
                else f"; no layer-{il + 1} head reaches the {_pct(INDUCTION_THRESHOLD)} line in this run."
            )
        )
        scores_fig = _figure(
            "scores",
            run,
            runs,
            lambda: fl.head_scores(
                replay.log_steps,
                replay.prev_score,
                replay.induction_score,
                INDUCTION_THRESHOLD,
                replay.phase_step,
            ),
        )
        _place(scores_fig, SCORES_FIG, slot)
    if lesson.show(4):
        slot = _header(lesson, 4)
        st.markdown(
            "Every head's weights on the sequence above (row = query, the future masked). A previous-token head "
            "draws the stripe just below the diagonal; an induction head draws a stripe in the second half "
            f"(below the dashed line), {replay.half - 1} places left of the diagonal: each repeated symbol looks "
            "at the symbol after its first copy. Drag the scrubber across the phase change."
        )
        maps_fig = _figure(
            "maps",
            run,
            runs,
            lambda: fl.head_maps_animation(replay.maps, replay.tokens, replay.steps, replay.half),
        )
        _place(maps_fig, MAPS_FIG, slot)
    if lesson.show(5):
        slot = _header(lesson, 5)
        on_run, off_run = runs["induction-pos"], runs["induction-nopos"]
        on = _memo("induction", on_run, runs, (), lambda: rp.induction_replay(on_run))
        off = _memo("induction", off_run, runs, (), lambda: rp.induction_replay(off_run))
        st.markdown(
            "Without position embeddings no previous-token head can form: the best layer-1 previous-token score "
            f"ends at {_pct(off.prev_score[-1, 0].max())} (with positions: {_pct(on.prev_score[-1, 0].max())}). "
            "Yet the causal mask leaks order: each position averages over its own prefix, so a symbol weighs "
            "most in the positions right after it, and layer 2 can still learn to copy. Its best induction "
            f"score reaches {_pct(off.induction_score[-1, -1].max())} (with positions "
            f"{_pct(on.induction_score[-1, -1].max())}), slowly and without a sudden drop: the repeated-half "
            f"loss ends at {off.loss_repeated[-1]:.2f} instead of {on.loss_repeated[-1]:.2f}"
            + (
                f" (phase change at step {off.phase_step})."
                if off.phase_step is not None
                else f", and it never falls below {PHASE_LOSS:.2f} in {off.log_steps[-1]} steps."
            )
        )
        nopos_fig = _figure(
            "nopos",
            on_run,
            runs,
            lambda: fl.curves(
                on.log_steps,
                {
                    "repeated half, with positions": on.loss_repeated,
                    "repeated half, without positions": off.loss_repeated,
                },
                {
                    "induction score, with positions": on.induction_score[:, -1].max(axis=1),
                    "induction score, without": off.induction_score[:, -1].max(axis=1),
                },
                "loss (nats)",
                "head score",
            ),
        )
        _place(nopos_fig, NOPOS_FIG, slot)


# ---------------------------------------------------------------- the page


def learn_ui() -> None:
    """Task choice, replay settings, live training, and the lesson steps of the chosen task."""
    st.title("Watch attention learn")
    presenting = is_presenting()
    # in presentation mode every control is folded into one Settings box above the step bar
    box = st.expander("Settings", icon=":material/tune:") if presenting else st.container()
    with box:
        task: Task = url_selectbox(
            "Task",
            list(TASKS),
            TASK_KEY,
            "subject",
            format_func=TASK_TITLES.get,
            widget=st.radio,
            horizontal=True,
        )
    lesson = Lesson(SUBJECT_STEPS if task == "subject" else INDUCTION_STEPS)
    if not presenting:
        st.markdown(
            "Every attention pattern on the earlier pages came from random weights. Here attention is "
            "**trained**: a tiny model built from this app's own attention classes learns a task in seconds, and "
            "you watch its weights change step by step — from a shipped run that replays instantly, or from "
            "your own run, trained live on this server."
        )
    try:
        runs = shipped_runs()
    except TrajectoryError as err:
        st.error(escape_markdown(str(err)), icon=":material/error:")
        return
    with box if presenting else st.container():
        c1, c2 = st.columns([2, 5], vertical_alignment="center")
        with c1:
            positions = url_toggle(
                "Position embeddings",
                POS_KEY,
                True,
                help="Off: the model sees which tokens came before, not where.",
            )
        example = 0
        if task == "subject":
            examples = example_sentences()
            with c2:
                example = url_selectbox(
                    "Sentence to watch (held out: never trained on)",
                    list(range(len(examples))),
                    EXAMPLE_KEY,
                    0,
                    format_func=lambda i: f"{_short(examples[i].text)} ({examples[i].distance} tokens apart)",
                )
    train_box = (
        box
        if presenting
        else st.expander("Train it yourself", icon=":material/model_training:", expanded=True)
    )
    with train_box:
        if presenting:
            st.markdown("**Train it yourself**")
        config = training_controls_ui(task, positions)
        train_panel_ui(task, config, runs)
    with box if presenting else st.container():
        run, described = replay_source_ui(task, positions, runs)
    lesson.nav_ui()
    if task == "subject":
        subject_steps_ui(lesson, run, described, runs, example)
    else:
        induction_steps_ui(lesson, run, described, runs)


if __name__ == "__main__":  # Streamlit runs a page as __main__; importing it only reads its constants
    learn_ui()
