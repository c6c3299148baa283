"""The app's two themes (.streamlit/config.toml [theme.light] / [theme.dark]) and which one a browser shows.

The reader switches in the ⋮ menu (Light / Dark / System; System follows the browser's colour scheme), and a
link can force one with `?embed_options=dark_theme` or `light_theme` (Streamlit reads it in the browser).
"""

from __future__ import annotations

from typing import Literal

import plotly.graph_objects as go
import streamlit as st

from attention_core.figures.theme import for_dark

Theme = Literal["light", "dark"]
THEMES: tuple[Theme, ...] = ("light", "dark")
URL_OPTION = {"light": "embed_options=light_theme", "dark": "embed_options=dark_theme"}  # forces a theme
COLOR_OPTIONS = ("backgroundColor", "secondaryBackgroundColor", "textColor", "primaryColor")


def theme_colors(theme: Theme) -> dict[str, str]:
    """The colours config.toml defines for `theme` (background, secondary background, text, accent)."""
    return {name: str(st.get_option(f"theme.{theme}.{name}")) for name in COLOR_OPTIONS}


def active_theme() -> Theme:
    """The theme this browser shows, as it reported with this rerun (light when it has not said)."""
    return "dark" if st.context.theme.type == "dark" else "light"


def themed(fig: go.Figure) -> go.Figure:
    """`fig` as drawn in the active theme: palette colours swapped for their dark twins on a dark page."""
    return for_dark(fig) if active_theme() == "dark" else fig
