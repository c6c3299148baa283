"""Figures for the real-transformer page: what they draw, that repeated tokens stay apart, bounded payloads."""

from __future__ import annotations

import numpy as np
import pytest

from attention_core.figures import transformer as model_figs
from tests.support.plotly import figure_dict


def _attention(layers: int, heads: int, t: int, seed: int = 0, causal: bool = False) -> np.ndarray:
    """Random row-stochastic attention (layers, heads, T, T)."""
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(layers, heads, t, t)).astype(np.float32) * 3
    if causal:
        scores = np.where(np.triu(np.ones((t, t), dtype=bool), k=1), -np.inf, scores)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    return weights / weights.sum(-1, keepdims=True)


def _long_attention(layers: int, heads: int, t: int) -> np.ndarray:
    """A (layers, heads, T, T) view without the memory: uniform causal rows broadcast over layers/heads."""
    lower = np.tril(np.ones((t, t), dtype=np.float32))
    lower /= lower.sum(-1, keepdims=True)
    return np.broadcast_to(lower, (layers, heads, t, t))


LABELS = ["the", "cat", "sat", "on", "the", "mat"]


def test_position_names_keep_repeats_distinct_and_escape_html() -> None:
    names = model_figs.position_names([*LABELS, "<b>x</b>"])
    assert len(set(names)) == len(names) == 7
    assert names[0] == "1 · the" and names[4] == "5 · the"
    assert "<b>" not in names[-1] and "&lt;b&gt;" in names[-1]


def test_block_sum_keeps_rows_stochastic_and_matches_hand_sum() -> None:
    att = _attention(1, 1, 10)[0, 0]
    same, edges = model_figs.block_sum(att, 16)
    assert same.shape == (10, 10) and list(edges) == list(range(11))
    blocks, edges = model_figs.block_sum(att, 4)
    assert blocks.shape == (4, 4) and edges[0] == 0 and edges[-1] == 10
    np.testing.assert_allclose(blocks.sum(-1), 1.0, atol=1e-5)
    a, b = edges[1], edges[2]
    hand = att[a:b, edges[2] : edges[3]].sum(-1).mean()
    np.testing.assert_allclose(blocks[1, 2], hand, rtol=1e-5)


def _tile(spec: dict, row: int, col: int) -> np.ndarray:
    """Cut one thumbnail out of the model view's tiled heatmap."""
    z = np.asarray(spec["data"][0]["z"], dtype=float)
    side = 1 + int(np.argmax(np.isnan(z[:, 0])))  # first gap row
    step = side  # thumbnail plus one gap
    return z[row * step : row * step + side - 1, col * step : col * step + side - 1]


def test_model_view_tiles_every_head_exactly_and_marks_the_selection() -> None:
    att = _attention(3, 4, 7)
    spec = figure_dict(model_figs.model_view(att, selected=(2, 1)))
    heatmaps = [t for t in spec["data"] if t["type"] == "heatmap"]
    assert len(heatmaps) == 1  # one light trace for all heads
    z = np.asarray(heatmaps[0]["z"], dtype=float)
    assert z.shape == (3 * 8 - 1, 4 * 8 - 1)  # 7x7 maps with one-cell gaps
    np.testing.assert_allclose(_tile(spec, 0, 0), att[0, 0], rtol=1e-6)  # small input: exact
    np.testing.assert_allclose(_tile(spec, 2, 1), att[2, 1], rtol=1e-6)  # row = layer, column = head
    assert heatmaps[0]["y"][2 * 8] == "layer 3 · query token 1"
    assert heatmaps[0]["x"][1 * 8 + 6] == "head 2 · key token 7"
    assert len(set(heatmaps[0]["x"])) == z.shape[1]  # unique names: nothing merges
    picks = next(t for t in spec["data"] if t.get("name") == "pick")
    assert [list(c) for c in picks["customdata"]][:2] == [[1, 1], [1, 2]]  # 1-based [layer, head]
    assert len(picks["customdata"]) == 12
    (box,) = spec["layout"]["shapes"]
    assert box["x0"] < 1 * 8 + 3 < box["x1"] and box["y0"] < 2 * 8 + 3 < box["y1"]


def test_model_view_puts_more_layers_than_heads_across() -> None:
    att = _attention(10, 3, 4)
    spec = figure_dict(model_figs.model_view(att, selected=(7, 2)))
    assert spec["layout"]["xaxis"]["title"]["text"] == "layer"
    assert spec["layout"]["yaxis"]["title"]["text"] == "head"
    np.testing.assert_allclose(_tile(spec, 2, 7), att[7, 2], rtol=1e-6)  # row = head, column = layer
    picks = next(t for t in spec["data"] if t.get("name") == "pick")
    assert [8, 3] in [list(c) for c in picks["customdata"]]


