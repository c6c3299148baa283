"""The page's view of a generation, on synthetic passes (no model): triangle, cache slices, candidates, timings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core import generation as gc
from attention_core.views.generate import CacheGeometry, next_token, step_view, timings

GEOMETRY = CacheGeometry(layers=3, heads=4, kv_heads=2, head_dim=5)
VOCAB = 40


def _step(index: int, prompt_len: int, rng: np.random.Generator, recompute: bool) -> gc.Step:
    t = prompt_len + index
    rows = rng.random((GEOMETRY.layers, GEOMETRY.heads, t)).astype(np.float32)
    rows /= rows.sum(-1, keepdims=True)
    n_new = prompt_len if index == 0 else 1
    shape = (GEOMETRY.layers, GEOMETRY.kv_heads, n_new, GEOMETRY.head_dim)
    return gc.Step(
        index=index,
        query_position=t - 1,
        attn_rows=rows,
        logits=rng.normal(size=VOCAB).astype(np.float32) * 3,
        new_keys=rng.normal(size=shape).astype(np.float32),
        new_values=rng.normal(size=shape).astype(np.float32),
        seconds=0.01 * (index + 1),
        recompute_seconds=0.05 * t if recompute and index else None,
        logit_gap=1e-6 * index if recompute and index else None,
    )


def _generation(prompt_len: int, n: int, seed: int = 0, pending: bool = True) -> gc.Generation:
    rng = np.random.default_rng(seed)
    steps = tuple(_step(k, prompt_len, rng, recompute=k % 2 == 1) for k in range(n + (1 if pending else 0)))
    ids = tuple(int(i) for i in rng.integers(3, VOCAB, size=n))
    return gc.Generation(gc.Prompt(tuple(range(10, 10 + prompt_len)), prompt_len), ids, steps, frozenset({2}))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    st.integers(1, 12),
    st.integers(0, 10),
    st.data(),
)
def test_step_view_slices_every_pass_consistently(prompt_len: int, n: int, data: st.DataObject) -> None:
    gen = _generation(prompt_len, n, seed=prompt_len * 31 + n)
    number = data.draw(st.integers(1, len(gen.steps)))
    layer = data.draw(st.integers(0, GEOMETRY.layers - 1))
    head = data.draw(st.none() | st.integers(0, GEOMETRY.heads - 1))
    view = step_view(gen, gc.Sampling(), number, layer, head, GEOMETRY)
    t = prompt_len + number - 1
    assert view.context_len == t and view.query_position == t - 1
    assert view.triangle.shape == (number, t) and view.row.shape == (t,)
    for k in range(number):  # pass k + 1 saw prompt_len + k keys; nothing after them
        row = gen.steps[k].attn_rows[layer]
        want = row[head] if head is not None else row.mean(axis=0)
        np.testing.assert_allclose(view.triangle[k, : prompt_len + k], want, rtol=1e-6)
        assert np.isnan(view.triangle[k, prompt_len + k :]).all()
    np.testing.assert_array_equal(view.row, view.triangle[-1])
    kv = GEOMETRY.kv_head_of(head if head is not None else 0)
    assert view.kv_head == kv and view.keys.shape == (t, GEOMETRY.head_dim)
    np.testing.assert_array_equal(view.keys[:prompt_len], gen.steps[0].new_keys[layer, kv])
    for k in range(1, number):
        np.testing.assert_array_equal(view.values[prompt_len + k - 1], gen.steps[k].new_values[layer, kv, 0])
    assert view.new_rows == (prompt_len if number == 1 else 1)
    assert (view.next_token.chosen is None) == (number > n)


def test_next_token_lists_the_top_candidates_and_the_chosen_one() -> None:
    logits = np.linspace(-5, 5, VOCAB).astype(np.float32)  # token VOCAB-1 most likely
    greedy = next_token(logits, gc.Sampling(), 1, chosen=None)
    assert greedy.ids[0] == VOCAB - 1 and len(greedy.ids) == gc.TOP_BARS and greedy.sample_probs is None
    assert greedy.would_pick == VOCAB - 1 and greedy.kept == VOCAB
    assert np.all(np.diff(greedy.model_probs) <= 0)
    sampled = next_token(logits, gc.Sampling(greedy=False, top_k=5, top_p=1.0), 3, chosen=0)
    assert sampled.ids[-1] == 0 and len(sampled.ids) == gc.TOP_BARS + 1, "a low-ranked choice is still drawn"
    assert sampled.chosen_rank == VOCAB and sampled.kept == 5
    assert sampled.sample_probs is not None and sampled.sample_probs[-1] == 0.0
    assert sampled.sample_probs[:5].sum() == pytest.approx(1.0)


def test_timings_split_cached_and_recomputed_passes() -> None:
    gen = _generation(4, 5)
    tm = timings(gen)
    assert tm.cached_t == (5, 6, 7, 8, 9) and tm.cached_s == pytest.approx((0.02, 0.03, 0.04, 0.05, 0.06))
    assert tm.full_t == (4, 5, 7, 9)  # the prefill, then passes 1, 3, 5 recomputed
    assert tm.full_s[0] == pytest.approx(0.01) and tm.full_s[1] == pytest.approx(0.25)
    assert tm.cached_tokens_per_s == pytest.approx(5 / 0.2)
    assert tm.max_gap == pytest.approx(5e-6)
    assert timings(_generation(4, 0)).cached_tokens_per_s is None


def test_generation_knows_when_it_is_finished() -> None:
    gen = _generation(3, 2)
    assert gen.pending and gen.finished is None
    eos = gc.Generation(gen.prompt, (*gen.ids, 2), gen.steps, gen.eos_ids)
    assert eos.finished == "eos" and not eos.pending
    with pytest.raises(ValueError):
        gc.Generation(gen.prompt, gen.ids, gen.steps[:1], gen.eos_ids)
    with pytest.raises(ValueError):
        step_view(gen, gc.Sampling(), len(gen.steps) + 1, 0, 0, GEOMETRY)
