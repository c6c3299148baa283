"""PyTorch's own attention on the same weights as our `MultiHeadAttention`: the references the pages check against.

Shapes: T = num_tokens, b = batch, h = num_heads, hd = head_dim.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from attention_core.modules import MultiHeadAttention, as_batch, causal_mask, unbatch


@torch.no_grad()
def sdpa_reference(
    mha: MultiHeadAttention, x: torch.Tensor, head_mask: Sequence[float] | torch.Tensor | None = None
) -> torch.Tensor:
    """The module's output recomputed with `F.scaled_dot_product_attention` on its own projections."""
    x3, unbatched = as_batch(x)
    b, num_tokens, _ = x3.shape
    q = mha.split_heads(F.linear(x3, mha.W_query.weight, mha.W_query.bias))  # (b, h, T, hd)
    k = mha.split_heads(F.linear(x3, mha.W_key.weight, mha.W_key.bias))
    v = mha.split_heads(F.linear(x3, mha.W_value.weight, mha.W_value.bias))
    heads = F.scaled_dot_product_attention(q, k, v, is_causal=mha.causal)  # (b, h, T, hd)
    hm = mha.check_head_mask(head_mask)
    if hm is not None:
        heads = heads * hm.view(1, -1, 1, 1)
    concat = heads.transpose(1, 2).reshape(b, num_tokens, mha.d_out)  # (b, T, d_out)
    return unbatch(F.linear(concat, mha.out_proj.weight, mha.out_proj.bias), unbatched)


def torch_multihead(mha: MultiHeadAttention) -> nn.MultiheadAttention:
    """An `nn.MultiheadAttention` holding the same weights (needs d_in == d_out; missing q/k/v biases become 0)."""
    d_in = mha.W_query.in_features
    if d_in != mha.d_out:
        raise ValueError(f"nn.MultiheadAttention needs d_in == d_out, got {d_in} and {mha.d_out}")
    ref = nn.MultiheadAttention(mha.d_out, mha.num_heads, dropout=0.0, bias=True, batch_first=True)
    with torch.no_grad():
        # in_proj_weight stacks the three (d_out, d_in) projections: rows [query; key; value] -> (3*d_out, d_in)
        ref.in_proj_weight.copy_(torch.cat((mha.W_query.weight, mha.W_key.weight, mha.W_value.weight), dim=0))
        biases: list[torch.Tensor] = [
            lin.bias if lin.bias is not None else torch.zeros(mha.d_out)
            for lin in (mha.W_query, mha.W_key, mha.W_value)
        ]
        ref.in_proj_bias.copy_(torch.cat(biases))  # (3*d_out,)
        ref.out_proj.weight.copy_(mha.out_proj.weight)
        ref.out_proj.bias.copy_(mha.out_proj.bias)
    return ref.eval()


@torch.no_grad()
def torch_multihead_reference(
    mha: MultiHeadAttention, x: torch.Tensor, ref: nn.MultiheadAttention | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Output and per-head weights of `nn.MultiheadAttention` with the module's weights (all heads on)."""
    ref = ref if ref is not None else torch_multihead(mha)
    x3, unbatched = as_batch(x)
    num_tokens = x3.shape[1]
    attn_mask = causal_mask(num_tokens) if mha.causal else None  # True = not allowed
    out, weights = ref(x3, x3, x3, attn_mask=attn_mask, need_weights=True, average_attn_weights=False)
    assert weights is not None  # need_weights=True
    return unbatch(out, unbatched), unbatch(weights, unbatched)  # (.., T, d_out), (.., h, T, T)
