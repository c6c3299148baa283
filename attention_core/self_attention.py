"""Self-attention with trainable weights, causal attention and multi-head attention (the book's 3.4-3.6).

The classes follow the book's progression and its construction order, so a seeded module has exactly the
book's weights: SelfAttention_v1 -> SelfAttention_v2 -> CausalAttention -> MultiHeadAttentionWrapper ->
MultiHeadAttention. Unlike the book's, every forward returns `(context_vec, attn_weights)` so a page can draw
the weights, and accepts unbatched `(num_tokens, d_in)` as well as batched `(batch, num_tokens, d_in)` input.

Shapes: T = num_tokens, b = batch, h = num_heads, hd = head_dim = d_out // num_heads.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

Construction = Literal["rand", "linear"]
_SEED_LOCK = threading.RLock()  # seeded construction touches torch's global RNG: one at a time
_PACK_LOCK = threading.Lock()  # MultiHeadAttention._packed_weight: one stacked copy per weight version


def _as_batch(x: torch.Tensor) -> tuple[torch.Tensor, bool]:
    """(T, d_in) -> (1, T, d_in) and True; (b, T, d_in) unchanged and False."""
    if x.dim() == 2:
        return x.unsqueeze(0), True  # (T, d_in) -> (1, T, d_in)
    if x.dim() == 3:
        return x, False
    raise ValueError(
        f"expected (num_tokens, d_in) or (batch, num_tokens, d_in) input, got shape {tuple(x.shape)}"
    )


def _unbatch(t: torch.Tensor | None, unbatched: bool) -> torch.Tensor | None:
    """Drop the batch dimension added by `_as_batch`."""
    return t.squeeze(0) if (t is not None and unbatched) else t


def _scale(d_k: int, scale: bool) -> float:
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
        attn_weights = torch.softmax(attn_scores / _scale(keys.shape[-1], self.scale), dim=-1)
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
        attn_weights = torch.softmax(attn_scores / _scale(keys.shape[-1], self.scale), dim=-1)
        context_vec = attn_weights @ values  # (.., T, d_out)
        return context_vec, attn_weights


class CausalAttention(nn.Module):
    """Self-attention that hides later tokens (mask buffer) and drops weights while training (book 3.5.3)."""

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
        x, unbatched = _as_batch(x)
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
        return _unbatch(context_vec, unbatched), _unbatch(attn_weights, unbatched)


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

    def _check_head_mask(self, head_mask: torch.Tensor | Sequence[float] | None) -> torch.Tensor | None:
        """A head mask as a float (h,) tensor of 0/1, or None when every head is on."""
        if head_mask is None:
            return None
        hm = torch.as_tensor(head_mask, dtype=self.out_proj.weight.dtype, device=self.out_proj.weight.device)
        if hm.shape != (self.num_heads,):
            raise ValueError(f"head_mask needs shape ({self.num_heads},), got {tuple(hm.shape)}")
        return hm

    def _packed_weight(self) -> torch.Tensor:
        """The three projection weights stacked, (3*d_out, d_in); reused until one of them changes."""
        params = (self.W_query.weight, self.W_key.weight, self.W_value.weight)
        if torch.is_grad_enabled() and any(p.requires_grad for p in params):
            return torch.cat(params)  # fresh each call, so gradients reach every weight
        key = tuple((p.data_ptr(), p._version) for p in params)  # in-place updates bump _version
        cached = self.__dict__.get("_packed")
        if cached is None or cached[0] != key:
            # A cached module is shared by every session's thread: build the stacked copy once, under a lock,
            # and publish it in one assignment of an immutable (key, tensor) pair that nobody changes later.
            with _PACK_LOCK:
                cached = self.__dict__.get("_packed")
                if cached is None or cached[0] != key:
                    cached = (key, torch.cat([p.detach() for p in params]))
                    self.__dict__["_packed"] = cached
        return cached[1]

    def project_qkv(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """W_query(x), W_key(x), W_value(x) as one matrix product (same numbers, one pass): 3 x (b, T, d_out)."""
        weight = self._packed_weight()  # (3*d_out, d_in)
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
        x, unbatched = _as_batch(x)
        b, num_tokens, _ = x.shape  # (b, T, d_in)
        if self.causal and num_tokens > self.context_length:
            raise ValueError(f"{num_tokens} tokens exceed context_length {self.context_length}")
        hm = self._check_head_mask(head_mask)
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
        return _unbatch(context_vec, unbatched), _unbatch(attn_weights, unbatched)


# --- building the book's modules with the book's seeds -------------------------------------------------


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed torch's global RNG for one construction (as `torch.manual_seed` does) and restore it afterwards."""
    with _SEED_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def build_self_attention(
    construction: Construction, d_in: int, d_out: int, seed: int, scale: bool = True
) -> SelfAttention_v1 | SelfAttention_v2:
    """`torch.manual_seed(seed)` then SelfAttention_v1 ('rand') or SelfAttention_v2 ('linear'), as in the book."""
    with seeded(seed):
        if construction == "rand":
            return SelfAttention_v1(d_in, d_out, scale=scale)
        if construction == "linear":
            return SelfAttention_v2(d_in, d_out, scale=scale)
    raise ValueError(f"unknown construction {construction!r}")


