"""Generated tests for every panel-grid builder: domains stay inside [0, 1], ordered, for every size.

The multi-head page crashed with 4 heads on 10 tokens: the grid's last row started at -5.6e-17 (floating
point), which Plotly rejects. These properties run over the sizes and spacings the builders can meet.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from attention_core.figures import translation as ftr
from attention_core.figures.grid import grid_cells, heatmap_grid
from attention_core.figures.multihead import pipeline_figure
from attention_core.figures.trainable import saturation_figure
from attention_core.stepwise import softmax_saturation
from attention_core.views.multihead import divisors
from tests.support.domains import assert_valid_domains

spacing = st.floats(min_value=0.0, max_value=0.3, allow_nan=False)


@given(
    n_panels=st.integers(1, 40),
    grid_cols=st.integers(1, 12),
    hspace=spacing,
    vspace=spacing,
    widths=st.lists(st.floats(0.1, 50.0), min_size=12, max_size=12),
    use_widths=st.booleans(),
)
def test_grid_domains_inside_unit_square_ordered_and_disjoint(
    n_panels: int, grid_cols: int, hspace: float, vspace: float, widths: list[float], use_widths: bool
) -> None:
    grid_cols = min(grid_cols, n_panels)
    rows = -(-n_panels // grid_cols)
    if hspace * (grid_cols - 1) >= 1 or vspace * (rows - 1) >= 1:
        with pytest.raises(ValueError, match="no room"):
            grid_cells(n_panels, grid_cols, hspace, vspace, widths[:grid_cols] if use_widths else None)
        return
    cells = grid_cells(n_panels, grid_cols, hspace, vspace, widths[:grid_cols] if use_widths else None)
    assert len(cells) == n_panels
    assert len({c[0] for c in cells}) == n_panels  # one x axis per panel
    for _, _, (x0, x1), (y0, y1) in cells:
        assert 0.0 <= x0 <= x1 <= 1.0 and 0.0 <= y0 <= y1 <= 1.0
    for i, (_, _, (x0, _), (_, y1)) in enumerate(cells):
        r, c = divmod(i, grid_cols)
        if c > 0:  # to the right of its left neighbour, never overlapping
            assert cells[i - 1][2][1] <= x0
        if r > 0:  # below the panel above
            assert y1 <= cells[i - grid_cols][3][0]
    assert cells[0][2][0] == 0.0 and cells[0][3][1] == 1.0
    assert cells[min(grid_cols, n_panels) - 1][2][1] == 1.0  # the first row fills the width exactly
    assert cells[-1][3][0] == 0.0  # the last row reaches the bottom exactly


@given(
    n_panels=st.integers(1, 16),
    n_tokens=st.integers(1, 80),
    n_cols=st.integers(1, 16),
    max_cols=st.integers(1, 4),
    causal=st.booleans(),
)
def test_heatmap_grid_builds_for_every_size(
    n_panels: int, n_tokens: int, n_cols: int, max_cols: int, causal: bool
) -> None:
    rng = np.random.default_rng(n_panels * 1000 + n_tokens)
    mats = [rng.random((n_tokens, n_cols)) for _ in range(n_panels)]
    rows, cols = [f"t{i}" for i in range(n_tokens)], [f"d{j}" for j in range(n_cols)]
    hidden = np.triu(np.ones((n_tokens, n_cols), dtype=bool), 1) if causal else None
    fig = heatmap_grid(mats, rows, cols, [f"p{i}" for i in range(n_panels)], max_cols=max_cols, hidden=hidden)
    assert_valid_domains(fig)
    assert len([t for t in fig.data if t.name != "hidden"]) == n_panels


@given(n_tokens=st.integers(1, 80), d_out=st.integers(1, 16), data=st.data())
def test_pipeline_figure_builds_for_every_head_count(n_tokens: int, d_out: int, data: st.DataObject) -> None:
    heads = data.draw(st.sampled_from(divisors(d_out)))
    hd = d_out // heads
    rng = np.random.default_rng(n_tokens * 17 + d_out)
    active = data.draw(st.lists(st.booleans(), min_size=heads, max_size=heads))
    fig = pipeline_figure(
        rng.random((n_tokens, d_out)),
        rng.random((heads, n_tokens, hd)),
        rng.random((n_tokens, d_out)),
        rng.random((n_tokens, d_out)),
        [f"t{i}" for i in range(n_tokens)],
        active,
    )
    assert_valid_domains(fig)


@pytest.mark.parametrize("n_tokens", [1, 8, 9, 40])  # their spacing changes only at 8 tokens
def test_make_subplots_builders_keep_valid_domains(n_tokens: int) -> None:
    rng = np.random.default_rng(n_tokens)
    tokens = [f"w{i}" for i in range(n_tokens)]
    assert_valid_domains(ftr.encoder_animation(rng.uniform(-1, 1, (n_tokens, 8)), tokens))
    weights = rng.random((max(1, n_tokens // 2), n_tokens))
    weights /= weights.sum(-1, keepdims=True)
    assert_valid_domains(ftr.decoder_focus_animation(weights, tokens[: weights.shape[0]], tokens))
    curve = softmax_saturation([1, 4, 16], num_tokens=max(2, n_tokens), trials=5, seed=0)
    assert_valid_domains(saturation_figure(curve, max(2, n_tokens)))
