"""attention_core.show: every view of generated weights draws exactly the matrices it was given."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import attention_core as ac
from tests.support.plotly import figure_dict, first_z


def weights(shape: tuple[int, ...], seed: int = 0, causal: bool = False) -> np.ndarray:
    """Random attention weights: softmax rows, optionally causal."""
    gen = torch.Generator().manual_seed(seed)
    scores = torch.randn(shape, generator=gen)
    if causal:
        t = shape[-1]
        scores = scores.masked_fill(torch.triu(torch.ones(t, t, dtype=torch.bool), 1), -torch.inf)
    return torch.softmax(scores, -1).numpy()


def tile(z: np.ndarray, row: int, col: int, t: int) -> np.ndarray:
    """One thumbnail of a model view whose tiles are t x t with one gap cell between them."""
    return z[row * (t + 1) : row * (t + 1) + t, col * (t + 1) : col * (t + 1) + t]


@settings(max_examples=40, deadline=None)
@given(
    layers=st.integers(1, 3),
    heads=st.integers(1, 4),
    t=st.integers(1, 12),
    dims=st.sampled_from([2, 3, 4]),
    seed=st.integers(0, 1000),
    data=st.data(),
)
def test_every_view_draws_the_given_weights(
    layers: int, heads: int, t: int, dims: int, seed: int, data: st.DataObject
) -> None:
    shape = {2: (t, t), 3: (heads, t, t), 4: (layers, heads, t, t)}[dims]
    a = weights(shape, seed)
    grid = a.reshape((1,) * (4 - dims) + a.shape)  # (L, H, T, T)
    tokens = [f"tok{i}" for i in range(t)]
    li = data.draw(st.integers(0, grid.shape[0] - 1))
    hi = data.draw(st.integers(0, grid.shape[1] - 1))
    q = data.draw(st.integers(0, t - 1))

    heat = figure_dict(ac.show(a, tokens, view="heatmap", layer=li, head=hi))
    np.testing.assert_allclose(first_z(heat), grid[li, hi], atol=1e-7)

    head = figure_dict(ac.show(a, tokens, view="head", layer=li, head=hi, query=q))
    np.testing.assert_allclose(
        np.asarray(head["data"][-1]["customdata"], dtype=float), grid[li, hi, q], atol=1e-7
    )

    heads = figure_dict(ac.show(a, tokens, view="heads", layer=li, head=hi, query=q))
    np.testing.assert_allclose(first_z(heads), grid[li, :, q, :], atol=1e-7)

    model = figure_dict(ac.show(a, tokens, view="model"))
    z = first_z(model)
    across = grid.shape[0] > grid.shape[1]  # more layers than heads: layers run across
    for layer in range(grid.shape[0]):
        for h in range(grid.shape[1]):
            row, col = (h, layer) if across else (layer, h)
            np.testing.assert_allclose(tile(z, row, col, t), grid[layer, h], atol=1e-7)

    auto = figure_dict(ac.show(a, tokens))
    assert auto["data"][0]["type"] == "heatmap"
    assert (dims == 2) == ("tile" not in (auto["layout"].get("meta") or {}))


def test_defaults_and_titles() -> None:
    a = weights((2, 3, 5, 5), causal=True)
    tokens = ["The", "cat", "sat", "on", "mats"]
    head = ac.show(a, tokens, view="head", layer=1, head=2)
    assert head.layout.title.text == "Layer 2, head 3: where 5 · mats looks"  # default query: the last token
    assert any("causal mask" in (ann.text or "") for ann in head.layout.annotations)  # read from the zeros
    heat = ac.show(a[0, 0], tokens, title="mine")
    assert heat.layout.title.text == "mine"
    assert list(heat.layout.yaxis.ticktext) == tokens


def test_tensors_with_gradients_and_long_inputs() -> None:
    x = torch.randn(3, 60, 60, requires_grad=True)
    a = torch.softmax(x, -1)
    fig = ac.show(a, [str(i) for i in range(60)], view="head", head=1, query=10)
    bars = figure_dict(fig)["data"][0]
    assert bars["type"] == "bar" and len(bars["x"]) == 12  # long inputs: the 12 strongest keys
    np.testing.assert_allclose(
        sorted(bars["x"], reverse=True), np.sort(a[1, 10].detach().numpy())[::-1][:12], atol=1e-6
    )


def test_token_text_is_never_html() -> None:
    a = weights((3, 3))
    fig = ac.show(a, ["<b>x</b>", "<img src=x onerror=alert(1)>", "ok"])
    spec = fig.to_json()
    assert "<img" not in spec and "<b>" not in spec and "&lt;img" in spec


@pytest.mark.parametrize(
    ("shape", "tokens", "kwargs", "words"),
    [
        ((3, 4), 3, {}, "must be"),
        ((2, 2, 2, 2, 2), 2, {}, "must be"),
        ((3, 3), 2, {}, "2 tokens for 3 positions"),
        ((2, 3, 3), 3, {"head": 2}, "head 2 is out of range"),
        ((2, 2, 3, 3), 3, {"layer": -3}, "layer -3 is out of range"),
        ((3, 3), 3, {"query": 3}, "query 3 is out of range"),
        ((3, 3), 3, {"view": "grid"}, "view must be one of"),
    ],
)
def test_clear_errors(shape: tuple[int, ...], tokens: int, kwargs: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        ac.show(np.ones(shape) / shape[-1], [str(i) for i in range(tokens)], **kwargs)


def test_negative_indices_count_from_the_end() -> None:
    a = weights((2, 3, 4, 4))
    np.testing.assert_allclose(
        first_z(figure_dict(ac.show(a, list("abcd"), view="heatmap", layer=-1, head=-1))), a[1, 2]
    )
