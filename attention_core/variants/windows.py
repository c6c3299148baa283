"""Sliding-window attention: each query sees only its last `window` keys, and stacking layers widens the view.

Masks here are (T, T) bool arrays that are True where a query may NOT see a key (the convention of
`modules.causal_mask`). A window of W keeps keys j with i - W < j <= i: the query itself and the W - 1
tokens before it (transformers' `sliding_window` convention, as in Mistral). A window cache with sinks keeps the
first `sinks` tokens for good and the last W - sinks, so it holds W keys as well.

One forward pass with the window mask on every layer computes exactly what a rolling KV cache of W entries
computes token by token (each cached key and value was made under the same window), so real models are run
with an extra mask, never modified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from attention_core.modules import causal_mask


def window_mask(num_tokens: int, window: int, causal: bool = True) -> torch.Tensor:
    """(T, T) bool, True where query i may not see key j: later keys (if causal) and keys W or more back."""
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    i = torch.arange(num_tokens)[:, None]  # (T, 1) query positions
    j = torch.arange(num_tokens)[None, :]  # (1, T) key positions
    hidden = (i - j) >= window  # too far back
    if causal:
        hidden |= j > i  # the future
    else:
        hidden |= (j - i) >= window  # a bidirectional band
    return hidden


def sink_window_mask(num_tokens: int, window: int, sinks: int) -> torch.Tensor:
    """(T, T) bool for a causal window cache of `window` keys whose first `sinks` entries are never evicted."""
    if not 0 <= sinks < window:
        raise ValueError(f"need 0 <= sinks < window, got sinks={sinks}, window={window}")
    i = torch.arange(num_tokens)[:, None]
    j = torch.arange(num_tokens)[None, :]
    recent = (i - j) < (window - sinks)  # the last window - sinks tokens, the query included
    kept = j < sinks  # the sink tokens
    return (j > i) | ~(recent | kept)


def additive_mask(hidden: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A (T, T) or (B, T, T) bool mask as the (B, 1, T, T) float mask transformers adds to its scores.

    Hidden cells get the dtype's most negative number (as transformers' own masks do), visible cells 0.
    """
    h = hidden if hidden.dim() == 3 else hidden.unsqueeze(0)  # (B, T, T)
    mask = torch.zeros(h.shape, dtype=dtype).masked_fill(h, torch.finfo(dtype).min)
    return mask.unsqueeze(1)  # (B, 1, T, T)


@dataclass(frozen=True)
class ReceptiveField:
    """Which input tokens can reach each output after 1..L stacked windowed layers (read-only arrays)."""

    window: int
    reach: np.ndarray  # (L, T, T) bool: reach[l, i, j] = input j can influence output i after l + 1 layers
    span: np.ndarray  # (L,) int: how many inputs reach the last token after l + 1 layers

    @property
    def layers(self) -> int:
        """Stacked layers."""
        return int(self.reach.shape[0])


def receptive_field(num_tokens: int, window: int, layers: int, causal: bool = True) -> ReceptiveField:
    """Compose the window's visibility through `layers` layers (boolean matrix products, no formula)."""
    if layers < 1:
        raise ValueError("need at least one layer")
    visible = (~window_mask(num_tokens, window, causal)).to(torch.int64)  # (T, T) 1 = may attend
    reach = np.zeros((layers, num_tokens, num_tokens), dtype=bool)
    current = torch.eye(num_tokens, dtype=torch.int64)
    for layer in range(layers):
        current = ((visible @ current) > 0).to(torch.int64)  # output i draws on what its keys drew on
        reach[layer] = current.numpy().astype(bool)
    span = reach[:, -1, :].sum(axis=-1).astype(np.int64)  # (L,)
    reach.setflags(write=False)
    span.setflags(write=False)
    return ReceptiveField(window, reach, span)


