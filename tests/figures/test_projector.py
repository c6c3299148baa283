"""ui.projector: cell numbers that fit their cells on a projector, one panel at a time, room between rows,
readable ticks (pure functions over Plotly figures)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from attention_core.figures.grid import heatmap_grid
from ui import projector as pj

TOKENS = ["Your", "journey", "starts", "with", "one", "step"]


def _square(n: int, decimals: int = 4) -> go.Figure:
    z = np.random.default_rng(0).random((n, n))
    names = [f"tok{i}" for i in range(n)]
    fig = heatmap_grid([z], names, names, ["weights"], decimals=decimals)
    fig.update_layout(height=420)
    return fig


def _two_panels(n: int = 6) -> go.Figure:
    z = np.random.default_rng(1).random((n, n))
    fig = heatmap_grid([z, z / 2], TOKENS[:n], TOKENS[:n], ["① first", "② second"], decimals=4)
    fig.update_layout(height=420)
    return fig


def test_the_figure_column_width_follows_the_stylesheet() -> None:
    assert pj.FIGURE_COLUMN_PX == 763  # (1280 - 6 rem - 1.5 rem) * 2/3 at 18 px: measured 763.3 in chromium


def test_numbers_that_fit_stay_at_16_px() -> None:
    assert pj.cell_plan(_square(6)) == pj.CellPlan(16)


def test_narrower_cells_take_14_px_then_hide_the_numbers() -> None:
    assert pj.cell_plan(_square(10)) == pj.CellPlan(14)
    plan = pj.cell_plan(_square(12))
    assert plan is not None and plan.hidden


def test_two_panels_too_narrow_side_by_side_are_shown_one_at_a_time() -> None:
    fig = _two_panels()
    panels = pj.heatmap_panels(fig)
    assert len(panels) == 2 and panels[0].chars == 6  # "0.1234"
    side_by_side = pj.cell_px(fig, panels[0], pj.FIGURE_COLUMN_PX)
    assert not pj.text_fits(panels[0], side_by_side, 14)
    assert pj.cell_plan(fig) == pj.CellPlan(16, split=True)
    # on the full 1172 px width the two panels fit side by side
    assert pj.cell_plan(fig, pj.MAIN_WIDTH_PX) is not None
    assert not pj.cell_plan(fig, pj.MAIN_WIDTH_PX).split  # type: ignore[union-attr]


def test_a_figure_without_cell_numbers_needs_no_plan() -> None:
    assert pj.cell_plan(go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))) is None
    assert pj.cell_plan(_square(6, decimals=4).update_traces(texttemplate=None)) is None


def test_single_panel_keeps_its_traces_title_and_the_shared_tick_labels() -> None:
    fig = _two_panels()
    assert pj.panel_titles(fig) == ["① first", "② second"]
    alone = pj.single_panel(fig, 1)
    assert next(t.name for t in alone.data if t.type == "heatmap") == "② second"
    assert all(t.xaxis == "x" and t.yaxis == "y" for t in alone.data)
    assert list(alone.layout.xaxis.domain) == [0.0, 1.0] and list(alone.layout.yaxis.domain) == [0.0, 1.0]
    assert list(alone.layout.yaxis.ticktext) == TOKENS  # the second panel's were blank (shared row)
    assert alone.layout.yaxis.title.text == "query"
    assert [a.text for a in alone.layout.annotations] == ["② second"]
    assert sum(bool(t.showscale) for t in alone.data) == 1
    assert pj.cell_plan(alone) == pj.CellPlan(16)


def test_set_cell_font_sizes_or_hides_the_numbers() -> None:
    fig = _square(6)
    pj.set_cell_font(fig, 14)
    assert fig.data[0].textfont.size == 14
    pj.set_cell_font(fig, None)
    assert not fig.data[0].texttemplate


def test_stacked_rows_get_room_for_tick_labels_and_the_title_below() -> None:
    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.02, subplot_titles=("upper", "lower"))
    fig.add_scatter(x=[1, 2], y=[1, 2], row=1, col=1)
    fig.add_scatter(x=[1, 2], y=[1, 2], row=2, col=1)
    fig.update_layout(height=420, margin={"t": 40, "b": 40})
    lower_top = fig.layout.yaxis2.domain[1]
    assert pj.open_row_gaps(fig, 64)
    gap_px = (fig.layout.yaxis.domain[0] - fig.layout.yaxis2.domain[1]) * (420 - 80)
    assert gap_px >= 64 - 1e-6
    assert fig.layout.yaxis2.domain[1] < lower_top
    assert fig.layout.annotations[1].y == fig.layout.yaxis2.domain[1]  # the title moved with its panel
    assert not pj.open_row_gaps(fig, 64)  # already enough room: nothing moves


def test_long_numeric_tick_lists_are_thinned_and_ticks_enlarged() -> None:
    fig = go.Figure(go.Heatmap(z=np.zeros((30, 9))))
    fig.update_yaxes(tickvals=list(range(30)), ticktext=[str(i + 1) for i in range(30)])
    fig.update_xaxes(tickfont={"size": 10})
    pj.readable_ticks(fig)
    assert list(fig.layout.yaxis.ticktext) == [str(i) for i in range(2, 31, 2)]
    assert fig.layout.xaxis.tickfont.size == 16 and fig.layout.yaxis.tickfont.size == 16
    words = go.Figure(go.Heatmap(z=np.zeros((20, 2))))
    words.update_yaxes(tickvals=list(range(20)), ticktext=[f"w{i}" for i in range(20)])
    pj.readable_ticks(words)
    assert len(words.layout.yaxis.ticktext) == 20  # token labels are never thinned


def test_bar_labels_are_not_shrunk_to_the_bar() -> None:
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 0], text=["1.0000", ""], textposition="outside"))
    pj.unshrunk_bar_text(fig)
    assert fig.data[0].constraintext == "none" and fig.data[0].cliponaxis is False


def test_play_controls_stay_as_far_under_a_shorter_plot() -> None:
    """Shrinking an animated figure keeps its Play buttons the same px under the plot, plus room for ticks."""
    fig = go.Figure(go.Bar(y=[1, 2]))
    fig.update_layout(
        height=720,
        margin={"t": 100, "b": 130},
        updatemenus=[{"type": "buttons", "y": -0.16, "buttons": [{"label": "Play", "method": "animate"}]}],
        sliders=[{"y": -0.16, "steps": [{"label": "a", "method": "animate"}]}],
    )
    fig.update_layout(height=500)
    assert pj.keep_controls_below(fig, 720, extra_px=14)
    old_px = 0.16 * (720 - 100 - 130)
    new_plot = 500 - 100 - 144
    assert fig.layout.margin.b == 144
    for control in (fig.layout.updatemenus[0], fig.layout.sliders[0]):
        assert abs(-control.y * new_plot - (old_px + 14)) < 1e-6
    assert not pj.keep_controls_below(go.Figure(go.Bar(y=[1])), 450)  # nothing under the plot: unchanged
