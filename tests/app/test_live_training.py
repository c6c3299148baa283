"""The live run's curves, refilled from a shared template at every poll, are the figure built from scratch."""

from __future__ import annotations

import json
from dataclasses import replace

import plotly.io as pio
import pytest

from attention_core.figures.learning import curves
from attention_core.figures.theme import for_dark, with_axis_text
from attention_core.learning.replay import curve_series
from attention_core.learning.shipped import load_shipped
from ui.live_training import live_curves


def _built_from_scratch(
    run, dark: bool
):  # the poll's figure before the template (ui.live_training at 498b6dc)
    series = curve_series(run)
    fig = curves(series.steps, series.top, series.bottom, series.top_title, series.bottom_title)
    fig.update_xaxes(range=[0, run.config.steps])
    fig.update_layout(height=340, title={"text": "Your run, live"})
    fig = with_axis_text(fig)  # as ui.theme.themed draws it
    return for_dark(fig) if dark else fig


@pytest.mark.parametrize("name", ["subject-pos", "induction-pos"])
@pytest.mark.parametrize("dark", [False, True])
@pytest.mark.parametrize("logged", [1, 7, None])
def test_live_curves_equal_the_figure_built_from_scratch(name: str, dark: bool, logged: int | None) -> None:
    run = load_shipped(name)
    if logged is not None:  # a run part-way: its first `logged` records
        run = replace(run, steps=run.steps[:logged], metrics={k: v[:logged] for k, v in run.metrics.items()})
    drawn = json.loads(pio.to_json(live_curves(run, dark).for_chart(), validate=False))
    expected = json.loads(pio.to_json(_built_from_scratch(run, dark), validate=False))
    assert drawn == expected
    assert len(drawn["data"][0]["x"]) == len(run.steps) and drawn["data"][0]["y"]["bdata"]


def test_a_template_is_refilled_with_exactly_one_series_per_trace() -> None:
    run = load_shipped("subject-pos")
    frozen = live_curves(run)
    with pytest.raises(ValueError, match="pairs"):
        frozen.with_trace_data([([0], [1.0])])
