"""The tiny models trained on the "Watch attention learn" page, built from the core's own attention classes.

- `SubjectFinder` (task 1): token + position embeddings, one causal self-attention layer (the book's
  `CausalAttention` for one head, `MultiHeadAttention` for more), and a linear readout at the verb that names
  the subject. With ``mixer="mean"`` the attention is replaced by the plain mean of the embeddings up to the
  verb — the no-attention baseline, which is exactly a flat attention row.
- `AttentionOnlyTransformer` (task 2): embeddings, two causal `MultiHeadAttention` layers with residual
  connections (no MLP, no layer norm, so every bit of copying is done by attention), and an unembedding.

Shapes: b = batch, T = tokens, d = width, h = heads, C = classes, V = vocabulary.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from attention_core.modules import CausalAttention, MultiHeadAttention

Mixer = Literal["attention", "mean"]
EMBED_STD = 0.1  # small embeddings: attention rows start almost flat, so the page shows them sharpen


def _embeddings(vocab_size: int, width: int, context_length: int, positions: bool) -> nn.ModuleDict:
    tok = nn.Embedding(vocab_size, width)
    nn.init.normal_(tok.weight, std=EMBED_STD)
    parts = {"tok": tok}
    if positions:
        pos = nn.Embedding(context_length, width)
        nn.init.normal_(pos.weight, std=EMBED_STD)
        parts["pos"] = pos
    return nn.ModuleDict(parts)


def _embed(emb: nn.ModuleDict, ids: torch.Tensor) -> torch.Tensor:
    """(b, T) ids -> (b, T, d) token (+ position) embeddings."""
    x = emb["tok"](ids)  # (b, T, d)
    if "pos" in emb:
        x = x + emb["pos"](torch.arange(ids.shape[1], device=ids.device))  # (T, d) broadcast over b
    return x


class SubjectFinder(nn.Module):
    """Reads a sentence up to its verb and names the animal that did it, from what attention brings to the verb.

    The readout sees only the verb's context vector, so the answer can come only from the tokens the verb
    attends to: to be right, the verb's row must put its weight on the subject.
    """

    def __init__(
        self,
        vocab_size: int,
        n_classes: int,
        width: int,
        heads: int,
        context_length: int,
        positions: bool = True,
        mixer: Mixer = "attention",
    ) -> None:
        super().__init__()
        self.heads, self.mixer = heads, mixer
        self.emb = _embeddings(vocab_size, width, context_length, positions)
        self.attn: CausalAttention | MultiHeadAttention | None = None
        if mixer == "attention":
            self.attn = (
                CausalAttention(width, width, context_length, dropout=0.0)  # the book's class (3.5.3)
                if heads == 1
                else MultiHeadAttention(width, width, context_length, 0.0, heads)  # the book's (3.6.2)
            )
        elif mixer != "mean":
            raise ValueError(f"unknown mixer {mixer!r}")
        self.readout = nn.Linear(width, n_classes)

    def forward(self, ids: torch.Tensor, verb_pos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(b, T) ids, (b,) verb positions -> logits (b, C), attn_weights (b, h, T, T) or None (mean mixer)."""
        x = _embed(self.emb, ids)  # (b, T, d)
        rows = torch.arange(ids.shape[0])
        if self.attn is None:  # mean of the embeddings up to the verb: a flat attention row
            upto = (torch.arange(ids.shape[1]).unsqueeze(0) <= verb_pos.unsqueeze(1)).to(x.dtype)  # (b, T)
            context = (upto.unsqueeze(-1) * x).sum(1) / upto.sum(1, keepdim=True)  # (b, d)
            return self.readout(context), None
        context_vec, attn_weights = self.attn(x)  # (b, T, d), (b, T, T) or (b, h, T, T)
        if attn_weights.dim() == 3:
            attn_weights = attn_weights.unsqueeze(1)  # (b, T, T) -> (b, 1, T, T)
        return self.readout(context_vec[rows, verb_pos]), attn_weights  # (b, C)

    def query_key_weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        """W_query and W_key as (d_in, d_out) matrices, so that Q = X @ W_query (None-safe: needs attention)."""
        if self.attn is None:
            raise ValueError("the mean baseline has no W_query / W_key")
        return self.attn.W_query.weight.detach().T, self.attn.W_key.weight.detach().T


class AttentionOnlyTransformer(nn.Module):
    """Two causal multi-head attention layers on a residual stream, then an unembedding (no MLP, no norm)."""

    def __init__(
        self,
        vocab_size: int,
        width: int,
        heads: int,
        context_length: int,
        layers: int = 2,
        positions: bool = True,
    ) -> None:
        super().__init__()
        self.heads = heads
        self.emb = _embeddings(vocab_size, width, context_length, positions)
        self.layers = nn.ModuleList(
            [MultiHeadAttention(width, width, context_length, 0.0, heads) for _ in range(layers)]
        )
        self.unembed = nn.Linear(width, vocab_size)

    def forward(
        self, ids: torch.Tensor, need_weights: bool = True
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(b, T) ids -> next-token logits (b, T, V), attn_weights (layers, b, h, T, T) or None.

        ``need_weights=False`` takes PyTorch's fused attention kernel (same maths, no weights kept): training
        uses it, drawing does not.
        """
        x = _embed(self.emb, ids)  # (b, T, d), the residual stream
        weights = []
        for layer in self.layers:
            context_vec, attn_weights = layer(x, need_weights=need_weights)  # (b, T, d), (b, h, T, T)
            x = x + context_vec  # residual connection
            weights.append(attn_weights)
        stacked = torch.stack(weights) if need_weights else None  # (layers, b, h, T, T)
        return self.unembed(x), stacked  # (b, T, V)
