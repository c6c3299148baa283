"""Grouped-query attention: equal to PyTorch's own attention (repeated K/V, enable_gqa) and to the book's MHA."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core.builders import build_multihead
from attention_core.embeddings import BOOK_INPUTS
from attention_core.variants import gqa
from attention_core.variants import windows as win
from attention_core.views.multihead import divisors

TOL = 1e-5


@st.composite
def configs(draw: st.DrawFn) -> dict:
    """Any valid GQA shape: heads and groups that divide, 1-24 tokens, causal or not, a seed, maybe a window."""
    num_heads = draw(st.sampled_from([1, 2, 3, 4, 6, 8, 9, 12]))
    groups = draw(st.sampled_from(divisors(num_heads)))
    head_dim = draw(st.integers(1, 8))
    tokens = draw(st.integers(1, 24))
    return {
        "d_in": draw(st.integers(1, 12)),
        "num_heads": num_heads,
        "groups": groups,
        "d_out": num_heads * head_dim,
        "tokens": tokens,
        "causal": draw(st.booleans()),
        "seed": draw(st.integers(0, 10_000)),
        "window": draw(st.one_of(st.none(), st.integers(1, 24))),
    }


@settings(max_examples=40, deadline=None)
@given(configs())
def test_gqa_equals_pytorch_references(cfg: dict) -> None:
    torch.manual_seed(cfg["seed"])
    x = torch.randn(2, cfg["tokens"], cfg["d_in"])  # a batch of two
    module = gqa.build_gqa(
        cfg["d_in"], cfg["d_out"], cfg["tokens"], cfg["num_heads"], cfg["groups"], cfg["seed"], cfg["causal"]
    ).eval()
    extra = (
        None if cfg["window"] is None else win.window_mask(cfg["tokens"], cfg["window"], causal=cfg["causal"])
    )
    with torch.no_grad():
        out, weights = module(x, extra_mask=extra)
        fused, none = module(x, extra_mask=extra, need_weights=False)
    assert none is None and weights is not None
    assert weights.shape == (2, cfg["num_heads"], cfg["tokens"], cfg["tokens"])
    assert torch.allclose(weights.sum(-1), torch.ones(()), atol=1e-5)
    assert (out - gqa.sdpa_repeated_reference(module, x, extra)).abs().max() <= TOL
    assert (out - gqa.sdpa_grouped_reference(module, x, extra)).abs().max() <= TOL
    assert (out - fused).abs().max() <= TOL
    if extra is None:  # the book's class has no extra mask: compare without one
        mha = gqa.as_multihead(module)
        with torch.no_grad():
            mha_out, mha_weights = mha(x)
        assert (out - mha_out).abs().max() <= TOL
        assert (weights - mha_weights).abs().max() <= TOL


def test_heads_of_one_group_read_the_same_keys() -> None:
    module = gqa.build_gqa(3, 12, 6, num_heads=6, num_kv_groups=2, seed=7).eval()
    assert [module.group_of_head(h) for h in range(6)] == [0, 0, 0, 1, 1, 1]
    with torch.no_grad():
        _, k, v = module.project(BOOK_INPUTS.unsqueeze(0))
    assert k.shape == (1, 2, 6, 2) and v.shape == (1, 2, 6, 2)  # 2 K/V heads of head_dim 2
    assert module.W_key.weight.shape == (4, 3) and module.W_query.weight.shape == (12, 3)


def test_mqa_is_one_group_and_mha_is_the_book_class() -> None:
    """num_kv_groups == num_heads builds exactly the book's MultiHeadAttention (same seed, same weights)."""
    book = build_multihead(3, 4, 6, 2, seed=123)
    same = gqa.build_gqa(3, 4, 6, num_heads=2, num_kv_groups=2, seed=123)
    for name in ("W_query", "W_key", "W_value", "out_proj"):
        assert torch.equal(getattr(book, name).weight, getattr(same, name).weight), name
    with torch.no_grad():
        assert torch.allclose(book(BOOK_INPUTS)[0], same(BOOK_INPUTS)[0], atol=1e-6)
    mqa = gqa.build_gqa(3, 8, 6, num_heads=4, num_kv_groups=1, seed=1)
    assert mqa.group_size == 4 and mqa.W_value.out_features == 2
    assert gqa.kind_name(4, 1) == "multi-query" and gqa.kind_name(4, 4) == "multi-head"
    assert gqa.kind_name(4, 2) == "grouped-query"


@pytest.mark.parametrize(("d_out", "heads", "groups"), [(6, 4, 2), (8, 4, 3), (8, 4, 0), (8, 4, 8)])
def test_invalid_shapes_are_refused(d_out: int, heads: int, groups: int) -> None:
    with pytest.raises(ValueError, match="divisible"):
        gqa.GroupedQueryAttention(3, d_out, 6, 0.0, heads, groups)


def test_view_for_the_page() -> None:
    view = gqa.gqa_view(BOOK_INPUTS, d_out=8, num_heads=4, num_kv_groups=2, seed=123, causal=True)
    assert view.all_ok and len(view.checks) == 4
    assert view.kind == "grouped-query" and view.group_of_head == (0, 0, 1, 1)
    assert view.queries.shape == (6, 8) and view.keys.shape == (6, 4) and view.values.shape == (6, 4)
    assert np.allclose(np.triu(view.attn_weights, 1), 0)  # causal
    assert [s.num_kv_groups for s in view.sizes] == [1, 2, 4]
    assert [s.cached_per_token for s in view.sizes] == [4, 8, 16]  # 2 x g x head_dim 2
    with pytest.raises(ValueError):
        view.attn_weights[0, 0, 0] = 1.0  # shared between sessions: read-only


def test_sdpa_enable_gqa_itself_repeats_heads() -> None:
    """The reference's own claim: enable_gqa=True equals repeating K/V per group (so both references agree)."""
    gen = torch.Generator().manual_seed(0)
    q = torch.randn(1, 6, 5, 4, generator=gen)
    k, v = torch.randn(1, 2, 5, 4, generator=gen), torch.randn(1, 2, 5, 4, generator=gen)
    grouped = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    repeated = F.scaled_dot_product_attention(q, k.repeat_interleave(3, 1), v.repeat_interleave(3, 1))
    assert torch.allclose(grouped, repeated, atol=1e-6)
