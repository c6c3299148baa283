"""The page's computations over a training run: pure functions from trajectories to frozen results.

Every number the page states about a run comes from here: the verb's row and the head's matrices at every
snapshot, accuracy by distance with and without attention, what is left without position embeddings, and
for the induction task the phase change and the heads that form.

Shapes: F = frames (snapshots), h = heads, L = layers, T = tokens, d = width, B = distance buckets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attention_core.learning import repeats, sentences
from attention_core.learning.metrics import INDUCTION_THRESHOLD, first_step_at_least, phase_change_step
from attention_core.learning.train import example_sentences, subject_data
from attention_core.learning.trajectory import Trajectory

MAX_FRAMES = 41  # frames in one animation (snapshots are thinned evenly beyond that)


def _ro(values: object) -> np.ndarray:
    arr = np.array(values, dtype=np.float64)
    arr.setflags(write=False)
    return arr


def frame_steps(run: Trajectory, max_frames: int = MAX_FRAMES) -> tuple[int, ...]:
    """The snapshot steps shown as frames: all of them, or `max_frames` spread evenly (first and last kept)."""
    steps = run.snapshot_steps
    if len(steps) <= max_frames:
        return steps
    picks = np.unique(np.linspace(0, len(steps) - 1, max_frames).round().astype(int))
    return tuple(steps[i] for i in picks)


# ---------------------------------------------------------------- task 1


@dataclass(frozen=True)
class SubjectReplay:
    """One held-out sentence seen by one run's head at every frame."""

    tokens: tuple[str, ...]
    subject_pos: int
    verb_pos: int
    steps: tuple[int, ...]  # frame steps
    verb_rows: np.ndarray  # (F, h, T): the verb's attention row per head
    attn_weights: np.ndarray  # (F, h, T, T)
    W_query: np.ndarray  # (F, d, d), so that Q = X @ W_query
    W_key: np.ndarray  # (F, d, d)
    predicted: tuple[str, ...]  # (F,) the animal the readout names
    held_out_acc: np.ndarray  # (F,) held-out accuracy logged at the frame's step
    subject_hit: np.ndarray  # (F,) share of held-out verb rows (best head) peaking on the subject

    @property
    def uniform(self) -> float:
        """The weight of a flat row over the tokens the verb can see."""
        return 1.0 / (self.verb_pos + 1)


def _frames(run: Trajectory) -> tuple[tuple[int, ...], list[int]]:
    """The frame steps and their indices among the run's snapshots."""
    steps = frame_steps(run)
    return steps, [run.snapshot_steps.index(s) for s in steps]


def subject_replay(run: Trajectory, example: int) -> SubjectReplay:
    """Example sentence `example` (an index into `example_sentences()`) as one task-1 run saw it at every frame.

    The rows and matrices are the model's own outputs, saved with each weight snapshot while it trained.
    """
    if run.config.task != "subject" or run.config.mixer != "attention":
        raise ValueError("subject_replay needs a task-1 run with attention")
    sentence = example_sentences()[example]
    steps, idx = _frames(run)
    weights = run.probe(f"attn_weights.{example}")[idx]  # (F, h, T, T)
    logits = run.probe("logits")[idx, example]  # (F, C)
    states = [run.state_at(s) for s in steps]
    W_query = np.stack([st["attn.W_query.weight"].double().numpy().T for st in states])  # (F, d_in, d_out)
    W_key = np.stack([st["attn.W_key.weight"].double().numpy().T for st in states])
    log_idx = [run.log_index(s) for s in steps]
    return SubjectReplay(
        tokens=sentence.tokens,
        subject_pos=sentence.subject_pos,
        verb_pos=sentence.verb_pos,
        steps=steps,
        verb_rows=_ro(weights[:, :, sentence.verb_pos]),  # (F, h, T)
        attn_weights=_ro(weights),
        W_query=_ro(W_query),
        W_key=_ro(W_key),
        predicted=tuple(sentences.ANIMALS[int(i)] for i in logits.argmax(axis=1)),
        held_out_acc=_ro(run.metric("held_out_acc")[log_idx]),
        subject_hit=_ro(run.metric("subject_hit").max(axis=1)[log_idx]),
    )


