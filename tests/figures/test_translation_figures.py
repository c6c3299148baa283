"""Figures of the translation pages: encoder animation, alignment heatmap, focus animation, curves, survival."""

from __future__ import annotations

import numpy as np
import pytest

from attention_core.figures.common import ACCENT
from attention_core.figures.translation import (
    alignment_heatmap,
    decoder_focus_animation,
    encoder_animation,
    length_curves,
    survival_heatmap,
)
from tests.support.plotly import decode, figure_dict

RNG = np.random.default_rng(0)


def _frames(fig) -> list[dict]:
    spec = figure_dict(fig)
    for frame in spec.get("frames", []):
        for trace in frame["data"]:
            for key, value in list(trace.items()):
                trace[key] = decode(value)
    return spec["frames"]


def test_encoder_animation_reveals_one_column_per_token() -> None:
    tokens = ["the", "<b>cat</b>", "sleeps", "the"]
    states = np.tanh(RNG.normal(size=(4, 6)))
    fig = encoder_animation(states, tokens)
    heat = figure_dict(fig)["data"][0]
    assert np.allclose(
        np.asarray(heat["z"], dtype=float), states.T, atol=1e-6
    )  # (H, T), one column per token
    frames = _frames(fig)
    assert [f["name"] for f in frames] == ["t0", "t1", "t2", "t3"]
    for t, frame in enumerate(frames):
        assert np.allclose(frame["data"][0]["y"], states[t], atol=1e-6)  # bars: the state after token t
        shapes = frame["layout"]["shapes"]
        assert shapes[0]["x0"] == t - 0.5 and shapes[0]["x1"] == t + 0.5  # the current column is outlined
        if t < 3:
            assert shapes[1]["x0"] == t + 0.5 and shapes[1]["x1"] == 3.5  # unread columns are covered
        else:
            assert len(shapes) == 1  # the final state: nothing hidden
    final_note = frames[-1]["layout"]["annotations"][-1]["text"]
    assert "only thing the decoder receives" in final_note
    assert frames[-1]["data"][0]["marker"]["color"] == ACCENT
    spec = figure_dict(fig)
    steps = spec["layout"]["sliders"][0]["steps"]
    assert [s["label"] for s in steps] == ["the", "&lt;b&gt;cat&lt;/b&gt;", "sleeps", "the"]
    assert spec["layout"]["sliders"][0]["active"] == 3  # opens on the final state
    labels = [b["label"] for b in spec["layout"]["updatemenus"][0]["buttons"]]
    assert any("Play" in label for label in labels) and any("Pause" in label for label in labels)


def test_encoder_animation_rejects_mismatched_tokens() -> None:
    with pytest.raises(ValueError):
        encoder_animation(np.zeros((3, 4)), ["a", "b"])


def test_alignment_heatmap_exact_weights_and_rule_outline() -> None:
    weights = RNG.dirichlet(np.ones(5), size=3)  # (T_out, T_src), rows sum to 1
    fig = figure_dict(alignment_heatmap(weights, ["la", "zone", "<eos>"], list("abcde"), [0, 3, 9]))
    heat = next(t for t in fig["data"] if t["type"] == "heatmap")
    assert np.allclose(np.asarray(heat["z"], dtype=float), weights)
    assert "%{z:.6f}" in heat["hovertemplate"]
    outline = next(t for t in fig["data"] if t["type"] == "scatter")
    assert list(outline["x"]) == [0, 3] and list(outline["y"]) == [0, 1]  # out-of-range index 9 dropped
    assert list(fig["layout"]["yaxis"]["ticktext"]) == ["la", "zone", "&lt;eos&gt;"]


def test_decoder_focus_animation_one_frame_per_output_token() -> None:
    weights = RNG.dirichlet(np.ones(4), size=3)
    frames = _frames(
        decoder_focus_animation(weights, ["le", "chat", "dort"], ["the", "cat", "sleeps", "now"])
    )
    assert len(frames) == 3
    for i, frame in enumerate(frames):
        bars = frame["data"][0]
        assert np.allclose(bars["y"], weights[i])
        focus = np.asarray(decode(bars["marker"]["color"]))
        assert focus.sum() == 1 and focus[int(np.argmax(weights[i]))] == 1  # one bar in the accent colour
        assert f"Step {i + 1} of 3" in frame["layout"]["annotations"][0]["text"]
    with pytest.raises(ValueError):
        decoder_focus_animation(weights, ["le"], ["the", "cat", "sleeps", "now"])


def test_length_curves_plot_each_model_sorted() -> None:
    curves = {"bottleneck": {10: 0.5, 3: 0.9}, "attention": {3: 1.0, 10: 0.98}}
    fig = figure_dict(length_curves(curves, mark_length=7, counts={3: 30, 10: 30}))
    lines = [t for t in fig["data"] if t["type"] == "scatter"]
    assert [list(t["x"]) for t in lines] == [[3, 10], [3, 10]]
    assert list(lines[0]["y"]) == [0.9, 0.5] and list(lines[1]["y"]) == [1.0, 0.98]
    assert any(s.get("x0") == 7 for s in fig["layout"]["shapes"])


def test_survival_heatmap_keeps_missing_positions_empty() -> None:
    survival = np.array([[1.0, 0.5, np.nan], [0.2, 0.4, 0.6]])
    fig = figure_dict(survival_heatmap(survival, ["3–5", "6–10"]))
    z = np.asarray(fig["data"][0]["z"], dtype=float)
    assert np.isnan(z[0, 2]) and np.allclose(z[1], [0.2, 0.4, 0.6])
