"""The simplified self-attention page (book 3.3): one query step by step, then every token at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from attention_core import simplified as simple
from attention_core.views.common import frozen, largest_difference


@dataclass(frozen=True)
class QueryView:
    """Every number of steps 2-5 for one query token."""

    query_idx: int
    attn_scores: np.ndarray  # (T,), inputs @ query
    attn_scores_loop: np.ndarray  # (T,), the same by a Python loop
    loop_gap: float  # max |loop - matrix product|
    by_sum: np.ndarray  # (T,), scores / their sum
    softmax_naive: np.ndarray  # (T,), exp / sum exp
    attn_weights: np.ndarray  # (T,), softmax with the maximum subtracted
    torch_softmax: np.ndarray  # (T,), torch.softmax, the reference
    softmax_gap: float  # max |stable - torch.softmax|
    context_vec: np.ndarray  # (d_in,), attn_weights @ inputs
    weighted_terms: np.ndarray  # (T, d_in), the summands of the context vector
    sums: tuple[float, float, float]  # sums of by_sum, naive and stable weights


@dataclass(frozen=True)
class AllTokensView:
    """Step 6: the score, weight and context matrices for every query at once (independent of the query)."""

    attn_scores: np.ndarray  # (T, T), inputs @ inputs.T
    attn_weights: np.ndarray  # (T, T), softmax of each row
    context_vecs: np.ndarray  # (T, d_in), attn_weights @ inputs
    loop_gap: float  # max |nested loops - matrix product|
    row_sum_range: tuple[float, float]  # smallest and largest row sum of the weights


@dataclass(frozen=True)
class OverflowView:
    """The overflow demo for a few scores: what naive exp does to them in float32, and what the page may say."""

    scores: np.ndarray  # (n,)
    exp_naive: np.ndarray  # (n,), exp(x): inf where it overflows, 0 where it underflows
    softmax_naive: np.ndarray  # (n,), nan when an exp overflowed
    softmax_stable: np.ndarray  # (n,), exp(x - max) / sum
    overflowed: tuple[int, ...]  # positions whose exp(x) is inf
    underflowed: tuple[int, ...]  # positions whose exp(x) is exactly 0
    naive_is_nan: bool  # naive softmax has a nan somewhere

    @property
    def overflows(self) -> bool:
        """True when naive exp overflows for at least one score."""
        return bool(self.overflowed)


def overflow_view(scores: list[float]) -> OverflowView:
    """Naive vs stable softmax on `scores` in float32, with which exponents overflow or underflow."""
    demo = simple.overflow_demo(scores)
    exp_naive = demo["exp_naive"].numpy()  # (n,)
    return OverflowView(
        scores=frozen(demo["scores"]),
        exp_naive=frozen(demo["exp_naive"]),
        softmax_naive=frozen(demo["softmax_naive"]),
        softmax_stable=frozen(demo["softmax_stable"]),
        overflowed=tuple(int(i) for i in np.flatnonzero(np.isinf(exp_naive))),
        underflowed=tuple(int(i) for i in np.flatnonzero(exp_naive == 0)),
        naive_is_nan=bool(np.isnan(demo["softmax_naive"].numpy()).any()),
    )


def query_view(inputs: torch.Tensor, query_idx: int) -> QueryView:
    """Scores, three normalisations and the context vector of query `query_idx` for (T, d_in) inputs."""
    attn_scores = simple.attn_scores_for_query(inputs, query_idx)  # (T,)
    scores_loop = simple.attn_scores_for_query_loop(inputs, query_idx)  # (T,)
    by_sum = simple.normalize_by_sum(attn_scores)
    naive = simple.softmax_naive(attn_scores)
    stable = simple.softmax_stable(attn_scores)
    reference = torch.softmax(attn_scores, dim=0)
    context_vec = simple.context_vector(inputs, stable)  # (d_in,)
    return QueryView(
        query_idx=query_idx,
        attn_scores=frozen(attn_scores),
        attn_scores_loop=frozen(scores_loop),
        loop_gap=largest_difference(scores_loop, attn_scores),
        by_sum=frozen(by_sum),
        softmax_naive=frozen(naive),
        attn_weights=frozen(stable),
        torch_softmax=frozen(reference),
        softmax_gap=largest_difference(stable, reference),
        context_vec=frozen(context_vec),
        weighted_terms=frozen(simple.weighted_terms(inputs, stable)),
        sums=(float(by_sum.sum()), float(naive.sum()), float(stable.sum())),
    )


def all_tokens_view(inputs: torch.Tensor) -> AllTokensView:
    """Simplified self-attention for every token of (T, d_in) inputs, checked against nested loops."""
    attn_scores = simple.attn_scores_matmul(inputs)  # (T, T)
    context_vecs, attn_weights = simple.simplified_self_attention(inputs)  # (T, d_in), (T, T)
    row_sums = attn_weights.sum(-1)  # (T,)
    return AllTokensView(
        attn_scores=frozen(attn_scores),
        attn_weights=frozen(attn_weights),
        context_vecs=frozen(context_vecs),
        loop_gap=largest_difference(simple.attn_scores_loop(inputs), attn_scores),
        row_sum_range=(float(row_sums.min()), float(row_sums.max())),
    )
