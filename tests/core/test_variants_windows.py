"""Sliding windows: masks against transformers' own mask functions, the receptive field, the toy, and SmolLM2
under an extra window mask against transformers' Mistral (the same weights with a built-in sliding window)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core.builders import seeded_weights
from attention_core.embeddings import BOOK_INPUTS
from attention_core.modules import causal_mask
from attention_core.stepwise import attention_steps
from attention_core.variants import windows as win


@settings(max_examples=40, deadline=None)
@given(t=st.integers(1, 40), w=st.integers(1, 45))
def test_window_mask_is_transformers_sliding_window(t: int, w: int) -> None:
    """Our mask hides exactly what transformers' causal + sliding-window overlay hides (Mistral's convention)."""
    from transformers.masking_utils import and_masks, causal_mask_function, sliding_window_overlay

    allowed = and_masks(causal_mask_function, sliding_window_overlay(w))
    q_idx, kv_idx = torch.arange(t)[:, None], torch.arange(t)[None, :]  # broadcast over every (query, key)
    expected = ~allowed(torch.tensor(0), torch.tensor(0), q_idx, kv_idx).expand(t, t)
    hidden = win.window_mask(t, w)
    assert torch.equal(hidden, expected)
    assert (~hidden).sum(-1).tolist() == [min(i + 1, w) for i in range(t)]  # W keys once the window is full
    if w >= t:
        assert torch.equal(hidden, causal_mask(t))


@settings(max_examples=80, deadline=None)
@given(t=st.integers(1, 40), w=st.integers(2, 20), data=st.data())
def test_sink_window_keeps_the_first_tokens_and_the_budget(t: int, w: int, data: st.DataObject) -> None:
    sinks = data.draw(st.integers(0, w - 1))
    hidden = win.sink_window_mask(t, w, sinks)
    visible = ~hidden
    assert visible.sum(-1).tolist() == [min(i + 1, w) for i in range(t)]  # the same cache size as a window
    assert not torch.triu(visible, 1).any()  # still causal
    for i in range(t):
        assert visible[i, : min(sinks, i + 1)].all()  # the sinks are never evicted
    if sinks == 0:
        assert torch.equal(hidden, win.window_mask(t, w))


@settings(max_examples=60, deadline=None)
@given(t=st.integers(1, 30), w=st.integers(1, 12), layers=st.integers(1, 6))
def test_receptive_field_grows_by_w_minus_1_per_layer(t: int, w: int, layers: int) -> None:
    field = win.receptive_field(t, w, layers)
    assert field.span.tolist() == [win.receptive_span_formula(w, n, t) for n in range(1, layers + 1)]
    assert np.all(np.diff(field.span) >= 0)
    assert not np.triu(field.reach[-1], 1).any()  # nothing from the future, however deep


def test_toy_window() -> None:
    W_query, W_key, W_value = seeded_weights("linear", 3, 2, 789)
    toy = win.toy_window(BOOK_INPUTS, W_query, W_key, W_value, window=2)
    assert np.allclose(toy.attn_weights.sum(-1), 1.0)
    assert np.all(toy.attn_weights[toy.hidden] == 0)
    assert toy.keys_per_query.tolist() == [1, 2, 2, 2, 2, 2]
    assert toy.attn_weights[0, 0] == 1.0
    steps = attention_steps(BOOK_INPUTS, W_query, W_key, W_value, causal=True)  # the causal page's numbers
    assert np.allclose(toy.full_weights, steps.attn_weights.numpy(), atol=1e-7)
    wide = win.toy_window(BOOK_INPUTS, W_query, W_key, W_value, window=6)
    assert np.allclose(wide.attn_weights, wide.full_weights)


def test_window_sweep() -> None:
    assert win.window_sweep(6) == [1, 2, 4, 6]
    assert win.window_sweep(1) == [1]
    assert win.window_sweep(1000, limit=3) == [1, 2, 4, 1000]


# --- SmolLM2 -------------------------------------------------------------------------------------------------

TEXT = "The cat sat on the mat because it was tired, and then it fell asleep in the sun."


@pytest.fixture(scope="module")
def smol():
    from tests.support.llm import loaded

    return loaded("smollm2")


@pytest.fixture(scope="module")
def ids(smol) -> torch.Tensor:
    return smol.tokenizer(TEXT, return_tensors="pt").input_ids  # (1, T)


@pytest.mark.slow
def test_smollm2_window_mask_equals_mistral_sliding_window(smol, ids: torch.Tensor) -> None:
    """The reference: transformers' Mistral model holds a sliding window in its own attention code. Loaded with
    SmolLM2's weights (the same Llama architecture), it must give what our extra mask gives SmolLM2."""
    from transformers import MistralConfig, MistralForCausalLM

    cfg = smol.model.config
    window = 4
    mistral_cfg = MistralConfig(
        vocab_size=cfg.vocab_size,
        hidden_size=cfg.hidden_size,
        intermediate_size=cfg.intermediate_size,
        num_hidden_layers=cfg.num_hidden_layers,
        num_attention_heads=cfg.num_attention_heads,
        num_key_value_heads=cfg.num_key_value_heads,
        head_dim=cfg.head_dim,
        hidden_act=cfg.hidden_act,
        max_position_embeddings=cfg.max_position_embeddings,
        rms_norm_eps=cfg.rms_norm_eps,
        rope_parameters=dict(cfg.rope_parameters),
        tie_word_embeddings=True,
        sliding_window=window,
    )
    mistral = MistralForCausalLM(mistral_cfg).eval()
    missing = mistral.load_state_dict(smol.model.state_dict(), strict=False)
    assert not missing.unexpected_keys and set(missing.missing_keys) <= {"lm_head.weight"}
    mistral.config._attn_implementation = "eager"
    with torch.no_grad():
        ref = mistral(input_ids=ids, output_attentions=True, use_cache=False)
        ours, attentions = win.masked_forward(smol.model, ids, win.window_mask(ids.shape[1], window), True)
    assert (ref.logits - ours).abs().max() < 1e-3
    assert max(float((r - a).abs().max()) for r, a in zip(ref.attentions, attentions, strict=True)) < 1e-5
    hidden = win.window_mask(ids.shape[1], window)
    assert all(float(a[0][:, hidden].abs().max()) == 0.0 for a in attentions)  # nothing outside the window


@pytest.mark.slow
def test_smollm2_study(smol, ids: torch.Tensor) -> None:
    labels = [str(i) for i in range(ids.shape[1])]
    study = win.smollm2_window_study(smol.model, smol.tokenizer, ids, labels, 3, ids.shape[1])
    t = ids.shape[1]
    assert study.sweep[-1] == t and study.attn_full.shape == (30, 9, t, t)
    assert study.no_window_diff < 1e-3  # window = T is the model's own causal attention
    assert bool(study.top1_same[-1]) and study.mean_loss[-1] < study.mean_loss[0]
    hidden = win.window_mask(t, 3).numpy()
    assert float(np.abs(study.attn_window[:, :, hidden]).max()) == 0.0
    assert np.allclose(study.attn_window.sum(-1), 1.0, atol=1e-5)
    assert study.predict_full.tokens[0] == smol.tokenizer.decode(
        [int(smol.model(input_ids=ids).logits[0, -1].argmax())]
    )