@pytest.mark.parametrize(("layers", "heads", "selected"), [(3, 4, (2, 1)), (10, 3, (7, 2))])
def test_highlight_head_outlines_a_copy_and_leaves_the_view_alone(
    layers: int, heads: int, selected: tuple[int, int]
) -> None:
    att = _attention(layers, heads, 5)
    view = model_figs.model_view(att)
    assert not view.layout.shapes
    marked = model_figs.highlight_head(view, selected)
    assert not view.layout.shapes  # the (cached) view is not changed
    assert marked.to_json() == model_figs.model_view(att, selected=selected).to_json()
    (box,) = marked.layout.shapes
    picks = next(t for t in marked.data if t.name == "pick")
    i = [list(c) for c in picks.customdata].index([selected[0] + 1, selected[1] + 1])
    assert box.x0 < picks.x[i] < box.x1 and box.y0 < picks.y[i] < box.y1  # the box is around that head
    with pytest.raises(ValueError):
        model_figs.highlight_head(model_figs.attention_heatmap(att[0, 0], list("abcde")), selected)


@pytest.mark.parametrize(("layers", "heads"), [(6, 12), (30, 9)])
def test_model_view_payload_bounded_at_512_tokens(layers: int, heads: int) -> None:
    att = _long_attention(layers, heads, 512)
    fig = model_figs.model_view(att, selected=(0, 0))
    spec = figure_dict(fig)
    z = np.asarray(spec["data"][0]["z"], dtype=float)
    assert np.isfinite(z).sum() <= model_figs.MODEL_VIEW_CELLS
    np.testing.assert_allclose(_tile(spec, 0, 0).sum(-1), 1.0, atol=1e-4)  # blocks keep rows stochastic
    assert "key block" in spec["data"][0]["x"][0]
    assert model_figs.payload_bytes(fig) < 320_000


def test_small_heatmap_labels_tokens_and_writes_numbers() -> None:
    att = _attention(1, 1, 6)[0, 0]
    spec = figure_dict(model_figs.attention_heatmap(att, LABELS, "one head"))
    assert spec["layout"]["yaxis"]["ticktext"] == LABELS  # positions on the axis, tokens as labels
    assert spec["data"][0]["texttemplate"]
    np.testing.assert_allclose(np.asarray(spec["data"][0]["z"]), att, rtol=1e-6)


def test_medium_heatmap_is_exact_with_unique_position_names() -> None:
    tokens = ["a", "b"] * 40  # 80 tokens, each repeated 40 times
    att = _attention(1, 1, 80)[0, 0]
    spec = figure_dict(model_figs.attention_heatmap(att, tokens))
    trace = spec["data"][0]
    assert len(set(trace["x"])) == 80 and trace["x"][2] == "3 · a"
    np.testing.assert_allclose(np.asarray(trace["z"]), att, rtol=1e-6)


def test_long_heatmap_is_binned_and_bounded() -> None:
    tokens = [f"w{i}" for i in range(512)]
    att = _long_attention(1, 1, 512)[0, 0]
    fig = model_figs.attention_heatmap(att, tokens, max_bins=128)
    trace = figure_dict(fig)["data"][0]
    z = np.asarray(trace["z"])
    assert z.shape == (128, 128)
    np.testing.assert_allclose(z.sum(-1), 1.0, atol=1e-4)
    assert np.abs(np.triu(z, k=1)).max() == 0  # a causal matrix stays causal after binning
    assert trace["x"][0] == "1–4 · w0 … w3" and len(set(trace["x"])) == 128
    layout = figure_dict(fig)["layout"]
    assert layout["xaxis"]["ticktext"][:2] == ["1–4", "33–36"]  # short, sparse tick labels
    assert len(layout["yaxis"]["tickvals"]) <= 16
    assert model_figs.payload_bytes(fig) < 150_000


def test_window_heatmap_numbers_positions_from_offset() -> None:
    tokens = [f"w{i}" for i in range(100)]
    att = _attention(1, 1, 60)[0, 0]
    spec = figure_dict(model_figs.attention_heatmap(att, tokens[40:], offset=40))
    assert spec["data"][0]["y"][0] == "41 · w40"


