"""The seeded training loop of both tasks (Adam, constant learning rate) with a callback for progress.

`train(config)` is a pure function of its config on a given torch version and thread count: the model is
built inside `seeded(config.seed)`, batches come from a `torch.Generator` seeded with the same number, and
nothing else is random. The shipped runs (scripts/train_learning.py), the page's live runs (a worker
process) and the tests all call this one function with one torch thread.

`on_log(step, metrics, state)` is called at every logged step (state is a weight snapshot or None);
`should_stop()` is asked before every step, so a Stop button, a student who left or the time cap end a run
within one step; the trajectory then ends at the last completed step.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch.nn import functional as F

from attention_core.builders import seeded
from attention_core.learning import repeats, sentences
from attention_core.learning.config import TrainConfig
from attention_core.learning.metrics import (
    accuracy_by_bucket,
    bucket_indices,
    induction_scores,
    previous_token_scores,
    subject_hits,
    subject_weight,
    verb_rows,
)
from attention_core.learning.models import AttentionOnlyTransformer, SubjectFinder
from attention_core.learning.trajectory import PROBE, State, Trajectory, TrajectoryBuilder, weights_only

DATA_SEED = 0  # every run sees the same sentences; the run's seed decides initialisation and batch order
EVAL_SEQUENCES = 256
OnLog = Callable[[int, Mapping[str, Any], State | None], None]


@functools.lru_cache(maxsize=1)
def subject_data() -> sentences.SubjectData:
    """The task-1 sentences (training and held-out), built once; never modify their tensors."""
    return sentences.make_data(DATA_SEED)


@functools.lru_cache(maxsize=1)
def induction_eval_batch() -> repeats.RepeatBatch:
    """A fixed held-out batch of repeated sequences (its own seed), the same for every run."""
    return repeats.repeat_batch(torch.Generator().manual_seed(12_345), EVAL_SEQUENCES)


def warm_up() -> None:
    """Build both tasks' data, run each model once and make an optimizer (a worker does this before its first
    job, so a student's run starts with its first step)."""
    from attention_core.learning.config import default_config

    subject = build_model(default_config("subject")).eval()
    induction = build_model(default_config("induction")).eval()
    assert isinstance(subject, SubjectFinder) and isinstance(induction, AttentionOnlyTransformer)
    evaluate_subject(subject)
    evaluate_induction(induction)
    torch.optim.Adam(subject.parameters())  # the first optimizer imports torch's compiler stack (seconds)


def build_model(config: TrainConfig) -> SubjectFinder | AttentionOnlyTransformer:
    """The untrained model of a config, initialised under `seeded(config.seed)`."""
    with seeded(config.seed):
        if config.task == "subject":
            data = subject_data()
            return SubjectFinder(
                len(data.vocab),
                len(sentences.ANIMALS),
                config.width,
                config.heads,
                sentences.CONTEXT_LENGTH,
                config.positions,
                config.mixer,
            )
        return AttentionOnlyTransformer(
            repeats.VOCAB_SIZE,
            config.width,
            config.heads,
            repeats.CONTEXT_LENGTH,
            config.layers,
            config.positions,
        )


def model_at(config: TrainConfig, state: State) -> SubjectFinder | AttentionOnlyTransformer:
    """A model of `config` holding the snapshot `state` (eval mode). The state is copied, never shared."""
    model = build_model(config)
    missing, unexpected = model.load_state_dict(weights_only(state), strict=False)
    if unexpected or any(not k.endswith("mask") for k in missing):
        raise ValueError(f"snapshot does not fit the model: missing {missing}, unexpected {unexpected}")
    return model.eval()


