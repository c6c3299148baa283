"""Attention sinks: shares on a token, the window-cache emulation against a real rolling KV cache, and the
shipped experiment reproduced from the shipped text on its first tokens."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core.variants import sinks as sk


def _random_attention(layers: int, heads: int, t: int, causal: bool, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(layers, heads, t, t))
    if causal:
        scores = np.where(np.triu(np.ones((t, t), bool), 1), -np.inf, scores)
    w = np.exp(scores - scores.max(-1, keepdims=True))
    return w / w.sum(-1, keepdims=True)


@settings(max_examples=40, deadline=None)
@given(t=st.integers(1, 20), causal=st.booleans(), seed=st.integers(0, 999))
def test_shares(t: int, causal: bool, seed: int) -> None:
    att = _random_attention(2, 3, t, causal, seed)
    shares = sk.sink_shares("m", [str(i) for i in range(t)], att, causal)
    first_query = 1 if (causal and t > 1) else 0
    assert np.allclose(shares.first, att[:, :, first_query:, 0].mean(-1))
    assert np.all((shares.first >= 0) & (shares.first <= 1))
    assert (shares.last is None) == causal
    causal_even = np.tril(np.ones((t, t))) / np.arange(1, t + 1)[:, None]  # row i: 1 / (i + 1) on its keys
    even = causal_even if causal else np.full((t, t), 1.0 / t)
    assert np.allclose(sk.share_on(even[None, None], 0, first_query), shares.uniform)


def test_a_head_that_always_looks_at_the_first_token() -> None:
    t = 5
    att = np.zeros((1, 2, t, t))
    att[0, 0, :, 0] = 1.0  # head 1: a perfect sink
    att[0, 1] = np.tril(np.ones((t, t))) / np.arange(1, t + 1)[:, None]  # head 2: uniform causal
    shares = sk.sink_shares("smollm2", list("abcde"), att, causal=True)
    assert shares.first[0, 0] == 1.0 and shares.first[0, 1] == pytest.approx(shares.uniform)
    assert shares.sink_heads == 1 and shares.first_mean.shape == (1,)


def test_smooth() -> None:
    v = np.arange(10.0)
    assert np.allclose(sk.smooth(v, 1), v)
    assert np.allclose(sk.smooth(v, 3)[1:-1], v[1:-1])  # a linear ramp is its own running mean
    assert sk.smooth(v, 4).shape == v.shape
    assert sk.mean_after(v, 4) == v[4:].mean() and sk.mean_after(v, None) == v.mean()


# --- the window cache on SmolLM2 --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def smol():
    from tests.support.llm import loaded

    return loaded("smollm2")


@pytest.fixture(scope="module")
def text_ids(smol) -> torch.Tensor:
    return smol.tokenizer(sk.TEXT_PATH.read_text(encoding="utf-8"), return_tensors="pt").input_ids


@pytest.mark.slow
def test_one_pass_mask_equals_a_real_rolling_kv_cache(smol, text_ids: torch.Tensor) -> None:
    """The reference: decode token by token with transformers' DynamicCache, evicting the oldest non-sink entry.
    (With 0 sinks the mask is the plain window mask, tested against transformers' own in test_variants_windows.)"""
    ids, sinks = text_ids[:, :20], 3
    fast = sk.cache_losses(smol.model, ids, window=8, sinks=sinks)
    slow = sk.rolling_cache_losses(smol.model, ids, window=8, sinks=sinks)
    assert fast.shape == slow.shape == (19,)
    assert np.abs(fast - slow).max() < 1e-4
    full = sk.cache_losses(smol.model, ids, window=None)
    assert np.allclose(fast[:7], full[:7], atol=1e-4)  # the cache is not full yet: nothing differs
    assert np.abs(fast[8:] - full[8:]).max() > 1e-3  # and then it does


@pytest.mark.slow
def test_typed_cache_study(smol, text_ids: torch.Tensor) -> None:
    ids = text_ids[:, :16]
    study = sk.typed_cache_study(smol.model, ids, window=6, sinks=2)
    assert study.full.shape == study.dropped.shape == study.kept.shape == (15,)
    with torch.no_grad():
        plain = smol.model(input_ids=ids).logits  # the model's own causal attention, no extra mask
    plain_losses = torch.nn.functional.cross_entropy(plain[0, :-1], ids[0, 1:], reduction="none").numpy()
    assert np.allclose(study.full, plain_losses, atol=1e-4)
    assert np.allclose(study.kept, sk.cache_losses(smol.model, ids, 6, 2), atol=1e-4)
    assert study.mean_after("full") == pytest.approx(float(study.full[6:].mean()))


# --- the shipped experiment -------------------------------------------------------------------------------------


def test_shipped_experiment_loads() -> None:
    exp = sk.load_experiment()
    assert exp.num_tokens >= 2048 and exp.window == 256
    full, dropped, kept = exp.run(None), exp.run(exp.window, 0), exp.run(exp.window, sk.DEFAULT_SINKS)
    for r in (full, dropped, kept):
        assert r.losses is not None and r.losses.shape == (exp.num_tokens - 1,)
        assert r.mean_after_window == pytest.approx(sk.mean_after(r.losses, exp.window), abs=1e-3)
    # before the cache is full, a window cache is full attention
    assert np.allclose(dropped.losses[: exp.window - 1], full.losses[: exp.window - 1], atol=2e-3)
    assert exp.loss_jump == pytest.approx(dropped.mean_after_window - kept.mean_after_window)
    assert "public domain" in exp.licence


@pytest.mark.slow
def test_shipped_experiment_reproduces_on_its_first_tokens(smol, text_ids: torch.Tensor) -> None:
    """Recompute the shipped losses on the first 288 tokens of the shipped text: each position depends only on
    earlier tokens, so the prefix must give the same numbers (the file was made with fused attention and
    rounded to 4 decimals)."""
    exp = sk.load_experiment()
    ids = text_ids[:, :288]
    for window, sinks in ((None, 0), (exp.window, 0), (exp.window, sk.DEFAULT_SINKS)):
        fresh = sk.cache_losses(smol.model, ids, window, sinks)
        shipped = exp.run(window, sinks).losses[: ids.shape[1] - 1]
        assert np.abs(fresh - shipped).max() < 5e-3, (window, sinks)


@pytest.mark.parametrize("content", ["", "{not json", '{"runs": []}'])
def test_broken_experiment_file_says_how_to_rebuild(tmp_path: Path, content: str) -> None:
    path = tmp_path / "sink_experiment.json"
    if content:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(sk.ExperimentUnavailableError, match=r"scripts/sink_experiment\.py"):
        sk.load_experiment(path)


def test_experiment_without_the_plotted_losses_is_refused(tmp_path: Path) -> None:
    raw = json.loads(sk.EXPERIMENT_PATH.read_text(encoding="utf-8"))
    for r in raw["runs"]:
        r["losses"] = None
    path = tmp_path / "x.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(sk.ExperimentUnavailableError, match="corrupt"):
        sk.load_experiment(path)
