"""Page views: pure, typed, frozen results for the lesson pages, checked without Streamlit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from attention_core import builders, stepwise
from attention_core.embeddings import BOOK_INPUTS
from attention_core.views.causal import causal_view
from attention_core.views.common import ParityCheck, frozen
from attention_core.views.multihead import divisors, multihead_view
from attention_core.views.simplified import all_tokens_view, query_view
from attention_core.views.trainable import trainable_view

BOOK = 5e-5  # the book prints 4 decimals


def _arrays(view: object) -> list[np.ndarray]:
    return [v for v in vars(view).values() if isinstance(v, np.ndarray)]


def _assert_read_only(view: object) -> None:
    """A view is frozen and none of its arrays can be written."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.masked = 0  # type: ignore[attr-defined]
    arrays = _arrays(view)
    assert arrays
    for array in arrays:
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0


def test_frozen_copies_and_locks() -> None:
    source = torch.ones(2, 2)
    locked = frozen(source)
    source += 1  # the view keeps its own copy
    assert np.array_equal(locked, np.ones((2, 2), dtype=np.float32))
    assert not locked.flags.writeable


def test_simplified_views_match_the_book() -> None:
    view = query_view(BOOK_INPUTS, 1)
    assert np.allclose(view.attn_scores, [0.9544, 1.4950, 1.4754, 0.8434, 0.7070, 1.0865], atol=BOOK)
    assert np.allclose(view.attn_weights, [0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581], atol=BOOK)
    assert np.allclose(view.context_vec, [0.4419, 0.6515, 0.5683], atol=BOOK)
    assert view.loop_gap < 1e-6 and view.softmax_gap < 1e-6
    assert np.allclose(view.weighted_terms.sum(0), view.context_vec, atol=1e-6)
    assert view.sums[2] == pytest.approx(1.0, abs=1e-6)
    every = all_tokens_view(BOOK_INPUTS)
    assert np.allclose(every.attn_weights[1], view.attn_weights, atol=1e-6)  # row 1 is query 1's weights
    assert every.row_sum_range[0] == pytest.approx(1.0, abs=1e-6)
    _assert_read_only(view)
    _assert_read_only(every)


@pytest.mark.parametrize("construction", ["rand", "linear"])
@pytest.mark.parametrize("scale", [True, False])
def test_trainable_view_equals_steps_and_module(construction: str, scale: bool) -> None:
    view = trainable_view(BOOK_INPUTS, construction, 3, 7, scale)  # type: ignore[arg-type]
    weights = builders.weight_matrices(builders.build_self_attention(construction, 3, 3, 7))  # type: ignore[arg-type]
    steps = stepwise.attention_steps(BOOK_INPUTS, *weights, scale=scale)
    assert np.allclose(view.context_vec, steps.context_vec.numpy(), atol=1e-6)
    assert np.allclose(view.scaled_scores, steps.scaled_scores.numpy(), atol=1e-6)
    assert view.module_check.passed and view.module_check.largest_difference < 1e-6
    assert np.allclose(view.module_context_vec, view.context_vec, atol=1e-6)
    assert view.mean_max_weight[0] <= view.mean_max_weight[1] + 1e-6  # scaling never sharpens
    _assert_read_only(view)


def test_trainable_view_has_the_books_numbers() -> None:
    view = trainable_view(BOOK_INPUTS, "rand", 2, 123, True)
    assert np.allclose(view.queries[1], [0.4306, 1.4551], atol=BOOK)
    assert np.allclose(view.attn_weights[1], [0.1500, 0.2264, 0.2199, 0.1311, 0.0906, 0.1820], atol=BOOK)
    assert np.allclose(view.context_vec[1], [0.3061, 0.8210], atol=BOOK)


