"""Attention step by step: every intermediate the pages draw, as plain tensors (no module state kept).

Single-head attention (Q, K, V, scores, scaled scores, weights, context vectors), the book's two ways to apply
a causal mask, dropout on the weights, the softmax-saturation experiment behind the 1/sqrt(d_k) scaling, and
the split -> attend -> concatenate -> project stages of multi-head attention.

Shapes: T = num_tokens, h = num_heads, hd = head_dim.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from attention_core.builders import seeded
from attention_core.modules import MultiHeadAttention, causal_mask, scale_divisor


@dataclass(frozen=True)
class AttentionSteps:
    """Every intermediate of single-head attention on (T, d_in) inputs."""

    queries: torch.Tensor  # (T, d_out)
    keys: torch.Tensor  # (T, d_out)
    values: torch.Tensor  # (T, d_out)
    attn_scores: torch.Tensor  # (T, T), Q @ K.T (masked with -inf when causal)
    scaled_scores: torch.Tensor  # (T, T), attn_scores / sqrt(d_k) (or unchanged without scaling)
    attn_weights: torch.Tensor  # (T, T), softmax of each row
    context_vec: torch.Tensor  # (T, d_out), attn_weights @ values


@torch.no_grad()
def attention_steps(
    inputs: torch.Tensor,
    W_query: torch.Tensor,
    W_key: torch.Tensor,
    W_value: torch.Tensor,
    scale: bool = True,
    causal: bool = False,
) -> AttentionSteps:
    """Q, K, V, scores, scaled scores, weights and context vectors for (T, d_in) inputs and (d_in, d_out) weights."""
    queries = inputs @ W_query  # (T, d_out)
    keys = inputs @ W_key  # (T, d_out)
    values = inputs @ W_value  # (T, d_out)
    attn_scores = queries @ keys.T  # (T, T)
    if causal:
        attn_scores = attn_scores.masked_fill(causal_mask(inputs.shape[0]), -torch.inf)
    scaled_scores = attn_scores / scale_divisor(keys.shape[-1], scale)  # (T, T)
    attn_weights = torch.softmax(scaled_scores, dim=-1)  # (T, T)
    context_vec = attn_weights @ values  # (T, d_out)
    return AttentionSteps(queries, keys, values, attn_scores, scaled_scores, attn_weights, context_vec)


@torch.no_grad()
def mask_after_softmax(
    attn_scores: torch.Tensor, d_k: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Book method 1: softmax, zero the future, renormalise -> (attn_weights, masked_simple, masked_simple_norm)."""
    num_tokens = attn_scores.shape[-1]
    attn_weights = torch.softmax(attn_scores / d_k**0.5, dim=-1)  # (T, T), unmasked
    mask_simple = torch.tril(
        torch.ones(num_tokens, num_tokens, dtype=attn_weights.dtype)
    )  # 1 on/below diagonal
    masked_simple = attn_weights * mask_simple  # (T, T), rows no longer sum to 1
    row_sums = masked_simple.sum(dim=-1, keepdim=True)  # (T, 1)
    return attn_weights, masked_simple, masked_simple / row_sums


@torch.no_grad()
def mask_before_softmax(attn_scores: torch.Tensor, d_k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Book method 2: -inf above the diagonal, then softmax -> (masked scores, attn_weights)."""
    masked = attn_scores.masked_fill(causal_mask(attn_scores.shape[-1]), -torch.inf)  # (T, T)
    return masked, torch.softmax(masked / d_k**0.5, dim=-1)


@torch.no_grad()
def dropout_weights(attn_weights: torch.Tensor, p: float, seed: int) -> torch.Tensor:
    """`torch.manual_seed(seed)` then `nn.Dropout(p)` in training mode: zeros some weights, scales the rest by 1/(1-p)."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout rate must be in [0, 1), got {p}")
    with seeded(seed):
        return F.dropout(attn_weights, p=p, training=True)


