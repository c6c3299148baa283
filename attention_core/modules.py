"""The book's attention modules (sections 3.4-3.6) as `nn.Module`s, in the book's order of ideas.

SelfAttention_v1 -> SelfAttention_v2 -> CausalAttention -> MultiHeadAttentionWrapper -> MultiHeadAttention.
Each class creates its weights in the book's order, so a seeded module (see `builders`) has exactly the book's
numbers. Unlike the book's, every forward returns `(context_vec, attn_weights)` so a page can draw the weights,
and accepts unbatched `(num_tokens, d_in)` as well as batched `(batch, num_tokens, d_in)` input. A forward
never changes the module, so one module can serve many threads.

Shapes: T = num_tokens, b = batch, h = num_heads, hd = head_dim = d_out // num_heads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import torch
import torch.nn.functional as F
from torch import nn


def as_batch(x: torch.Tensor) -> tuple[torch.Tensor, bool]:
    """(T, d_in) -> (1, T, d_in) and True; (b, T, d_in) unchanged and False."""
    if x.dim() == 2:
        return x.unsqueeze(0), True  # (T, d_in) -> (1, T, d_in)
    if x.dim() == 3:
        return x, False
    raise ValueError(
        f"expected (num_tokens, d_in) or (batch, num_tokens, d_in) input, got shape {tuple(x.shape)}"
    )


@overload
def unbatch(t: torch.Tensor, unbatched: bool) -> torch.Tensor: ...
@overload
def unbatch(t: None, unbatched: bool) -> None: ...
def unbatch(t: torch.Tensor | None, unbatched: bool) -> torch.Tensor | None:
    """Drop the batch dimension added by `as_batch`."""
    return t.squeeze(0) if (t is not None and unbatched) else t


def scale_divisor(d_k: int, scale: bool) -> float:
    """The divisor of the scores: sqrt(d_k) when scaling, else 1."""
    return d_k**0.5 if scale else 1.0


def causal_mask(num_tokens: int, device: torch.device | None = None) -> torch.Tensor:
    """True above the diagonal, where a query would see a later token -> (T, T) bool."""
    return torch.triu(torch.ones(num_tokens, num_tokens, dtype=torch.bool, device=device), diagonal=1)


class SelfAttention_v1(nn.Module):  # noqa: N801 (the book's name)
    """Self-attention whose weights are plain `nn.Parameter(torch.rand(d_in, d_out))` matrices (book 3.4.1)."""

    def __init__(self, d_in: int, d_out: int, scale: bool = True) -> None:
        super().__init__()
        self.scale = scale  # divide scores by sqrt(d_k) (the book always does)
        self.W_query = nn.Parameter(torch.rand(d_in, d_out))  # (d_in, d_out); created first
        self.W_key = nn.Parameter(torch.rand(d_in, d_out))
        self.W_value = nn.Parameter(torch.rand(d_in, d_out))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(.., T, d_in) -> context_vec (.., T, d_out), attn_weights (.., T, T)."""
        keys = x @ self.W_key  # (.., T, d_out)
        queries = x @ self.W_query  # (.., T, d_out)
        values = x @ self.W_value  # (.., T, d_out)
        attn_scores = queries @ keys.transpose(-2, -1)  # (.., T, T), omega
        attn_weights = torch.softmax(attn_scores / scale_divisor(keys.shape[-1], self.scale), dim=-1)
        context_vec = attn_weights @ values  # (.., T, d_out)
        return context_vec, attn_weights