def test_causal_view_masks_two_ways_and_checks_the_module() -> None:
    view = causal_view(BOOK_INPUTS, "linear", 2, 789, True, False, 0.5, 123)
    assert np.allclose(view.attn_weights[1, :2], [0.5517, 0.4483], atol=BOOK)
    assert (view.attn_weights[view.future] == 0).all()
    assert view.method_gap < 1e-6
    assert view.dropout is None and np.array_equal(view.dropped, view.attn_weights)
    assert view.module_check is not None and view.module_check.passed
    assert view.row_sum_range[0] == pytest.approx(1.0, abs=1e-6)
    _assert_read_only(view)


@pytest.mark.parametrize("masked", [True, False])
@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_causal_view_dropout_statistics(masked: bool, rate: float) -> None:
    view = causal_view(BOOK_INPUTS, "linear", 2, 789, masked, True, rate, 123)
    stats = view.dropout
    assert stats is not None and view.module_check is None  # the module check is for inference only
    kept = view.dropped != 0
    assert np.allclose(view.dropped[kept], view.attn_weights[kept] * stats.scale, atol=1e-6)
    assert stats.n_allowed == int((view.attn_weights != 0).sum())
    assert stats.n_dropped == int(((view.attn_weights != 0) & ~kept).sum())
    assert stats.kept_ratio[0] == pytest.approx(1 / (1 - rate), rel=1e-5)
    if masked:
        assert (view.dropped[view.future] == 0).all()  # dropout never reveals the future
    values = BOOK_INPUTS @ builders.seeded_weights("linear", 3, 2, 789)[2]  # (T, d_out)
    assert np.allclose(view.context_vec, view.dropped @ values.numpy(), atol=1e-6)  # Z = dropped A · V


def test_causal_view_does_not_touch_the_global_rng() -> None:
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    causal_view(BOOK_INPUTS, "linear", 2, 789, True, False, 0.5, 123)  # builds a CausalAttention inside
    assert torch.equal(torch.rand(3), expected)


def test_multihead_view_has_the_books_output_and_passes_parity() -> None:
    view = multihead_view(BOOK_INPUTS, 2, 2, 123, True, 0.0, (True, True), context_length=6)
    assert np.allclose(view.output_all[0], [0.3190, 0.4858], atol=BOOK)
    assert len(view.checks) == 2 and view.all_checks_pass
    assert np.array_equal(view.output_all, view.output_selected)
    _assert_read_only(view)


def test_multihead_view_heads_off_dropout_and_torch_reference() -> None:
    view = multihead_view(torch.rand(5, 4), 4, 2, 1, False, 0.5, (True, False), context_length=5)
    assert len(view.checks) == 4 and view.all_checks_pass  # d_in == d_out adds nn.MultiheadAttention
    assert np.allclose(view.head_context[1], 0.0)  # head 2 is off
    clean = multihead_view(torch.rand(5, 4), 4, 2, 1, False, 0.0, (True, False), context_length=5)
    assert clean.attn_weights.shape == view.attn_weights.shape == (2, 5, 5)
    kept = view.attn_weights != 0
    assert kept.any() and not kept.all()  # one training step of dropout
    assert divisors(12) == [1, 2, 3, 4, 6, 12]


def test_parity_check_passes_only_within_tolerance() -> None:
    assert ParityCheck("ref", "out", 1e-6, 1e-5).passed
    assert not ParityCheck("ref", "out", 2e-5, 1e-5).passed


@pytest.mark.slow
def test_transformer_view_is_read_only_and_aggregates_the_run() -> None:
    from attention_core import pretrained as pt
    from attention_core.views.transformer import transformer_view

    view = transformer_view(pt.load_model("minilm"), "the cat sat on the mat")
    assert np.array_equal(view.head_mean, pt.mean_over_heads(view.run.attentions))
    assert np.allclose(view.rollout[-1].sum(-1), 1.0, atol=1e-5)
    for array in (view.run.attentions, view.head_mean, view.rollout):
        with pytest.raises(ValueError, match="read-only"):
            array[0, 0, 0] = 1.0
