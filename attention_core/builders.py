"""The book's modules built with the book's seeds, and their weights as (d_in, d_out) matrices.

`torch.manual_seed(seed)` before a construction is what the notebooks do; here the seed is applied to a forked
RNG, so building a module never changes torch's global random state for anyone else.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import torch
from torch import nn

from attention_core.modules import CausalAttention, MultiHeadAttention, SelfAttention_v1, SelfAttention_v2

Construction = Literal["rand", "linear"]  # nn.Parameter(torch.rand(...)) (v1) or nn.Linear (v2)
_SEED_LOCK = threading.RLock()  # seeded construction touches torch's global RNG: one at a time


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed torch's global RNG for one construction (as `torch.manual_seed` does) and restore it afterwards."""
    with _SEED_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def build_self_attention(
    construction: Construction, d_in: int, d_out: int, seed: int, scale: bool = True
) -> SelfAttention_v1 | SelfAttention_v2:
    """`torch.manual_seed(seed)` then SelfAttention_v1 ('rand') or SelfAttention_v2 ('linear'), as in the book."""
    with seeded(seed):
        if construction == "rand":
            return SelfAttention_v1(d_in, d_out, scale=scale)
        if construction == "linear":
            return SelfAttention_v2(d_in, d_out, scale=scale)
    raise ValueError(f"unknown construction {construction!r}")


def build_causal_attention(
    d_in: int, d_out: int, context_length: int, dropout: float, seed: int
) -> CausalAttention:
    """`torch.manual_seed(seed)` then CausalAttention, as in the book."""
    with seeded(seed):
        return CausalAttention(d_in, d_out, context_length, dropout)


def build_multihead(
    d_in: int,
    d_out: int,
    context_length: int,
    num_heads: int,
    seed: int,
    dropout: float = 0.0,
    causal: bool = True,
) -> MultiHeadAttention:
    """`torch.manual_seed(seed)` then MultiHeadAttention, as in the book."""
    with seeded(seed):
        return MultiHeadAttention(d_in, d_out, context_length, dropout, num_heads, causal=causal)


def weight_matrices(module: nn.Module) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(W_query, W_key, W_value) of a module as (d_in, d_out) matrices, so that Q = X @ W_query."""
    mats = []
    for name in ("W_query", "W_key", "W_value"):
        w = getattr(module, name)
        mats.append((w.weight.T if isinstance(w, nn.Linear) else w).detach())  # Linear stores (d_out, d_in)
    return mats[0], mats[1], mats[2]


def seeded_weights(
    construction: Construction, d_in: int, d_out: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The book's seeded (W_query, W_key, W_value) as (d_in, d_out) matrices; built once per setting.

    Each call returns fresh copies of the cached matrices, so a caller that changes them changes no one else's.
    """
    W_query, W_key, W_value = _seeded_weights(construction, d_in, d_out, seed)
    return W_query.clone(), W_key.clone(), W_value.clone()


@functools.lru_cache(maxsize=64)
def _seeded_weights(
    construction: Construction, d_in: int, d_out: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The cached matrices behind `seeded_weights` (a pure function of its arguments: the RNG is forked)."""
    return weight_matrices(build_self_attention(construction, d_in, d_out, seed))