class SelfAttention_v2(nn.Module):  # noqa: N801 (the book's name)
    """The same attention with `nn.Linear(d_in, d_out, bias=False)` layers (better initialisation, book 3.4.2)."""

    def __init__(self, d_in: int, d_out: int, qkv_bias: bool = False, scale: bool = True) -> None:
        super().__init__()
        self.scale = scale
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)  # New: Linear instead of Parameter
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(.., T, d_in) -> context_vec (.., T, d_out), attn_weights (.., T, T)."""
        keys = self.W_key(x)  # (.., T, d_out)
        queries = self.W_query(x)
        values = self.W_value(x)
        attn_scores = queries @ keys.transpose(-2, -1)  # (.., T, T)
        attn_weights = torch.softmax(attn_scores / scale_divisor(keys.shape[-1], self.scale), dim=-1)
        context_vec = attn_weights @ values  # (.., T, d_out)
        return context_vec, attn_weights


class CausalAttention(nn.Module):
    """Self-attention that hides later tokens (mask buffer) and drops weights while training (book 3.5.3)."""

    mask: torch.Tensor  # (context_length, context_length), 1 above the diagonal

    def __init__(
        self, d_in: int, d_out: int, context_length: int, dropout: float, qkv_bias: bool = False
    ) -> None:
        super().__init__()
        self.d_out = d_out
        self.context_length = context_length
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.dropout = nn.Dropout(dropout)  # New
        self.register_buffer(
            "mask", torch.triu(torch.ones(context_length, context_length), diagonal=1)
        )  # New

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(b, T, d_in) or (T, d_in) -> context_vec (.., T, d_out), attn_weights (.., T, T) after dropout."""
        x, unbatched = as_batch(x)
        num_tokens = x.shape[1]  # x: (b, T, d_in)
        if num_tokens > self.context_length:
            raise ValueError(f"{num_tokens} tokens exceed context_length {self.context_length}")
        keys = self.W_key(x)  # (b, T, d_out)
        queries = self.W_query(x)
        values = self.W_value(x)
        attn_scores = queries @ keys.transpose(1, 2)  # (b, T, T)
        attn_scores = attn_scores.masked_fill(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)  # New
        attn_weights = torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)
        attn_weights = self.dropout(attn_weights)  # New
        context_vec = attn_weights @ values  # (b, T, d_out)
        return unbatch(context_vec, unbatched), unbatch(attn_weights, unbatched)