def test_head_lines_draw_no_line_to_masked_keys() -> None:
    att = _attention(1, 1, 6, causal=True)[0, 0]
    spec = figure_dict(model_figs.head_lines(att[2], LABELS, 2, causal=True))
    lines = [t for t in spec["data"] if t["mode"] == "lines"]
    assert len(lines) == 3  # keys 0, 1, 2 only
    keys = spec["data"][-1]
    np.testing.assert_allclose(np.asarray(keys["customdata"]), att[2], rtol=1e-6)
    assert keys["text"][0].startswith("the")
    with pytest.raises(ValueError):
        model_figs.head_lines(att[2], LABELS[:3], 2)


def test_heads_for_query_rows_are_that_query_in_every_head() -> None:
    att = _attention(1, 4, 6)[0]
    spec = figure_dict(model_figs.heads_for_query(att, LABELS, 3, head=1))
    np.testing.assert_allclose(np.asarray(spec["data"][0]["z"]), att[:, 3, :], rtol=1e-6)
    assert spec["data"][0]["x"][4] == "5 · the"
    assert len(spec["layout"]["shapes"]) == 1


def test_next_token_bars_show_spaces_and_escape() -> None:
    spec = figure_dict(model_figs.next_token_bars([(" was", 0.5), ("<i>", 0.2), ("\n", 0.1)]))
    assert spec["layout"]["yaxis"]["ticktext"] == ["␣was", "&lt;i&gt;", "↵"]
    np.testing.assert_allclose(np.asarray(spec["data"][0]["x"]), [0.5, 0.2, 0.1])


def test_top_keys_lists_the_strongest_keys_first() -> None:
    weights = np.array([0.05, 0.4, 0.05, 0.3, 0.2])
    spec = figure_dict(model_figs.top_keys(weights, ["a", "b", "a", "c", "d"], query_idx=3, k=3))
    np.testing.assert_allclose(np.asarray(spec["data"][0]["x"]), [0.4, 0.3, 0.2])
    assert spec["layout"]["yaxis"]["ticktext"] == ["2 · b", "4 · c", "5 · d"]
    assert spec["data"][0]["marker"]["color"][1] != spec["data"][0]["marker"]["color"][0]  # the query itself


@pytest.mark.parametrize(("layers", "heads"), [(6, 12), (30, 9), (1, 1)])
def test_link_grid_is_a_layers_by_heads_heatmap_with_the_best_outlined(layers: int, heads: int) -> None:
    rng = np.random.default_rng(layers)
    weights = rng.random((layers, heads)).astype(np.float32)
    best = np.unravel_index(int(weights.argmax()), weights.shape)
    fig = figure_dict(model_figs.link_grid(weights, (int(best[0]), int(best[1])), "A to B"))
    (trace,) = fig["data"]
    assert trace["type"] == "heatmap"
    z = np.asarray(trace["z"], dtype=np.float32)
    np.testing.assert_array_equal(z, weights.T)  # rows = heads, columns = layers
    assert trace["x"] == [str(i + 1) for i in range(layers)] and trace["y"] == [
        str(i + 1) for i in range(heads)
    ]
    assert "layer %{x}, head %{y}" in trace["hovertemplate"]
    text = np.asarray(trace["text"])
    written = text != ""
    if layers <= model_figs.LINK_NUMBERS_MAX:
        assert written.all()
    else:
        assert written.sum() == model_figs.LINK_NUMBERED
        assert z[written].min() >= z[~written].max()  # the numbered cells are the strongest ones
    assert text[best[1], best[0]] == f"{weights[best]:.2f}"
    (box,) = fig["layout"]["shapes"]
    assert box["x0"] < best[0] < box["x1"] and box["y0"] < best[1] < box["y1"]


@pytest.mark.parametrize(("t", "query", "key"), [(6, 4, 1), (300, 250, 3)])
def test_outline_cell_marks_the_cell_or_its_block(t: int, query: int, key: int) -> None:
    labels = [f"w{i}" for i in range(t)]
    fig = model_figs.outline_cell(
        model_figs.attention_heatmap(_attention(1, 1, t)[0, 0], labels), query, key, t
    )
    (box,) = figure_dict(fig)["layout"]["shapes"]
    edges = model_figs.bin_edges(t, model_figs.MAX_BINS)
    row = next(i for i in range(len(edges) - 1) if edges[i] <= query < edges[i + 1])
    col = next(i for i in range(len(edges) - 1) if edges[i] <= key < edges[i + 1])
    assert (box["x0"] + 0.5, box["y0"] + 0.5) == (col, row)
