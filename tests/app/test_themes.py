"""Both themes are defined in .streamlit/config.toml, high-contrast, and the figures follow the active one."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

import ui.theme
from attention_core.figures.palette import ACCENT, ACCENT_ON_DARK, DARK_BACKGROUND, LIGHT_BACKGROUND
from tests.figures.test_theme_colors import contrast, luminance
from ui.theme import COLOR_OPTIONS, THEMES, theme_colors, themed


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
    drawn = themed(fig)
    expected = ACCENT_ON_DARK if theme == "dark" else ACCENT
    assert tuple(drawn.data[0].marker.color) == (expected, "#0072B2")
    assert tuple(fig.data[0].marker.color) == (
        ACCENT,
        "#0072B2",
    )  # the registered (export) figure is untouched
