"""The causal-attention page (book 3.5): the mask on and off, the two equal ways to mask, dropout, parity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from attention_core.builders import Construction, seeded, seeded_weights
from attention_core.modules import CausalAttention, causal_mask
from attention_core.stepwise import attention_steps, dropout_weights, mask_after_softmax, mask_before_softmax
from attention_core.views.common import ParityCheck, frozen, largest_difference

PARITY_TOL = 1e-5


@dataclass(frozen=True)
class DropoutStats:
    """What dropout did to the weights the page uses."""

    rate: float
    n_dropped: int  # weights that were allowed (non-zero) and are now 0
    n_allowed: int  # non-zero weights before dropout
    kept_ratio: tuple[float, float]  # smallest and largest (after / before) over kept weights
    row_sum_range: tuple[float, float]  # smallest and largest row sum after dropout

    @property
    def scale(self) -> float:
        """1 / (1 - p): what every kept weight is multiplied by."""
        return 1 / (1 - self.rate)


@dataclass(frozen=True)
class CausalView:
    """Every number of the page for one setting."""

    masked: bool
    future: np.ndarray  # (T, T) bool, True above the diagonal
    attn_weights_full: np.ndarray  # (T, T), softmax(Omega / sqrt(d_k)) without a mask
    masked_simple: np.ndarray  # (T, T), method 1: softmax, then zero the future (rows no longer sum to 1)
    masked_simple_norm: np.ndarray  # (T, T), method 1: each row divided by its sum
    masked_scores: np.ndarray  # (T, T), method 2: -inf above the diagonal
    masked_softmax: np.ndarray  # (T, T), method 2: softmax of the masked scores
    method_gap: float  # max |method 1 - method 2|
    attn_weights: np.ndarray  # (T, T), the weights the page uses (masked or not)
    row_sum_range: tuple[float, float]  # of attn_weights
    dropped: np.ndarray  # (T, T), attn_weights after dropout (equal to attn_weights without dropout)
    dropout: DropoutStats | None  # None when dropout is off
    context_vec: np.ndarray  # (T, d_out), dropped @ values
    module_check: ParityCheck | None  # CausalAttention with these weights (mask on, dropout off only)


def _dropout_stats(attn_weights: torch.Tensor, dropped: torch.Tensor, rate: float) -> DropoutStats:
    kept = dropped != 0
    allowed = attn_weights != 0
    ratio = (dropped[kept] / attn_weights[kept]) if bool(kept.any()) else torch.tensor([1 / (1 - rate)])
    sums = dropped.sum(-1)
    return DropoutStats(
        rate=rate,
        n_dropped=int((allowed & ~kept).sum()),
        n_allowed=int(allowed.sum()),
        kept_ratio=(float(ratio.min()), float(ratio.max())),
        row_sum_range=(float(sums.min()), float(sums.max())),
    )


def _module_check(
    inputs: torch.Tensor, weights: tuple[torch.Tensor, torch.Tensor, torch.Tensor], context_vec: torch.Tensor
) -> ParityCheck:
    """The book's CausalAttention loaded with the same weights gives the same context vectors."""
    d_in, d_out = weights[0].shape
    with seeded(0):  # the initial weights are overwritten below; the fork keeps the global RNG untouched
        module = CausalAttention(d_in, d_out, context_length=inputs.shape[0], dropout=0.0).eval()
    with torch.no_grad():
        for layer, weight in zip((module.W_query, module.W_key, module.W_value), weights, strict=True):
            layer.weight.copy_(weight.T)  # (d_in, d_out) -> Linear's (d_out, d_in)
        module_context, _ = module(inputs)
    gap = float(np.abs(module_context.numpy() - context_vec.numpy()).max())
    return ParityCheck("the book's CausalAttention, weights copied", "context vectors", gap, PARITY_TOL)


def causal_view(
    inputs: torch.Tensor,
    construction: Construction,
    d_out: int,
    seed: int,
    masked: bool,
    dropout: bool,
    rate: float,
    drop_seed: int,
) -> CausalView:
    """Causal attention of (T, d_in) inputs with the book's seeded weights; dropout `rate` after `drop_seed`."""
    d_in = inputs.shape[-1]
    W_query, W_key, W_value = seeded_weights(construction, d_in, d_out, seed)  # (d_in, d_out) each
    steps = attention_steps(inputs, W_query, W_key, W_value)  # unmasked, scaled
    attn_weights_full, masked_simple, masked_norm = mask_after_softmax(steps.attn_scores, d_out)
    masked_scores, masked_softmax = mask_before_softmax(steps.attn_scores, d_out)
    attn_weights = masked_softmax if masked else attn_weights_full  # what the rest of the page uses
    dropped = dropout_weights(attn_weights, rate, drop_seed) if dropout else attn_weights
    context_vec = dropped @ (inputs @ W_value)  # (T, T) @ (T, d_out) -> (T, d_out)
    sums = attn_weights.sum(-1)
    return CausalView(
        masked=masked,
        future=frozen(causal_mask(inputs.shape[0])),
        attn_weights_full=frozen(attn_weights_full),
        masked_simple=frozen(masked_simple),
        masked_simple_norm=frozen(masked_norm),
        masked_scores=frozen(masked_scores),
        masked_softmax=frozen(masked_softmax),
        method_gap=largest_difference(masked_norm, masked_softmax),
        attn_weights=frozen(attn_weights),
        row_sum_range=(float(sums.min()), float(sums.max())),
        dropped=frozen(dropped),
        dropout=_dropout_stats(attn_weights, dropped, rate) if dropout else None,
        context_vec=frozen(context_vec),
        module_check=(
            _module_check(inputs, (W_query, W_key, W_value), context_vec) if masked and not dropout else None
        ),
    )