def snapshot(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A copy of the trainable weights (the constant causal-mask buffers are left out)."""
    return {k: v.detach().clone() for k, v in model.state_dict().items() if not k.endswith("mask")}


@functools.lru_cache(maxsize=1)
def example_sentences() -> tuple[sentences.Sentence, ...]:
    """Held-out sentences to watch: the lectures' own, then one per longer distance bucket naming another animal."""
    held_out = subject_data().held_out
    picks = [held_out[0]]  # the lectures' sentence
    for bucket in range(1, len(sentences.DISTANCE_BUCKETS)):
        picks.append(
            next(
                s
                for s in held_out[1:]
                if sentences.bucket_of(s.distance) == bucket and s.distractors and s not in picks
            )
        )
    return tuple(picks)


@torch.no_grad()
def probe(model: SubjectFinder | AttentionOnlyTransformer) -> dict[str, torch.Tensor]:
    """What the page draws, computed once per snapshot: the model on its fixed examples (float32).

    Task 1: "logits" (examples, C) and, with attention, "attn_weights.<i>" (h, T_i, T_i) for each example
    sentence up to its verb. Task 2: "attn_weights" (layers, h, T, T) on the display sequence.
    """
    if isinstance(model, SubjectFinder):
        examples = example_sentences()
        enc = sentences.encode(examples, subject_data().vocab)
        logits, attn_weights = model(enc.ids, enc.verb_pos)  # (S, C), (S, h, T, T) or None
        out = {"logits": logits}
        if attn_weights is not None:
            for i, s in enumerate(examples):  # each sentence up to its verb, padding cut off
                out[f"attn_weights.{i}"] = attn_weights[i, :, : s.verb_pos + 1, : s.verb_pos + 1]
        return {k: v.float().contiguous() for k, v in out.items()}
    display = repeats.display_sequence()
    T = int(2 * display.half[0])
    _, attn_weights = model(display.ids)  # (L, 1, h, T, T)
    assert attn_weights is not None
    return {"attn_weights": attn_weights[:, 0, :, :T, :T].float().contiguous()}


@functools.lru_cache(maxsize=1)
def _held_out_groups() -> tuple[torch.Tensor, torch.Tensor]:
    """Distance bucket (n,) and 'another animal is named' (n,) of each held-out sentence, computed once."""
    data = subject_data()
    hard = torch.tensor([len(s.distractors) > 0 for s in data.held_out])
    return bucket_indices(data.held_out_encoded.distance), hard


@torch.no_grad()
def evaluate_subject(model: SubjectFinder) -> dict[str, Any]:
    """Held-out loss and accuracy (overall, by distance) and, with attention, where the verb row points."""
    enc = subject_data().held_out_encoded
    logits, attn_weights = model(enc.ids, enc.verb_pos)  # (n, C), (n, h, T, T)
    correct = logits.argmax(1) == enc.labels
    buckets, hard = _held_out_groups()
    out: dict[str, Any] = {
        "held_out_loss": float(F.cross_entropy(logits, enc.labels)),
        "held_out_acc": float(correct.double().mean()),
        "acc_by_distance": accuracy_by_bucket(correct, buckets).tolist(),
    }
    if attn_weights is not None:
        rows = verb_rows(attn_weights, enc.verb_pos)  # (n, h, T)
        out["subject_hit"] = subject_hits(rows, enc.subject_pos).tolist()  # (h,)
        out["subject_hit_hard"] = subject_hits(rows[hard], enc.subject_pos[hard]).tolist()
        out["subject_weight"] = subject_weight(rows, enc.subject_pos).tolist()
    return out


def _token_losses(model: AttentionOnlyTransformer, batch: repeats.RepeatBatch) -> torch.Tensor:
    """Next-token cross-entropy at every position (b, T-1)."""
    logits, _ = model(batch.ids, need_weights=False)  # (b, T, V)
    b, t, v = logits.shape
    return F.cross_entropy(
        logits[:, :-1].reshape(-1, v), batch.ids[:, 1:].reshape(-1), reduction="none"
    ).view(b, t - 1)


@torch.no_grad()
def evaluate_induction(model: AttentionOnlyTransformer) -> dict[str, Any]:
    """Held-out loss on each half and every head's previous-token and induction score (layers x heads)."""
    batch = induction_eval_batch()
    losses = _token_losses(model, batch)  # (b, T-1)
    _, attn_weights = model(batch.ids)  # (L, b, h, T, T)
    assert attn_weights is not None
    return {
        "loss_first": float(losses[batch.first_half()[:, :-1]].mean()),
        "loss_repeated": float(losses[batch.repeated()[:, :-1]].mean()),
        "prev_score": previous_token_scores(attn_weights, batch).tolist(),  # (L, h)
        "induction_score": induction_scores(attn_weights, batch).tolist(),  # (L, h)
    }


def _subject_step(model: SubjectFinder, gen: torch.Generator, batch_size: int) -> torch.Tensor:
    enc = subject_data().train_encoded
    idx = torch.randint(0, enc.ids.shape[0], (batch_size,), generator=gen)  # (B,)
    logits, _ = model(enc.ids[idx], enc.verb_pos[idx])  # (B, C)
    return F.cross_entropy(logits, enc.labels[idx])


def _induction_step(model: AttentionOnlyTransformer, gen: torch.Generator, batch_size: int) -> torch.Tensor:
    batch = repeats.repeat_batch(gen, batch_size)
    losses = _token_losses(model, batch)  # (B, T-1)
    return losses[batch.valid()[:, :-1]].mean()


def train(
    config: TrainConfig,
    on_log: OnLog | None = None,
    should_stop: Callable[[], bool] | None = None,
    time_limit: float | None = None,
) -> Trajectory:
    """Train one run of `config`; returns its trajectory (metrics every log step, weights every snapshot)."""
    config.validate()
    model = build_model(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    gen = torch.Generator().manual_seed(config.seed)
    evaluate: Callable[[Any], dict[str, Any]] = (
        evaluate_subject if config.task == "subject" else evaluate_induction
    )
    step_loss: Callable[[Any, torch.Generator, int], torch.Tensor] = (
        _subject_step if config.task == "subject" else _induction_step
    )
    builder = TrajectoryBuilder(config)
    start = time.monotonic()

    def record(step: int, train_loss: float, keep_weights: bool = False) -> None:
        keep_weights |= step % config.snapshot_every == 0 or step == config.steps
        model.eval()
        metrics = {"train_loss": train_loss, **evaluate(model)}
        state = None
        if keep_weights:  # the weights, and what the model shows on the page's fixed examples
            state = {**snapshot(model), **{PROBE + k: v for k, v in probe(model).items()}}
        model.train()
        builder.add_log(step, metrics)
        if state is not None:
            builder.add_snapshot(step, state)
        if on_log is not None:
            on_log(step, metrics, state)

    record(0, math.nan)
    stopped, losses, done = "finished", [], 0
    model.train()
    for step in range(1, config.steps + 1):
        if should_stop is not None and should_stop():
            stopped = "stopped"
            break
        if time_limit is not None and time.monotonic() - start > time_limit:
            stopped = "time limit"
            break
        loss = step_loss(model, gen, config.batch_size)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
        done = step
        if step % config.log_every == 0 or step == config.steps:
            record(step, sum(losses) / len(losses))
            losses = []
    if losses:  # stopped between two logged steps: keep where it stopped, weights included
        record(done, sum(losses) / len(losses), keep_weights=True)
    return builder.build(stopped, time.monotonic() - start)
