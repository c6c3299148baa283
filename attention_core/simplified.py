"""Simplified self-attention without trainable weights (the book's section 3.3).

Every function takes the input embeddings `inputs` of shape (num_tokens, d_in) and
returns plain tensors, so a page can draw each intermediate step.
"""

from __future__ import annotations

import torch


def attn_scores_for_query_loop(inputs: torch.Tensor, query_idx: int) -> torch.Tensor:
    """Dot product of one query with every input, one token at a time -> (num_tokens,)."""
    query = inputs[query_idx]  # (d_in,)
    attn_scores = torch.empty(inputs.shape[0], dtype=inputs.dtype)
    for i, x_i in enumerate(inputs):
        attn_scores[i] = torch.dot(x_i, query)
    return attn_scores


def attn_scores_for_query(inputs: torch.Tensor, query_idx: int) -> torch.Tensor:
    """Dot product of one query with every input as one matrix-vector product -> (num_tokens,)."""
    return inputs @ inputs[query_idx]  # (num_tokens, d_in) @ (d_in,) -> (num_tokens,)


def attn_scores_loop(inputs: torch.Tensor) -> torch.Tensor:
    """All pairwise dot products with two nested loops -> (num_tokens, num_tokens)."""
    n = inputs.shape[0]
    attn_scores = torch.empty(n, n, dtype=inputs.dtype)
    for i, x_i in enumerate(inputs):
        for j, x_j in enumerate(inputs):
            attn_scores[i, j] = torch.dot(x_i, x_j)
    return attn_scores


def attn_scores_matmul(inputs: torch.Tensor) -> torch.Tensor:
    """All pairwise dot products as one matrix product `inputs @ inputs.T` -> (num_tokens, num_tokens)."""
    return inputs @ inputs.T


def normalize_by_sum(attn_scores: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Divide scores by their sum along `dim` (same shape); fails for negative or zero-sum scores."""
    return attn_scores / attn_scores.sum(dim=dim, keepdim=True)


def softmax_naive(attn_scores: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """exp(x) / sum(exp(x)) along `dim` (same shape); overflows to inf/nan for large scores."""
    exp = torch.exp(attn_scores)
    return exp / exp.sum(dim=dim, keepdim=True)


def softmax_stable(attn_scores: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Softmax with the row maximum subtracted first (same shape); equals `torch.softmax`."""
    shifted = attn_scores - attn_scores.max(dim=dim, keepdim=True).values
    exp = torch.exp(shifted)  # every entry in (0, 1]: no overflow
    return exp / exp.sum(dim=dim, keepdim=True)


def context_vector(inputs: torch.Tensor, attn_weights: torch.Tensor) -> torch.Tensor:
    """Weighted sum of the inputs for one query: (num_tokens,) weights -> (d_in,)."""
    return attn_weights @ inputs  # (num_tokens,) @ (num_tokens, d_in) -> (d_in,)


def weighted_terms(inputs: torch.Tensor, attn_weights: torch.Tensor) -> torch.Tensor:
    """Each input scaled by its weight, the summands of the context vector -> (num_tokens, d_in)."""
    return attn_weights[:, None] * inputs  # (num_tokens, 1) * (num_tokens, d_in)


def simplified_self_attention(inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Context vectors for all tokens and their weights: returns ((T, d_in), (T, T))."""
    attn_scores = attn_scores_matmul(inputs)  # (T, T)
    attn_weights = torch.softmax(attn_scores, dim=-1)  # (T, T), rows sum to 1
    context_vecs = attn_weights @ inputs  # (T, T) @ (T, d_in) -> (T, d_in)
    return context_vecs, attn_weights


def overflow_demo(scores: list[float], dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    """Naive vs stable softmax on given scores: the exp terms and both results, each (n,)."""
    x = torch.tensor(scores, dtype=dtype)
    return {
        "scores": x,
        "exp_naive": torch.exp(x),
        "softmax_naive": softmax_naive(x),
        "exp_shifted": torch.exp(x - x.max()),
        "softmax_stable": softmax_stable(x),
    }
