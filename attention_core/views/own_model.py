"""The "Your own GPT" page's view: one text through one GPTModel checkpoint, every head's attention.

``own_model_view`` tokenizes with the book's GPT-2 BPE, keeps at most the model's context length (and
``MAX_OWN_TOKENS``), runs one forward pass and returns every layer's and head's attention weights with the
model's next-token prediction, as a frozen dataclass with read-only arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from attention_core.bpe import Gpt2Tokenizer
from attention_core.gpt import GPTModel
from attention_core.views.common import frozen

MAX_OWN_TOKENS = 256  # tokens run at most (the weights are (layers, heads, T, T) per session)
MAX_TEXT_CHARS = 20_000  # characters handed to the tokenizer at most


class TextNotReadableError(ValueError):
    """The text has tokens this model cannot read (ids beyond its vocabulary); the message names them."""


@dataclass(frozen=True)
class OwnModelView:
    """One text through one GPTModel: its tokens, every attention matrix and the next-token prediction."""

    token_ids: tuple[int, ...]
    labels: tuple[str, ...]  # one per token, spaces as ␣
    attentions: np.ndarray  # (layers, heads, T, T) float32, read-only; row q = query q's weights over keys
    next_tokens: tuple[tuple[str, float], ...]  # the model's top next tokens and their probabilities
    total_tokens: int  # tokens of the whole text, before cutting to the limit
    limit: int  # tokens this model runs at most here

    @property
    def truncated(self) -> bool:
        """True when the text had more tokens than were run."""
        return self.total_tokens > len(self.token_ids)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(layers, heads, T, T)."""
        layers, heads, t, _ = self.attentions.shape
        return layers, heads, t, t


def token_limit(model: GPTModel, max_tokens: int = MAX_OWN_TOKENS) -> int:
    """How many tokens this page runs through `model`: its context length, at most `max_tokens`."""
    return min(int(model.cfg.context_length), max_tokens)


def own_model_view(
    model: GPTModel, tokenizer: Gpt2Tokenizer, text: str, max_tokens: int = MAX_OWN_TOKENS, top_k: int = 5
) -> OwnModelView:
    """Tokenize (GPT-2 BPE), keep the first `token_limit` tokens, run once; attention as read-only numpy."""
    all_ids = tokenizer.encode(text[:MAX_TEXT_CHARS])
    if not all_ids:
        raise ValueError("the text produced no tokens")
    limit = token_limit(model, max_tokens)
    ids = all_ids[:limit]
    vocab = int(model.cfg.vocab_size)
    unknown = sorted({i for i in ids if i >= vocab})
    if unknown:
        shown = ", ".join(f"“{tokenizer.label(i)}” ({i})" for i in unknown[:5])
        raise TextNotReadableError(
            f"This model's vocabulary has {vocab:,} tokens, but the text has GPT-2 tokens beyond it: {shown}. "
            "Use words from the text it was trained on."
        )
    with torch.no_grad():
        logits, weights = model.logits_and_attention(torch.tensor([ids]))  # (1, T, V), (1, L, h, T, T)
    attentions = frozen(weights[0].float())  # (L, h, T, T) float32, read-only
    probs = torch.softmax(logits[0, -1].double(), dim=-1)  # (V,)
    values, indices = probs.topk(min(top_k, vocab))
    next_tokens = tuple(
        (tokenizer.token_bytes(int(i)).decode("utf-8", errors="backslashreplace"), float(v))
        for v, i in zip(values.tolist(), indices.tolist(), strict=True)
    )
    labels = tuple(tokenizer.label(i) for i in ids)
    return OwnModelView(tuple(ids), labels, attentions, next_tokens, len(all_ids), limit)
