"""The book's GPT architecture (chapters 4-5) with the book's state-dict key names, so a reader's checkpoint loads.

The modules and their attribute names follow the book, so ``model.state_dict()`` has exactly its keys:
``tok_emb``, ``pos_emb``, ``trf_blocks.N.att.{W_query, W_key, W_value, out_proj, mask}``,
``trf_blocks.N.ff.layers.{0, 2}``, ``trf_blocks.N.norm1/norm2.{scale, shift}``, ``final_norm`` and ``out_head``.
The attention inside each block is the chapter-3 ``MultiHeadAttention`` of ``modules.py``. Unlike the
book's, ``GPTModel.forward`` can also return every block's attention weights.

Shapes: b = batch, T = num_tokens, L = n_layers, h = n_heads, d = emb_dim, V = vocab_size.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import torch
from torch import nn

from attention_core.modules import MultiHeadAttention

# Bounds on a config read from a file, so a hostile or mistyped config cannot ask for absurd memory.
CONFIG_LIMITS: dict[str, tuple[int, int]] = {
    "vocab_size": (1, 300_000),
    "context_length": (1, 16_384),
    "emb_dim": (1, 8_192),
    "n_heads": (1, 256),
    "n_layers": (1, 128),
}


class ConfigError(ValueError):
    """A GPT config that cannot describe a model; the message says which key is wrong and why."""


@dataclass(frozen=True)
class GPTConfig:
    """The book's config dict (GPT_CONFIG_124M and friends) as a checked, immutable value."""

    vocab_size: int
    context_length: int
    emb_dim: int
    n_heads: int
    n_layers: int
    drop_rate: float = 0.0
    qkv_bias: bool = False

    def __post_init__(self) -> None:
        for name, (lo, hi) in CONFIG_LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"“{name}” must be a whole number, got {value!r}.")
            if not lo <= value <= hi:
                raise ConfigError(f"“{name}” must be between {lo:,} and {hi:,}, got {value:,}.")
        if self.emb_dim % self.n_heads:
            raise ConfigError(
                f"“emb_dim” ({self.emb_dim}) must be divisible by “n_heads” ({self.n_heads}): each head gets "
                "an equal slice of the embedding."
            )
        rate = self.drop_rate
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0.0 <= float(rate) < 1.0:
            raise ConfigError(f"“drop_rate” must be a number in [0, 1), got {rate!r}.")
        if not isinstance(self.qkv_bias, bool):
            raise ConfigError(f"“qkv_bias” must be true or false, got {self.qkv_bias!r}.")

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> GPTConfig:
        """Read the book's dict; raises ConfigError naming missing keys (unknown keys are reported too)."""
        if not isinstance(raw, Mapping):
            raise ConfigError(
                f"The config must be a JSON object like the book's GPT_CONFIG_124M, got {type(raw).__name__}."
            )
        names = [f.name for f in fields(cls)]
        missing = [n for n in CONFIG_LIMITS if n not in raw]  # drop_rate and qkv_bias have defaults
        if missing:
            raise ConfigError(f"The config has no {', '.join(f'“{n}”' for n in missing)}.")
        unknown = sorted(k for k in raw if k not in names)
        if unknown:
            shown = ", ".join(f"“{str(k)[:40]}”" for k in unknown[:5])
            raise ConfigError(
                f"The config has keys the book's GPTModel does not use: {shown}. It takes exactly "
                f"{', '.join(names)}."
            )
        return cls(**{n: raw[n] for n in names if n in raw})

    def to_dict(self) -> dict[str, Any]:
        """The book's dict form (what ``GPTModel(cfg)`` in the book takes)."""
        return asdict(self)

    @property
    def head_dim(self) -> int:
        """Dimensions per head: emb_dim / n_heads."""
        return self.emb_dim // self.n_heads


def as_config(cfg: GPTConfig | Mapping[str, Any]) -> GPTConfig:
    """A GPTConfig from either a GPTConfig or the book's plain dict."""
    return cfg if isinstance(cfg, GPTConfig) else GPTConfig.from_dict(cfg)