def receptive_span_formula(window: int, layers: int, num_tokens: int) -> int:
    """The textbook span of the last token, min(T, L * (W - 1) + 1): each layer reaches W - 1 further back."""
    return min(num_tokens, layers * (window - 1) + 1)


# --- the toy: the book's causal attention with a window ---------------------------------------------------


@dataclass(frozen=True)
class ToyWindow:
    """The book's seeded single-head causal attention on the sentence, with and without a window."""

    window: int
    hidden: np.ndarray  # (T, T) bool, the window mask (causal included)
    attn_weights: np.ndarray  # (T, T) with the window
    full_weights: np.ndarray  # (T, T) causal only
    context_vec: np.ndarray  # (T, d_out) with the window
    full_context: np.ndarray  # (T, d_out)

    @property
    def keys_per_query(self) -> np.ndarray:
        """(T,) how many keys each query sees."""
        return (~self.hidden).sum(axis=-1)


def _ro(t: torch.Tensor | np.ndarray) -> np.ndarray:
    """A read-only numpy copy (float64, or bool for bool tensors): safe to share between sessions."""
    if isinstance(t, torch.Tensor):
        t = t.detach()
        arr = (t if t.dtype == torch.bool else t.to(torch.float64)).numpy().copy()
    else:
        arr = np.array(t)
    arr.setflags(write=False)
    return arr


@torch.no_grad()
def toy_window(
    inputs: torch.Tensor, W_query: torch.Tensor, W_key: torch.Tensor, W_value: torch.Tensor, window: int
) -> ToyWindow:
    """Causal attention on (T, d_in) inputs with (d_in, d_out) weights, once with a window and once without."""
    num_tokens = inputs.shape[0]
    queries, keys, values = inputs @ W_query, inputs @ W_key, inputs @ W_value  # (T, d_out) each
    attn_scores = queries @ keys.T / keys.shape[-1] ** 0.5  # (T, T), scaled
    hidden = window_mask(num_tokens, window)
    full = torch.softmax(attn_scores.masked_fill(causal_mask(num_tokens), -torch.inf), dim=-1)
    windowed = torch.softmax(attn_scores.masked_fill(hidden, -torch.inf), dim=-1)
    return ToyWindow(
        window,
        _ro(hidden.numpy()),
        _ro(windowed),
        _ro(full),
        _ro(windowed @ values),
        _ro(full @ values),
    )


# --- SmolLM2 with an extra window mask --------------------------------------------------------------------


@torch.no_grad()
def masked_forward(
    model: torch.nn.Module, input_ids: torch.Tensor, hidden: torch.Tensor, output_attentions: bool = False
) -> tuple[torch.Tensor, tuple[torch.Tensor, ...] | None]:
    """Run a transformers causal LM on (1, T) ids once per mask in `hidden` ((B, T, T) or (T, T) bool).

    The masks go in as one batch of (B, 1, T, T) additive masks, so B settings cost one forward pass. The model
    is only read. Returns logits (B, T, vocab) and, if asked, the per-layer attentions (B, heads, T, T).
    """
    masks = hidden if hidden.dim() == 3 else hidden.unsqueeze(0)  # (B, T, T)
    batch = masks.shape[0]
    ids = input_ids.expand(batch, -1)  # (B, T): the same text under every mask
    positions = torch.arange(ids.shape[1]).unsqueeze(0).expand(batch, -1)  # (B, T)
    out = model(
        input_ids=ids,
        attention_mask=additive_mask(masks),
        position_ids=positions,
        output_attentions=output_attentions,
        use_cache=False,
    )
    return out.logits, (tuple(out.attentions) if output_attentions else None)


def next_token_losses(logits: torch.Tensor, input_ids: torch.Tensor) -> torch.Tensor:
    """(B, T, vocab) logits and (1, T) ids -> (B, T - 1) cross-entropy of each next token (nats)."""
    targets = input_ids[:, 1:].expand(logits.shape[0], -1)  # (B, T - 1)
    logp = torch.log_softmax(logits[:, :-1].float(), dim=-1)  # (B, T - 1, vocab)
    return -logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)


