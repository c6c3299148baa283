"""The multi-head page (book 3.6): heads side by side, heads switched off, the pipeline, parity with PyTorch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from attention_core.builders import build_multihead, seeded
from attention_core.references import sdpa_reference, torch_multihead_reference
from attention_core.stepwise import multihead_steps
from attention_core.views.common import ParityCheck, frozen, largest_difference

PARITY_TOL = 1e-5
DROPOUT_SEED = 123  # torch.manual_seed before the training-mode pass


def divisors(n: int) -> list[int]:
    """The head counts that split n dimensions evenly: divisors(12) -> [1, 2, 3, 4, 6, 12]."""
    return [k for k in range(1, n + 1) if n % k == 0]


@dataclass(frozen=True)
class MultiHeadView:
    """Every number of the page for one setting. h = num_heads, hd = head_dim."""

    num_heads: int
    head_dim: int
    causal: bool
    head_on: tuple[bool, ...]  # (h,)
    dropout: float  # 0 when off
    attn_weights: np.ndarray  # (h, T, T), after dropout when it is on (one training step)
    output_all: np.ndarray  # (T, d_out), every head on
    output_selected: np.ndarray  # (T, d_out), heads as selected
    queries: np.ndarray  # (T, d_out), before the split
    head_context: np.ndarray  # (h, T, hd), each head's output (zeros for heads switched off)
    concat: np.ndarray  # (T, d_out), the heads side by side
    context_vec: np.ndarray  # (T, d_out), after out_proj
    checks: tuple[ParityCheck, ...]  # against PyTorch's own attention on the same weights

    @property
    def all_checks_pass(self) -> bool:
        """True when every PyTorch reference agrees within its tolerance."""
        return all(check.passed for check in self.checks)


def multihead_view(
    inputs: torch.Tensor,
    d_out: int,
    num_heads: int,
    seed: int,
    causal: bool,
    dropout: float,
    head_on: tuple[bool, ...],
    context_length: int,
) -> MultiHeadView:
    """The book's seeded MultiHeadAttention on (T, d_in) inputs with heads switched by `head_on`.

    The module is built here and never leaves this function, so nothing shared is ever changed.
    """
    d_in = inputs.shape[-1]
    mha = build_multihead(d_in, d_out, context_length, num_heads, seed, causal=causal).eval()
    head_mask = torch.tensor(head_on, dtype=torch.float32)  # (h,)
    with torch.no_grad():
        full, clean_weights = mha(inputs)  # (T, d_out), (h, T, T)
        selected, _ = mha(inputs, head_mask=head_mask)
        fused, _ = mha(inputs, head_mask=head_mask, need_weights=False)
        attn_weights = clean_weights
        if dropout > 0:  # one training-mode pass with its own dropout rate and seed
            mha.dropout.p = dropout
            with seeded(DROPOUT_SEED):
                _, attn_weights = mha.train()(inputs, head_mask=head_mask)
            mha.eval()
    steps = multihead_steps(mha, inputs, head_mask)
    checks = [
        ParityCheck(
            "F.scaled_dot_product_attention + out_proj",
            "output (heads as selected)",
            largest_difference(sdpa_reference(mha, inputs, head_mask=head_mask), selected),
            PARITY_TOL,
        ),
        ParityCheck(
            "this module, need_weights=False (fused)",
            "output (heads as selected)",
            largest_difference(fused, selected),
            PARITY_TOL,
        ),
    ]
    if d_in == d_out:  # nn.MultiheadAttention maps a size to the same size
        ref_out, ref_weights = torch_multihead_reference(mha, inputs)
        reference = "nn.MultiheadAttention, weights copied"
        checks.append(
            ParityCheck(reference, "output (all heads on)", largest_difference(ref_out, full), PARITY_TOL)
        )
        checks.append(
            ParityCheck(
                reference,
                "attention weights per head",
                largest_difference(ref_weights, clean_weights),
                PARITY_TOL,
            )
        )
    assert attn_weights is not None and clean_weights is not None
    return MultiHeadView(
        num_heads=num_heads,
        head_dim=mha.head_dim,
        causal=causal,
        head_on=head_on,
        dropout=dropout,
        attn_weights=frozen(attn_weights),
        output_all=frozen(full),
        output_selected=frozen(selected),
        queries=frozen(steps.queries),
        head_context=frozen(steps.head_context),
        concat=frozen(steps.concat),
        context_vec=frozen(steps.context_vec),
        checks=tuple(checks),
    )
