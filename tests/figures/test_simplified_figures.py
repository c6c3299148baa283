"""Figures of the simplified page: 3-D weighted sum, normalisation comparison, overflow demo."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attention_core import simplified
from attention_core.embeddings import BOOK_INPUTS, BOOK_TOKENS
from attention_core.figures.home import MILESTONES, timeline_figure
from attention_core.figures.simplified import (
    context_vector_3d,
    normalisation_comparison,
    overflow_figure,
    overflow_table,
)
from tests.support.plotly import figure_dict


def _journey() -> tuple[torch.Tensor, torch.Tensor]:
    weights = simplified.softmax_stable(simplified.attn_scores_for_query(BOOK_INPUTS, 1))
    return weights, simplified.context_vector(BOOK_INPUTS, weights)


def test_3d_chain_ends_at_context_vector() -> None:
    weights, context_vec = _journey()
    fig = figure_dict(context_vector_3d(BOOK_INPUTS, list(BOOK_TOKENS), 1, weights, context_vec))
    lines = [t for t in fig["data"] if t["type"] == "scatter3d" and t.get("mode") == "lines"]
    inputs = [t for t in lines if t["name"] == "input vectors" or t["name"].startswith("query: ")]
    steps = [t for t in lines if " × " in t["name"]]
    context = [t for t in lines if t["name"] == "context vector z"]
    assert len(inputs) == 6 and len(steps) == 6 and len(context) == 1
    for trace, vec in zip(inputs, BOOK_INPUTS.numpy(), strict=True):
        assert np.allclose([trace["x"][1], trace["y"][1], trace["z"][1]], vec)
    end = steps[-1]
    assert np.allclose([end["x"][1], end["y"][1], end["z"][1]], context_vec.numpy(), atol=1e-6)
    assert np.allclose(
        [context[0]["x"][1], context[0]["y"][1], context[0]["z"][1]], [0.4419, 0.6515, 0.5683], atol=5e-5
    )
    query = [t for t in inputs if t["name"].startswith("query: ")]
    assert len(query) == 1 and "journey" in query[0]["name"]


def test_3d_requires_three_dims() -> None:
    with pytest.raises(ValueError):
        context_vector_3d(torch.rand(3, 4), ["a", "b", "c"], 0, torch.ones(3) / 3, torch.rand(4))


def test_normalisation_comparison_bars() -> None:
    scores = simplified.attn_scores_for_query(BOOK_INPUTS, 1)
    by_sum, soft = simplified.normalize_by_sum(scores), simplified.softmax_stable(scores)
    fig = figure_dict(normalisation_comparison(scores, by_sum, soft, list(BOOK_TOKENS)))
    assert [t["name"] for t in fig["data"]] == ["divide by sum", "softmax"]
    assert np.allclose(np.asarray(fig["data"][0]["y"]), by_sum.numpy())
    assert np.allclose(np.asarray(fig["data"][1]["y"]), soft.numpy())
    assert fig["layout"]["xaxis"]["ticktext"] == list(BOOK_TOKENS)


def test_overflow_figure_marks_nan() -> None:
    demo = simplified.overflow_demo([1.0, 2.0, 3.0, 400.0])
    fig = figure_dict(overflow_figure(demo))
    names = [t["name"] for t in fig["data"]]
    assert "naive result is nan/inf" in names
    assert "nan" in list(fig["data"][0]["text"])
    table = overflow_table(demo)
    assert table["exp(x)"][-1] == "inf"
    assert table["stable"][-1] == "1.0000"
    assert table["naive"][-1] == "nan"


def test_overflow_figure_without_overflow_has_no_marker() -> None:
    fig = figure_dict(overflow_figure(simplified.overflow_demo([1.0, 2.0, 3.0])))
    assert "naive result is nan/inf" not in [t["name"] for t in fig["data"]]


def test_timeline_has_the_four_milestones() -> None:
    fig = figure_dict(timeline_figure())
    points = fig["data"][1]
    assert list(points["x"]) == [m[0] for m in MILESTONES]
    assert [m[1] for m in MILESTONES] == ["RNN", "LSTM", "Bahdanau attention", "Transformer"]