class LayerNorm(nn.Module):
    """Layer normalisation with the book's parameter names (scale, shift) and eps = 1e-5."""

    def __init__(self, emb_dim: int) -> None:
        super().__init__()
        self.eps = 1e-5
        self.scale = nn.Parameter(torch.ones(emb_dim))
        self.shift = nn.Parameter(torch.zeros(emb_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(.., d) -> (.., d): zero mean and unit (biased) variance over the last dimension, then scale and shift."""
        mean = x.mean(dim=-1, keepdim=True)  # (.., 1)
        var = x.var(dim=-1, keepdim=True, unbiased=False)  # (.., 1)
        return self.scale * (x - mean) / torch.sqrt(var + self.eps) + self.shift


class GELU(nn.Module):
    """GELU with the tanh approximation GPT-2 was trained with."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Elementwise."""
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


class FeedForward(nn.Module):
    """Expand to 4 x emb_dim, GELU, project back (keys ff.layers.0 and ff.layers.2)."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(cfg.emb_dim, 4 * cfg.emb_dim), GELU(), nn.Linear(4 * cfg.emb_dim, cfg.emb_dim)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(b, T, d) -> (b, T, d)."""
        return self.layers(x)


class TransformerBlock(nn.Module):
    """Pre-LayerNorm block: x + att(norm1(x)), then x + ff(norm2(x)), with dropout on each branch."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.att = MultiHeadAttention(
            d_in=cfg.emb_dim,
            d_out=cfg.emb_dim,
            context_length=cfg.context_length,
            dropout=cfg.drop_rate,
            num_heads=cfg.n_heads,
            qkv_bias=cfg.qkv_bias,
        )
        self.ff = FeedForward(cfg)
        self.norm1 = LayerNorm(cfg.emb_dim)
        self.norm2 = LayerNorm(cfg.emb_dim)
        self.drop_resid = nn.Dropout(cfg.drop_rate)

    def forward(
        self, x: torch.Tensor, need_weights: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(b, T, d) -> (b, T, d) and the attention weights (b, h, T, T), or None without `need_weights`."""
        # While training with dropout, take the explicit path (softmax, then nn.Dropout on the weights) even when
        # the weights are not wanted: it draws the same random numbers as the book's model, seed for seed.
        explicit = need_weights or (self.training and self.att.dropout.p > 0)
        attended, attn_weights = self.att(self.norm1(x), need_weights=explicit)  # (b, T, d)
        attn_weights = attn_weights if need_weights else None
        x = x + self.drop_resid(attended)  # shortcut around attention
        x = x + self.drop_resid(self.ff(self.norm2(x)))  # shortcut around the feed-forward network
        return x, attn_weights


class GPTModel(nn.Module):
    """Token + position embeddings, n_layers transformer blocks, a final norm and the output head."""

    def __init__(self, cfg: GPTConfig | Mapping[str, Any]) -> None:
        super().__init__()
        cfg = as_config(cfg)
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.emb_dim)
        self.pos_emb = nn.Embedding(cfg.context_length, cfg.emb_dim)
        self.drop_emb = nn.Dropout(cfg.drop_rate)
        self.trf_blocks = nn.Sequential(*[TransformerBlock(cfg) for _ in range(cfg.n_layers)])
        self.final_norm = LayerNorm(cfg.emb_dim)
        self.out_head = nn.Linear(cfg.emb_dim, cfg.vocab_size, bias=False)

    def forward(self, in_idx: torch.Tensor) -> torch.Tensor:
        """Token ids (b, T) -> logits (b, T, V), as the book's model."""
        return self._run(in_idx, need_weights=False)[0]

    def logits_and_attention(self, in_idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids (b, T) -> logits (b, T, V) and every block's attention weights (b, L, h, T, T)."""
        logits, weights = self._run(in_idx, need_weights=True)
        assert weights is not None
        return logits, weights

    def _run(self, in_idx: torch.Tensor, need_weights: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The forward pass; keeps the attention weights when `need_weights`."""
        if in_idx.dim() != 2:
            raise ValueError(f"expected token ids of shape (batch, num_tokens), got {tuple(in_idx.shape)}")
        _, num_tokens = in_idx.shape
        if num_tokens > self.cfg.context_length:
            raise ValueError(f"{num_tokens} tokens exceed context_length {self.cfg.context_length}")
        positions = torch.arange(num_tokens, device=in_idx.device)  # (T,)
        x = self.tok_emb(in_idx) + self.pos_emb(positions)  # (b, T, d) + (T, d) -> (b, T, d)
        x = self.drop_emb(x)
        weights = []
        for block in self.trf_blocks:
            x, attn_weights = block(x, need_weights=need_weights)  # (b, T, d), (b, h, T, T) or None
            if attn_weights is not None:
                weights.append(attn_weights)
        logits = self.out_head(self.final_norm(x))  # (b, T, V)
        if not need_weights:
            return logits, None
        return logits, torch.stack(weights, dim=1)  # L x (b, h, T, T) -> (b, L, h, T, T)


def expected_shapes(cfg: GPTConfig) -> dict[str, tuple[int, ...]]:
    """Every state-dict key of a GPTModel with this config and its shape (built on the meta device: no memory)."""
    return dict(_expected_shapes(cfg))


@functools.lru_cache(maxsize=16)
def _expected_shapes(cfg: GPTConfig) -> tuple[tuple[str, tuple[int, ...]], ...]:
    with torch.device("meta"):
        model = GPTModel(cfg)
    return tuple((key, tuple(t.shape)) for key, t in model.state_dict().items())


def count_parameters(model: nn.Module) -> int:
    """Trainable numbers in the model (buffers such as the causal masks are not parameters)."""
    return sum(p.numel() for p in model.parameters())
