"""Figures of the generation page: they draw the arrays they are given, escape labels, refuse bad shapes."""

from __future__ import annotations

import numpy as np
import pytest

from attention_core.figures import generate as gf
from tests.support.plotly import figure_dict

LABELS = ["The", "␣cat", "␣sat", "<b>x</b>", "␣the"]


def _triangle(t: int, passes: int, n_prompt: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    tri = np.full((passes, t), np.nan, dtype=np.float32)
    for k in range(passes):
        row = rng.random(n_prompt + k).astype(np.float32)
        tri[k, : n_prompt + k] = row / row.sum()
    return tri


def test_attention_figure_draws_the_row_and_every_pass() -> None:
    tri = _triangle(5, 3, 3)
    spec = figure_dict(gf.attention_figure(tri[-1], tri, LABELS, 3, "title"))
    bars, heat = spec["data"]
    np.testing.assert_allclose(np.asarray(bars["y"], dtype=float), tri[-1], rtol=1e-6)
    z = np.asarray(heat["z"], dtype=float)
    assert z.shape == (3, 5) and np.isnan(z[0, 3:]).all() and np.isnan(z[1, 4:]).all()
    np.testing.assert_allclose(z[2], tri[2], rtol=1e-6)
    colors = bars["marker"]["color"]
    assert colors[:3] == [gf.PROMPT_COLOR] * 3 and colors[3:] == [gf.NEW_COLOR] * 2
    ticks = spec["layout"]["xaxis2"]["ticktext"]
    assert "&lt;b&gt;x&lt;/b&gt;" in ticks and "<b>x</b>" not in ticks
    assert spec["layout"]["height"] == 430
    with pytest.raises(ValueError):
        gf.attention_figure(tri[-1], tri, LABELS[:4], 3)


def test_long_axes_keep_a_bounded_number_of_ticks() -> None:
    t = 300
    labels = [f"w{i}" for i in range(t)]
    tri = _triangle(t, 4, t - 3)
    spec = figure_dict(gf.attention_figure(tri[-1], tri, labels, t - 3, height=285))
    ticks = spec["layout"]["xaxis2"]["tickvals"]
    assert len(ticks) <= gf.LABELLED_MAX and ticks[0] == 0
    assert spec["layout"]["xaxis2"]["ticktext"][1] == str(ticks[1] + 1)  # numbered positions


def test_next_token_figure_shows_both_distributions_and_marks_the_choice() -> None:
    model = np.array([0.5, 0.3, 0.2])
    drawn = np.array([0.7, 0.3, 0.0])
    spec = figure_dict(
        gf.next_token_figure(["a", "<i>b</i>", "c"], model, drawn, 1, "t", sample_name="drawn")
    )
    assert [d["name"] for d in spec["data"]] == ["model (temperature 1)", "drawn"]
    np.testing.assert_allclose(np.asarray(spec["data"][0]["x"], dtype=float), model)
    np.testing.assert_allclose(np.asarray(spec["data"][1]["x"], dtype=float), drawn)
    ticks = spec["layout"]["yaxis"]["ticktext"]
    assert ticks[1] == "<b>▶ &lt;i&gt;b&lt;/i&gt;</b>" and ticks[0] == "a"
    greedy = figure_dict(gf.next_token_figure(["a", "b", "c"], model, None, 0))
    assert len(greedy["data"]) == 1 and not greedy["layout"]["showlegend"]
    with pytest.raises(ValueError):
        gf.next_token_figure(["a"], model, None, 0)


def test_kv_cache_figure_draws_keys_and_values_and_outlines_the_new_rows() -> None:
    rng = np.random.default_rng(1)
    keys, values = rng.normal(size=(5, 4)) * 6, rng.normal(size=(5, 4)) * 0.3
    spec = figure_dict(gf.kv_cache_figure(keys, values, LABELS, 1, "cache"))
    k_trace, v_trace = spec["data"]
    np.testing.assert_allclose(np.asarray(k_trace["z"], dtype=float), keys, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(v_trace["z"], dtype=float), values, rtol=1e-6)
    assert k_trace["zmax"] == pytest.approx(np.abs(keys).max(), rel=1e-6)  # each panel on its own scale
    assert v_trace["zmax"] == pytest.approx(np.abs(values).max(), rel=1e-6)
    shapes = spec["layout"]["shapes"]
    assert len(shapes) == 2 and all(
        s["y0"] == pytest.approx(3.5) and s["y1"] == pytest.approx(4.5) for s in shapes
    )
    whole = figure_dict(gf.kv_cache_figure(keys, values, LABELS, 5))
    assert whole["layout"]["shapes"][0]["y0"] == pytest.approx(-0.5)
    with pytest.raises(ValueError):
        gf.kv_cache_figure(keys, values[:4], LABELS, 1)


def test_cache_size_and_timing_figures() -> None:
    lengths = [1, 10, 20]
    gqa = [100, 1000, 2000]
    spec = figure_dict(gf.cache_size_figure(lengths, gqa, [3 * b for b in gqa], 10, 3, 9))
    mha, ours, now = spec["data"]
    np.testing.assert_allclose(np.asarray(ours["y"], dtype=float), np.array(gqa) / 2**20)
    np.testing.assert_allclose(np.asarray(mha["y"], dtype=float), 3 * np.array(gqa) / 2**20)
    assert list(now["x"]) == [10, 10] and "3 KV heads" in ours["name"] and "9 KV heads" in mha["name"]
    with pytest.raises(ValueError):
        gf.cache_size_figure(lengths, gqa, gqa, 11, 3, 9)
    tspec = figure_dict(gf.timing_figure([6, 5], [0.02, 0.01], [4, 6], [0.05, 0.09]))
    full, cached = tspec["data"]
    assert list(cached["x"]) == [5, 6] and np.allclose(np.asarray(cached["y"], dtype=float), [10, 20])
    assert list(full["x"]) == [4, 6] and np.allclose(np.asarray(full["y"], dtype=float), [50, 90])
