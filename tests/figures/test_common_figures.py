"""Figure builders: the figure's data equals the matrices, and its labels equal the tokens."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attention_core.figures.common import CELL_TEXT_MAX, heatmap, plot_label, weight_bars
from tests.support.plotly import figure_dict

TOKENS = ["the", "cat", "sat", "on", "the", "mat"]


def _matrix(n: int, m: int) -> np.ndarray:
    return np.random.default_rng(n * 100 + m).random((n, m))


def test_heatmap_data_and_labels() -> None:
    z = _matrix(6, 6)
    fig = figure_dict(heatmap(z, TOKENS, TOKENS, "weights"))
    trace = fig["data"][0]
    assert np.allclose(np.asarray(trace["z"]), z)
    assert fig["layout"]["xaxis"]["ticktext"] == TOKENS
    assert fig["layout"]["yaxis"]["ticktext"] == TOKENS
    # repeated tokens stay two rows: positions, not categories
    assert list(fig["layout"]["yaxis"]["tickvals"]) == list(range(6))
    assert trace["texttemplate"]  # small matrix: numbers in cells
    assert "%{z:.6f}" in trace["hovertemplate"]


def test_heatmap_accepts_tensors_and_rectangles() -> None:
    z = torch.rand(3, 5)
    fig = figure_dict(heatmap(z, ["a", "b", "c"], list("vwxyz")))
    assert np.allclose(np.asarray(fig["data"][0]["z"]), z.numpy())


def test_heatmap_large_has_no_cell_text() -> None:
    n = CELL_TEXT_MAX + 1
    fig = figure_dict(heatmap(_matrix(n, n), [str(i) for i in range(n)], [str(i) for i in range(n)]))
    assert not fig["data"][0].get("texttemplate")


def test_heatmap_rejects_mismatched_labels() -> None:
    with pytest.raises(ValueError):
        heatmap(_matrix(2, 2), ["a"], ["a", "b"])


def test_labels_are_html_escaped() -> None:
    fig = figure_dict(heatmap(_matrix(2, 2), ["<b>x</b>", "<img src=x onerror=alert(1)>"], ["a", "b"]))
    ticks = fig["layout"]["yaxis"]["ticktext"]
    assert ticks[0] == "&lt;b&gt;x&lt;/b&gt;"
    assert "<" not in "".join(ticks)
    assert plot_label("a" * 100).endswith("…")


def test_weight_bars_values_and_percentages() -> None:
    w = torch.softmax(torch.tensor([1.0, 2.0, 3.0]), dim=0)
    fig = figure_dict(weight_bars(w, ["a", "b", "c"], highlight=1))
    bar = fig["data"][0]
    assert np.allclose(np.asarray(bar["y"]), w.numpy())
    assert bar["text"] == [f"{100 * v:.1f}%" for v in w.tolist()]
    assert fig["layout"]["xaxis"]["ticktext"] == ["a", "b", "c"]
    assert bar["marker"]["color"][1] != bar["marker"]["color"][0]