def build_causal_attention(
    d_in: int, d_out: int, context_length: int, dropout: float, seed: int
) -> CausalAttention:
    """`torch.manual_seed(seed)` then CausalAttention, as in the book."""
    with seeded(seed):
        return CausalAttention(d_in, d_out, context_length, dropout)


def build_multihead(
    d_in: int,
    d_out: int,
    context_length: int,
    num_heads: int,
    seed: int,
    dropout: float = 0.0,
    causal: bool = True,
) -> MultiHeadAttention:
    """`torch.manual_seed(seed)` then MultiHeadAttention, as in the book."""
    with seeded(seed):
        mha = MultiHeadAttention(d_in, d_out, context_length, dropout, num_heads, causal=causal)
    with torch.no_grad():
        mha._packed_weight()  # stacked now, before the module can be cached and shared by threads
    return mha


def weight_matrices(module: nn.Module) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(W_query, W_key, W_value) of a module as (d_in, d_out) matrices, so that Q = X @ W_query."""
    mats = []
    for name in ("W_query", "W_key", "W_value"):
        w = getattr(module, name)
        mats.append((w.weight.T if isinstance(w, nn.Linear) else w).detach())  # Linear stores (d_out, d_in)
    return mats[0], mats[1], mats[2]


def seeded_weights(
    construction: Construction, d_in: int, d_out: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The book's seeded (W_query, W_key, W_value) as (d_in, d_out) matrices; built once per setting.

    Each call returns fresh copies of the cached matrices, so a caller that changes them changes no one else's.
    """
    W_query, W_key, W_value = _seeded_weights(construction, d_in, d_out, seed)
    return W_query.clone(), W_key.clone(), W_value.clone()


@functools.lru_cache(maxsize=64)
def _seeded_weights(
    construction: Construction, d_in: int, d_out: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The cached matrices behind `seeded_weights` (a pure function of its arguments: the RNG is forked)."""
    return weight_matrices(build_self_attention(construction, d_in, d_out, seed))


# --- every intermediate, for the pages ------------------------------------------------------------------


@dataclass
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
    scaled_scores = attn_scores / _scale(keys.shape[-1], scale)  # (T, T)
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


@dataclass
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
    hm = mha._check_head_mask(head_mask)
    if hm is not None:
        head_context = head_context * hm.view(1, -1, 1, 1)
    concat = head_context.transpose(1, 2).reshape(1, num_tokens, mha.d_out)  # (1, T, d_out)
    context_vec = mha.out_proj(concat)  # (1, T, d_out)
    return MultiHeadSteps(
        queries[0], keys[0], values[0], attn_weights[0], head_context[0], concat[0], context_vec[0]
    )


# --- PyTorch's own attention on the same weights ---------------------------------------------------------


@torch.no_grad()
def sdpa_reference(
    mha: MultiHeadAttention, x: torch.Tensor, head_mask: Sequence[float] | torch.Tensor | None = None
) -> torch.Tensor:
    """The module's output recomputed with `F.scaled_dot_product_attention` on its own projections."""
    x3, unbatched = _as_batch(x)
    b, num_tokens, _ = x3.shape
    q = mha.split_heads(F.linear(x3, mha.W_query.weight, mha.W_query.bias))  # (b, h, T, hd)
    k = mha.split_heads(F.linear(x3, mha.W_key.weight, mha.W_key.bias))
    v = mha.split_heads(F.linear(x3, mha.W_value.weight, mha.W_value.bias))
    heads = F.scaled_dot_product_attention(q, k, v, is_causal=mha.causal)  # (b, h, T, hd)
    hm = mha._check_head_mask(head_mask)
    if hm is not None:
        heads = heads * hm.view(1, -1, 1, 1)
    concat = heads.transpose(1, 2).reshape(b, num_tokens, mha.d_out)  # (b, T, d_out)
    return _unbatch(F.linear(concat, mha.out_proj.weight, mha.out_proj.bias), unbatched)


def torch_multihead(mha: MultiHeadAttention) -> nn.MultiheadAttention:
    """An `nn.MultiheadAttention` holding the same weights (needs d_in == d_out; missing q/k/v biases become 0)."""
    d_in = mha.W_query.in_features
    if d_in != mha.d_out:
        raise ValueError(f"nn.MultiheadAttention needs d_in == d_out, got {d_in} and {mha.d_out}")
    ref = nn.MultiheadAttention(mha.d_out, mha.num_heads, dropout=0.0, bias=True, batch_first=True)
    with torch.no_grad():
        # in_proj_weight stacks the three (d_out, d_in) projections: rows [query; key; value] -> (3*d_out, d_in)
        ref.in_proj_weight.copy_(torch.cat([mha.W_query.weight, mha.W_key.weight, mha.W_value.weight], dim=0))
        biases = [
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
    x3, unbatched = _as_batch(x)
    num_tokens = x3.shape[1]
    attn_mask = causal_mask(num_tokens) if mha.causal else None  # True = not allowed
    out, weights = ref(x3, x3, x3, attn_mask=attn_mask, need_weights=True, average_attn_weights=False)
    return _unbatch(out, unbatched), _unbatch(weights, unbatched)  # (.., T, d_out), (.., h, T, T)


def divisors(n: int) -> list[int]:
    """The head counts that split n dimensions evenly: divisors(12) -> [1, 2, 3, 4, 6, 12]."""
    return [k for k in range(1, n + 1) if n % k == 0]
