"""Trainable, causal and multi-head attention: the book's numbers, and equivalence with PyTorch's own."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from attention_core import builders, modules, references, stepwise
from attention_core.embeddings import BOOK_INPUTS
from attention_core.views import multihead as mh_view

ATOL = 1e-5
BOOK = 1e-4  # the book prints 4 decimals


def close(a: torch.Tensor, b: object, atol: float = BOOK) -> bool:
    """allclose against a tensor or a nested list, at the given absolute tolerance."""
    return torch.allclose(a.detach().float(), torch.as_tensor(b, dtype=torch.float32), atol=atol, rtol=0)


# --- the book's published values -------------------------------------------------------------------------


def test_torch_rand_seed_123_matches_book_reference_table() -> None:
    module = builders.build_self_attention("rand", 3, 2, seed=123)
    steps = stepwise.attention_steps(BOOK_INPUTS, *builders.weight_matrices(module))
    assert close(steps.queries[1], [0.4306, 1.4551])
    assert close(steps.attn_scores[1], [1.2705, 1.8524, 1.8111, 1.0795, 0.5577, 1.5440])
    assert close(steps.attn_weights[1], [0.1500, 0.2264, 0.2199, 0.1311, 0.0906, 0.1820])
    assert close(steps.context_vec[1], [0.3061, 0.8210])
    context_vec, attn_weights = module(BOOK_INPUTS)
    assert close(context_vec[1], [0.3061, 0.8210])
    assert torch.allclose(attn_weights, steps.attn_weights, atol=ATOL)


def test_linear_seed_789_matches_book() -> None:
    module = builders.build_self_attention("linear", 3, 2, seed=789)
    context_vec, _ = module(BOOK_INPUTS)
    expected = [
        [-0.0739, 0.0713],
        [-0.0748, 0.0703],
        [-0.0749, 0.0702],
        [-0.0760, 0.0685],
        [-0.0763, 0.0679],
        [-0.0754, 0.0693],
    ]
    assert close(context_vec, expected)


def test_causal_masking_of_seed_789_weights_matches_book() -> None:
    module = builders.build_self_attention("linear", 3, 2, seed=789)
    steps = stepwise.attention_steps(BOOK_INPUTS, *builders.weight_matrices(module))
    _, masked_simple, masked_norm = stepwise.mask_after_softmax(steps.attn_scores, d_k=2)
    assert close(steps.attn_weights[0], [0.1921, 0.1646, 0.1652, 0.1550, 0.1721, 0.1510])
    assert close(masked_norm[1], [0.5517, 0.4483, 0, 0, 0, 0])
    assert close(masked_norm[4], [0.2175, 0.1983, 0.1984, 0.1888, 0.1971, 0])
    assert close(masked_simple[5], steps.attn_weights[5], atol=ATOL)  # the last token sees everything


def test_causal_attention_seed_123_matches_book() -> None:
    torch.manual_seed(123)
    ca = modules.CausalAttention(3, 2, context_length=6, dropout=0.0)
    batch = torch.stack((BOOK_INPUTS, BOOK_INPUTS))  # (2, 6, 3)
    context_vec, attn_weights = ca(batch)
    assert context_vec.shape == (2, 6, 2) and attn_weights.shape == (2, 6, 6)
    assert close(context_vec[0, 0], [-0.4519, 0.2216])
    assert close(context_vec[0, 5], [-0.5299, -0.1081])


def test_multihead_wrapper_seed_123_matches_book() -> None:
    torch.manual_seed(123)
    mha = modules.MultiHeadAttentionWrapper(3, 2, 6, 0.0, num_heads=2)
    batch = torch.stack((BOOK_INPUTS, BOOK_INPUTS))
    context_vec, attn_weights = mha(batch)
    assert context_vec.shape == (2, 6, 4) and attn_weights.shape == (2, 2, 6, 6)
    assert close(context_vec[0, 0], [-0.4519, 0.2216, 0.4772, 0.1063])
    assert close(context_vec[0, 5], [-0.5299, -0.1081, 0.5077, 0.3493])


def test_multihead_attention_seed_123_matches_book() -> None:
    torch.manual_seed(123)
    mha = modules.MultiHeadAttention(3, 2, context_length=6, dropout=0.0, num_heads=2)
    batch = torch.stack((BOOK_INPUTS, BOOK_INPUTS))
    context_vec, attn_weights = mha(batch)
    expected = [
        [0.3190, 0.4858],
        [0.2943, 0.3897],
        [0.2856, 0.3593],
        [0.2693, 0.3873],
        [0.2639, 0.3928],
        [0.2575, 0.4028],
    ]
    assert context_vec.shape == (2, 6, 2) and attn_weights.shape == (2, 2, 6, 6)
    assert close(context_vec[0], expected) and close(context_vec[1], expected)
    built = builders.build_multihead(3, 2, 6, num_heads=2, seed=123)
    assert close(built(BOOK_INPUTS)[0], expected)


# --- the classes agree with each other --------------------------------------------------------------------


def test_v1_equals_v2_with_the_same_weights() -> None:
    v2 = builders.build_self_attention("linear", 3, 4, seed=1)
    v1 = modules.SelfAttention_v1(3, 4)
    with torch.no_grad():
        for name in ("W_query", "W_key", "W_value"):
            getattr(v1, name).copy_(getattr(v2, name).weight.T)  # Linear stores (d_out, d_in)
    c1, w1 = v1(BOOK_INPUTS)
    c2, w2 = v2(BOOK_INPUTS)
    assert torch.allclose(c1, c2, atol=ATOL) and torch.allclose(w1, w2, atol=ATOL)


@pytest.mark.parametrize("scale", [True, False])
def test_attention_steps_match_modules(scale: bool) -> None:
    for construction in ("rand", "linear"):
        module = builders.build_self_attention(construction, 3, 2, seed=7, scale=scale)
        steps = stepwise.attention_steps(BOOK_INPUTS, *builders.weight_matrices(module), scale=scale)
        context_vec, attn_weights = module(BOOK_INPUTS)
        assert torch.allclose(context_vec, steps.context_vec, atol=ATOL)
        assert torch.allclose(attn_weights, steps.attn_weights, atol=ATOL)
        divisor = 2**0.5 if scale else 1.0
        assert torch.allclose(steps.scaled_scores, steps.attn_scores / divisor)
        assert torch.allclose(steps.attn_weights, torch.softmax(steps.attn_scores / divisor, dim=-1))


def test_scaling_changes_the_weights() -> None:
    module = builders.build_self_attention("rand", 3, 2, seed=123)
    scaled = stepwise.attention_steps(BOOK_INPUTS, *builders.weight_matrices(module), scale=True)
    raw = stepwise.attention_steps(BOOK_INPUTS, *builders.weight_matrices(module), scale=False)
    assert not torch.allclose(scaled.attn_weights, raw.attn_weights, atol=1e-3)
    # without scaling the largest weight of every row grows (softmax gets sharper)
    assert bool((raw.attn_weights.max(-1).values > scaled.attn_weights.max(-1).values).all())


def test_causal_steps_equal_causal_attention_module() -> None:
    ca = builders.build_causal_attention(3, 2, context_length=6, dropout=0.0, seed=123)
    steps = stepwise.attention_steps(BOOK_INPUTS, *builders.weight_matrices(ca), causal=True)
    context_vec, attn_weights = ca(BOOK_INPUTS)
    assert torch.allclose(context_vec, steps.context_vec, atol=ATOL)
    assert torch.allclose(attn_weights, steps.attn_weights, atol=ATOL)
    assert bool((torch.triu(attn_weights, diagonal=1) == 0).all())


@pytest.mark.parametrize("seed", [0, 5, 123])
@pytest.mark.parametrize("num_tokens", [1, 4, 9])
def test_two_masking_methods_are_equal(seed: int, num_tokens: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    attn_scores = torch.randn(num_tokens, num_tokens, generator=gen) * 3
    _, masked_simple, after = stepwise.mask_after_softmax(attn_scores, d_k=4)
    masked_scores, before = stepwise.mask_before_softmax(attn_scores, d_k=4)
    assert torch.allclose(after, before, atol=ATOL)
    assert torch.allclose(before.sum(-1), torch.ones(num_tokens), atol=ATOL)
    assert bool(torch.isinf(masked_scores[modules.causal_mask(num_tokens)]).all())
    assert bool((masked_simple.sum(-1) <= 1 + ATOL).all())


def test_multihead_with_one_head_and_identity_projection_equals_causal_attention() -> None:
    mha = builders.build_multihead(3, 4, context_length=8, num_heads=1, seed=3)
    ca = modules.CausalAttention(3, 4, context_length=8, dropout=0.0)
    with torch.no_grad():
        for name in ("W_query", "W_key", "W_value"):
            getattr(ca, name).weight.copy_(getattr(mha, name).weight)
        mha.out_proj.weight.copy_(torch.eye(4))
        mha.out_proj.bias.zero_()
    c_mha, w_mha = mha(BOOK_INPUTS)
    c_ca, w_ca = ca(BOOK_INPUTS)
    assert torch.allclose(c_mha, c_ca, atol=ATOL) and torch.allclose(w_mha[0], w_ca, atol=ATOL)


@pytest.mark.parametrize(
    "make",
    [
        lambda: builders.build_self_attention("rand", 3, 2, 1),
        lambda: builders.build_self_attention("linear", 3, 2, 1),
        lambda: builders.build_causal_attention(3, 2, 6, 0.0, 1),
        lambda: modules.MultiHeadAttentionWrapper(3, 2, 6, 0.0, 2),
        lambda: builders.build_multihead(3, 4, 6, 2, 1),
    ],
    ids=["v1", "v2", "causal", "wrapper", "mha"],
)
def test_batched_and_unbatched_inputs_agree(make) -> None:
    module = make().eval()
    batch = torch.stack((BOOK_INPUTS, BOOK_INPUTS.flip(0)))  # (2, 6, 3)
    c_batch, w_batch = module(batch)
    for i in range(2):
        c_one, w_one = module(batch[i])
        assert c_one.shape == c_batch[i].shape and w_one.shape == w_batch[i].shape
        assert torch.allclose(c_one, c_batch[i], atol=ATOL) and torch.allclose(w_one, w_batch[i], atol=ATOL)


# --- efficient multi-head attention against PyTorch ------------------------------------------------------

CASES = [(6, 4, 1), (6, 4, 2), (6, 4, 4), (11, 12, 3), (11, 12, 6), (33, 24, 8), (64, 32, 4)]


@pytest.mark.parametrize("seed", [0, 123])
@pytest.mark.parametrize(("num_tokens", "d_model", "num_heads"), CASES)
@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("qkv_bias", [False, True])
def test_multihead_equals_torch_multihead(
    seed: int, num_tokens: int, d_model: int, num_heads: int, causal: bool, qkv_bias: bool
) -> None:
    with builders.seeded(seed):
        mha = modules.MultiHeadAttention(
            d_model, d_model, num_tokens, 0.0, num_heads, qkv_bias=qkv_bias, causal=causal
        )
        x = torch.randn(2, num_tokens, d_model)
    mha.eval()
    with torch.no_grad():
        ours, ours_w = mha(x)
        ref, ref_w = references.torch_multihead_reference(mha, x)
    assert ours.shape == ref.shape == (2, num_tokens, d_model)
    assert ours_w.shape == ref_w.shape == (2, num_heads, num_tokens, num_tokens)
    assert torch.allclose(ours, ref, atol=ATOL), float((ours - ref).abs().max())
    assert torch.allclose(ours_w, ref_w, atol=ATOL)


@pytest.mark.parametrize("seed", [1, 42])
@pytest.mark.parametrize(
    ("num_tokens", "d_in", "d_out", "num_heads"), [(6, 3, 2, 2), (9, 5, 6, 3), (40, 16, 32, 8)]
)
@pytest.mark.parametrize("causal", [True, False])
def test_multihead_equals_scaled_dot_product_attention(
    seed: int, num_tokens: int, d_in: int, d_out: int, num_heads: int, causal: bool
) -> None:
    mha = builders.build_multihead(d_in, d_out, num_tokens, num_heads, seed, causal=causal).eval()
    x = torch.rand(3, num_tokens, d_in, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        slow, weights = mha(x)
        fused, none = mha(x, need_weights=False)
    ref = references.sdpa_reference(mha, x)
    assert none is None and weights is not None
    assert torch.allclose(slow, ref, atol=ATOL) and torch.allclose(fused, ref, atol=ATOL)
    # the reference itself: SDPA on the raw projections, written out here once more
    q = mha.W_query(x).view(3, num_tokens, num_heads, -1).transpose(1, 2)  # (b, h, T, hd)
    k = mha.W_key(x).view(3, num_tokens, num_heads, -1).transpose(1, 2)
    v = mha.W_value(x).view(3, num_tokens, num_heads, -1).transpose(1, 2)
    heads = (
        F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        .transpose(1, 2)
        .reshape(3, num_tokens, d_out)
    )
    assert torch.allclose(slow, mha.out_proj(heads), atol=ATOL)


def test_torch_multihead_needs_square_projection() -> None:
    with pytest.raises(ValueError, match="d_in == d_out"):
        references.torch_multihead(builders.build_multihead(3, 2, 6, 2, 123))


# --- the head mask ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("need_weights", [True, False])
def test_head_mask_switches_heads_off(need_weights: bool) -> None:
    mha = builders.build_multihead(3, 6, 6, num_heads=3, seed=11).eval()
    with torch.no_grad():
        full, _ = mha(BOOK_INPUTS, need_weights=need_weights)
        same, _ = mha(BOOK_INPUTS, head_mask=[1, 1, 1], need_weights=need_weights)
        none_on, _ = mha(BOOK_INPUTS, head_mask=[0, 0, 0], need_weights=need_weights)
        without_1, _ = mha(
            BOOK_INPUTS, head_mask=torch.tensor([True, False, True]), need_weights=need_weights
        )
    assert torch.allclose(full, same, atol=ATOL)
    assert torch.allclose(
        none_on, mha.out_proj.bias.detach().expand(6, 6), atol=ATOL
    )  # only the bias is left
    # switching head 1 off removes exactly its slice's contribution through out_proj
    steps = stepwise.multihead_steps(mha, BOOK_INPUTS)
    w_o = mha.out_proj.weight.detach()  # (d_out, d_out)
    contribution = steps.head_context[1] @ w_o[:, 2:4].T  # (T, hd) @ (hd, d_out)
    assert torch.allclose(full - without_1, contribution, atol=ATOL)
    assert torch.allclose(
        without_1, references.sdpa_reference(mha, BOOK_INPUTS, head_mask=[1, 0, 1]), atol=ATOL
    )


def test_head_mask_shape_is_checked() -> None:
    mha = builders.build_multihead(3, 4, 6, 2, 0)
    with pytest.raises(ValueError, match="head_mask"):
        mha(BOOK_INPUTS, head_mask=[1, 0, 1])


def test_multihead_steps_match_forward() -> None:
    mha = builders.build_multihead(3, 4, 6, num_heads=2, seed=123).eval()
    for head_mask in (None, [1, 0], [0, 1]):
        steps = stepwise.multihead_steps(mha, BOOK_INPUTS, head_mask)
        context_vec, attn_weights = mha(BOOK_INPUTS, head_mask=head_mask)
        assert torch.allclose(steps.context_vec, context_vec, atol=ATOL)
        assert torch.allclose(steps.attn_weights, attn_weights, atol=ATOL)
        assert torch.allclose(steps.concat[:, :2], steps.head_context[0], atol=ATOL)
        assert torch.allclose(steps.concat[:, 2:], steps.head_context[1], atol=ATOL)
        assert torch.allclose(steps.queries[:, 2:], mha.W_query(BOOK_INPUTS)[:, 2:], atol=ATOL)


# --- dropout by its properties ----------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_causal_attention_dropout_properties(p: float) -> None:
    ca = builders.build_causal_attention(4, 4, context_length=24, dropout=p, seed=9)
    x = torch.rand(24, 4, generator=torch.Generator().manual_seed(0))
    ca.eval()
    _, clean = ca(x)
    ca.train()
    _, dropped = ca(x)
    kept = dropped != 0
    assert bool((torch.triu(dropped, diagonal=1) == 0).all())  # the future stays hidden
    assert torch.allclose(dropped[kept], clean[kept] / (1 - p), atol=ATOL)  # kept values are scaled
    n_allowed = 24 * 25 // 2
    share_dropped = 1 - int(kept.sum()) / n_allowed
    assert 0 < share_dropped < 1
    assert abs(share_dropped - p) < 0.15  # 300 allowed cells: the share is near p


def test_multihead_dropout_properties() -> None:
    mha = builders.build_multihead(4, 4, 16, num_heads=2, seed=2, dropout=0.5)
    x = torch.rand(16, 4, generator=torch.Generator().manual_seed(1))
    _, clean = mha.eval()(x)
    _, dropped = mha.train()(x)
    kept = dropped != 0
    assert bool((torch.triu(dropped, diagonal=1) == 0).all())
    assert torch.allclose(dropped[kept], clean[kept] * 2, atol=ATOL)
    assert 0 < int(kept.sum()) < int((clean != 0).sum())


def test_dropout_weights_properties_and_seed() -> None:
    weights = torch.softmax(torch.randn(8, 8, generator=torch.Generator().manual_seed(4)), dim=-1)
    a = stepwise.dropout_weights(weights, 0.5, seed=123)
    b = stepwise.dropout_weights(weights, 0.5, seed=123)
    c = stepwise.dropout_weights(weights, 0.5, seed=124)
    assert torch.equal(a, b)  # the same seed drops the same cells on one machine
    assert not torch.equal(a, c)
    kept = a != 0
    assert torch.allclose(a[kept], weights[kept] * 2, atol=ATOL)
    assert torch.equal(stepwise.dropout_weights(weights, 0.0, seed=1), weights)
    with pytest.raises(ValueError):
        stepwise.dropout_weights(weights, 1.0, seed=1)


# --- helpers ----------------------------------------------------------------------------------------------


def test_seeded_construction_leaves_global_rng_alone() -> None:
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    builders.build_multihead(3, 4, 6, 2, seed=999)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize(("construction", "seed"), [("rand", 123), ("linear", 789), ("linear", 4)])
def test_seeded_weights_are_the_constructions_weights_built_once(construction: str, seed: int) -> None:
    expected = builders.weight_matrices(builders.build_self_attention(construction, 3, 2, seed))  # type: ignore[arg-type]
    got = builders.seeded_weights(construction, 3, 2, seed)  # type: ignore[arg-type]
    assert all(torch.equal(a, b) for a, b in zip(got, expected, strict=True))
    got[0].add_(1.0)  # a caller changing its copy changes no one else's
    hits = builders._seeded_weights.cache_info().hits
    again = builders.seeded_weights(construction, 3, 2, seed)  # type: ignore[arg-type]
    assert torch.equal(again[0], expected[0])
    assert builders._seeded_weights.cache_info().hits == hits + 1  # served from the cache, not rebuilt


def test_softmax_saturation_shows_why_we_scale() -> None:
    curve = stepwise.softmax_saturation([1, 4, 16, 64, 256], num_tokens=6, trials=300, seed=0)
    max_raw, max_scaled = curve["max_weight_raw"], curve["max_weight_scaled"]
    assert bool((max_raw[1:] > max_raw[:-1]).all())  # sharper and sharper without scaling
    assert float(max_raw[-1]) > 0.9  # nearly one-hot
    assert float(max_scaled.max() - max_scaled.min()) < 0.1  # scaling keeps it steady
    assert bool((curve["entropy_raw"][1:] < curve["entropy_raw"][:-1]).all())
    assert torch.allclose(curve["score_std"], curve["d_k"].sqrt(), rtol=0.15)


def test_divisors_and_errors() -> None:
    assert mh_view.divisors(12) == [1, 2, 3, 4, 6, 12]
    assert mh_view.divisors(2) == [1, 2]
    with pytest.raises(ValueError, match="divisible"):
        modules.MultiHeadAttention(3, 6, 6, 0.0, num_heads=4)
    with pytest.raises(ValueError, match="context_length"):
        builders.build_causal_attention(3, 2, 4, 0.0, 0)(BOOK_INPUTS)
    with pytest.raises(ValueError, match="input"):
        builders.build_multihead(3, 2, 6, 1, 0)(torch.rand(3))
    with pytest.raises(ValueError, match="construction"):
        builders.build_self_attention("other", 3, 2, 0)  # type: ignore[arg-type]


def test_weight_matrices_orientation() -> None:
    v2 = builders.build_self_attention("linear", 3, 5, seed=0)
    W_query, W_key, W_value = builders.weight_matrices(v2)
    assert W_query.shape == W_key.shape == W_value.shape == (3, 5)
    assert torch.allclose(BOOK_INPUTS @ W_query, v2.W_query(BOOK_INPUTS), atol=ATOL)
    assert isinstance(v2.W_value, nn.Linear)


def test_packed_projection_follows_weight_changes_and_trains() -> None:
    mha = builders.build_multihead(3, 4, 6, num_heads=2, seed=0).eval()
    with torch.no_grad():
        before, _ = mha(BOOK_INPUTS)
        mha.W_key.weight.mul_(2.0)  # an in-place update, like an optimiser step
        after, _ = mha(BOOK_INPUTS)
    assert not torch.allclose(before, after, atol=1e-4)
    fresh = modules.MultiHeadAttention(3, 4, 6, 0.0, 2)
    fresh.load_state_dict(mha.state_dict())
    with torch.no_grad():
        assert torch.allclose(fresh(BOOK_INPUTS)[0], after, atol=ATOL)
    context_vec, _ = mha.train()(BOOK_INPUTS)
    context_vec.sum().backward()
    for layer in (mha.W_query, mha.W_key, mha.W_value, mha.out_proj):
        assert layer.weight.grad is not None and float(layer.weight.grad.abs().sum()) > 0