@dataclass(frozen=True)
class LearningSummary:
    """The headline numbers of a task-1 run, from its logged held-out metrics."""

    steps: tuple[int, ...]
    held_out_acc: np.ndarray  # (logs,)
    subject_hit: np.ndarray  # (logs,) best head
    first_acc_95: int | None  # first logged step with held-out accuracy >= 95 %
    start_hit: float  # subject hit rate before training (step 0)
    final_hit: float
    final_acc: float


def learning_summary(run: Trajectory) -> LearningSummary:
    """When the run reached 95 % held-out accuracy, and where its verb rows pointed before and after."""
    acc = run.metric("held_out_acc")
    hit = run.metric("subject_hit").max(axis=1) if "subject_hit" in run.metrics else np.full(len(acc), np.nan)
    return LearningSummary(
        steps=run.steps,
        held_out_acc=acc,
        subject_hit=_ro(hit),
        first_acc_95=first_step_at_least(run.steps, acc.tolist(), 0.95),
        start_hit=float(hit[0]),
        final_hit=float(hit[-1]),
        final_acc=float(acc[-1]),
    )


@dataclass(frozen=True)
class DistanceComparison:
    """Held-out accuracy by subject-verb distance, with attention and without (mean of the embeddings)."""

    buckets: tuple[str, ...]  # '1–4', ...
    counts: tuple[int, ...]  # held-out sentences per bucket
    attention: np.ndarray  # (B,) at the attention run's last step
    baseline: np.ndarray  # (B,) at the baseline run's last step
    attention_step: int
    baseline_step: int
    chance: np.ndarray  # (B,) mean of 1 / (animals named) — guessing among the sentence's animals


def _chance_by_bucket() -> np.ndarray:
    data = subject_data()
    out = np.zeros(len(sentences.DISTANCE_BUCKETS))
    counts = np.zeros(len(sentences.DISTANCE_BUCKETS))
    for s in data.held_out:
        b = sentences.bucket_of(s.distance)
        out[b] += 1.0 / len({s.subject, *s.distractors})
        counts[b] += 1
    return out / np.maximum(counts, 1)


def distance_comparison(attention_run: Trajectory, baseline_run: Trajectory) -> DistanceComparison:
    """The two runs' last logged accuracy in each distance bucket."""
    data = subject_data()
    counts = [0] * len(sentences.DISTANCE_BUCKETS)
    for s in data.held_out:
        counts[sentences.bucket_of(s.distance)] += 1
    return DistanceComparison(
        buckets=tuple(sentences.bucket_label(i) for i in range(len(sentences.DISTANCE_BUCKETS))),
        counts=tuple(counts),
        attention=_ro(attention_run.metric("acc_by_distance")[-1]),
        baseline=_ro(baseline_run.metric("acc_by_distance")[-1]),
        attention_step=attention_run.last_step,
        baseline_step=baseline_run.last_step,
        chance=_ro(_chance_by_bucket()),
    )


@dataclass(frozen=True)
class PositionsComparison:
    """Task 1 with and without position embeddings, at the end of each run."""

    hit_on: float  # verb rows peaking on the subject (best head), all held-out sentences
    hit_off: float
    hit_hard_on: float  # ... among sentences that name another animal
    hit_hard_off: float
    acc_on: float
    acc_off: float
    acc_by_distance_on: np.ndarray  # (B,)
    acc_by_distance_off: np.ndarray  # (B,)
    chance_hard: float  # guessing among the animals of the sentences that name another animal
    share_single: float  # held-out sentences whose only animal is the subject


def positions_comparison(on: Trajectory, off: Trajectory) -> PositionsComparison:
    """How well the head finds the subject when it cannot see where tokens are."""
    held_out = subject_data().held_out
    hard = [s for s in held_out if s.distractors]
    return PositionsComparison(
        hit_on=float(on.metric("subject_hit")[-1].max()),
        hit_off=float(off.metric("subject_hit")[-1].max()),
        hit_hard_on=float(on.metric("subject_hit_hard")[-1].max()),
        hit_hard_off=float(off.metric("subject_hit_hard")[-1].max()),
        acc_on=float(on.metric("held_out_acc")[-1]),
        acc_off=float(off.metric("held_out_acc")[-1]),
        acc_by_distance_on=_ro(on.metric("acc_by_distance")[-1]),
        acc_by_distance_off=_ro(off.metric("acc_by_distance")[-1]),
        chance_hard=float(np.mean([1.0 / len({s.subject, *s.distractors}) for s in hard])),
        share_single=1.0 - len(hard) / len(held_out),
    )


