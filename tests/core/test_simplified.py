"""Simplified self-attention reproduces the book's chapter 3 numbers and its own identities."""

from __future__ import annotations

import pytest
import torch

from attention_core import simplified
from attention_core.embeddings import BOOK_INPUTS

# SPEC "Reference numbers" (the book's printed values, 4 decimals)
SCORES_2 = [0.9544, 1.4950, 1.4754, 0.8434, 0.7070, 1.0865]
BY_SUM_2 = [0.1455, 0.2278, 0.2249, 0.1285, 0.1077, 0.1656]
SOFTMAX_2 = [0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581]
CONTEXT_2 = [0.4419, 0.6515, 0.5683]
WEIGHTS_ROW_1 = [0.2098, 0.2006, 0.1981, 0.1242, 0.1220, 0.1452]
CONTEXT_ROW_1 = [0.4421, 0.5931, 0.5790]


def close4(actual: torch.Tensor, expected: list[float]) -> bool:
    """Equal to the book's printed values at 4 decimals."""
    return torch.allclose(actual, torch.tensor(expected), atol=5e-5, rtol=0)


def test_book_scores_for_journey() -> None:
    assert close4(simplified.attn_scores_for_query(BOOK_INPUTS, 1), SCORES_2)
    assert close4(simplified.attn_scores_for_query_loop(BOOK_INPUTS, 1), SCORES_2)


def test_book_normalisations_for_journey() -> None:
    scores = simplified.attn_scores_for_query(BOOK_INPUTS, 1)
    assert close4(simplified.normalize_by_sum(scores), BY_SUM_2)
    assert close4(simplified.softmax_naive(scores), SOFTMAX_2)
    assert close4(simplified.softmax_stable(scores), SOFTMAX_2)


def test_book_context_vector_for_journey() -> None:
    weights = simplified.softmax_stable(simplified.attn_scores_for_query(BOOK_INPUTS, 1))
    assert close4(simplified.context_vector(BOOK_INPUTS, weights), CONTEXT_2)
    assert close4(simplified.weighted_terms(BOOK_INPUTS, weights).sum(0), CONTEXT_2)


def test_book_all_tokens() -> None:
    context_vecs, attn_weights = simplified.simplified_self_attention(BOOK_INPUTS)
    assert close4(attn_weights[0], WEIGHTS_ROW_1)
    assert close4(context_vecs[0], CONTEXT_ROW_1)
    assert close4(context_vecs[1], CONTEXT_2)  # row 2 equals the step-by-step result


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("shape", [(1, 3), (6, 3), (17, 5), (64, 16)])
def test_loop_equals_matmul(seed: int, shape: tuple[int, int]) -> None:
    inputs = torch.rand(shape, generator=torch.Generator().manual_seed(seed))
    assert torch.allclose(
        simplified.attn_scores_loop(inputs), simplified.attn_scores_matmul(inputs), atol=1e-6
    )
    q = shape[0] // 2
    assert torch.allclose(
        simplified.attn_scores_for_query_loop(inputs, q),
        simplified.attn_scores_for_query(inputs, q),
        atol=1e-6,
    )


@pytest.mark.parametrize("scale", [0.1, 1.0, 10.0, 80.0])
def test_stable_softmax_matches_torch(scale: float) -> None:
    scores = scale * torch.randn(7, 9, generator=torch.Generator().manual_seed(7))
    expected = torch.softmax(scores, dim=-1)
    assert torch.allclose(simplified.softmax_stable(scores), expected, atol=1e-6)
    assert torch.allclose(simplified.softmax_stable(scores, dim=0), torch.softmax(scores, dim=0), atol=1e-6)


def test_rows_sum_to_one() -> None:
    inputs = torch.rand(12, 4, generator=torch.Generator().manual_seed(3))
    _, attn_weights = simplified.simplified_self_attention(inputs)
    assert torch.allclose(attn_weights.sum(-1), torch.ones(12), atol=1e-6)
    assert (attn_weights > 0).all()


def test_overflow_naive_breaks_stable_holds() -> None:
    demo = simplified.overflow_demo([1.0, 2.0, 3.0, 400.0])
    assert torch.isinf(demo["exp_naive"][-1])
    assert torch.isnan(demo["softmax_naive"]).any()
    assert torch.isfinite(demo["softmax_stable"]).all()
    assert torch.allclose(demo["softmax_stable"], torch.tensor([0.0, 0.0, 0.0, 1.0]), atol=1e-6)
    assert float(demo["exp_shifted"].max()) == 1.0


def test_normalize_by_sum_fails_for_negative_scores() -> None:
    """Why softmax: dividing by the sum can give negative 'weights'."""
    weights = simplified.normalize_by_sum(torch.tensor([2.0, -1.0, 0.5]))
    assert (weights < 0).any()
    assert (simplified.softmax_stable(torch.tensor([2.0, -1.0, 0.5])) > 0).all()
