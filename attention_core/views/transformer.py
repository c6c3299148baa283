"""The real-transformer page: one text through one pretrained model, with the head mean and attention rollout."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attention_core.pretrained import (
    AttentionRun,
    LoadedModel,
    attention_rollout,
    mean_over_heads,
    run_attention,
)


def _lock(array: np.ndarray) -> np.ndarray:
    """Make an array read-only in place (these can be hundreds of MB, so no copy)."""
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class TransformerView:
    """Everything the page draws for one (model, text), shared by every session that shows it."""

    run: AttentionRun  # tokens and attentions (layers, heads, T, T), read-only
    head_mean: np.ndarray  # (layers, T, T), the mean over each layer's heads
    rollout: np.ndarray  # (layers, T, T), attention rollout up to each layer


def transformer_view(model: LoadedModel, text: str) -> TransformerView:
    """Run `text` through `model` once and aggregate its attention; every array of the result is read-only."""
    run = run_attention(model, text)
    _lock(run.attentions)
    head_mean = mean_over_heads(run.attentions)  # (layers, T, T), computed once for both views
    return TransformerView(run, _lock(head_mean), _lock(attention_rollout(None, head_mean=head_mean)))
