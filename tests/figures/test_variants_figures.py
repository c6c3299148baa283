"""Figure builders of the Today's-LLMs pages: the data they draw, group colours, escaped labels."""

from __future__ import annotations

import json

import numpy as np
import torch

from attention_core.builders import seeded_weights
from attention_core.embeddings import BOOK_INPUTS, BOOK_TOKENS
from attention_core.figures import variants as fv
from attention_core.figures.export import heatmap_matrices
from attention_core.variants import gqa
from attention_core.variants import kv_cache as kc
from attention_core.variants import positions as pos
from attention_core.variants import windows as win
from tests.support.plotly import figure_dict

TOKENS = list(BOOK_TOKENS)
NASTY = ["<script>x</script>", "a", "<b>b</b>", "c", "d", "e"]


def _heatmaps(fig) -> list[dict]:
    return [t for t in figure_dict(fig)["data"] if t["type"] == "heatmap" and t.get("name") != "hidden"]


def test_gqa_heads_are_framed_in_their_group_colour() -> None:
    view = gqa.gqa_view(BOOK_INPUTS, 8, 4, 2, 123, True)
    fig = fv.gqa_heads_figure(view.attn_weights, TOKENS, view.group_of_head, causal=True)
    panels = _heatmaps(fig)
    assert len(panels) == 4
    for h, panel in enumerate(panels):
        z = np.asarray(panel["z"], dtype=float)
        assert np.allclose(z[np.tril_indices(6)], view.attn_weights[h][np.tril_indices(6)])
        assert np.isnan(z[np.triu_indices(6, 1)]).all()  # the causal cells are greyed out
    colors = [s.line.color for s in fig.layout.shapes]
    assert colors == [fv.group_color(g) for g in (0, 0, 1, 1)]
    titles = [a.text for a in fig.layout.annotations]
    assert titles == [
        "query head 1 · K/V 1",
        "query head 2 · K/V 1",
        "query head 3 · K/V 2",
        "query head 4 · K/V 2",
    ]
    # the frames carry the group colour; the titles take the theme's text colour (an orange title was 2.3:1 on white)
    assert [a.font.color for a in fig.layout.annotations] == [None] * 4
    assert len(heatmap_matrices(fig)) == 4  # every head exports as CSV


def test_kv_tensors_widths_follow_the_shapes() -> None:
    view = gqa.gqa_view(BOOK_INPUTS, 8, 4, 1, 123, True)  # MQA: K and V are one head of 2
    fig = fv.kv_tensors_figure(view.queries, view.keys, view.values, NASTY, view.head_dim, view.group_of_head)
    q, k, v = _heatmaps(fig)
    assert np.allclose(np.asarray(v["z"], dtype=float), view.values)
    assert np.asarray(q["z"]).shape == (6, 8) and np.asarray(k["z"]).shape == (6, 2)
    assert np.allclose(np.asarray(k["z"], dtype=float), view.keys)
    widths = [fig.layout[f"xaxis{s}"].domain for s in ("", "2", "3")]
    assert (widths[0][1] - widths[0][0]) > 3 * (widths[1][1] - widths[1][0])  # Q is 4x wider than K
    spec = json.dumps(fig.to_plotly_json(), default=str)
    assert "<script>" not in spec and "&lt;script&gt;" in spec


def test_cost_bars() -> None:
    sizes = gqa.kv_sizes(3, 2, 4)
    fig = fv.kv_cost_figure(sizes, 4, chosen=2)
    bar = figure_dict(fig)["data"][0]
    assert list(bar["y"]) == [4, 8, 16]
    assert bar["marker"]["color"][1] == fv.ACCENT


def test_memory_chart_is_log_log_with_a_marker_per_model() -> None:
    study = kc.cache_study(kc.PUBLISHED, 4096, lengths=[256, 4096, 65536])
    fig = fv.cache_memory_figure(
        study.lengths,
        study.curves,
        [c.name for c in kc.PUBLISHED],
        4096,
        [r.bytes_total for r in study.rows],
        ["a", "b", "c", "d"],
    )
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    lines = [t for t in fig.data if t.mode == "lines"]
    assert [t.name for t in lines] == [c.name for c in kc.PUBLISHED]
    mistral = lines[2]
    assert mistral.y[-1] == mistral.y[1]  # the rolling buffer: flat after 4,096 tokens


def test_window_pair_and_receptive_field() -> None:
    W_query, W_key, W_value = seeded_weights("linear", 3, 2, 789)
    toy = win.toy_window(BOOK_INPUTS, W_query, W_key, W_value, 2)
    fig = fv.window_pair_figure(toy.full_weights, toy.attn_weights, toy.hidden, NASTY, 2)
    full, windowed = (np.asarray(t["z"], dtype=float) for t in _heatmaps(fig))
    assert np.isnan(windowed[toy.hidden]).all() and np.allclose(
        windowed[~toy.hidden], toy.attn_weights[~toy.hidden]
    )
    assert np.isnan(full[np.triu_indices(6, 1)]).all()
    field = win.receptive_field(6, 2, 3)
    rf = fv.receptive_field_figure(field.reach, NASTY, query=5, window=2)
    z = np.asarray(figure_dict(rf)["data"][0]["z"], dtype=float)
    assert z.sum(axis=1).tolist() == [2, 3, 4]
    assert "&lt;script&gt;" in str(rf.layout.xaxis.ticktext)


