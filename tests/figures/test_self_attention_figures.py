"""Figures of the trainable, causal and multi-head pages: what they draw is exactly the numbers and labels they were given."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attention_core import builders, modules, stepwise
from attention_core.embeddings import BOOK_INPUTS, BOOK_TOKENS
from attention_core.figures import causal as causal_figs
from attention_core.figures import grid, palette
from attention_core.figures import multihead as multihead_figs
from attention_core.figures import trainable as trainable_figs
from tests.support.plotly import figure_dict

TOKENS = list(BOOK_TOKENS)


def _heatmaps(spec: dict) -> list[dict]:
    return [t for t in spec["data"] if t["type"] == "heatmap"]


def test_masked_heatmap_hides_cells_and_keeps_exact_values() -> None:
    weights = torch.softmax(torch.rand(6, 6, generator=torch.Generator().manual_seed(0)), dim=-1)
    hidden = modules.causal_mask(6).numpy()
    spec = figure_dict(grid.masked_heatmap(weights, TOKENS, TOKENS, hidden, "w", hidden_text="−∞"))
    values, overlay = _heatmaps(spec)
    z = np.asarray(values["z"], dtype=float)
    assert np.isnan(z[hidden]).all()
    assert np.allclose(z[~hidden], weights.numpy()[~hidden], atol=1e-7)
    text = np.asarray(overlay["text"])
    assert (text[hidden] == "−∞").all() and (text[~hidden] == "").all()
    assert spec["layout"]["yaxis"]["ticktext"] == TOKENS
    with pytest.raises(ValueError, match="hidden mask"):
        grid.masked_heatmap(weights, TOKENS, TOKENS, hidden[:3])


def test_masked_heatmap_escapes_token_html() -> None:
    tokens = ["<b>", "x"]
    spec = figure_dict(grid.masked_heatmap(np.eye(2), tokens, tokens, np.zeros((2, 2), dtype=bool)))
    assert spec["layout"]["xaxis"]["ticktext"][0] == "&lt;b&gt;"
    overlay = _heatmaps(spec)[1]
    assert all("<b>" not in str(c) for c in np.asarray(overlay["customdata"], dtype=object).ravel())


@pytest.mark.parametrize("causal", [True, False])
def test_visibility_figure(causal: bool) -> None:
    spec = figure_dict(causal_figs.visibility_figure(TOKENS, causal))
    (trace,) = _heatmaps(spec)
    z = np.asarray(trace["z"], dtype=float)
    assert np.array_equal(np.diag(z), np.full(6, 2.0))  # each token sees itself
    upper = np.triu(np.ones((6, 6), dtype=bool), 1)
    assert (z[upper] == 0).all() if causal else (z[upper] == 1).all()
    text = np.asarray(trace["text"], dtype=object)
    assert text[3, 1] == "journey"  # "with" can see "journey"
    assert (text[1, 3] == "") == causal  # "journey" sees "with" only without the mask
    hover = np.asarray(trace["hovertext"], dtype=object)
    assert hover[1, 3] == ("journey cannot see with" if causal else "journey can see with")


def test_saturation_figure_plots_the_curve() -> None:
    curve = stepwise.softmax_saturation([1, 8, 64], num_tokens=6, trials=50, seed=1)
    spec = figure_dict(trainable_figs.saturation_figure(curve, num_tokens=6))
    lines = [t for t in spec["data"] if t["type"] == "scatter"]
    assert len(lines) == 4
    assert np.allclose(lines[0]["y"], curve["max_weight_raw"].numpy())
    assert np.allclose(lines[3]["y"], curve["entropy_scaled"].numpy())
    assert np.allclose(lines[0]["x"], [1, 8, 64])
    # the legend sits at the figure's foot, under both x axes' titles (at y = -0.25 it covered them)
    assert spec["layout"]["legend"]["yref"] == "container" and spec["layout"]["legend"]["y"] == 0


def test_heatmap_grid_marks_inactive_panels() -> None:
    weights = [np.full((6, 6), 1 / 6), np.eye(6)]
    spec = figure_dict(
        grid.heatmap_grid(
            weights, TOKENS, TOKENS, ["head 1", "head 2 (off)"], active=[True, False], zmin=0, zmax=1
        )
    )
    traces = _heatmaps(spec)
    assert len(traces) == 2
    assert np.allclose(np.asarray(traces[1]["z"], dtype=float), np.eye(6))
    assert traces[0]["showscale"] is True and traces[1]["showscale"] is False
    assert traces[1]["colorscale"][0][1] == palette.OFF_SCALE[0][1]
    assert traces[0]["colorscale"][0][1] != palette.OFF_SCALE[0][1]
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    assert titles == ["head 1", "head 2 (off)"]
    with pytest.raises(ValueError, match="same shape"):
        grid.heatmap_grid([np.eye(2), np.eye(3)], ["a", "b"], ["a", "b"], ["1", "2"])


def test_heatmap_grid_wraps_into_rows() -> None:
    spec = figure_dict(
        grid.heatmap_grid([np.eye(3)] * 6, ["a", "b", "c"], ["a", "b", "c"], list("123456"), max_cols=4)
    )
    assert len(_heatmaps(spec)) == 6
    assert "xaxis6" in spec["layout"] and "yaxis6" in spec["layout"]
    assert spec["layout"]["yaxis5"]["domain"][1] < spec["layout"]["yaxis"]["domain"][0]  # second row is lower


def test_pipeline_figure_draws_split_attend_concat_project() -> None:
    mha = builders.build_multihead(3, 4, 6, num_heads=2, seed=123)
    steps = stepwise.multihead_steps(mha, BOOK_INPUTS, [1, 0])
    spec = figure_dict(
        multihead_figs.pipeline_figure(
            steps.queries, steps.head_context, steps.concat, steps.context_vec, TOKENS, [True, False]
        )
    )
    traces = _heatmaps(spec)
    assert len(traces) == 2 + 3  # Q, two heads, concat, output
    assert np.allclose(np.asarray(traces[0]["z"], dtype=float), steps.queries.numpy(), atol=1e-7)
    assert np.allclose(np.asarray(traces[2]["z"], dtype=float), 0.0)  # head 2 is off: zeros
    assert np.allclose(np.asarray(traces[3]["z"], dtype=float), steps.concat.numpy(), atol=1e-7)
    assert np.allclose(np.asarray(traces[4]["z"], dtype=float), steps.context_vec.numpy(), atol=1e-7)
    titles = " ".join(a["text"] for a in spec["layout"]["annotations"])
    for word in ("split", "attend", "concat", "project", "head 2<br>off"):
        assert word in titles
    assert "head 1<br>off" not in titles
    assert len(spec["layout"]["shapes"]) == 3 * 2  # each head outlined on Q, on its own panel, on the concat
    with pytest.raises(ValueError, match="shapes"):
        multihead_figs.pipeline_figure(
            steps.queries[:, :3], steps.head_context, steps.concat, steps.context_vec, TOKENS
        )


def test_heatmap_grid_hides_cells_per_panel_with_labels() -> None:
    scores = torch.rand(4, 4, generator=torch.Generator().manual_seed(2))
    future = modules.causal_mask(4)
    masked_scores, weights = stepwise.mask_before_softmax(scores, d_k=2)
    cell_text = np.where(np.eye(4, dtype=bool), "drop", "0")
    spec = figure_dict(
        grid.heatmap_grid(
            [masked_scores, weights],
            list("abcd"),
            list("abcd"),
            ["scores", "weights"],
            hidden=[None, future.numpy()],
            hidden_text=["−∞", cell_text],
        )
    )
    values = [t for t in spec["data"] if t["name"] != "hidden"]
    overlays = [t for t in spec["data"] if t["name"] == "hidden"]
    assert len(values) == 2 and len(overlays) == 2
    z0 = np.asarray(values[0]["z"], dtype=float)
    assert np.isnan(z0[future.numpy()]).all()  # -inf is never sent as a value
    assert np.allclose(z0[~future.numpy()], scores.numpy()[~future.numpy()], atol=1e-7)
    assert (np.asarray(overlays[0]["text"])[future.numpy()] == "−∞").all()
    text1 = np.asarray(overlays[1]["text"])
    assert text1[0, 1] == "0" and text1[1, 1] == ""  # hidden cell gets its own label; visible cells none
    assert np.isfinite(values[0]["zmin"]) and np.isfinite(values[0]["zmax"])
