"""The multi-head page (book 3.6): heads side by side, heads switched off, the pipeline, parity with PyTorch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from attention_core.builders import build_multihead, seeded
from attention_core.modules import CausalAttention, MultiHeadAttention, MultiHeadAttentionWrapper
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


@dataclass(frozen=True)
class WrapperView:
    """The book's MultiHeadAttentionWrapper and one MultiHeadAttention holding its weights, side by side.

    h = num_heads, d = each head's d_out; the wrapper's output has h * d columns.
    """

    num_heads: int
    head_d_out: int
    head_query_weights: np.ndarray  # (h, d, d_in), each head's nn.Linear weight
    stacked_query_weight: np.ndarray  # (h * d, d_in), the heads' weights stacked: the big W_query's weight
    context_vec: np.ndarray  # (T, h * d), torch.cat of the heads' context vectors
    mha_context_vec: (
        np.ndarray
    )  # (T, h * d), MultiHeadAttention with the stacked weights, out_proj = identity
    max_difference: float  # max |wrapper - MultiHeadAttention|

    @property
    def d_out(self) -> int:
        """The wrapper's output size: h * d."""
        return self.num_heads * self.head_d_out

    @property
    def equal(self) -> bool:
        """The two constructions give the same output (within float32 rounding)."""
        return self.max_difference <= PARITY_TOL


def wrapper_view(inputs: torch.Tensor, head_d_out: int, num_heads: int, seed: int) -> WrapperView:
    """`torch.manual_seed(seed)` then the book's wrapper of `num_heads` CausalAttention heads of `head_d_out`;
    its weights copied into one MultiHeadAttention (d_out = num_heads * head_d_out, out_proj = identity)."""
    d_in, num_tokens = inputs.shape[-1], inputs.shape[0]
    d_out = num_heads * head_d_out
    with seeded(seed):
        wrapper = MultiHeadAttentionWrapper(d_in, head_d_out, num_tokens, 0.0, num_heads).eval()
    with seeded(0):  # its own weights are overwritten below
        mha = MultiHeadAttention(d_in, d_out, num_tokens, 0.0, num_heads).eval()
    heads: list[CausalAttention] = [head for head in wrapper.heads if isinstance(head, CausalAttention)]
    with torch.no_grad():
        for name in ("W_query", "W_key", "W_value"):
            # each head's Linear weight is (d, d_in); stacking rows gives (h * d, d_in), and the efficient
            # class's .view(b, T, h, d) splits its output columns back into exactly these heads
            stacked = torch.cat([getattr(head, name).weight for head in heads], dim=0)
            getattr(mha, name).weight.copy_(stacked)
        mha.out_proj.weight.copy_(torch.eye(d_out))  # (d_out, d_out): no mixing, so outputs are comparable
        mha.out_proj.bias.zero_()
        context_vec, _ = wrapper(inputs)  # (T, h * d)
        mha_context_vec, _ = mha(inputs)  # (T, h * d)
    return WrapperView(
        num_heads=num_heads,
        head_d_out=head_d_out,
        head_query_weights=frozen(torch.stack([head.W_query.weight for head in heads])),
        stacked_query_weight=frozen(mha.W_query.weight),
        context_vec=frozen(context_vec),
        mha_context_vec=frozen(mha_context_vec),
        max_difference=largest_difference(context_vec, mha_context_vec),
    )
