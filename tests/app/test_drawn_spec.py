"""Figures built in a run are drawn from plain data (`figures.theme.drawn_spec`), not from a validated copy of the
figure: on every page, each figure placed must serialise exactly as the validated reference
(`with_axis_text`, then `for_dark` on a dark page) would — in presentation mode too, where every figure is this
run's own enlarged copy."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest

import ui.figures
from attention_core.figures.theme import for_dark, with_axis_text
from tests.app.conftest import ROOT
from ui.pages import PAGES
from ui.present import PRESENT_KEY

CASES = [(info.path, "dark", False) for info in PAGES] + [(info.path, "light", True) for info in PAGES]


@pytest.mark.parametrize(("page", "theme", "presenting"), CASES)
def test_every_figure_drawn_is_the_validated_reference(
    page: str, theme: str, presenting: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ui.figures.themed
    checked: list[str] = []
    mismatched: list[str] = []  # collected, not raised: the page's error boundary would swallow an assertion

    def checking(fig: go.Figure) -> go.Figure:
        chart = real(fig)
        reference = with_axis_text(fig)
        if theme == "dark":
            reference = for_dark(reference)
        drawn = json.loads(pio.to_json(chart, validate=False))
        title = str(fig.layout.title.text)
        if drawn != json.loads(reference.to_json()) or not drawn["data"]:
            mismatched.append(title)
        checked.append(title)
        return chart

    monkeypatch.setattr(ui.figures, "themed", checking)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.context["theme"] = theme
    if presenting:
        at.query_params[PRESENT_KEY] = "1"
    if page != PAGES[0].path:
        at.switch_page(page)
    at.run()
    assert not at.exception and not at.error  # the error boundary draws st.error
    assert mismatched == []
    charts = at.get("plotly_chart")
    # every chart of the run went through the check, except shared cached ones drawn as they are (not presenting)
    assert len(checked) == len(charts) or not presenting
    assert len(checked) <= len(charts)
