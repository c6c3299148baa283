"""Both themes are defined in .streamlit/config.toml, high-contrast, and the figures follow the active one.

The theme watcher's server side (ui/theme.py): each run draws in the theme the browser reported
(`AppTest.context["theme"]`) and mounts the watcher with that theme as its data; a report from the watcher costs
exactly one script run. Its browser side (reading the page's background, asking for that run) is checked in
tests/browser/test_themes_browser.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

import ui.run
import ui.theme
from attention_core.figures.palette import (
    ACCENT,
    ACCENT_ON_DARK,
    AXIS_TEXT,
    DARK_BACKGROUND,
    LIGHT_BACKGROUND,
)
from attention_core.figures.theme import dark_color
from tests.figures.test_theme_colors import contrast, luminance
from ui.theme import COLOR_OPTIONS, THEME_WATCH_KEY, THEMES, theme_colors, themed

ROOT = Path(__file__).resolve().parents[2]
PAGE = "app_pages/simplified.py"  # its charts draw the accent (the query token)
ACCENTS = {"light": ACCENT, "dark": ACCENT_ON_DARK}


@pytest.mark.parametrize("theme", THEMES)
def test_theme_defined_and_high_contrast(theme: str) -> None:
    colors = theme_colors(theme)  # type: ignore[arg-type]
    assert set(colors) == set(COLOR_OPTIONS) and all(c.startswith("#") for c in colors.values())
    background = colors["backgroundColor"]
    assert background == (DARK_BACKGROUND if theme == "dark" else LIGHT_BACKGROUND)
    assert (luminance(background) < 0.1) == (theme == "dark")
    assert contrast(colors["textColor"], background) >= 7.0  # AAA body text
    assert contrast(colors["primaryColor"], background) >= 4.5  # the accent is readable as text
    assert colors["primaryColor"] == (ACCENT_ON_DARK if theme == "dark" else ACCENT)


@pytest.mark.parametrize("theme", THEMES)
def test_themed_figure_follows_active_theme(theme: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui.theme, "active_theme", lambda: theme)
    fig = go.Figure(go.Bar(y=[1, 2], marker_color=[ACCENT, "#0072B2"]))
    drawn = themed(fig).to_dict()  # what st.plotly_chart serialises
    expected = ACCENT_ON_DARK if theme == "dark" else ACCENT
    assert tuple(drawn["data"][0]["marker"]["color"]) == (expected, "#0072B2")
    assert tuple(fig.data[0].marker.color) == (
        ACCENT,
        "#0072B2",
    )  # the registered (export) figure is untouched


@pytest.mark.parametrize("theme", THEMES)
def test_chart_text_meets_wcag_aa_in_both_themes(theme: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tick labels and axis titles, as a drawn figure carries them, against the theme's page background."""
    monkeypatch.setattr(ui.theme, "active_theme", lambda: theme)
    fig = go.Figure(
        go.Heatmap(z=[[0, 1]], colorbar={"title": {"text": "w"}}), layout={"yaxis2": {"anchor": "x"}}
    )
    layout = themed(fig).to_dict()["layout"]  # what st.plotly_chart serialises
    expected = dark_color(AXIS_TEXT) if theme == "dark" else AXIS_TEXT
    colors = {
        layout["font"]["color"],
        layout["xaxis"]["tickfont"]["color"],
        layout["yaxis"]["title"]["font"]["color"],
        layout["yaxis2"]["tickfont"]["color"],
        layout["coloraxis"]["colorbar"]["tickfont"]["color"],
    }
    assert colors == {expected}
    background = theme_colors(theme)["backgroundColor"]  # type: ignore[arg-type]
    assert contrast(expected, background) >= 4.5
    assert contrast(expected, theme_colors(theme)["secondaryBackgroundColor"]) >= 4.5  # type: ignore[arg-type]
    assert fig.layout.font.color is None  # the registered (export) figure is untouched


def _watcher_data(at: AppTest) -> dict[str, str | None]:
    """The data of the one theme watcher the run mounted."""
    watchers = [el for el in at.get("bidi_component") if el.proto.id.endswith(f"-{THEME_WATCH_KEY}")]
    assert len(watchers) == 1
    assert watchers[0].proto.component_name == "attention_explorer.theme_watch"
    return json.loads(watchers[0].proto.json)


def _drawn_accents(at: AppTest) -> set[str]:
    """Which theme's accent the run's charts carry."""
    specs = "".join(el.proto.spec for el in at.get("plotly_chart")).lower()
    return {theme for theme, accent in ACCENTS.items() if f'"{accent.lower()}"' in specs}


def _open(theme: str | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if theme is not None:
        at.context["theme"] = theme
    at.switch_page(PAGE)
    return at.run()


@pytest.mark.parametrize("theme", [*THEMES, None])
def test_run_draws_in_reported_theme_and_mounts_watcher_with_it(theme: str | None) -> None:
    """A browser that reports no theme gets the light one."""
    at = _open(theme)
    drawn = theme or "light"
    assert not at.exception
    assert _drawn_accents(at) == {drawn}
    assert _watcher_data(at) == {"drawn": drawn, "reported": None}


def _report(at: AppTest, theme: str) -> AppTest:
    """Run again as the browser does when the watcher reports `theme`: every widget's state as the test tree
    holds it, plus the watcher's state (AppTest has no element class for a components-v2 element, so its state
    is added to the run's widget states by hand)."""
    (watcher,) = (el for el in at.get("bidi_component") if el.proto.id.endswith(f"-{THEME_WATCH_KEY}"))
    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=watcher.proto.id, json_value=json.dumps({"theme": theme})))
    return at._run(states)


def test_reported_switch_costs_exactly_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[str] = []
    begin_run = ui.run.begin_run
    monkeypatch.setattr(ui.run, "begin_run", lambda *a, **k: (runs.append(a[0]), begin_run(*a, **k))[1])
    at = _open("light")
    assert len(runs) == 1 and _drawn_accents(at) == {"light"}

    # The reader picks Dark: the watcher reports it, and the browser's rerun carries the new theme.
    at.context["theme"] = "dark"
    _report(at, "dark")
    assert not at.exception
    assert len(runs) == 2  # one run for the report: the watcher asks for no further run on the server
    assert _drawn_accents(at) == {"dark"}
    # drawn == reported == what the page shows: the watcher's browser side has nothing left to ask for
    assert _watcher_data(at) == {"drawn": "dark", "reported": "dark"}

    # A rerun whose browser still reported the old theme draws that one, and the data says dark was reported
    # already, so the page (dark) does not ask again: no loop even then.
    at.context["theme"] = "light"
    _report(at, "dark")
    assert len(runs) == 3 and _drawn_accents(at) == {"light"}
    assert _watcher_data(at) == {"drawn": "light", "reported": "dark"}

    # And back: Light reported, drawn light.
    _report(at, "light")
    assert len(runs) == 4 and _drawn_accents(at) == {"light"}
    assert _watcher_data(at) == {"drawn": "light", "reported": "light"}
