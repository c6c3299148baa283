"""What the page measures while attention learns: is the pattern there, in numbers, on held-out data.

Task 1: where the verb's attention row puts its largest weight (on the subject?), accuracy by subject-verb
distance. Task 2: each head's previous-token score (weight from position t to t-1) and induction score
(weight from the second copy of a token to the token that followed its first copy), and the step at which
the loss on the repeated half falls through half its starting value (the phase change).

Shapes: n = sentences, b = sequences, h = heads, L = layers, T = tokens.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from attention_core.learning.repeats import VOCAB_SIZE, RepeatBatch
from attention_core.learning.sentences import DISTANCE_BUCKETS, bucket_of

PHASE_LOSS = 0.5 * math.log(VOCAB_SIZE)  # half the loss of a uniform guess over the symbols (1.59 nats)
INDUCTION_THRESHOLD = 0.5  # a head that sends half its weight to the induction target is an induction head


def verb_rows(attn_weights: torch.Tensor, verb_pos: torch.Tensor) -> torch.Tensor:
    """The verb's row of each sentence's weights: (n, h, T, T), (n,) -> (n, h, T)."""
    rows = torch.arange(attn_weights.shape[0])
    return attn_weights[rows, :, verb_pos]  # (n, h, T)


def subject_hits(rows: torch.Tensor, subject_pos: torch.Tensor) -> torch.Tensor:
    """Per head, the share of sentences whose verb row has its largest weight on the subject: -> (h,)."""
    return (rows.argmax(-1) == subject_pos.unsqueeze(1)).double().mean(0)  # (n, h) -> (h,)


def subject_weight(rows: torch.Tensor, subject_pos: torch.Tensor) -> torch.Tensor:
    """Per head, the mean weight the verb puts on the subject: (n, h, T), (n,) -> (h,)."""
    idx = subject_pos.view(-1, 1, 1).expand(-1, rows.shape[1], 1)  # (n, h, 1)
    return rows.gather(-1, idx).squeeze(-1).double().mean(0)


def bucket_indices(distance: torch.Tensor) -> torch.Tensor:
    """(n,) distances -> (n,) index of their DISTANCE_BUCKETS entry."""
    return torch.tensor([bucket_of(int(d)) for d in distance], dtype=torch.int64)


def accuracy_by_bucket(correct: torch.Tensor, buckets: torch.Tensor) -> np.ndarray:
    """Share of correct answers in each distance bucket -> (len(DISTANCE_BUCKETS),) (nan for an empty one)."""
    out = np.full(len(DISTANCE_BUCKETS), np.nan)
    for i in range(len(DISTANCE_BUCKETS)):
        mask = buckets == i
        if bool(mask.any()):
            out[i] = float(correct[mask].double().mean())
    return out


def previous_token_scores(attn_weights: torch.Tensor, batch: RepeatBatch) -> torch.Tensor:
    """Mean weight from position t to t-1 over real tokens t >= 1: (L, b, h, T, T) -> (L, h)."""
    t = torch.arange(1, attn_weights.shape[-1])
    prev = attn_weights[..., t, t - 1]  # (L, b, h, T-1): weight of t on t-1
    mask = (t.unsqueeze(0) < 2 * batch.half.unsqueeze(1)).to(prev.dtype)  # (b, T-1) real tokens
    mask = mask.view(1, mask.shape[0], 1, -1)  # (1, b, 1, T-1)
    return (prev * mask).sum((1, 3)) / mask.sum((1, 3))  # (L, h)


def induction_scores(attn_weights: torch.Tensor, batch: RepeatBatch) -> torch.Tensor:
    """Mean weight from each second-half position t to t - L + 1 (the token after the first copy): -> (L, h)."""
    n_layers, b, h, T, _ = attn_weights.shape
    t = torch.arange(T).unsqueeze(0)  # (1, T)
    target = (t - batch.half.unsqueeze(1) + 1).clamp(min=0)  # (b, T)
    idx = target.view(1, b, 1, T, 1).expand(n_layers, b, h, T, 1)
    picked = attn_weights.gather(-1, idx).squeeze(-1)  # (L, b, h, T)
    mask = batch.repeated().to(picked.dtype).view(1, b, 1, T)
    return (picked * mask).sum((1, 3)) / mask.sum((1, 3))  # (L, h)


def phase_change_step(steps: Sequence[int], loss_repeated: Sequence[float]) -> int | None:
    """The first logged step whose repeated-half loss is at most PHASE_LOSS, or None if it never is."""
    for step, loss in zip(steps, loss_repeated, strict=True):
        if loss <= PHASE_LOSS:
            return int(step)
    return None


def first_step_at_least(steps: Sequence[int], values: Sequence[float], threshold: float) -> int | None:
    """The first logged step whose value is at least `threshold`, or None."""
    for step, value in zip(steps, values, strict=True):
        if value >= threshold:
            return int(step)
    return None
