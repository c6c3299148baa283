"""The trainable-weights page (book 3.4): seeded W_query, W_key, W_value and every step, both scalings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from attention_core.builders import Construction, build_self_attention, seeded_weights
from attention_core.stepwise import attention_steps
from attention_core.views.common import ParityCheck, frozen, largest_difference

MODULE_NAMES: dict[Construction, str] = {"rand": "SelfAttention_v1", "linear": "SelfAttention_v2"}
PARITY_TOL = 1e-5


@dataclass(frozen=True)
class TrainableView:
    """Every number of the page for one setting; `scale` says which scaling the steps use."""

    construction: Construction
    scale: bool
    W_query: np.ndarray  # (d_in, d_out)
    W_key: np.ndarray  # (d_in, d_out)
    W_value: np.ndarray  # (d_in, d_out)
    queries: np.ndarray  # (T, d_out), X @ W_query
    keys: np.ndarray  # (T, d_out)
    values: np.ndarray  # (T, d_out)
    attn_scores: np.ndarray  # (T, T), Q @ K.T
    scaled_scores: np.ndarray  # (T, T), divided by sqrt(d_k) when `scale`
    attn_weights: np.ndarray  # (T, T), softmax of each row
    attn_weights_row_sums: np.ndarray  # (T,)
    context_vec: np.ndarray  # (T, d_out), attn_weights @ values
    mean_max_weight: tuple[float, float]  # mean over rows of the largest weight: (scaled, unscaled)
    module_name: str  # the book's class for this construction
    module_context_vec: np.ndarray  # (T, d_out), the same from the module's forward
    module_check: ParityCheck  # module vs the steps (context vectors and weights)


def trainable_view(
    inputs: torch.Tensor, construction: Construction, d_out: int, seed: int, scale: bool
) -> TrainableView:
    """Self-attention of (T, d_in) inputs with the book's seeded weights, step by step and by the module."""
    d_in = inputs.shape[-1]
    W_query, W_key, W_value = seeded_weights(construction, d_in, d_out, seed)  # (d_in, d_out) each
    by_scale = {s: attention_steps(inputs, W_query, W_key, W_value, scale=s) for s in (True, False)}
    steps = by_scale[scale]
    module = build_self_attention(construction, d_in, d_out, seed, scale=scale)
    with torch.no_grad():
        module_context, module_weights = module(inputs)  # (T, d_out), (T, T)
    gap = max(
        largest_difference(module_context, steps.context_vec),
        largest_difference(module_weights, steps.attn_weights),
    )
    max_weight = {s: float(by_scale[s].attn_weights.max(-1).values.mean()) for s in (True, False)}
    return TrainableView(
        construction=construction,
        scale=scale,
        W_query=frozen(W_query),
        W_key=frozen(W_key),
        W_value=frozen(W_value),
        queries=frozen(steps.queries),
        keys=frozen(steps.keys),
        values=frozen(steps.values),
        attn_scores=frozen(steps.attn_scores),
        scaled_scores=frozen(steps.scaled_scores),
        attn_weights=frozen(steps.attn_weights),
        attn_weights_row_sums=frozen(steps.attn_weights.sum(-1)),
        context_vec=frozen(steps.context_vec),
        mean_max_weight=(max_weight[True], max_weight[False]),
        module_name=MODULE_NAMES[construction],
        module_context_vec=frozen(module_context),
        module_check=ParityCheck(
            f"the module {MODULE_NAMES[construction]}", "context vectors and weights", gap, PARITY_TOL
        ),
    )
