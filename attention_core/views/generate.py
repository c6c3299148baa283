"""The generation page's view: what it shows for one generation and one selection, typed, pure and frozen.

`step_view` answers "at pass v, what did the newest token attend to, what came next, what did the cache hold";
`timings` gathers the measured time per token with the cache and without it; `CacheGeometry` computes the
cache's shape and bytes, and what plain multi-head attention would need, from the model's config.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from attention_core.generation import TOP_BARS, Generation, Sampling, pick, sampling_probs, softmax
from attention_core.views.common import frozen


@dataclass(frozen=True)
class CacheGeometry:
    """The KV cache's dimensions, read from a model config (grouped-query attention aware)."""

    layers: int
    heads: int  # query heads per layer
    kv_heads: int  # key/value heads per layer (fewer than query heads with grouped-query attention)
    head_dim: int
    bytes_per_value: int = 4  # float32

    @classmethod
    def from_config(cls, config: Any, bytes_per_value: int = 4) -> CacheGeometry:
        """Read layers, heads, KV heads and head size from a transformers config."""
        heads = int(config.num_attention_heads)
        kv_heads = int(getattr(config, "num_key_value_heads", None) or heads)
        head_dim = int(getattr(config, "head_dim", None) or config.hidden_size // heads)
        return cls(int(config.num_hidden_layers), heads, kv_heads, head_dim, bytes_per_value)

    @property
    def group(self) -> int:
        """Query heads that share one KV head."""
        return self.heads // self.kv_heads

    def kv_head_of(self, head: int) -> int:
        """The KV head (0-based) query head `head` (0-based) reads."""
        return head // self.group

    def heads_of(self, kv_head: int) -> range:
        """The query heads (0-based) that read KV head `kv_head`."""
        return range(kv_head * self.group, (kv_head + 1) * self.group)

    def shape(self, t: int) -> tuple[int, int, int, int]:
        """(layers, kv_heads, T, head_dim): the shape of the cached keys (and of the values)."""
        return (self.layers, self.kv_heads, t, self.head_dim)

    def nbytes(self, t: int) -> int:
        """Bytes of keys plus values for T cached tokens."""
        return 2 * self.layers * self.kv_heads * t * self.head_dim * self.bytes_per_value

    def mha_nbytes(self, t: int) -> int:
        """Bytes the same cache would take with one KV head per query head (plain multi-head attention)."""
        return 2 * self.layers * self.heads * t * self.head_dim * self.bytes_per_value


@dataclass(frozen=True, eq=False)
class NextToken:
    """The candidates for one token: the model's probabilities and the ones it is drawn from."""

    ids: tuple[int, ...]  # the TOP_BARS most likely tokens (plus the chosen one if it ranks lower)
    model_probs: np.ndarray  # (n,) softmax of the logits (temperature 1)
    sample_probs: np.ndarray | None  # (n,) after temperature, top-k and top-p; None when greedy
    chosen: int | None  # the token chosen at this pass (None while it is still to choose)
    would_pick: int  # what the current settings choose here
    chosen_rank: int | None  # 1-based rank of the chosen token by model probability
    kept: int  # tokens left with non-zero probability after top-k and top-p (vocab size when greedy)


@dataclass(frozen=True, eq=False)
class StepView:
    """Pass `number` (1-based) of a generation, for one layer and one head (or the mean over heads)."""

    number: int  # pass v chooses token v; the newest token then sits at position query_position
    query_position: int
    context_len: int  # T: keys the newest query saw (= cache length after the pass)
    row: np.ndarray  # (T,) the newest query's weights over keys 0..T-1
    triangle: np.ndarray  # (number, T): row k = pass k + 1's query row, NaN where that pass had no key yet
    next_token: NextToken
    keys: np.ndarray  # (T, head_dim): cached keys of the selected layer and KV head after the pass
    values: np.ndarray  # (T, head_dim)
    new_rows: int  # positions this pass appended to the cache (the whole prompt at pass 1)
    kv_head: int  # 0-based KV head the selected query head reads (that of head 0 for the mean)


def _head_rows(rows: np.ndarray, layer: int, head: int | None) -> np.ndarray:
    """One head's row (T,) of a (layers, heads, T) step, or the mean over the layer's heads."""
    return rows[layer, head] if head is not None else rows[layer].mean(axis=0)


def step_view(
    gen: Generation,
    sampling: Sampling,
    number: int,
    layer: int,
    head: int | None,
    geometry: CacheGeometry,
) -> StepView:
    """Everything drawn for pass `number` of `gen` at `layer` and `head` (0-based; None = mean over heads)."""
    if not 1 <= number <= len(gen.steps):
        raise ValueError(f"pass {number} is not in 1..{len(gen.steps)}")
    if not 0 <= layer < geometry.layers or (head is not None and not 0 <= head < geometry.heads):
        raise ValueError("layer or head out of range")
    step = gen.steps[number - 1]
    t = step.context_len
    triangle = np.full((number, t), np.nan, dtype=np.float32)  # (passes, T)
    for k, earlier in enumerate(gen.steps[:number]):
        triangle[k, : earlier.context_len] = _head_rows(earlier.attn_rows, layer, head)
    kv_head = geometry.kv_head_of(head if head is not None else 0)
    # the cache after pass v: every earlier pass's new keys, concatenated along T -> (T, head_dim)
    keys = np.concatenate([s.new_keys[layer, kv_head] for s in gen.steps[:number]], axis=0)
    values = np.concatenate([s.new_values[layer, kv_head] for s in gen.steps[:number]], axis=0)
    return StepView(
        number=number,
        query_position=step.query_position,
        context_len=t,
        row=frozen(triangle[-1]),
        triangle=frozen(triangle),
        next_token=next_token(
            step.logits, sampling, number, gen.ids[number - 1] if number <= len(gen.ids) else None
        ),
        keys=frozen(keys),
        values=frozen(values),
        new_rows=step.new_keys.shape[2],
        kv_head=kv_head,
    )


def next_token(logits: np.ndarray, sampling: Sampling, number: int, chosen: int | None) -> NextToken:
    """The top candidates for token `number` (1-based) under `sampling`, and the chosen token if any."""
    model = softmax(logits)  # (vocab,)
    order = np.argsort(-model, kind="stable")
    ids = [int(i) for i in order[:TOP_BARS]]
    if chosen is not None and chosen not in ids:
        ids.append(int(chosen))
    sample = None if sampling.greedy else sampling_probs(logits, sampling)
    rank = None if chosen is None else int(np.flatnonzero(order == chosen)[0]) + 1
    return NextToken(
        ids=tuple(ids),
        model_probs=frozen(model[ids].astype(np.float64)),
        sample_probs=None if sample is None else frozen(sample[ids].astype(np.float64)),
        chosen=chosen,
        would_pick=pick(logits, sampling, number),
        chosen_rank=rank,
        kept=int(model.shape[0] if sample is None else np.count_nonzero(sample)),
    )


@dataclass(frozen=True)
class Timings:
    """Measured seconds per new token, with the KV cache and recomputing the whole prefix."""

    cached_t: tuple[int, ...]  # context length T of each cached pass (passes 2 ..)
    cached_s: tuple[float, ...]
    full_t: tuple[int, ...]  # T of each pass run without a cache (the prefill and the recomputed checks)
    full_s: tuple[float, ...]
    gaps: tuple[float, ...]  # max |logit difference| of every recomputed pass

    @staticmethod
    def _rate(seconds: Sequence[float]) -> float | None:
        return len(seconds) / sum(seconds) if seconds and sum(seconds) > 0 else None

    @property
    def cached_tokens_per_s(self) -> float | None:
        """New tokens per second with the cache (mean over the cached passes)."""
        return self._rate(self.cached_s)

    @property
    def full_tokens_per_s(self) -> float | None:
        """New tokens per second recomputing the prefix (mean over the passes run without a cache)."""
        return self._rate(self.full_s)

    @property
    def max_gap(self) -> float | None:
        """The largest logit difference between cached and recomputed passes (None before any check)."""
        return max(self.gaps) if self.gaps else None


def timings(gen: Generation) -> Timings:
    """Collect the passes' measured times: cached passes, the prefill and the recomputed checks."""
    cached = [(s.context_len, s.seconds) for s in gen.steps[1:]]
    full = [(gen.steps[0].context_len, gen.steps[0].seconds)]  # the prefill is a pass without a cache
    full += [(s.context_len, s.recompute_seconds) for s in gen.steps[1:] if s.recompute_seconds is not None]
    gaps = tuple(s.logit_gap for s in gen.steps if s.logit_gap is not None)
    return Timings(
        tuple(t for t, _ in cached),
        tuple(x for _, x in cached),
        tuple(t for t, _ in full),
        tuple(float(x) for _, x in full),
        gaps,
    )
