"""Where a token is: no positions, learned absolute positions, sinusoidal positions and rotary positions (RoPE).

Self-attention alone does not know the order of its inputs: shuffle the tokens and every weight moves with its
token (permutation equivariance). The three ways models add order:

- learned absolute (GPT-2, the book's chapter 2): a trainable vector per position, added to the token vector;
- sinusoidal (the 2017 Transformer): fixed sines and cosines of the position at geometric frequencies, added;
- rotary (RoPE; Llama, SmolLM2): each (query, key) pair of dimensions is rotated by the angle position x
  theta_i, so the score q_m . k_n depends on the positions only through their offset m - n.

Two pairings of dimensions are in use for RoPE: "half" (dimension i with i + d/2, transformers' Llama code and
SmolLM2) and "interleaved" (2i with 2i + 1, the RoFormer paper). Both give the relative-offset property.

Shapes: T = num_tokens, d = the vector size (even for RoPE), P = d // 2 rotation pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from attention_core.builders import seeded

Scheme = Literal["none", "learned", "sinusoidal", "rope"]
Pairing = Literal["half", "interleaved"]
SCHEMES: tuple[Scheme, ...] = ("none", "learned", "sinusoidal", "rope")
SCHEME_NAMES = {
    "none": "no positions",
    "learned": "learned absolute",
    "sinusoidal": "sinusoidal",
    "rope": "rotary (RoPE)",
}
SINUSOID_BASE = 10_000.0
ROPE_BASE = 10_000.0
LEARNED_SEED = 123  # torch.manual_seed before nn.Embedding, as the book's chapter 2 does


def _ro(t: torch.Tensor | np.ndarray) -> np.ndarray:
    arr = (
        t.detach().to(torch.float64).numpy() if isinstance(t, torch.Tensor) else np.asarray(t, float)
    ).copy()
    arr.setflags(write=False)
    return arr


# --- the three position signals -------------------------------------------------------------------------------


def learned_table(num_positions: int, dim: int, seed: int = LEARNED_SEED) -> torch.Tensor:
    """A position-embedding table as training starts: `torch.manual_seed(seed)`, nn.Embedding(T, d) -> (T, d)."""
    with seeded(seed):
        return torch.nn.Embedding(num_positions, dim).weight.detach().clone()


def sinusoidal_table(num_positions: int, dim: int, base: float = SINUSOID_BASE) -> torch.Tensor:
    """The 2017 Transformer's table: PE[p, 2i] = sin(p / base^(2i/d)), PE[p, 2i+1] = cos(...) -> (T, d)."""
    positions = torch.arange(num_positions, dtype=torch.float64)[:, None]  # (T, 1)
    freqs = base ** (-torch.arange(0, dim, 2, dtype=torch.float64) / dim)  # (ceil(d/2),)
    angles = positions * freqs  # (T, ceil(d/2))
    table = torch.zeros(num_positions, dim, dtype=torch.float64)
    table[:, 0::2] = torch.sin(angles)
    table[:, 1::2] = torch.cos(angles[:, : dim // 2])
    return table.float()


def rope_frequencies(dim: int, base: float = ROPE_BASE) -> torch.Tensor:
    """theta_i = base^(-2i/d) for the P = d/2 rotation pairs -> (P,) radians per position step."""
    if dim % 2:
        raise ValueError(f"RoPE needs an even dimension, got {dim}")
    return base ** (-torch.arange(0, dim, 2, dtype=torch.float64) / dim)


def rope_angles(positions: torch.Tensor, dim: int, base: float = ROPE_BASE) -> torch.Tensor:
    """(T,) positions -> (T, P) rotation angles m * theta_i."""
    return positions.to(torch.float64)[:, None] * rope_frequencies(dim, base)[None, :]


def _pairs(x: torch.Tensor, pairing: Pairing) -> tuple[torch.Tensor, torch.Tensor]:
    """The two coordinates of every rotation pair: (.., T, d) -> 2 x (.., T, P)."""
    half = x.shape[-1] // 2
    if pairing == "half":
        return x[..., :half], x[..., half:]
    return x[..., 0::2], x[..., 1::2]


def _unpair(a: torch.Tensor, b: torch.Tensor, pairing: Pairing) -> torch.Tensor:
    if pairing == "half":
        return torch.cat([a, b], dim=-1)
    return torch.stack([a, b], dim=-1).flatten(-2)  # (.., T, P, 2) -> (.., T, d), interleaved back


def apply_rope(
    x: torch.Tensor,
    positions: torch.Tensor | None = None,
    base: float = ROPE_BASE,
    pairing: Pairing = "half",
) -> torch.Tensor:
    """Rotate every pair of (.., T, d) vectors by its angle m * theta_i (positions default to 0..T-1)."""
    num_tokens, dim = x.shape[-2], x.shape[-1]
    pos = torch.arange(num_tokens) if positions is None else positions
    angles = rope_angles(pos, dim, base)  # (T, P)
    cos, sin = torch.cos(angles).to(x.dtype), torch.sin(angles).to(x.dtype)
    a, b = _pairs(x, pairing)  # (.., T, P) each
    return _unpair(a * cos - b * sin, a * sin + b * cos, pairing)  # a 2-D rotation of each pair


def rope_score(
    q: torch.Tensor, k: torch.Tensor, m: int, n: int, base: float = ROPE_BASE, pairing: Pairing = "half"
) -> float:
    """The dot product of query vector q placed at position m with key vector k placed at position n."""
    qm = apply_rope(q[None, :].double(), torch.tensor([m]), base, pairing)[0]
    kn = apply_rope(k[None, :].double(), torch.tensor([n]), base, pairing)[0]
    return float(qm @ kn)


def rope_score_grid(
    q: torch.Tensor, k: torch.Tensor, num_positions: int, base: float = ROPE_BASE, pairing: Pairing = "half"
) -> np.ndarray:
    """S[m, n] = RoPE(q, m) . RoPE(k, n) for m, n < num_positions -> (N, N); constant along each diagonal."""
    pos = torch.arange(num_positions)
    qs = apply_rope(q.double().expand(num_positions, -1), pos, base, pairing)  # (N, d)
    ks = apply_rope(k.double().expand(num_positions, -1), pos, base, pairing)
    return _ro(qs @ ks.T)


# --- attention with each scheme on the toy sentence -------------------------------------------------------


@torch.no_grad()
def attention_with_positions(
    inputs: torch.Tensor,
    W_query: torch.Tensor,
    W_key: torch.Tensor,
    W_value: torch.Tensor,
    scheme: Scheme,
    table: torch.Tensor | None = None,
) -> torch.Tensor:
    """Unmasked single-head attention weights (T, T) with a position scheme; `table` (T, d_in) for the added ones.

    No causal mask: a mask is itself a signal of order, and this page shows what attention knows without one.
    """
    x = inputs
    if scheme in ("learned", "sinusoidal"):
        if table is None or table.shape != inputs.shape:
            raise ValueError(f"{scheme} positions need a ({inputs.shape[0]}, {inputs.shape[1]}) table")
        x = inputs + table  # token vector + position vector
    queries, keys = x @ W_query, x @ W_key  # (T, d_out) each
    if scheme == "rope":
        queries, keys = apply_rope(queries), apply_rope(keys)  # rotate by position, then compare
    attn_scores = queries @ keys.T / keys.shape[-1] ** 0.5  # (T, T)
    return torch.softmax(attn_scores, dim=-1)


def position_table(scheme: Scheme, num_tokens: int, dim: int) -> torch.Tensor | None:
    """The added table of a scheme (learned or sinusoidal) for T positions, else None."""
    if scheme == "learned":
        return learned_table(num_tokens, dim)
    if scheme == "sinusoidal":
        return sinusoidal_table(num_tokens, dim)
    return None


@dataclass(frozen=True)
class ShuffleStudy:
    """Attention on the sentence and on a shuffled copy, with one position scheme (read-only arrays)."""

    scheme: Scheme
    order: tuple[int, ...]  # the shuffled sentence is tokens[order[0]], tokens[order[1]], ...
    weights: np.ndarray  # (T, T) on the sentence
    shuffled_weights: np.ndarray  # (T, T) on the shuffled sentence
    moved_weights: np.ndarray  # (T, T) the sentence's weights with rows and columns moved like the tokens
    table: np.ndarray | None  # (T, d_in) the added position table, if any

    @property
    def equivariance_gap(self) -> float:
        """Largest |shuffled weights - moved weights|: ~1e-7 without positions, large with them."""
        return float(np.abs(self.shuffled_weights - self.moved_weights).max())


def shuffle_order(num_tokens: int, seed: int) -> tuple[int, ...]:
    """A seeded permutation of 0..T-1 that moves something (the reversal when a seed gives the identity)."""
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(num_tokens, generator=gen).tolist()
    if num_tokens > 1 and order == list(range(num_tokens)):
        order = order[::-1]
    return tuple(order)


@torch.no_grad()
def shuffle_study(
    inputs: torch.Tensor,
    W_query: torch.Tensor,
    W_key: torch.Tensor,
    W_value: torch.Tensor,
    scheme: Scheme,
    order: Sequence[int],
) -> ShuffleStudy:
    """Run attention on the tokens and on tokens[order] (positions stay 0..T-1: they belong to slots)."""
    num_tokens, d_in = inputs.shape
    perm = torch.as_tensor(list(order), dtype=torch.long)
    table = position_table(scheme, num_tokens, d_in)
    weights = attention_with_positions(inputs, W_query, W_key, W_value, scheme, table)
    shuffled = attention_with_positions(inputs[perm], W_query, W_key, W_value, scheme, table)
    moved = weights[perm][:, perm]  # where each weight would be if it travelled with its tokens
    return ShuffleStudy(
        scheme,
        tuple(int(i) for i in perm),
        _ro(weights),
        _ro(shuffled),
        _ro(moved),
        None if table is None else _ro(table),
    )


@dataclass(frozen=True)
class RotationView:
    """One query and one key rotation pair drawn in 2-D, at the positions chosen (read-only arrays)."""

    pair: int  # 0-based rotation pair
    theta: float  # radians per position step for this pair
    m: int  # query position
    n: int  # key position
    query_pair: np.ndarray  # (2,) before rotation
    key_pair: np.ndarray  # (2,)
    query_rotated: np.ndarray  # (2,) after rotating by m * theta
    key_rotated: np.ndarray  # (2,) after rotating by n * theta
    score: float  # q_m . k_n over all pairs
    shifted_scores: np.ndarray  # (S,) the same score with both positions shifted by 0..S-1
    offset_scores: np.ndarray  # (2N - 1,) the score for offsets m - n = -(N-1) .. N-1 (n fixed at N - 1)


def rotate2(v: np.ndarray, angle: float) -> np.ndarray:
    """Rotate a 2-D vector by `angle` radians."""
    c, s = np.cos(angle), np.sin(angle)
    return np.array([c * v[0] - s * v[1], s * v[0] + c * v[1]])


def rotation_view(
    q: torch.Tensor, k: torch.Tensor, pair: int, m: int, n: int, base: float = ROPE_BASE, shifts: int = 24
) -> RotationView:
    """RoPE on one query/key pair of dimensions ("half" pairing), the score, and the score under shifts."""
    dim = q.shape[-1]
    theta = float(rope_frequencies(dim, base)[pair])
    qa, qb = _pairs(q.double(), "half")
    ka, kb = _pairs(k.double(), "half")
    qv = np.array([float(qa[pair]), float(qb[pair])])
    kv = np.array([float(ka[pair]), float(kb[pair])])
    horizon = max(m, n) + 1
    offsets = np.array(
        [rope_score(q, k, horizon - 1 + d, horizon - 1, base) for d in range(-(horizon - 1), horizon)]
    )
    return RotationView(
        pair,
        theta,
        m,
        n,
        _ro(qv),
        _ro(kv),
        _ro(rotate2(qv, m * theta)),
        _ro(rotate2(kv, n * theta)),
        rope_score(q, k, m, n, base),
        _ro(np.array([rope_score(q, k, m + s, n + s, base) for s in range(shifts)])),
        _ro(offsets),
    )


# --- SmolLM2's rotary embedding vs transformers' own -------------------------------------------------------


@dataclass(frozen=True)
class RotaryCheck:
    """Our RoPE against transformers' LlamaRotaryEmbedding for one configuration."""

    head_dim: int
    theta: float
    wavelengths: np.ndarray  # (P,) tokens per full turn of each pair: 2 pi / theta_i
    cos_sin_diff: float  # largest |ours - transformers'| over cos and sin tables
    rotated_diff: float  # largest |ours - apply_rotary_pos_emb| on random queries and keys

    @property
    def ok(self) -> bool:
        """Both within 1e-5."""
        return max(self.cos_sin_diff, self.rotated_diff) <= 1e-5


@torch.no_grad()
def rotary_check(head_dim: int, theta: float, num_positions: int = 32, seed: int = 0) -> RotaryCheck:
    """Build transformers' LlamaRotaryEmbedding for (head_dim, theta) and compare it with `apply_rope`."""
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding, apply_rotary_pos_emb

    config = LlamaConfig(
        hidden_size=head_dim,
        num_attention_heads=1,
        head_dim=head_dim,
        max_position_embeddings=max(num_positions, 8),
        rope_parameters={"rope_type": "default", "rope_theta": theta},
    )
    rotary = LlamaRotaryEmbedding(config)
    positions = torch.arange(num_positions)[None, :]  # (1, T)
    x = torch.zeros(1, num_positions, head_dim)
    cos_ref, sin_ref = rotary(x, positions)  # (1, T, d) each
    angles = rope_angles(positions[0], head_dim, theta)  # (T, P)
    cos = torch.cos(torch.cat([angles, angles], dim=-1)).float()  # "half" layout: the P angles twice
    sin = torch.sin(torch.cat([angles, angles], dim=-1)).float()
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(1, 2, num_positions, head_dim, generator=gen)  # (b, heads, T, d)
    k = torch.randn(1, 2, num_positions, head_dim, generator=gen)
    q_ref, k_ref = apply_rotary_pos_emb(q, k, cos_ref, sin_ref)
    q_ours, k_ours = apply_rope(q, base=theta), apply_rope(k, base=theta)
    return RotaryCheck(
        head_dim,
        theta,
        _ro(2 * np.pi / rope_frequencies(head_dim, theta).numpy()),
        float(max((cos - cos_ref[0]).abs().max(), (sin - sin_ref[0]).abs().max())),
        float(max((q_ours - q_ref).abs().max(), (k_ours - k_ref).abs().max())),
    )