def test_sweep_figure() -> None:
    fig = fv.window_sweep_figure(
        [1, 2, 4, 6], np.array([5.0, 4.0, 3.0, 2.5]), np.array([0.1, 0.2, 0.3, 0.4]), 2
    )
    loss, prob = figure_dict(fig)["data"]
    assert list(loss["x"]) == ["1", "2", "4", "6 (all)"] and list(prob["y"]) == [0.1, 0.2, 0.3, 0.4]


def test_shuffle_figure_shows_the_gap() -> None:
    W_query, W_key, W_value = seeded_weights("linear", 3, 2, 789)
    study = pos.shuffle_study(BOOK_INPUTS, W_query, W_key, W_value, "learned", pos.shuffle_order(6, 0))
    fig = fv.shuffle_figure(study.weights, study.shuffled_weights, study.moved_weights, NASTY, study.order)
    a, b, diff = (np.asarray(t["z"], dtype=float) for t in _heatmaps(fig))
    assert np.allclose(a, study.weights) and np.allclose(b, study.shuffled_weights)
    assert np.allclose(diff, study.shuffled_weights - study.moved_weights)
    assert np.abs(diff).max() == study.equivariance_gap
    assert list(fig.layout.yaxis2.ticktext) == [fv.plot_label(NASTY[i]) for i in study.order]


def test_position_figures() -> None:
    table = pos.sinusoidal_table(64, 16).numpy()
    heat = fv.position_table_figure(table)
    assert np.asarray(figure_dict(heat)["data"][0]["z"]).shape == (64, 16)
    sim = fv.similarity_by_offset_figure(table)
    curves = [np.asarray(t.y, dtype=float) for t in sim.data]
    shortest = min(len(c) for c in curves)
    assert all(np.allclose(c[:shortest], curves[0][:shortest], atol=1e-4) for c in curves)
    q, k = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    view = pos.rotation_view(q, k, 0, 3, 1)
    rot = fv.rotation_figure(
        view.query_pair, view.key_pair, view.query_rotated, view.key_rotated, 3, 1, view.theta
    )
    tip = rot.data[2]
    assert np.allclose([tip.x[1], tip.y[1]], [np.cos(3.0), np.sin(3.0)])  # theta = 1 rad for one pair
    off = fv.offset_scores_figure(view.shifted_scores, view.offset_scores, 3, 1)
    assert np.ptp(np.asarray(off.data[0].y, dtype=float)) < 1e-9
    grid = fv.rope_grid_figure(pos.rope_score_grid(q, k, 5))
    assert np.asarray(figure_dict(grid)["data"][0]["z"]).shape == (5, 5)
    wave = fv.wavelength_figure(pos.rotary_check(64, 100_000.0).wavelengths, 8192)
    assert len(wave.data[0].y) == 32 and wave.layout.yaxis.type == "log"


def test_sink_figures() -> None:
    shares = np.linspace(0, 1, 30 * 9).reshape(30, 9)
    heads = fv.sink_heads_figure(shares, "t")
    assert np.allclose(np.asarray(figure_dict(heads)["data"][0]["z"], dtype=float), shares)
    layers = fv.sink_layers_figure({"<b>x</b>": shares.mean(1)}, 0.1)
    assert layers.data[0].name == "&lt;b&gt;x&lt;/b&gt;"
    loss = fv.cache_loss_figure({"a": np.ones(10), "b": np.zeros(10)}, 4, 1)
    assert [t.name for t in loss.data] == ["a", "b"] and loss.layout.shapes[0].x0 == 4
    count = fv.sink_count_figure([0, 1, 4], [5.0, 3.1, 3.0], 2.9, 256)
    assert list(count.data[0].y) == [5.0, 3.1, 3.0]
    # the full-attention line is named in the legend above the plot, not by a label lying on the bars' labels
    assert not count.layout.annotations and count.layout.legend.y > 1
    assert [t.name for t in count.data if t.showlegend is not False] == ["full attention: 2.90"]


def test_head_grids_of_long_sentences_survive_a_copy() -> None:
    """Presentation mode copies every figure (go.Figure(fig) validates it): a 2-row grid of 18+ tokens used to
    put its last row at y = -5.6e-17 and fail."""
    import plotly.graph_objects as go

    rng = np.random.default_rng(0)
    for t in (6, 18, 40):
        weights = rng.random((4, t, t))
        fig = fv.gqa_heads_figure(weights, [f"w{i}" for i in range(t)], (0, 0, 1, 1), causal=True, max_cols=2)
        copy = go.Figure(fig)
        assert all(0.0 <= v <= 1.0 for k in ("yaxis", "yaxis3") for v in copy.layout[k].domain)
