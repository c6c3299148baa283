"""Grouped-query attention (GQA) and multi-query attention (MQA): query heads share key/value heads.

The book's MultiHeadAttention gives every query head its own keys and values. GQA keeps all `num_heads` query
heads but only `num_kv_groups` key/value heads; each group of `group_size = num_heads // num_kv_groups` query
heads reads the same keys and values. `num_kv_groups == num_heads` is multi-head attention, `num_kv_groups == 1`
is multi-query attention. SmolLM2-135M uses 9 query heads and 3 key/value heads; Llama-3-8B 32 and 8.

Shapes: T = num_tokens, b = batch, h = num_heads, g = num_kv_groups, hd = head_dim = d_out // h.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from attention_core.builders import seeded
from attention_core.modules import MultiHeadAttention, as_batch, unbatch
from attention_core.views.multihead import divisors

PARITY_TOL = 1e-5


class GroupedQueryAttention(nn.Module):
    """Multi-head attention whose query heads share `num_kv_groups` key/value heads (GQA; MQA with one group).

    The construction order is the book's MultiHeadAttention's (W_query, W_key, W_value, out_proj), so with
    `num_kv_groups == num_heads` and the same seed it holds exactly the book's weights and gives its output.
    """

    mask: torch.Tensor  # (context_length, context_length), 1 above the diagonal

    def __init__(
        self,
        d_in: int,
        d_out: int,
        context_length: int,
        dropout: float,
        num_heads: int,
        num_kv_groups: int,
        qkv_bias: bool = False,
        causal: bool = True,
    ) -> None:
        super().__init__()
        if d_out % num_heads != 0:
            raise ValueError(f"d_out ({d_out}) must be divisible by num_heads ({num_heads})")
        if num_kv_groups < 1 or num_heads % num_kv_groups != 0:
            raise ValueError(f"num_heads ({num_heads}) must be divisible by num_kv_groups ({num_kv_groups})")
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads
        self.num_kv_groups = num_kv_groups
        self.group_size = num_heads // num_kv_groups  # query heads per key/value head
        self.context_length = context_length
        self.causal = causal
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, num_kv_groups * self.head_dim, bias=qkv_bias)  # New: g heads, not h
        self.W_value = nn.Linear(d_in, num_kv_groups * self.head_dim, bias=qkv_bias)  # New
        self.out_proj = nn.Linear(d_out, d_out)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), diagonal=1))

    def group_of_head(self, head: int) -> int:
        """The key/value group query head `head` (0-based) reads: heads 0..group_size-1 read group 0, ..."""
        return head // self.group_size

    def project(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(b, T, d_in) -> queries (b, h, T, hd), keys (b, g, T, hd), values (b, g, T, hd)."""
        b, num_tokens, _ = x.shape
        queries = self.W_query(x).view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)
        keys = self.W_key(x).view(b, num_tokens, self.num_kv_groups, self.head_dim).transpose(1, 2)
        values = self.W_value(x).view(b, num_tokens, self.num_kv_groups, self.head_dim).transpose(1, 2)
        return queries, keys, values  # (b, h, T, hd), (b, g, T, hd), (b, g, T, hd)

    def hidden(self, num_tokens: int, extra: torch.Tensor | None = None) -> torch.Tensor | None:
        """(T, T) bool, True where a query may not see a key: the causal mask and/or an extra mask, or None."""
        hide = self.mask.bool()[:num_tokens, :num_tokens] if self.causal else None
        if extra is not None:
            extra = extra.to(torch.bool)
            hide = extra if hide is None else hide | extra
        return hide

    def forward(
        self, x: torch.Tensor, extra_mask: torch.Tensor | None = None, need_weights: bool = True
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(.., T, d_in) -> context_vec (.., T, d_out), attn_weights (.., h, T, T) or None.

        `extra_mask` (T, T) bool hides more keys on top of the causal mask (e.g. a sliding window).
        """
        x, unbatched = as_batch(x)
        b, num_tokens, _ = x.shape
        if self.causal and num_tokens > self.context_length:
            raise ValueError(f"{num_tokens} tokens exceed context_length {self.context_length}")
        queries, keys, values = self.project(x)
        keys = keys.repeat_interleave(self.group_size, dim=1)  # (b, g, T, hd) -> (b, h, T, hd)  # New
        values = values.repeat_interleave(self.group_size, dim=1)  # (b, h, T, hd)  # New
        hide = self.hidden(num_tokens, extra_mask)
        attn_weights: torch.Tensor | None = None
        if need_weights:
            attn_scores = queries @ keys.transpose(2, 3)  # (b, h, T, hd) @ (b, h, hd, T) -> (b, h, T, T)
            if hide is not None:
                attn_scores = attn_scores.masked_fill(hide, -torch.inf)
            attn_weights = torch.softmax(attn_scores / self.head_dim**0.5, dim=-1)  # (b, h, T, T)
            attn_weights = self.dropout(attn_weights)
            context_vec = attn_weights @ values  # (b, h, T, hd)
        else:
            p = self.dropout.p if self.training else 0.0
            allowed = None if hide is None else ~hide  # SDPA's bool mask: True = may attend
            context_vec = F.scaled_dot_product_attention(
                queries, keys, values, attn_mask=allowed, dropout_p=p
            )
        context_vec = (
            context_vec.transpose(1, 2).contiguous().view(b, num_tokens, self.d_out)
        )  # (b, T, d_out)
        context_vec = self.out_proj(context_vec)  # (b, T, d_out)
        return unbatch(context_vec, unbatched), unbatch(attn_weights, unbatched)


def build_gqa(
    d_in: int,
    d_out: int,
    context_length: int,
    num_heads: int,
    num_kv_groups: int,
    seed: int,
    causal: bool = True,
) -> GroupedQueryAttention:
    """`torch.manual_seed(seed)` then GroupedQueryAttention (eval mode, no dropout)."""
    with seeded(seed):
        return GroupedQueryAttention(
            d_in, d_out, context_length, 0.0, num_heads, num_kv_groups, causal=causal
        )


# --- PyTorch's own attention on the same weights ---------------------------------------------------------


def _extra_allowed(gqa: GroupedQueryAttention, num_tokens: int, extra: torch.Tensor | None) -> torch.Tensor:
    hide = gqa.hidden(num_tokens, extra)
    return torch.ones(num_tokens, num_tokens, dtype=torch.bool) if hide is None else ~hide


@torch.no_grad()
def sdpa_repeated_reference(
    gqa: GroupedQueryAttention, x: torch.Tensor, extra_mask: torch.Tensor | None = None
) -> torch.Tensor:
    """The module's output from `F.scaled_dot_product_attention` with K and V repeated to every query head."""
    x3, unbatched = as_batch(x)
    b, num_tokens, _ = x3.shape
    queries, keys, values = gqa.project(x3)
    keys = torch.repeat_interleave(keys, gqa.group_size, dim=1)  # (b, h, T, hd)
    values = torch.repeat_interleave(values, gqa.group_size, dim=1)
    allowed = _extra_allowed(gqa, num_tokens, extra_mask)
    heads = F.scaled_dot_product_attention(queries, keys, values, attn_mask=allowed)  # (b, h, T, hd)
    concat = heads.transpose(1, 2).reshape(b, num_tokens, gqa.d_out)  # (b, T, d_out)
    return unbatch(gqa.out_proj(concat), unbatched)


@torch.no_grad()
def sdpa_grouped_reference(
    gqa: GroupedQueryAttention, x: torch.Tensor, extra_mask: torch.Tensor | None = None
) -> torch.Tensor:
    """The module's output from `F.scaled_dot_product_attention(..., enable_gqa=True)` on the g K/V heads."""
    x3, unbatched = as_batch(x)
    b, num_tokens, _ = x3.shape
    queries, keys, values = gqa.project(x3)  # keys/values stay (b, g, T, hd): PyTorch groups the heads
    allowed = _extra_allowed(gqa, num_tokens, extra_mask)
    heads = F.scaled_dot_product_attention(queries, keys, values, attn_mask=allowed, enable_gqa=True)
    concat = heads.transpose(1, 2).reshape(b, num_tokens, gqa.d_out)  # (b, T, d_out)
    return unbatch(gqa.out_proj(concat), unbatched)


def as_multihead(gqa: GroupedQueryAttention) -> MultiHeadAttention:
    """The book's MultiHeadAttention with each group's key/value weights copied to its query heads.

    It gives the same output: GQA is multi-head attention whose heads are forced to share keys and values.
    """
    d_in = gqa.W_query.in_features
    mha = MultiHeadAttention(
        d_in, gqa.d_out, gqa.context_length, 0.0, gqa.num_heads, qkv_bias=gqa.W_query.bias is not None
    )
    mha.causal = gqa.causal
    hd = gqa.head_dim
    with torch.no_grad():
        mha.W_query.load_state_dict(gqa.W_query.state_dict())
        mha.out_proj.load_state_dict(gqa.out_proj.state_dict())
        for name in ("W_key", "W_value"):
            src: nn.Linear = getattr(gqa, name)
            dst: nn.Linear = getattr(mha, name)
            w = src.weight.view(gqa.num_kv_groups, hd, d_in)  # (g * hd, d_in) -> (g, hd, d_in)
            dst.weight.copy_(
                w.repeat_interleave(gqa.group_size, dim=0).reshape(gqa.d_out, d_in)
            )  # (h*hd, d_in)
            if src.bias is not None and dst.bias is not None:
                bias = src.bias.view(gqa.num_kv_groups, hd).repeat_interleave(gqa.group_size, dim=0)
                dst.bias.copy_(bias.reshape(gqa.d_out))
    return mha.eval()


# --- the page's computation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParityCheck:
    """One comparison of this module's output with a PyTorch reference."""

    reference: str
    compared: str
    largest_difference: float

    @property
    def ok(self) -> bool:
        """Within PARITY_TOL."""
        return self.largest_difference <= PARITY_TOL


@dataclass(frozen=True)
class KVSize:
    """What one choice of key/value groups costs, for a fixed number of query heads."""

    num_kv_groups: int
    cached_per_token: int  # numbers stored per token and layer: 2 (K and V) x g x hd
    kv_params: int  # weights in W_key and W_value (biases excluded): 2 x d_in x g x hd


@dataclass(frozen=True)
class GQAView:
    """Everything the grouped-query page draws for one sentence and setting (read-only arrays)."""

    num_heads: int
    num_kv_groups: int
    head_dim: int
    group_of_head: tuple[int, ...]  # (h,): the K/V group each query head reads
    queries: np.ndarray  # (T, d_out), all query heads side by side
    keys: np.ndarray  # (T, g * hd), the shared key heads
    values: np.ndarray  # (T, g * hd)
    attn_weights: np.ndarray  # (h, T, T)
    context_vec: np.ndarray  # (T, d_out)
    checks: tuple[ParityCheck, ...]
    sizes: tuple[KVSize, ...]  # one per divisor of num_heads (MQA ... MHA)

    @property
    def kind(self) -> str:
        """'multi-head', 'multi-query' or 'grouped-query'."""
        return kind_name(self.num_heads, self.num_kv_groups)

    @property
    def all_ok(self) -> bool:
        """Every PyTorch reference agrees within PARITY_TOL."""
        return all(c.ok for c in self.checks)


def kind_name(num_heads: int, num_kv_groups: int) -> str:
    """'multi-head' (g = h), 'multi-query' (g = 1 < h) or 'grouped-query' attention."""
    if num_kv_groups == num_heads:
        return "multi-head"
    return "multi-query" if num_kv_groups == 1 else "grouped-query"


def _frozen(t: torch.Tensor) -> np.ndarray:
    arr = t.detach().to(torch.float64).numpy().copy()
    arr.setflags(write=False)
    return arr


def kv_sizes(d_in: int, head_dim: int, num_heads: int) -> tuple[KVSize, ...]:
    """The cache and parameter cost of every valid number of key/value groups (divisors of num_heads)."""
    return tuple(KVSize(g, 2 * g * head_dim, 2 * d_in * g * head_dim) for g in divisors(num_heads))


@torch.no_grad()
def gqa_view(
    inputs: torch.Tensor,
    d_out: int,
    num_heads: int,
    num_kv_groups: int,
    seed: int,
    causal: bool = True,
) -> GQAView:
    """Seeded GQA on (T, d_in) inputs: per-head weights, Q/K/V, output and parity with PyTorch's attention."""
    num_tokens, d_in = inputs.shape
    gqa = build_gqa(d_in, d_out, max(num_tokens, 1), num_heads, num_kv_groups, seed, causal).eval()
    x = inputs.unsqueeze(0)  # (1, T, d_in)
    context_vec, attn_weights = gqa(x)  # (1, T, d_out), (1, h, T, T)
    assert attn_weights is not None
    checks = [
        ParityCheck(
            "F.scaled_dot_product_attention, K/V repeated per head",
            "output",
            float((sdpa_repeated_reference(gqa, x) - context_vec).abs().max()),
        ),
        ParityCheck(
            "F.scaled_dot_product_attention(enable_gqa=True)",
            "output",
            float((sdpa_grouped_reference(gqa, x) - context_vec).abs().max()),
        ),
    ]
    mha = as_multihead(gqa)
    mha_out, mha_weights = mha(x)
    checks.append(
        ParityCheck(
            "the book's MultiHeadAttention, K/V weights copied to every head",
            "output",
            float((mha_out - context_vec).abs().max()),
        )
    )
    checks.append(
        ParityCheck(
            "the book's MultiHeadAttention, K/V weights copied to every head",
            "attention weights per head",
            float((mha_weights - attn_weights).abs().max()),
        )
    )
    queries, keys, values = gqa.project(x)  # (1, h, T, hd), (1, g, T, hd), (1, g, T, hd)
    return GQAView(
        num_heads=num_heads,
        num_kv_groups=num_kv_groups,
        head_dim=gqa.head_dim,
        group_of_head=tuple(gqa.group_of_head(i) for i in range(num_heads)),
        queries=_frozen(queries[0].transpose(0, 1).reshape(num_tokens, d_out)),  # (h, T, hd) -> (T, d_out)
        keys=_frozen(keys[0].transpose(0, 1).reshape(num_tokens, -1)),  # (g, T, hd) -> (T, g * hd)
        values=_frozen(values[0].transpose(0, 1).reshape(num_tokens, -1)),
        attn_weights=_frozen(attn_weights[0]),
        context_vec=_frozen(context_vec[0]),
        checks=tuple(checks),
        sizes=kv_sizes(d_in, gqa.head_dim, num_heads),
    )


def kv_group_options(num_heads: int) -> list[int]:
    """The key/value group counts that split `num_heads` query heads evenly (1 = MQA ... num_heads = MHA)."""
    return divisors(num_heads)


def head_options(d_out: int) -> list[int]:
    """Head counts that split d_out evenly (as on the multi-head page)."""
    return divisors(d_out)


def heads_reading(group_of_head: Sequence[int], group: int) -> list[int]:
    """The 0-based query heads that read key/value group `group`."""
    return [h for h, g in enumerate(group_of_head) if g == group]