# ---------------------------------------------------------------- task 2


@dataclass(frozen=True)
class InductionReplay:
    """A two-layer run on the induction task: losses, head scores, and the heads' maps at every frame."""

    tokens: tuple[str, ...]  # the display sequence (letters)
    half: int  # L: the second half starts at position L
    steps: tuple[int, ...]  # frame steps
    maps: np.ndarray  # (F, L_layers, h, T, T) attention on the display sequence
    log_steps: tuple[int, ...]
    loss_first: np.ndarray  # (logs,) held-out loss on the first half (unpredictable)
    loss_repeated: np.ndarray  # (logs,) ... on the repeated half
    prev_score: np.ndarray  # (logs, L_layers, h)
    induction_score: np.ndarray  # (logs, L_layers, h)
    phase_step: int | None  # first step with repeated-half loss <= PHASE_LOSS
    induction_step: int | None  # first step a last-layer head's induction score >= INDUCTION_THRESHOLD
    prev_head: tuple[
        int, int
    ]  # (layer, head), 0-based: the first layer's best previous-token head at the end
    induction_head: tuple[int, int]  # the last layer's best induction head at the end


def induction_replay(run: Trajectory) -> InductionReplay:
    """Losses and scores from the log, and every frame's attention maps on the display sequence (saved while
    the model trained)."""
    if run.config.task != "induction":
        raise ValueError("induction_replay needs a task-2 run")
    display = repeats.display_sequence()
    T = int(2 * display.half[0])
    steps, idx = _frames(run)
    prev, ind = run.metric("prev_score"), run.metric("induction_score")  # (logs, L, h)
    last = ind.shape[1] - 1
    return InductionReplay(
        tokens=tuple(repeats.symbols(display.ids[0, :T])),
        half=int(display.half[0]),
        steps=steps,
        maps=_ro(run.probe("attn_weights")[idx]),  # (F, L, h, T, T)
        log_steps=run.steps,
        loss_first=run.metric("loss_first"),
        loss_repeated=run.metric("loss_repeated"),
        prev_score=prev,
        induction_score=ind,
        phase_step=phase_change_step(run.steps, run.metric("loss_repeated").tolist()),
        induction_step=first_step_at_least(run.steps, ind[:, last].max(axis=1).tolist(), INDUCTION_THRESHOLD),
        prev_head=(0, int(prev[-1, 0].argmax())),
        induction_head=(last, int(ind[-1, last].argmax())),
    )


# ---------------------------------------------------------------- curves of either task


@dataclass(frozen=True)
class CurveSeries:
    """What the training-curves figure draws for a run: losses (top panel), held-out scores (bottom)."""

    steps: tuple[int, ...]
    top: dict[str, np.ndarray]
    bottom: dict[str, np.ndarray]
    top_title: str
    bottom_title: str


def curve_series(run: Trajectory) -> CurveSeries:
    """Task 1: losses, held-out accuracy and how often the verb's row peaks on the subject. Task 2: the
    loss on each half and the best previous-token (layer 1) and induction (last layer) scores."""
    if run.config.task == "subject":
        bottom = {"held-out accuracy": run.metric("held_out_acc")}
        if "subject_hit" in run.metrics:
            bottom["verb row peaks on the subject"] = _ro(run.metric("subject_hit").max(axis=1))
        return CurveSeries(
            run.steps,
            {"training loss": run.metric("train_loss"), "held-out loss": run.metric("held_out_loss")},
            bottom,
            "loss",
            "held-out",
        )
    prev, ind = run.metric("prev_score"), run.metric("induction_score")  # (logs, L, h)
    return CurveSeries(
        run.steps,
        {
            "loss on the first half": run.metric("loss_first"),
            "loss on the repeated half": run.metric("loss_repeated"),
        },
        {
            "best previous-token score, layer 1": _ro(prev[:, 0].max(axis=1)),
            f"best induction score, layer {ind.shape[1]}": _ro(ind[:, -1].max(axis=1)),
        },
        "loss (nats)",
        "head score",
    )