def window_sweep(num_tokens: int, limit: int = 8) -> list[int]:
    """Window sizes worth comparing for T tokens: powers of two below T (at most `limit`), then T (= no window)."""
    sizes = [w for w in (2**k for k in range(16)) if w < num_tokens][:limit]
    return [*sizes, num_tokens]


@dataclass(frozen=True)
class Prediction:
    """A model's top next tokens after the text."""

    tokens: tuple[str, ...]
    probs: tuple[float, ...]


@dataclass(frozen=True)
class SmolWindowStudy:
    """SmolLM2 on the typed text under sliding windows of several sizes (read-only arrays)."""

    tokens: tuple[str, ...]  # display labels
    total_tokens: int  # before truncation
    window: int  # the chosen window
    attn_full: np.ndarray  # (layers, heads, T, T), causal only
    attn_window: np.ndarray  # (layers, heads, T, T), with the chosen window
    predict_full: Prediction
    predict_window: Prediction
    sweep: tuple[int, ...]  # window sizes compared (the last = T: no window)
    mean_loss: np.ndarray  # (len(sweep),) mean next-token loss over the text (nats)
    top1_prob: np.ndarray  # (len(sweep),) probability each window gives the full model's top next token
    top1_same: np.ndarray  # (len(sweep),) bool: same top next token as the full model
    no_window_diff: float  # largest |logit| difference between the window-T run and the model without a mask

    @property
    def num_tokens(self) -> int:
        """Tokens run."""
        return len(self.tokens)


def _prediction(tokenizer: object, logits: torch.Tensor, k: int = 5) -> Prediction:
    probs = torch.softmax(logits.float(), dim=-1)  # (vocab,)
    values, indices = probs.topk(k)
    decode = tokenizer.decode  # type: ignore[attr-defined]
    return Prediction(tuple(decode([int(i)]) for i in indices), tuple(float(v) for v in values))


@torch.no_grad()
def smollm2_window_study(
    model: torch.nn.Module,
    tokenizer: object,
    input_ids: torch.Tensor,
    labels: Sequence[str],
    window: int,
    total_tokens: int,
) -> SmolWindowStudy:
    """Every window of the sweep plus the chosen one in one batched pass; attentions of the chosen one and none."""
    num_tokens = input_ids.shape[1]
    window = max(1, min(window, num_tokens))
    sweep = window_sweep(num_tokens)
    masks = torch.stack([window_mask(num_tokens, w) for w in [*sweep, window]])  # (S + 1, T, T)
    logits, attentions = masked_forward(model, input_ids, masks, output_attentions=True)
    assert attentions is not None
    plain = model(input_ids=input_ids, use_cache=False).logits  # (1, T, vocab): no extra mask at all
    n = len(sweep)
    losses = (
        next_token_losses(logits[:n], input_ids).mean(dim=-1) if num_tokens > 1 else torch.zeros(n)
    )  # (S,)
    last = torch.softmax(logits[:n, -1].float(), dim=-1)  # (S, vocab)
    best = int(last[-1].argmax())  # the full model's top next token
    stacked = torch.stack(attentions)  # (layers, S + 1, heads, T, T)
    return SmolWindowStudy(
        tokens=tuple(labels),
        total_tokens=total_tokens,
        window=window,
        attn_full=_ro(stacked[:, n - 1].float()),
        attn_window=_ro(stacked[:, n].float()),
        predict_full=_prediction(tokenizer, logits[n - 1, -1]),
        predict_window=_prediction(tokenizer, logits[n, -1]),
        sweep=tuple(sweep),
        mean_loss=_ro(losses),
        top1_prob=_ro(last[:, best]),
        top1_same=_ro(torch.as_tensor(last.argmax(dim=-1) == best)),
        no_window_diff=float((logits[n - 1] - plain[0]).abs().max()),
    )