@torch.no_grad()
def softmax_saturation(
    d_values: Sequence[int], num_tokens: int = 6, trials: int = 400, seed: int = 0
) -> dict[str, torch.Tensor]:
    """Why scale by sqrt(d_k): mean largest weight and entropy of softmax(q.k) with and without scaling.

    Queries and keys have independent standard-normal entries, so each score q.k has variance d_k; without
    scaling the scores spread out as d_k grows and softmax collapses toward one-hot. Returns (len(d_values),)
    tensors: d_k, score_std, max_weight_raw, max_weight_scaled, entropy_raw, entropy_scaled (entropy in bits).
    """
    gen = torch.Generator().manual_seed(seed)
    out: dict[str, list[float]] = {
        k: [] for k in ("d_k", "score_std", "max_raw", "max_scaled", "ent_raw", "ent_scaled")
    }
    for d_k in d_values:
        queries = torch.randn(trials, 1, d_k, generator=gen)  # (trials, 1, d_k)
        keys = torch.randn(trials, num_tokens, d_k, generator=gen)  # (trials, T, d_k)
        attn_scores = (queries @ keys.transpose(1, 2)).squeeze(1)  # (trials, T)
        out["d_k"].append(float(d_k))
        out["score_std"].append(float(attn_scores.std()))
        for tag, divisor in (("raw", 1.0), ("scaled", math.sqrt(d_k))):
            attn_weights = torch.softmax(attn_scores / divisor, dim=-1)  # (trials, T)
            entropy = -(attn_weights * torch.log2(attn_weights.clamp_min(1e-30))).sum(-1)  # (trials,)
            out[f"max_{tag}"].append(float(attn_weights.max(-1).values.mean()))
            out[f"ent_{tag}"].append(float(entropy.mean()))
    names = {
        "d_k": "d_k",
        "score_std": "score_std",
        "max_raw": "max_weight_raw",
        "max_scaled": "max_weight_scaled",
        "ent_raw": "entropy_raw",
        "ent_scaled": "entropy_scaled",
    }
    return {names[k]: torch.tensor(v, dtype=torch.float64) for k, v in out.items()}


@dataclass(frozen=True)
class MultiHeadSteps:
    """The stages of multi-head attention for one (T, d_in) input, for drawing the pipeline."""

    queries: torch.Tensor  # (T, d_out), before the split
    keys: torch.Tensor  # (T, d_out)
    values: torch.Tensor  # (T, d_out)
    attn_weights: torch.Tensor  # (h, T, T), per head
    head_context: torch.Tensor  # (h, T, hd), each head's output (zeros for switched-off heads)
    concat: torch.Tensor  # (T, d_out), heads side by side
    context_vec: torch.Tensor  # (T, d_out), after out_proj


@torch.no_grad()
def multihead_steps(
    mha: MultiHeadAttention, inputs: torch.Tensor, head_mask: Sequence[float] | torch.Tensor | None = None
) -> MultiHeadSteps:
    """Split -> attend -> concatenate -> project for (T, d_in) inputs, keeping every stage (eval mode, no dropout)."""
    x = inputs.unsqueeze(0)  # (1, T, d_in)
    num_tokens = inputs.shape[0]
    queries, keys, values = mha.W_query(x), mha.W_key(x), mha.W_value(x)  # (1, T, d_out) each
    q, k, v = mha.split_heads(queries), mha.split_heads(keys), mha.split_heads(values)  # (1, h, T, hd)
    attn_scores = q @ k.transpose(2, 3)  # (1, h, T, T)
    if mha.causal:
        attn_scores = attn_scores.masked_fill(causal_mask(num_tokens), -torch.inf)
    attn_weights = torch.softmax(attn_scores / mha.head_dim**0.5, dim=-1)  # (1, h, T, T)
    head_context = attn_weights @ v  # (1, h, T, hd)
    hm = mha.check_head_mask(head_mask)
    if hm is not None:
        head_context = head_context * hm.view(1, -1, 1, 1)
    concat = head_context.transpose(1, 2).reshape(1, num_tokens, mha.d_out)  # (1, T, d_out)
    context_vec = mha.out_proj(concat)  # (1, T, d_out)
    return MultiHeadSteps(
        queries[0], keys[0], values[0], attn_weights[0], head_context[0], concat[0], context_vec[0]
    )