class MultiHeadAttentionWrapper(nn.Module):
    """Several causal heads, created one after another, run side by side and concatenated (book 3.6.1)."""

    def __init__(
        self,
        d_in: int,
        d_out: int,
        context_length: int,
        dropout: float,
        num_heads: int,
        qkv_bias: bool = False,
    ) -> None:
        super().__init__()
        self.heads = nn.ModuleList(
            [CausalAttention(d_in, d_out, context_length, dropout, qkv_bias) for _ in range(num_heads)]
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(.., T, d_in) -> context_vec (.., T, num_heads * d_out), attn_weights (.., num_heads, T, T)."""
        outputs = [head(x) for head in self.heads]
        context_vec = torch.cat([c for c, _ in outputs], dim=-1)  # (.., T, h * d_out)
        attn_weights = torch.stack([w for _, w in outputs], dim=-3)  # (.., h, T, T)
        return context_vec, attn_weights


class MultiHeadAttention(nn.Module):
    """Efficient multi-head attention: one projection, split into heads, attend, concatenate, project (3.6.2).

    Additions to the book's class: `causal` (the book's is always causal), a `head_mask` that switches
    individual heads off before the concatenation, and `need_weights=False`, which takes PyTorch's fused
    `F.scaled_dot_product_attention` path and returns no weights.
    """

    mask: torch.Tensor  # (context_length, context_length), 1 above the diagonal

    def __init__(
        self,
        d_in: int,
        d_out: int,
        context_length: int,
        dropout: float,
        num_heads: int,
        qkv_bias: bool = False,
        causal: bool = True,
    ) -> None:
        super().__init__()
        if d_out % num_heads != 0:
            raise ValueError(f"d_out ({d_out}) must be divisible by num_heads ({num_heads})")
        self.d_out = d_out
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads  # each head works on a d_out / h slice
        self.context_length = context_length
        self.causal = causal
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)  # combines the heads' outputs
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), diagonal=1))

    def check_head_mask(self, head_mask: torch.Tensor | Sequence[float] | None) -> torch.Tensor | None:
        """A head mask as a float (h,) tensor of 0/1, or None when every head is on."""
        if head_mask is None:
            return None
        hm = torch.as_tensor(head_mask, dtype=self.out_proj.weight.dtype, device=self.out_proj.weight.device)
        if hm.shape != (self.num_heads,):
            raise ValueError(f"head_mask needs shape ({self.num_heads},), got {tuple(hm.shape)}")
        return hm

    def project_qkv(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """W_query(x), W_key(x), W_value(x) as one matrix product (same numbers, one pass): 3 x (b, T, d_out)."""
        # one (3*d_out, d_in) matrix built on every call: nothing is cached on the module, which may be
        # shared between sessions, and gradients reach all three weights
        weight = torch.cat((self.W_query.weight, self.W_key.weight, self.W_value.weight))
        bias = None
        if self.W_query.bias is not None:
            bias = torch.cat([self.W_query.bias, self.W_key.bias, self.W_value.bias])  # (3*d_out,)
        queries, keys, values = F.linear(x, weight, bias).split(
            self.d_out, dim=-1
        )  # (b, T, 3*d_out) -> 3 views
        return queries, keys, values

    def split_heads(self, t: torch.Tensor) -> torch.Tensor:
        """(b, T, d_out) -> (b, h, T, hd): head i gets columns i*hd .. (i+1)*hd - 1."""
        b, num_tokens, _ = t.shape
        return t.view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)  # (b, h, T, hd)

    def forward(
        self,
        x: torch.Tensor,
        head_mask: torch.Tensor | Sequence[float] | None = None,
        need_weights: bool = True,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(.., T, d_in) -> context_vec (.., T, d_out), attn_weights (.., h, T, T) or None."""
        x, unbatched = as_batch(x)
        b, num_tokens, _ = x.shape  # (b, T, d_in)
        if self.causal and num_tokens > self.context_length:
            raise ValueError(f"{num_tokens} tokens exceed context_length {self.context_length}")
        hm = self.check_head_mask(head_mask)
        queries, keys, values = self.project_qkv(x)  # 3 x (b, T, d_out)
        keys = self.split_heads(keys)  # (b, T, d_out) -> (b, h, T, hd)
        queries = self.split_heads(queries)  # (b, h, T, hd)
        values = self.split_heads(values)  # (b, h, T, hd)
        attn_weights: torch.Tensor | None = None
        if need_weights:
            # Dividing the queries by sqrt(hd) equals dividing the scores (the book's order), on T x hd numbers
            # instead of T x T.
            queries = queries / keys.shape[-1] ** 0.5
            attn_scores = queries @ keys.transpose(2, 3)  # (b, h, T, hd) @ (b, h, hd, T) -> (b, h, T, T)
            if self.causal:
                attn_scores.masked_fill_(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)
            attn_weights = torch.softmax(attn_scores, dim=-1)  # (b, h, T, T)
            attn_weights = self.dropout(attn_weights)
            context_vec = attn_weights @ values  # (b, h, T, hd)
        else:  # fused kernel, same maths, no (T, T) matrix kept
            p = self.dropout.p if self.training else 0.0
            context_vec = F.scaled_dot_product_attention(
                queries, keys, values, dropout_p=p, is_causal=self.causal
            )
        if hm is not None:
            context_vec = context_vec * hm.view(1, -1, 1, 1)  # (b, h, T, hd): a switched-off head gives zeros
        context_vec = (
            context_vec.transpose(1, 2).contiguous().view(b, num_tokens, self.d_out)
        )  # (b, T, d_out)
        context_vec = self.out_proj(context_vec)  # (b, T, d_out)
        return unbatch(context_vec, unbatched), unbatch(attn_weights, unbatched)
