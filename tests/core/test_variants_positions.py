"""Positions: permutation equivariance without them, RoPE's relative-offset property, and RoPE against
transformers' own rotary embedding (a config with SmolLM2's settings, and the loaded SmolLM2 itself)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core.builders import seeded_weights
from attention_core.embeddings import BOOK_INPUTS
from attention_core.variants import positions as pos

floats = st.floats(-3, 3, allow_nan=False, width=32)


@settings(max_examples=50, deadline=None)
@given(
    t=st.integers(1, 12),
    d_in=st.integers(2, 8),
    d_out=st.integers(1, 8),
    seed=st.integers(0, 999),
    shuffle=st.integers(0, 99),
)
def test_without_positions_weights_travel_with_their_tokens(t, d_in, d_out, seed, shuffle) -> None:
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(t, d_in, generator=gen)
    W_query, W_key, W_value = seeded_weights("linear", d_in, d_out, seed)
    study = pos.shuffle_study(x, W_query, W_key, W_value, "none", pos.shuffle_order(t, shuffle))
    assert study.equivariance_gap < 1e-5
    assert sorted(study.order) == list(range(t))


@pytest.mark.parametrize("scheme", ["learned", "sinusoidal", "rope"])
def test_positions_break_the_symmetry(scheme: str) -> None:
    W_query, W_key, W_value = seeded_weights("linear", 3, 2, 789)
    study = pos.shuffle_study(BOOK_INPUTS, W_query, W_key, W_value, scheme, pos.shuffle_order(6, 0))
    assert study.equivariance_gap > 1e-2
    assert np.allclose(study.shuffled_weights.sum(-1), 1.0)
    assert (study.table is None) == (scheme == "rope")


@settings(max_examples=80, deadline=None)
@given(
    half=st.integers(1, 16),
    m=st.integers(0, 500),
    n=st.integers(0, 500),
    shift=st.integers(-200, 2000),
    pairing=st.sampled_from(["half", "interleaved"]),
    base=st.sampled_from([10_000.0, 100_000.0, 500_000.0]),
    data=st.data(),
)
def test_rope_scores_depend_only_on_the_offset(half, m, n, shift, pairing, base, data) -> None:
    d = 2 * half
    q = torch.tensor(data.draw(st.lists(floats, min_size=d, max_size=d)), dtype=torch.float64)
    k = torch.tensor(data.draw(st.lists(floats, min_size=d, max_size=d)), dtype=torch.float64)
    shift = max(shift, -min(m, n))  # positions stay >= 0
    a = pos.rope_score(q, k, m, n, base, pairing)
    b = pos.rope_score(q, k, m + shift, n + shift, base, pairing)
    assert abs(a - b) <= 1e-6 * (1 + float(q.norm() * k.norm()))
    rotated = pos.apply_rope(q[None, :], torch.tensor([m]), base, pairing)[0]
    assert torch.allclose(rotated.norm(), q.norm())  # a rotation keeps lengths
    if m == n:
        assert abs(a - float(q @ k)) <= 1e-6 * (1 + float(q.norm() * k.norm()))


def test_rope_grid_is_constant_along_diagonals() -> None:
    gen = torch.Generator().manual_seed(1)
    grid = pos.rope_score_grid(torch.randn(8, generator=gen), torch.randn(8, generator=gen), 10)
    for offset in range(-9, 10):
        diag = np.diagonal(grid, offset)
        assert np.ptp(diag) < 1e-9


def test_pairings_are_the_same_rotation_up_to_a_reordering() -> None:
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(5, 8, generator=gen)
    order = torch.tensor([0, 4, 1, 5, 2, 6, 3, 7])  # half layout -> interleaved layout
    assert torch.allclose(pos.apply_rope(x)[:, order], pos.apply_rope(x[:, order], pairing="interleaved"))


def test_sinusoid_similarity_depends_only_on_the_offset() -> None:
    table = pos.sinusoidal_table(64, 16).double()
    for k in (0, 1, 5, 20):
        sims = (table[: 64 - k] * table[k:]).sum(-1)
        assert float(sims.max() - sims.min()) < 1e-5
    assert torch.allclose(table[0, 1::2], torch.ones(8, dtype=torch.float64))  # cos(0) = 1, sin(0) = 0
    assert torch.allclose(table[0, 0::2], torch.zeros(8, dtype=torch.float64))


def test_learned_table_is_the_books_seeded_embedding() -> None:
    torch.manual_seed(123)
    expected = torch.nn.Embedding(6, 3).weight.detach()
    assert torch.equal(pos.learned_table(6, 3), expected)


def test_rotation_view_for_the_page() -> None:
    W_query, W_key, _ = seeded_weights("linear", 3, 4, 789)
    q, k = (BOOK_INPUTS @ W_query)[3], (BOOK_INPUTS @ W_key)[1]
    view = pos.rotation_view(q, k, pair=1, m=3, n=1)
    assert view.theta == pytest.approx(10_000 ** (-2 / 4))
    assert np.allclose(np.linalg.norm(view.query_rotated), np.linalg.norm(view.query_pair))
    angle = np.arctan2(view.query_rotated[1], view.query_rotated[0]) - np.arctan2(
        view.query_pair[1], view.query_pair[0]
    )
    assert np.isclose(np.mod(angle, 2 * np.pi), np.mod(3 * view.theta, 2 * np.pi))
    assert np.ptp(view.shifted_scores) < 1e-9
    assert view.offset_scores[len(view.offset_scores) // 2 + 2] == pytest.approx(
        view.score
    )  # offset m - n = 2


def test_rope_equals_transformers_llama_rotary_for_smollm2_settings() -> None:
    check = pos.rotary_check(64, 100_000.0)
    assert check.ok, (check.cos_sin_diff, check.rotated_diff)
    assert check.wavelengths[0] == pytest.approx(2 * np.pi)


@pytest.mark.slow
def test_rope_equals_the_loaded_smollm2_rotary_embedding() -> None:
    """The loaded model's own rotary module, with the settings read from the GGUF header."""
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

    from attention_core.variants import kv_cache as kc
    from tests.support.llm import loaded

    rotary = kc.smollm2_rotary()
    module = loaded("smollm2").model.model.rotary_emb
    positions = torch.arange(24)[None, :]
    cos, sin = module(torch.zeros(1, 24, rotary.head_dim), positions)
    gen = torch.Generator().manual_seed(3)
    q = torch.randn(1, 9, 24, rotary.head_dim, generator=gen)
    k = torch.randn(1, 3, 24, rotary.head_dim, generator=gen)
    q_ref, k_ref = apply_rotary_pos_emb(q, k, cos, sin)
    assert (pos.apply_rope(q, base=rotary.theta) - q_ref).abs().max() <= 1e-5
    assert (pos.apply_rope(k, base=rotary.theta) - k_ref).abs().max() <= 1e-5
